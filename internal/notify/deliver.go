package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// claimFor is how long a claimed delivery is ours: longer than any send's
// timeout, so a live worker never has its delivery taken over.
const claimFor = 2 * time.Minute

// sendTimeout bounds one attempt on any channel.
const sendTimeout = 30 * time.Second

// Delivery is one queued send, as the admin API lists it.
type Delivery struct {
	ID             int64      `json:"id"`
	NotificationID int64      `json:"notification_id"`
	Channel        Channel    `json:"channel"`
	Target         string     `json:"target"`
	State          string     `json:"state"` // pending, sent, failed
	Attempts       int        `json:"attempts"`
	NextAt         time.Time  `json:"next_at"`
	LastError      string     `json:"last_error,omitempty"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
}

// permanent marks an error retrying cannot fix (a chat that does not
// exist, a bot that was blocked).
type permanent struct{ error }

// retryAfter is an error whose sender said when to try again.
type retryAfter struct {
	error
	after time.Duration
}

// Run delivers due notifications until ctx ends. Every replica may run it:
// a delivery is claimed by one worker at a time.
func (n *Notifier) Run(ctx context.Context) {
	t := time.NewTicker(n.opt.Poll)
	defer t.Stop()
	for {
		if _, err := n.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			n.log.Warn("notify: delivery round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-n.kick:
		}
	}
}

// DeliverDue makes one attempt at every delivery due now and reports how
// many it attempted.
func (n *Notifier) DeliverDue(ctx context.Context) (int, error) {
	done := 0
	for {
		now := store.Millis(n.now())
		rows, err := n.db.Read.QueryContext(ctx, `SELECT id FROM notification_deliveries
			WHERE state = 'pending' AND next_at <= $1 AND locked_until <= $1 ORDER BY next_at, id LIMIT 50`, now)
		if err != nil {
			return done, fmt.Errorf("notify: unable to list due deliveries: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return done, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return done, err
		}
		claimed := 0
		for _, id := range ids {
			ok, err := n.deliverOne(ctx, id)
			if err != nil {
				return done, err
			}
			if ok {
				claimed++
				done++
			}
		}
		if len(ids) < 50 || claimed == 0 {
			return done, nil
		}
	}
}

// deliverOne claims delivery id, sends it and records the outcome. It
// reports false when another worker had it.
func (n *Notifier) deliverOne(ctx context.Context, id int64) (bool, error) {
	now := n.now()
	res, err := n.db.Write.ExecContext(ctx, `UPDATE notification_deliveries SET locked_until = $2, attempts = attempts + 1
		WHERE id = $1 AND state = 'pending' AND next_at <= $3 AND locked_until <= $3`,
		id, store.Millis(now.Add(claimFor)), store.Millis(now))
	if err != nil {
		return false, fmt.Errorf("notify: unable to claim delivery %d: %w", id, err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return false, nil
	}
	var d Delivery
	var m Notification
	var texts string
	var created int64
	var caseID sql.NullInt64
	var key sql.NullString
	err = n.db.Write.QueryRowContext(ctx, `SELECT d.channel, d.target, d.attempts, n.id, n.kind, n.severity, n.texts, n.link, n.case_id, n.dedupe_key, n.created_at
		FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.id = $1`, id).
		Scan(&d.Channel, &d.Target, &d.Attempts, &m.ID, &m.Kind, &m.Severity, &texts, &m.Link, &caseID, &key, &created)
	if err != nil {
		return true, fmt.Errorf("notify: unable to read delivery %d: %w", id, err)
	}
	d.ID = id
	m.CaseID, m.Key, m.CreatedAt = caseID.Int64, key.String, store.Time(created)
	if err := json.Unmarshal([]byte(texts), &m.Text); err != nil {
		return true, n.finish(ctx, d, permanent{fmt.Errorf("stored text unreadable: %w", err)})
	}
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	err = n.send(sctx, d, m)
	cancel()
	if ctx.Err() != nil {
		return true, ctx.Err() // shutting down: the claim runs out and another try follows
	}
	return true, n.finish(ctx, d, err)
}

func (n *Notifier) send(ctx context.Context, d Delivery, m Notification) error {
	switch d.Channel {
	case channelLive:
		var ids []int64
		for _, s := range strings.Split(d.Target, ",") {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		if n.opt.Live == nil {
			return nil
		}
		return n.opt.Live(ctx, ids)
	case ChannelEmail:
		return n.sendEmail(ctx, d, m)
	case ChannelTelegram:
		return n.sendTelegram(ctx, d, m)
	case ChannelWebhook:
		return n.sendWebhook(ctx, d, m)
	}
	return permanent{fmt.Errorf("unknown channel %q", d.Channel)}
}

// finish records a delivery's outcome: sent, failed for good, or due
// again after a backoff.
func (n *Notifier) finish(ctx context.Context, d Delivery, sendErr error) error {
	now := n.now()
	var err error
	switch {
	case sendErr == nil:
		_, err = n.db.Write.ExecContext(ctx, `UPDATE notification_deliveries SET state = 'sent', sent_at = $2, last_error = '', locked_until = 0 WHERE id = $1`,
			d.ID, store.Millis(now))
	default:
		msg := sendErr.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		var p permanent
		if errors.As(sendErr, &p) || d.Attempts >= n.opt.MaxAttempts {
			n.log.Warn("notify: delivery failed for good", "delivery", d.ID, "channel", d.Channel, "attempts", d.Attempts, "err", sendErr)
			_, err = n.db.Write.ExecContext(ctx, `UPDATE notification_deliveries SET state = 'failed', last_error = $2, locked_until = 0 WHERE id = $1`, d.ID, msg)
		} else {
			next := now.Add(Backoff(d.Attempts))
			var ra retryAfter
			if errors.As(sendErr, &ra) && ra.after > 0 {
				next = now.Add(ra.after)
			}
			n.log.Info("notify: delivery will be retried", "delivery", d.ID, "channel", d.Channel, "attempts", d.Attempts, "at", next, "err", sendErr)
			_, err = n.db.Write.ExecContext(ctx, `UPDATE notification_deliveries SET next_at = $2, last_error = $3, locked_until = 0 WHERE id = $1`,
				d.ID, store.Millis(next), msg)
		}
	}
	if err != nil {
		return fmt.Errorf("notify: unable to record delivery %d: %w", d.ID, err)
	}
	return nil
}

// Backoff is the wait after the attempt-th failure: 10 s doubling to at
// most an hour, with ±20 % jitter so replicas and receivers are not hit
// in step.
func Backoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// Deliveries lists queued sends, newest first, optionally in one state.
func (n *Notifier) Deliveries(ctx context.Context, state string, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := `SELECT id, notification_id, channel, target, state, attempts, next_at, last_error, sent_at FROM notification_deliveries`
	args := []any{limit}
	if state != "" {
		q += ` WHERE state = $2`
		args = append(args, state)
	}
	rows, err := n.db.Read.QueryContext(ctx, q+` ORDER BY id DESC LIMIT $1`, args...)
	if err != nil {
		return nil, fmt.Errorf("notify: unable to list deliveries: %w", err)
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		var d Delivery
		var next int64
		var sent sql.NullInt64
		if err := rows.Scan(&d.ID, &d.NotificationID, &d.Channel, &d.Target, &d.State, &d.Attempts, &next, &d.LastError, &sent); err != nil {
			return nil, err
		}
		d.NextAt = store.Time(next)
		if sent.Valid {
			t := store.Time(sent.Int64)
			d.SentAt = &t
		}
		if d.Channel == ChannelWebhook {
			d.Target = redactURL(d.Target)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Retry puts a failed delivery back in the queue, due now.
func (n *Notifier) Retry(ctx context.Context, id int64) error {
	res, err := n.db.Write.ExecContext(ctx, `UPDATE notification_deliveries SET state = 'pending', attempts = 0, next_at = $2, locked_until = 0
		WHERE id = $1 AND state = 'failed'`, id, store.Millis(n.now()))
	if err != nil {
		return fmt.Errorf("notify: unable to retry delivery %d: %w", id, err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return store.ErrNotFound
	}
	n.Kick()
	return nil
}
