// Package store is the storage seam: it opens SQLite or PostgreSQL, runs the
// embedded migrations, and hands out the connection pools. Domain packages
// (ingest, desk, auth, channel, outbox…) own their SQL and run it through a
// *store.DB; SQL is written once where both dialects agree ($N parameters,
// ON CONFLICT, RETURNING) and per dialect where they do not.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Dialect names the SQL flavour behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// ErrNotFound is returned by lookups that match no row.
var ErrNotFound = errors.New("store: not found")

// DB holds the pools for one database. With SQLite, Write is a single
// connection (SQLite has one writer; queueing in Go beats SQLITE_BUSY) and
// Read is a pool of read-only connections. With PostgreSQL both are the
// same pool.
type DB struct {
	Dialect Dialect
	Write   *sql.DB
	Read    *sql.DB
	DSN     string // as given, for display (password removed)
	url     string // as given, for PostgreSQL's own tools (backup, restore)

	stmtOnce sync.Once
	stmts    *stmtCache

	fg foreground // SQLite: transactions someone is waiting on

	// SQLite: the checkpointer (see checkpointer) and what stops it.
	ckpt     *sql.DB
	ckptStop chan struct{}
	ckptDone chan struct{}
	ckptOnce sync.Once
}

// foreground counts SQLite transactions that are waiting for, or holding,
// the single write connection on behalf of a caller who waits (a webhook
// to acknowledge, an officer's click), so background work can let the
// ones queued ahead of it go first.
type foreground struct {
	mu      sync.Mutex
	entered uint64        // foreground transactions ever queued
	left    uint64        // … and finished
	changed chan struct{} // closed (and replaced) whenever one finishes
}

func (f *foreground) enter() {
	f.mu.Lock()
	f.entered++
	f.mu.Unlock()
}

func (f *foreground) leave() {
	f.mu.Lock()
	f.left++
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
	f.mu.Unlock()
}

// wait returns once every foreground transaction queued before the call
// has finished (later ones do not hold background work back, so a steady
// stream of webhooks cannot starve it), or after max, or when ctx ends.
func (f *foreground) wait(ctx context.Context, max time.Duration) {
	f.mu.Lock()
	target := f.entered
	f.mu.Unlock()
	var deadline <-chan time.Time
	for {
		f.mu.Lock()
		if f.left >= target {
			f.mu.Unlock()
			return
		}
		if f.changed == nil {
			f.changed = make(chan struct{})
		}
		changed := f.changed
		f.mu.Unlock()
		if deadline == nil {
			t := time.NewTimer(max)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-changed:
		case <-deadline:
			return
		case <-ctx.Done():
			return
		}
	}
}

// Open parses a database URL: "sqlite:PATH" (or a bare path ending in .db),
// "postgres://…" or "postgresql://…".
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//"))
	case strings.HasSuffix(dsn, ".db") || strings.HasSuffix(dsn, ".sqlite"):
		return openSQLite(ctx, dsn)
	}
	return nil, fmt.Errorf("store: unsupported database %q (want sqlite:PATH or postgres://…)", Redact(dsn))
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("store: empty sqlite path")
	}
	// busy_timeout must come first so the WAL switch itself waits for locks.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)"
	// The writer keeps a small page cache over a mapped file: SQLite scans
	// its whole page-cache hash at the end of every write transaction, so a
	// 64 MB cache cost each webhook group commit ~30 µs (2% of the desk's
	// CPU at 4,500 deliveries/s), while a page read through the map costs
	// no system call.
	//
	// The writer checkpoints the WAL itself only as a backstop (at
	// walBackstopPages); the checkpointer does it in the background.
	w, err := sql.Open("sqlite", "file:"+uriPath(path)+"?"+pragmas+"&_pragma=cache_size(-8192)&_pragma=mmap_size(1073741824)"+
		"&_pragma=wal_autocheckpoint("+strconv.Itoa(walBackstopPages)+")&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: unable to open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: unable to open %s: %w", path, err)
	}
	// Readers map the file instead of caching pages: every commit
	// invalidates a reader's page cache, and resetting a large cache after
	// each write cost the desk's workers a sixth of their time.
	r, err := sql.Open("sqlite", "file:"+uriPath(path)+"?"+pragmas+"&_pragma=cache_size(-65536)&_pragma=query_only(1)&_pragma=mmap_size(1073741824)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: unable to open %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	c, err := sql.Open("sqlite", "file:"+uriPath(path)+"?"+pragmas)
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("store: unable to open %s: %w", path, err)
	}
	c.SetMaxOpenConns(1)
	db := &DB{Dialect: SQLite, Write: w, Read: r, DSN: "sqlite:" + path,
		ckpt: c, ckptStop: make(chan struct{}), ckptDone: make(chan struct{})}
	go db.checkpointer(checkpointEvery)
	return db, nil
}

