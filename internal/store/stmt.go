package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache holds statements prepared once on the write pool. SQLite
// parses every statement text it is given, and the desk's hot path runs
// the same few statements for every post, so preparing them once saves a
// third of its time.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (db *DB) cache() *stmtCache {
	db.stmtOnce.Do(func() { db.stmts = &stmtCache{m: map[string]*sql.Stmt{}} })
	return db.stmts
}

// Prepare readies statements on the write pool for later use in
// transactions through Stmt. Call it outside any transaction: on SQLite
// the write pool has one connection, which a transaction holds.
func (db *DB) Prepare(ctx context.Context, queries ...string) error {
	c := db.cache()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, q := range queries {
		if _, ok := c.m[q]; ok {
			continue
		}
		st, err := db.Write.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		c.m[q] = st
	}
	return nil
}

// Stmt returns q bound to tx: the statement prepared by Prepare when there
// is one, else q prepared in the transaction (correct, only slower).
func (db *DB) Stmt(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	c := db.cache()
	c.mu.Lock()
	st, ok := c.m[q]
	c.mu.Unlock()
	if ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, q)
}

// closeStmts releases the cache of db.
func (db *DB) closeStmts() {
	c := db.cache()
	c.mu.Lock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
	c.mu.Unlock()
}
