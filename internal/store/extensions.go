package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// pgExtensions are the PostgreSQL extensions the migrations use.
var pgExtensions = []string{"pg_trgm"}

// ensureExtensions makes sure each extension the schema needs is installed
// where every desk in the database finds it. An extension exists once per
// database, in one schema: created inside the first desk's schema (the head
// of its search_path), a second desk in another schema of the same
// database could not see its operator classes ("operator class
// gin_trgm_ops does not exist"). So it goes in public, and a desk whose
// search_path does not reach the schema holding it is told how to fix
// that instead of failing half-way through a migration.
func (db *DB) ensureExtensions(ctx context.Context) error {
	for _, ext := range pgExtensions {
		schema, err := extensionSchema(ctx, db.Write, ext)
		if err != nil {
			return err
		}
		if schema == "" {
			_, err := db.Write.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS "+ext+" SCHEMA public")
			if err != nil {
				// A replica starting beside this one may have just created it.
				if s, _ := extensionSchema(ctx, db.Write, ext); s != "" {
					err, schema = nil, s
				}
			}
			if err != nil {
				return fmt.Errorf("store: unable to create the PostgreSQL extension %s (%w); "+
					"a database administrator must run, once in this database: CREATE EXTENSION %s SCHEMA public; "+
					"(it ships in Debian's postgresql-contrib)", ext, err, ext)
			}
			if schema == "" {
				schema = "public"
			}
		}
		var visible bool
		if err := db.Write.QueryRowContext(ctx, "SELECT $1 = ANY(current_schemas(false))", schema).Scan(&visible); err != nil {
			return fmt.Errorf("store: unable to read the search_path: %w", err)
		}
		if !visible {
			var path string
			db.Write.QueryRowContext(ctx, "SHOW search_path").Scan(&path)
			return fmt.Errorf("store: the PostgreSQL extension %s is installed in schema %q, which is not on this connection's search_path (%s); "+
				"add it to the URL, e.g. ?search_path=YOUR_SCHEMA,%s", ext, schema, path, schema)
		}
	}
	return nil
}

// extensionSchema returns the schema holding extension ext, or "" when it
// is not installed.
func extensionSchema(ctx context.Context, q *sql.DB, ext string) (string, error) {
	var schema string
	err := q.QueryRowContext(ctx, `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = $1`, ext).Scan(&schema)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: unable to look up the extension %s: %w", ext, err)
	}
	return schema, nil
}
