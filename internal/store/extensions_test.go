package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// withDatabase gives fn a URL of a new, empty database (no extension in
// it yet), dropped afterwards: the shared test database already has
// pg_trgm, which would hide what a first migration does.
func withDatabase(t *testing.T, fn func(base string)) {
	base := PostgresURL()
	if base == "" {
		t.Skip("KAVAL_TEST_POSTGRES not set; PostgreSQL suite skipped")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("kaval_ext_%d_%d", time.Now().UnixNano()%1e9, pgSeq.Add(1))
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("the test role needs CREATEDB (scripts/postgres.sh grants it): %v", err)
	}
	defer admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	fn(u.String())
}

func openSchema(t *testing.T, base, schema, path string) (*DB, error) {
	t.Helper()
	ctx := context.Background()
	a, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Exec("CREATE SCHEMA IF NOT EXISTS " + schema); err != nil {
		t.Fatal(err)
	}
	a.Close()
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	db, err := Open(ctx, base+sep+"search_path="+path)
	if err != nil {
		t.Fatal(err)
	}
	return db, db.Migrate(ctx)
}

// Two desks in two schemas of one database both migrate: the first one
// does not bury pg_trgm inside its own schema.
func TestTwoSchemasMigrate(t *testing.T) {
	withDatabase(t, func(base string) {
		for _, s := range []string{"desk_a", "desk_b"} {
			db, err := openSchema(t, base, s, s+",public")
			if err != nil {
				t.Fatalf("schema %s: %v", s, err)
			}
			var where string
			db.Read.QueryRow(`SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE extname = 'pg_trgm'`).Scan(&where)
			if where != "public" {
				t.Fatalf("pg_trgm installed in %q", where)
			}
			db.Close()
		}
	})
}

// An extension the search_path cannot reach is a clear error naming what
// to change, not "operator class gin_trgm_ops does not exist".
func TestExtensionOutsideSearchPathIsExplained(t *testing.T) {
	withDatabase(t, func(base string) {
		a, _ := sql.Open("pgx", base)
		defer a.Close()
		if _, err := a.Exec("CREATE SCHEMA ext; CREATE EXTENSION pg_trgm SCHEMA ext"); err != nil {
			t.Fatal(err)
		}
		db, err := openSchema(t, base, "desk_c", "desk_c")
		defer db.Close()
		if err == nil || !strings.Contains(err.Error(), `installed in schema "ext"`) || !strings.Contains(err.Error(), "search_path=YOUR_SCHEMA,ext") {
			t.Fatalf("want an explanation, got %v", err)
		}
		db.Close()
		// With the schema on its path the same desk migrates.
		db, err = openSchema(t, base, "desk_c", "desk_c,ext")
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	})
}
