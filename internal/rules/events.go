package rules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/store"
)

// Case events rules run on besides a new post.
const (
	OnPost       = "post"
	OnSLAWarning = "sla_warning"
	OnSLABreach  = "sla_breach"
)

var events = []string{OnPost, OnSLAWarning, OnSLABreach}

func checkOn(c *Conditions) error {
	for _, ev := range c.On {
		if !slices.Contains(events, ev) {
			return invalid("on", "a rule runs on post, sla_warning or sla_breach, not %q", ev)
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
		return e.run(ctx, tx, rs, set, &posts[0], cs, e.now().UTC(), event, event+":"+key)
	})
}
