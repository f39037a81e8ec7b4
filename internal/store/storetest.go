package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
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
// PostgreSQL every test gets its own schema, dropped afterwards.
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

// NewTestPostgres opens a migrated PostgreSQL database in a private schema.
// It skips when KAVAL_TEST_POSTGRES is unset, and fails when it is set but
// the server cannot be reached.
func NewTestPostgres(t testing.TB) *DB {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Skip("KAVAL_TEST_POSTGRES not set; PostgreSQL suite skipped")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	schema := fmt.Sprintf("t_%d_%d", time.Now().UnixNano()%1e9, pgSeq.Add(1))
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("postgres at %s: %v", Redact(base), err)
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	db, err := Open(ctx, base+sep+"search_path="+schema+",public")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		a, err := sql.Open("pgx", base)
		if err == nil {
			a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
