package desk

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kaval-desk/kaval/internal/store"
)

// "Was it resolved?" answers, given by the citizen on the public status
// page (whoever holds the reference and its code).
const (
	FeedbackYes = "yes"
	FeedbackNo  = "no"
)

// EventFeedback is the timeline kind of a citizen's answer, so the desk
// sees what the citizen thought of the outcome.
const EventFeedback = "feedback"

// ErrFeedbackTooEarly: a case that is not resolved or closed cannot be
// judged yet.
var ErrFeedbackTooEarly = errors.New("desk: feedback is asked once the case is resolved or closed")

// FeedbackOpen reports whether a case in this status takes feedback.
func FeedbackOpen(status string) bool { return status == StatusResolved || status == StatusClosed }

// Feedback returns the citizen's current answer on a case ("" for none).
func (d *Desk) Feedback(ctx context.Context, caseID int64) (string, error) {
	var a string
	err := d.db.Read.QueryRowContext(ctx, "SELECT answer FROM case_feedback WHERE case_id = $1", caseID).Scan(&a)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return a, err
}

// RecordFeedback stores the answer of whoever holds the case's reference
// and status code: one answer per case, which a later one replaces. It is
// refused before the case is resolved or closed. A new or changed answer
// goes on the case's timeline (no actor: it is the citizen's); repeating
// the same answer changes nothing. Nothing about the person is kept: the
// answer, its language and when.
func (d *Desk) RecordFeedback(ctx context.Context, ref, code, answer, lang string) (changed bool, err error) {
	if answer != FeedbackYes && answer != FeedbackNo {
		return false, Invalid("answer", "answer yes or no")
	}
	if lang != "kn" {
		lang = "en"
	}
	c, err := d.PublicCase(ctx, ref, code)
	if err != nil {
		return false, err
	}
	now := d.opt.Now().UTC()
	err = d.db.Tx(ctx, func(tx *sql.Tx) error {
		// The status is read again under the transaction: a case reopened
		// since the page was shown takes no answer.
		var status string
		if err := tx.QueryRowContext(ctx, "SELECT status FROM cases WHERE id = $1", c.ID).Scan(&status); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return store.ErrNotFound
			}
			return err
		}
		if !FeedbackOpen(status) {
			return ErrFeedbackTooEarly
		}
		var prev string
		err := tx.QueryRowContext(ctx, "SELECT answer FROM case_feedback WHERE case_id = $1", c.ID).Scan(&prev)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_feedback (case_id, answer, lang, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
				c.ID, answer, lang, store.Millis(now)); err != nil {
				return err
			}
		case err != nil:
			return err
		case prev == answer:
			return nil
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE case_feedback SET answer = $1, lang = $2, changes = changes + 1, updated_at = $3 WHERE case_id = $4`,
				answer, lang, store.Millis(now), c.ID); err != nil {
				return err
			}
		}
		changed = true
		body := map[string]any{"answer": answer, "lang": lang}
		if prev != "" {
			body["was"] = prev
		}
		return d.event(ctx, tx, c.ID, 0, EventFeedback, body, now)
	})
	return changed, err
}
