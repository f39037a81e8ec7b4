package app

import (
	"context"
	"database/sql"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/outbox"
)

// HoldRestored holds the outbox of a database restored from a backup
// (one that carries an open restore point) before any worker can send:
// replies pending when the backup was taken may have been delivered by the
// live desk since, and sending them again answers citizens twice. It is
// audited and logged; a person releases or cancels each held item
// (/api/v1/outbox?state=held). Serve and `kaval restore` both call it.
func HoldRestored(ctx context.Context, ob *outbox.Outbox, actor string, log interface {
	Warn(string, ...any)
}) (int, bool, error) {
	held, restored, err := ob.HoldRestored(ctx, func(tx *sql.Tx, held int, takenAt time.Time) error {
		return auth.AuditTx(ctx, tx, auth.Entry{Actor: actor, Action: "outbox.hold_restored", Target: "outbox",
			Details: map[string]any{"held": held, "backup_taken_at": takenAt.Format(time.RFC3339), "reason": "restored from backup"}})
	})
	if err == nil && restored {
		log.Warn("this database was restored from a backup: outbox items that could still be sent are held until a person releases or cancels each one (GET /api/v1/outbox?state=held)", "held", held)
	}
	return held, restored, err
}