// uriPath escapes a file path for a SQLite "file:" URI, whose query and
// fragment would otherwise begin at a '?' or '#' in the path: a database
// in a directory named "sqlite#01" silently opened the file "sqlite"
// beside it.
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// SQLite WAL checkpoints. By default the connection whose commit takes the
// WAL past 1,000 pages copies it into the database file and syncs it,
// inside that commit: on the one writer, that is a webhook's group commit
// stalled for the copy and the fsync (4% of the desk's CPU at 5,000
// deliveries/s, and the wait for the disk on top). Instead a connection of
// its own checkpoints every checkpointEvery in PASSIVE mode, which runs
// beside the writer and readers without blocking them. The writer starts
// the WAL over once everything in it is checkpointed, which happens at the
// first pause in writing; under a steady stream of writes the WAL can grow to
// walBackstopPages instead, where the writer's own checkpoint, with all
// but the latest frames already copied, completes it and the WAL starts
// over. The same backstop bounds the WAL if a reader holds an old
// snapshot.
const (
	checkpointEvery  = 200 * time.Millisecond
	walBackstopPages = 16384 // 64 MB of 4 KB pages
)

func (db *DB) checkpointer(every time.Duration) {
	defer close(db.ckptDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-db.ckptStop:
			return
		case <-t.C:
		}
		// Errors (SQLITE_BUSY when another checkpoint runs) leave the
		// work to the next tick or the writer's backstop.
		db.ckpt.Exec("PRAGMA wal_checkpoint(PASSIVE)")
	}
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: unable to open postgres: %w", err)
	}
	db.SetMaxOpenConns(max(8, runtime.NumCPU()*4))
	db.SetMaxIdleConns(max(8, runtime.NumCPU()*4))
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: unable to reach postgres %s: %w", Redact(dsn), err)
	}
	return &DB{Dialect: Postgres, Write: db, Read: db, DSN: Redact(dsn), url: dsn}, nil
}

// ConnURL is the database URL as given, password included, for starting
// another process or PostgreSQL's own tools on the same database. Never
// log it; DSN is the printable form.
func (db *DB) ConnURL() string {
	if db.url != "" {
		return db.url
	}
	return db.DSN
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.ckpt != nil {
		db.ckptOnce.Do(func() {
			close(db.ckptStop)
			<-db.ckptDone
			db.ckpt.Close()
		})
	}
	db.closeStmts()
	err := db.Write.Close()
	if db.Read != db.Write {
		err = errors.Join(err, db.Read.Close())
	}
	return err
}

// Tx runs fn in a write transaction, committing if it returns nil.
func (db *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if db.Dialect == SQLite {
		db.fg.enter()
		defer db.fg.leave()
	}
	return db.tx(ctx, fn)
}

// BackgroundMaxWait bounds how long BackgroundTx steps aside, so that under
// a sustained flood background work still advances.
const BackgroundMaxWait = 25 * time.Millisecond

// BackgroundTx is Tx for work nobody is waiting on (the pipeline threading
// stored posts). On SQLite, whose one writer every transaction queues for,
// it first lets the transactions already queued through Tx go (up to
// BackgroundMaxWait): a webhook delivery is acknowledged only after its
// commit, so its wait is the platform's and the citizen's, while a post
// threaded a few milliseconds later loses nothing. PostgreSQL has no single
// writer; there it is Tx.
func (db *DB) BackgroundTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if db.Dialect == SQLite {
		db.fg.wait(ctx, BackgroundMaxWait)
	}
	return db.tx(ctx, fn)
}

func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: unable to begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: unable to commit: %w", err)
	}
	return nil
}

// Redact removes a password from a database URL so it can be logged.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Millis converts a time to the stored form: Unix milliseconds, UTC. Both
// dialects store times as BIGINT so the same SQL and scans serve both.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Time converts stored milliseconds back; 0 is the zero time.
func Time(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// NullTime is Time for a nullable column.
func NullTime(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return Time(ms.Int64)
}
