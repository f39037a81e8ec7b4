package store

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// Bool is how booleans are stored in both dialects (0/1 integers).
func Bool(b bool) int {
	if b {
		return 1
	}
	return 0
}

var pgSeq atomic.Int64

// PostgresURL is the server the PostgreSQL suite runs against; set
// KAVAL_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test) to
// switch the suite on. CI sets it; without it the PostgreSQL half skips.
func PostgresURL() string { return os.Getenv("KAVAL_TEST_POSTGRES") }

// ForEach runs fn once per store implementation, each on a fresh, migrated
// database: the same behavioural suite on SQLite and on PostgreSQL. On
// PostgreSQL every test gets its own database, dropped afterwards.
func ForEach(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, NewTestSQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, NewTestPostgres(t))
	})
}

// NewTestSQLite opens a migrated SQLite database in a temp dir.
func NewTestSQLite(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "kaval.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// NewTestPostgres opens a migrated PostgreSQL database of its own, copied
// from a template migrated once (see pgtemplate.go) and dropped afterwards.
// It skips when KAVAL_TEST_POSTGRES is unset, and fails when it is set but
// the server cannot be reached.
func NewTestPostgres(t testing.TB) *DB {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Skip("KAVAL_TEST_POSTGRES not set; PostgreSQL suite skipped")
	}
	ctx := context.Background()
	name, u, err := newPostgresTestDB(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, u)
	if err != nil {
		dropPostgresTestDB(base, name)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		dropPostgresTestDB(base, name)
	})
	// A no-op on the copy, but it checks the copy is complete and takes
	// the same path a desk takes at start.
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := resetClock(ctx, db); err != nil {
		t.Fatal(err)
	}
	return db
}
