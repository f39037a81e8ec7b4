package store

import "github.com/jackc/pgx/v5"

// OneShot returns args for a query PostgreSQL must plan for these values
// every time. pgx caches each query as a prepared statement per
// connection, and after five runs PostgreSQL may switch to a generic plan
// made without the values; for the inbox, whose best plan depends on them
// (which status, how common a searched word), that plan was up to 6x
// slower (a search at 1M posts: 170 → 650 ms). The unnamed statement pgx
// uses instead is planned with the values, in the same single round trip.
// SQLite plans every statement without values, so args go unchanged.
func (db *DB) OneShot(args []any) []any {
	if db.Dialect != Postgres {
		return args
	}
	return append([]any{pgx.QueryExecModeExec}, args...)
}
