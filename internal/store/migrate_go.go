package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"
)

// goMigrations are the migrations SQL alone cannot write portably. They
// take version numbers from the same ranges as the SQL files.
func (db *DB) goMigrations() []*goose.Migration {
	return []*goose.Migration{
		goose.NewGoMigration(430, &goose.GoFunc{RunTx: db.outboxHeldState}, &goose.GoFunc{RunTx: func(context.Context, *sql.Tx) error { return nil }}),
	}
}

// outboxStates are the outbox's states after migration 430, which adds
// held: items a restored database must not send before a person confirms
// (see outbox.HoldRestored).
const (
	outboxStatesBefore = "'awaiting_approval', 'pending', 'sending', 'sent', 'failed', 'unknown', 'cancelled'"
	outboxStatesAfter  = outboxStatesBefore + ", 'held'"
)

// outboxHeldState widens the outbox state CHECK by one state. PostgreSQL
// replaces the constraint. SQLite cannot alter a CHECK; rebuilding the
// table would copy every row and drop any column a later migration of
// another range adds, so the stored CREATE TABLE text is edited in place
// instead, as SQLite documents for changes that leave the stored rows
// valid (https://sqlite.org/lang_altertable.html#otheralter): every
// existing row satisfies the wider CHECK.
func (db *DB) outboxHeldState(ctx context.Context, tx *sql.Tx) error {
	if db.Dialect == Postgres {
		_, err := tx.ExecContext(ctx, `ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_state_check;
			ALTER TABLE outbox ADD CONSTRAINT outbox_state_check CHECK (state IN (`+outboxStatesAfter+`))`)
		return err
	}
	var ddl string
	if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'outbox'`).Scan(&ddl); err != nil {
		return fmt.Errorf("store: unable to read the outbox table: %w", err)
	}
	if strings.Contains(ddl, outboxStatesAfter) {
		return nil
	}
	if !strings.Contains(ddl, outboxStatesBefore) {
		return fmt.Errorf("store: the outbox state CHECK is not the one migration 430 expects: %s", ddl)
	}
	var version int64
	if err := tx.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&version); err != nil {
		return err
	}
	for _, q := range []string{
		`PRAGMA writable_schema = ON`,
		fmt.Sprintf(`UPDATE sqlite_schema SET sql = replace(sql, "%s", "%s") WHERE type = 'table' AND name = 'outbox'`, outboxStatesBefore, outboxStatesAfter),
		fmt.Sprintf(`PRAGMA schema_version = %d`, version+1),
		`PRAGMA writable_schema = OFF`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: unable to add the held state to the outbox: %w", err)
		}
	}
	return nil
}
