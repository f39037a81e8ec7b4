package rules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/store"
)

// Case events rules run on besides a new post.
const (
	OnPost       = "post"
	OnSLAWarning = "sla_warning"
	OnSLABreach  = "sla_breach"
	OnStatus     = "status"
)

var events = []string{OnPost, OnSLAWarning, OnSLABreach, OnStatus}

func checkOn(c *Conditions) error {
	for _, ev := range c.On {
		if !slices.Contains(events, ev) {
			return invalid("on", "a rule runs on post, status, sla_warning or sla_breach, not %q", ev)
		}
	}
	for _, st := range c.Statuses {
		if !slices.Contains(desk.Statuses, st) {
			return invalid("statuses", "unknown status %q", st)
		}
	}
	if slices.Equal(c.On, []string{OnPost}) {
		c.On = nil // the default, stored once
	}
	return nil
}

// on reports whether the rule runs on event ("" is a new post).
func (r *compiled) on(event string) bool {
	if event == "" {
		return len(r.Conditions.On) == 0 || slices.Contains(r.Conditions.On, OnPost)
	}
	return slices.Contains(r.Conditions.On, event)
}

// recordRun writes the run that makes a rule act once: per post, or per
// case event (key).
func recordRun(ctx context.Context, tx *sql.Tx, ruleID, postID, caseID int64, now time.Time, key string) (sql.Result, error) {
	if key == "" {
		return tx.ExecContext(ctx, "INSERT INTO rule_runs (rule_id, post_id, case_id, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
			ruleID, postID, caseID, store.Millis(now))
	}
	return tx.ExecContext(ctx, "INSERT INTO rule_event_runs (rule_id, event_key, case_id, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
		ruleID, key, caseID, store.Millis(now))
}

// CaseEvent runs the rules that run on event for case caseID, in order
// with stop-processing, each at most once per key (the event's identity:
// a second call for the same event, on any replica, does nothing). Post
// conditions are judged on the case's latest post.
func (e *Engine) CaseEvent(ctx context.Context, caseID int64, event, key string) error {
	e.mu.RLock()
	rs, set := e.rules, e.set
	e.mu.RUnlock()
	if !slices.ContainsFunc(rs, func(r *compiled) bool { return r.on(event) }) {
		return nil
	}
	places := slices.ContainsFunc(rs, func(c *compiled) bool { return c.places })
	return e.db.BackgroundTx(ctx, func(tx *sql.Tx) error {
		var postID int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM posts WHERE case_id = $1 ORDER BY id DESC LIMIT 1", caseID).Scan(&postID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("rules: unable to read case %d's posts: %w", caseID, err)
		}
		posts, err := query.ReadPosts(ctx, tx, []int64{postID}, places)
		if err != nil || len(posts) == 0 {
			return err
		}
		cs, err := readCase(ctx, tx, caseID)
		if err != nil {
			return err
		}
		var z raises
		if err := e.run(ctx, tx, rs, set, &posts[0], cs, e.now().UTC(), event, event+":"+key, &z); err != nil {
			return err
		}
		return e.raiseAll(ctx, tx, &z)
	})
}

// StatusEvents runs the rules on status changes: every status event on a
// case's timeline written since the window began, once per rule and event
// (the event's id is the key), so running it on every replica, or again
// over the same window, acts once. Rules see the case as it is now.
func (e *Engine) StatusEvents(ctx context.Context, window time.Duration) (int, error) {
	e.mu.RLock()
	has := slices.ContainsFunc(e.rules, func(r *compiled) bool { return r.on(OnStatus) })
	e.mu.RUnlock()
	if !has {
		return 0, nil
	}
	rows, err := e.db.Read.QueryContext(ctx, `SELECT id, case_id FROM case_events WHERE kind = 'status' AND at >= $1 ORDER BY id`,
		store.Millis(e.now().Add(-window)))
	if err != nil {
		return 0, fmt.Errorf("rules: unable to read status events: %w", err)
	}
	type ev struct{ id, caseID int64 }
	var evs []ev
	for rows.Next() {
		var x ev
		if err := rows.Scan(&x.id, &x.caseID); err != nil {
			rows.Close()
			return 0, err
		}
		evs = append(evs, x)
	}
	rows.Close()
	for _, x := range evs {
		if err := e.CaseEvent(ctx, x.caseID, OnStatus, fmt.Sprint(x.id)); err != nil {
			return 0, err
		}
	}
	return len(evs), nil
}

// RunStatusEvents calls StatusEvents every interval until ctx ends.
func (e *Engine) RunStatusEvents(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := e.StatusEvents(ctx, 10*every); err != nil && ctx.Err() == nil {
			e.log.Warn("rules: status events failed", "err", err)
		}
	}
}
