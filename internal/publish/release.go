package publish

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/store"
)

// MissedAfter is how late a recurring occurrence may still go out; one
// older than that is skipped.
const MissedAfter = time.Hour

// Horizon is how far ahead the occurrences of a recurring publication are
// handed to the outbox, which then sends each when it falls due.
const Horizon = 36 * time.Hour

// release marks the publication approved and queues its first occurrence
// of every version in tx. fast marks the emergency path: a signature is
// owed after the fact.
func (s *Service) release(ctx context.Context, tx *sql.Tx, p *auth.Principal, cur Publication, fast bool) error {
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE publications SET state = 'approved', released_at = $2, after_sign_due = $3, updated_at = $2, version = version + 1 WHERE id = $1`,
		cur.ID, store.Millis(now), store.Bool(fast)); err != nil {
		return err
	}
	cur.ReleasedAt = now
	n, err := s.queueOccurrence(ctx, tx, cur, 0)
	if err != nil {
		return err
	}
	note := ""
	if fast {
		note = "emergency: released on one approval; a second approver must sign after the fact"
	}
	return s.event(ctx, tx, p, cur.ID, "released", cur.Round, note, map[string]any{"outbox_items": n, "fast_path": fast})
}

// occurrenceAt is when occurrence n of a publication falls due: the zero
// time (at once) for an unscheduled one-off.
func occurrenceAt(p Publication, n int) time.Time {
	base := p.ScheduledAt
	if base.IsZero() {
		base = p.ReleasedAt
		if n == 0 {
			return time.Time{}
		}
	}
	switch p.Recur {
	case "daily":
		return base.AddDate(0, 0, n)
	case "weekly":
		return base.AddDate(0, 0, 7*n)
	case "monthly":
		return base.AddDate(0, n, 0)
	}
	return base
}

// queueOccurrence hands occurrence n of every version to the outbox. The
// outbox key and publication_sends' primary key make a second call (a
// replica's sweep racing this one, a retry after a crash) queue nothing.
func (s *Service) queueOccurrence(ctx context.Context, tx *sql.Tx, p Publication, n int) (int, error) {
	due := occurrenceAt(p, n)
	rows, err := tx.QueryContext(ctx, `SELECT id, channel_id, text, with_media FROM publication_versions WHERE publication_id = $1 ORDER BY id`, p.ID)
	if err != nil {
		return 0, err
	}
	type ver struct {
		id, ch int64
		text   string
		media  bool
	}
	var vs []ver
	for rows.Next() {
		var v ver
		var wm int
		if err := rows.Scan(&v.id, &v.ch, &v.text, &wm); err != nil {
			rows.Close()
			return 0, err
		}
		v.media = wm != 0
		vs = append(vs, v)
	}
	rows.Close()
	urls, err := s.mediaURLs(ctx, tx, p.ID)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, v := range vs {
		it := outbox.Item{
			IdempotencyKey: fmt.Sprintf("publication:%d:v%d:o%d", p.ID, v.id, n),
			ChannelID:      v.ch,
			Kind:           outbox.Publish,
			Text:           v.text,
			CreatedBy:      p.CreatedBy,
			NotBefore:      due,
		}
		if v.media {
			it.Media = urls
		}
		oid, created, err := s.ob.EnqueueTx(ctx, tx, it)
		if err != nil {
			return queued, err
		}
		if !created {
			continue
		}
		dueAt := due
		if dueAt.IsZero() {
			dueAt = s.now()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO publication_sends (version_id, occurrence, publication_id, due_at, outbox_id) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (version_id, occurrence) DO NOTHING`, v.id, n, p.ID, store.Millis(dueAt), oid); err != nil {
			return queued, err
		}
		queued++
	}
	b, err := s.queueBroadcasts(ctx, tx, p, n, due)
	if err != nil {
		return queued, err
	}
	// Occurrence n is handed over (or was, by another replica): the sweep
	// goes on from n+1.
	if _, err := tx.ExecContext(ctx, `UPDATE publications SET queued_occurrences = $2 WHERE id = $1 AND queued_occurrences < $2`, p.ID, n+1); err != nil {
		return queued, err
	}
	return queued + b, nil
}

