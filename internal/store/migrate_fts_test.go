package store

import (
	"context"
	"strings"
	"testing"
)

// Migration 00008 drops the full-text entries of posts an older desk
// indexed at intake but had not threaded, so that the pipeline, which now
// indexes when it threads, does not index them twice; threaded posts keep
// theirs.
func TestMigrationDropsPendingFTSEntries(t *testing.T) {
	db := NewTestSQLite(t)
	ctx := context.Background()
	for _, p := range []struct {
		id    int
		stage int
		body  string
	}{{1, 2, "threaded snatching"}, {2, 1, "pending snatching"}, {3, 0, "stored snatching"}} {
		if _, err := db.Write.ExecContext(ctx, `INSERT INTO posts (id, platform, external_id, text, created_at, received_at, stage)
			VALUES ($1, 'x', $2, $3, 0, 0, $4)`, p.id, p.body, p.body, p.stage); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Write.ExecContext(ctx, "INSERT INTO posts_fts (rowid, body) VALUES ($1, $2)", p.id, p.body); err != nil {
			t.Fatal(err)
		}
	}
	b, err := migrations.ReadFile("migrations/sqlite/00008_fts_by_pipeline.sql")
	if err != nil {
		t.Fatal(err)
	}
	up := string(b)
	up = up[strings.Index(up, "-- +goose Up")+len("-- +goose Up") : strings.Index(up, "-- +goose Down")]
	if _, err := db.Write.ExecContext(ctx, up); err != nil {
		t.Fatal(err)
	}
	var ids []int
	rows, err := db.Read.QueryContext(ctx, "SELECT rowid FROM posts_fts WHERE posts_fts MATCH 'snatching' ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) != 1 || ids[0] != 1 {
		t.Fatalf("entries left %v, want only the threaded post's [1]", ids)
	}
}
