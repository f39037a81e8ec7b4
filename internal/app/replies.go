package app

import (
	"context"
	"database/sql"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/outbox"
)

// replyOutcome tells a reply's case what became of it, in the transaction
// that records the outcome in the outbox: only a sent reply answers the
// citizen (stops the first-response clock, opens a new case); a failed,
// unknown or undelivered one is raised on the case for the desk.
func (a *App) replyOutcome(ctx context.Context, tx *sql.Tx, it outbox.Item) error {
	if it.Kind != outbox.Reply || it.CaseID == 0 {
		return nil
	}
	o := desk.ReplyOutcome{CaseID: it.CaseID, OutboxID: it.ID, Actor: it.CreatedBy, Platform: it.Platform,
		ExternalID: it.ExternalID, URL: it.URL, Class: it.ErrorClass, Code: it.ErrorCode, Reason: it.LastError}
	switch {
	case it.State == outbox.Sent && it.DeliveryStatus == "failed":
		o.Outcome, o.Class, o.Reason = desk.ReplyDeliveryFailed, "delivery_failed", it.DeliveryDetail
	case it.State == outbox.Sent:
		o.Outcome = desk.ReplySent
	case it.State == outbox.Unknown:
		o.Outcome = desk.ReplyUnknown
	default:
		o.Outcome = desk.ReplyFailed
	}
	return a.Desk.RecordReply(ctx, tx, o)
}
