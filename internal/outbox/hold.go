package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// Held is the state of an item a restored database found still able to
// leave (pending, sending or awaiting approval when the backup was taken).
// The live desk may have sent it after the copy was taken, so sending it
// again could answer the citizen twice: it waits until a person has looked
// on the platform and releases it (back to where it was) or cancels it.
const Held State = "held"

// heldFrom are the states a restore holds: everything that could still
// reach a platform without a person deciding again. Failed and unknown
// items already wait for a person.
var heldFrom = []State{Pending, Sending, AwaitingApproval}

// RestoredNote starts the decision note of every held item.
const RestoredNote = "held: restored from a backup"

// HoldRestored holds the outbox of a database restored from a backup. A
// backup leaves a restore point in its copy (store.MarkRestorePoint); the
// first call on a database with an open restore point holds every item
// that could still leave, closes the point and runs then (the caller's
// audit entry) in the same transaction. Later calls find nothing to do. It
// returns how many items it held and whether the database was a restored
// copy at all. Call it before any outbox worker runs.
func (o *Outbox) HoldRestored(ctx context.Context, then func(tx *sql.Tx, held int, takenAt time.Time) error) (int, bool, error) {
	var held int
	var restored bool
	err := o.db.Tx(ctx, func(tx *sql.Tx) error {
		var id, taken int64
		err := tx.QueryRowContext(ctx, `SELECT id, backup_taken_at FROM restore_points WHERE restored_at IS NULL ORDER BY id LIMIT 1`).Scan(&id, &taken)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		restored = true
		now := store.Millis(o.now())
		note := fmt.Sprintf("%s taken at %s; it may have been sent since: look for it on the platform, then release or cancel it",
			RestoredNote, store.Time(taken).Format(time.RFC3339))
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET held_from = state, state = 'held', decision_note = $1, decided_by = NULL,
			decided_at = $2, claimed_by = '', claim_expires_at = 0, updated_at = $2 WHERE state IN ($3, $4, $5)`,
			note, now, string(heldFrom[0]), string(heldFrom[1]), string(heldFrom[2]))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		held = int(n)
		if _, err := tx.ExecContext(ctx, `UPDATE restore_points SET restored_at = $1, held = $2 WHERE restored_at IS NULL`, now, held); err != nil {
			return err
		}
		if then != nil {
			return then(tx, held, store.Time(taken))
		}
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("outbox: unable to hold a restored outbox: %w", err)
	}
	return held, restored, nil
}

// Release is a person's decision that a held item was not sent after the
// backup: it returns to the state it was held from (an item caught while
// sending goes back to pending) and is due now.
func (o *Outbox) Release(ctx context.Context, id, userID int64, reason string) error {
	err := o.transition(ctx, id, []State{Held},
		`state = CASE held_from WHEN 'awaiting_approval' THEN 'awaiting_approval' ELSE 'pending' END, held_from = '',
		 attempts = 0, next_attempt_at = $2, decided_by = $3, decided_at = $2, decision_note = $4`,
		userID, "released: "+note(reason))
	if err == nil {
		o.notify()
	}
	return err
}