// Sweep queues the occurrences of approved recurring publications that
// fall due within Horizon. Every replica may run it at once: each
// occurrence is queued once (queueOccurrence).
func (s *Service) Sweep(ctx context.Context) (int, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+pubCols+` FROM publications WHERE state = 'approved' AND recur <> ''`)
	if err != nil {
		return 0, fmt.Errorf("publish: unable to sweep: %w", err)
	}
	var pubs []Publication
	for rows.Next() {
		p, err := scanPub(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		pubs = append(pubs, p)
	}
	rows.Close()
	limit := s.now().Add(Horizon)
	total := 0
	for _, p := range pubs {
		for {
			var n int
			if err := s.db.Read.QueryRowContext(ctx, `SELECT queued_occurrences FROM publications WHERE id = $1`, p.ID).Scan(&n); err != nil {
				return total, err
			}
			at := occurrenceAt(p, n)
			if at.After(limit) || (!p.RecurUntil.IsZero() && at.After(p.RecurUntil)) {
				break
			}
			var q int
			moved := false
			err := s.db.Tx(ctx, func(tx *sql.Tx) error {
				cur, err := s.lock(ctx, tx, p.ID)
				if err != nil || cur.State != Approved {
					return err
				}
				var done int
				if err := tx.QueryRowContext(ctx, `SELECT queued_occurrences FROM publications WHERE id = $1`, p.ID).Scan(&done); err != nil || done != n {
					return err // another replica queued it: look again
				}
				moved = true
				if at.Before(s.now().Add(-MissedAfter)) {
					// Approved too late for this one (or the desk was
					// down): a day-old reminder is not sent now.
					_, err := tx.ExecContext(ctx, `UPDATE publications SET queued_occurrences = $2 WHERE id = $1`, p.ID, n+1)
					return err
				}
				q, err = s.queueOccurrence(ctx, tx, cur, n)
				return err
			})
			if err != nil {
				return total, fmt.Errorf("publish: unable to queue occurrence %d of %d: %w", n, p.ID, err)
			}
			total += q
			if !moved {
				break // the publication changed or another replica is ahead: next sweep
			}
		}
	}
	if total > 0 {
		s.ob.Wake()
	}
	return total, nil
}

// Run sweeps every interval until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("publishing sweep failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Reschedule moves a publication to at (the calendar's drag, or its date
// form). An approved one moves without a new approval (its words do not
// change) as long as the outbox has not started sending it; each move is
// in the history and the audit log.
func (s *Service) Reschedule(ctx context.Context, p *auth.Principal, id int64, at time.Time) (Publication, error) {
	now := s.now()
	at = at.Truncate(time.Second)
	switch {
	case at.IsZero():
		return Publication{}, invalid("scheduled_at", "choose a date and time")
	case at.Before(now.Add(-time.Minute)):
		return Publication{}, invalid("scheduled_at", "%s has passed", at.Format("2006-01-02 15:04 MST"))
	case at.After(now.Add(MaxScheduleAhead)):
		return Publication{}, invalid("scheduled_at", "%s is more than a year ahead", at.Format("2006-01-02"))
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		switch cur.State {
		case Cancelled:
			return conflict("state", "publication %d is cancelled", id)
		case Approved:
			if cur.Recur != "" {
				var queued int
				if err := tx.QueryRowContext(ctx, `SELECT queued_occurrences FROM publications WHERE id = $1`, id).Scan(&queued); err != nil {
					return err
				}
				if queued > 1 {
					return conflict("started", "the series has started: cancel it and compose a new one to change its times")
				}
			}
			items, err := outboxOf(ctx, tx, id)
			if err != nil {
				return err
			}
			var ids []int64
			for _, it := range items {
				// A message withdrawn since (a citizen who opted out)
				// stays withdrawn.
				if strings.HasSuffix(it.key, ":o0") && it.state != "cancelled" {
					ids = append(ids, it.id)
				}
			}
			for _, oid := range ids {
				if err := s.ob.RescheduleTx(ctx, tx, oid, at); err != nil {
					return conflict("sending", "too late to move: the outbox has started sending it")
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE publication_sends SET due_at = $2 WHERE publication_id = $1 AND occurrence = 0`, id, store.Millis(at)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE publications SET scheduled_at = $2, updated_at = $3, version = version + 1 WHERE id = $1`,
			id, store.Millis(at), store.Millis(now)); err != nil {
			return err
		}
		from := "unscheduled"
		if !cur.ScheduledAt.IsZero() {
			from = cur.ScheduledAt.UTC().Format(time.RFC3339)
		}
		return s.event(ctx, tx, p, id, "rescheduled", cur.Round, from+" → "+at.UTC().Format(time.RFC3339), nil)
	})
	if err != nil {
		return Publication{}, wrap("reschedule", err)
	}
	return s.Get(ctx, id)
}

// Occurrences are the times a publication falls due in [from, to): one
// for a one-off (its schedule, or when it was released), each repeat for
// a series. The calendar draws them.
func Occurrences(p Publication, from, to time.Time) []time.Time {
	if p.Recur == "" {
		at := p.When()
		if at.Before(from) || !at.Before(to) {
			return nil
		}
		return []time.Time{at}
	}
	var out []time.Time
	for n := 0; n < 400; n++ {
		at := occurrenceAt(p, n)
		if !at.Before(to) || (!p.RecurUntil.IsZero() && at.After(p.RecurUntil)) {
			break
		}
		if !at.Before(from) {
			out = append(out, at)
		}
	}
	return out
}

type queuedItem struct {
	id         int64
	key, state string
}

// outboxOf lists every outbox item a publication queued: its accounts'
// versions, its stations' Telegram posts and WhatsApp broadcasts, all
// keyed "publication:{id}:…" (a range on the key's unique index).
func outboxOf(ctx context.Context, tx *sql.Tx, pubID int64) ([]queuedItem, error) {
	prefix := fmt.Sprintf("publication:%d:", pubID)
	rows, err := tx.QueryContext(ctx, `SELECT id, idempotency_key, state FROM outbox WHERE idempotency_key >= $1 AND idempotency_key < $2`,
		prefix, prefix[:len(prefix)-1]+";")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []queuedItem
	for rows.Next() {
		var it queuedItem
		if err := rows.Scan(&it.id, &it.key, &it.state); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}
