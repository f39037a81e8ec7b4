package desk

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kaval-desk/kaval/internal/store"
)

// Timeline event kinds of a reply's life. A reply is queued by a person
// (reply_queued); it counts as the desk's answer only once the platform
// accepted it (reply_sent). A reply that failed, whose outcome is unknown,
// or that the platform later reported undelivered is reply_failed.
const (
	EventReplyQueued = "reply_queued"
	EventReplySent   = "reply_sent"
	EventReplyFailed = "reply_failed"
)

// Reply outcomes RecordReply takes.
const (
	ReplySent           = "sent"
	ReplyFailed         = "failed"
	ReplyUnknown        = "unknown"         // sending was interrupted: a person checks the platform
	ReplyDeliveryFailed = "delivery_failed" // accepted, then reported undelivered (WhatsApp, Messenger)
)

// ReplyOutcome is what became of one reply sent through the outbox.
type ReplyOutcome struct {
	CaseID     int64
	OutboxID   int64
	Actor      int64  // who wrote the reply
	Outcome    string // ReplySent, ReplyFailed, ReplyUnknown or ReplyDeliveryFailed
	Platform   string
	ExternalID string // the platform's id of the sent item
	URL        string
	Class      string // failure class (permanent, window_closed…)
	Code       string // the platform's error code
	Reason     string // the platform's message
}

// ReplyQueued records that a person queued a reply (the clock keeps
// running until the platform accepts it).
func (d *Desk) ReplyQueued(ctx context.Context, id, actor int64, detail map[string]any) error {
	now := d.opt.Now().UTC()
	return d.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET updated_at = $1 WHERE id = $2", store.Millis(now), id); err != nil {
			return fmt.Errorf("desk: unable to record a queued reply: %w", err)
		}
		return d.event(ctx, tx, id, actor, EventReplyQueued, detail, now)
	})
}

// RecordReply applies a reply's outcome to its case inside the caller's
// transaction (the one that records the outcome in the outbox, so the
// two never disagree after a crash):
//
//   - sent: the first-response clock stops (first time only), a new case
//     becomes open with a status event, a raised reply_failed is lowered,
//     and reply_sent goes on the timeline;
//   - failed, unknown or undelivered: reply_failed is raised and
//     reply_failed goes on the timeline with the platform's reason.
func (d *Desk) RecordReply(ctx context.Context, tx *sql.Tx, o ReplyOutcome) error {
	if o.CaseID == 0 {
		return nil
	}
	now := d.opt.Now().UTC()
	var status string
	err := tx.QueryRowContext(ctx, "SELECT status FROM cases WHERE id = $1", o.CaseID).Scan(&status)
	if err == sql.ErrNoRows {
		return nil // the case was deleted by retention
	}
	if err != nil {
		return fmt.Errorf("desk: unable to record a reply's outcome: %w", err)
	}
	body := map[string]any{"outbox_id": o.OutboxID, "platform": o.Platform}
	if o.Outcome == ReplySent {
		to := status
		if status == StatusNew {
			to = StatusOpen
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET first_response_at = COALESCE(first_response_at, $1), status = $2,
			reply_failed_at = NULL, updated_at = $1, version = version + 1 WHERE id = $3`, store.Millis(now), to, o.CaseID); err != nil {
			return fmt.Errorf("desk: unable to record a sent reply: %w", err)
		}
		if o.ExternalID != "" {
			body["external_id"] = o.ExternalID
		}
		if o.URL != "" {
			body["url"] = o.URL
		}
		// Telling the citizen is the answer the tell_citizen prompt waits for.
		if _, err := tx.ExecContext(ctx, "DELETE FROM case_tags WHERE case_id = $1 AND tag = $2", o.CaseID, TagTellCitizen); err != nil {
			return fmt.Errorf("desk: unable to record a sent reply: %w", err)
		}
		if err := d.event(ctx, tx, o.CaseID, o.Actor, EventReplySent, body, now); err != nil {
			return err
		}
		if to != status {
			return d.event(ctx, tx, o.CaseID, 0, "status", map[string]any{"from": status, "to": to, "reason": EventReplySent}, now)
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET reply_failed_at = $1, updated_at = $1, version = version + 1 WHERE id = $2`,
		store.Millis(now), o.CaseID); err != nil {
		return fmt.Errorf("desk: unable to record a failed reply: %w", err)
	}
	body["outcome"] = o.Outcome
	for k, v := range map[string]string{"class": o.Class, "code": o.Code, "reason": o.Reason} {
		if v != "" {
			body[k] = v
		}
	}
	return d.event(ctx, tx, o.CaseID, o.Actor, EventReplyFailed, body, now)
}
