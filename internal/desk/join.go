package desk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// eventFunc records a system event on a case's timeline.
type eventFunc func(caseID int64, kind string, body map[string]any) error

// caseState is what a case becomes when a post joins it.
type caseState struct {
	status               string
	priority             int
	category             string
	unit, traffic        sql.NullInt64
	firstDue, resolveDue sql.NullInt64
}

// follow is c after a post of triage t joined it at now. A case follows its
// most urgent post: when the post is of a higher priority, the case takes
// its priority, category, station and traffic station, and its deadlines
// move to that priority's, counted from now, unless they were already
// earlier. A post no more urgent only fills what the case lacks. A citizen
// writing again reopens a resolved case or one waiting for them.
func (d *Desk) follow(c *caseHead, t triage, now time.Time) caseState {
	s := caseState{status: c.status, priority: c.priority, category: c.category, unit: c.unit, traffic: c.traffic,
		firstDue: c.firstDue, resolveDue: c.resolveDue}
	if t.prio < c.priority {
		s.priority = t.prio
		if t.category != "" {
			s.category = t.category
		}
		if t.unit.Valid {
			s.unit = t.unit
		}
		if t.traffic.Valid {
			s.traffic = t.traffic
		}
		first, resolve := d.opt.SLA.Deadlines(t.prio, now)
		s.firstDue, s.resolveDue = earlier(c.firstDue, first), earlier(c.resolveDue, resolve)
	} else {
		if s.category == "" {
			s.category = t.category
		}
		if !s.unit.Valid {
			s.unit = t.unit
		}
		if !s.traffic.Valid {
			s.traffic = t.traffic
		}
	}
	if c.status == StatusResolved || c.status == StatusWaitingCitizen {
		s.status = StatusOpen
	}
	return s
}

// same says whether s leaves every field follow decides as c has it.
func (s caseState) same(c *caseHead) bool {
	return s.status == c.status && s.priority == c.priority && s.category == c.category && s.unit == c.unit &&
		s.traffic == c.traffic && s.firstDue == c.firstDue && s.resolveDue == c.resolveDue
}

func earlier(due sql.NullInt64, t time.Time) sql.NullInt64 {
	ms := store.Millis(t)
	if due.Valid && due.Int64 <= ms {
		return due
	}
	return sql.NullInt64{Int64: ms, Valid: true}
}

// join adds p to case c and records on the timeline the post, how it came
// and every change it made to the case (by the system: no actor).
func (d *Desk) join(ctx context.Context, tx *sql.Tx, ev eventFunc, c *caseHead, p *post.Post, t triage, now time.Time,
	how string, dup dupCandidate) error {
	var s caseState
	for attempt := 0; ; attempt++ {
		s = d.follow(c, t, now)
		var res sql.Result
		var err error
		if s.same(c) {
			res, err = d.exec(ctx, tx, qJoin, c.id, c.version, store.Millis(p.CreatedAt), t.urgency, store.Millis(now))
		} else {
			res, err = d.exec(ctx, tx, qJoinFollow, c.id, c.version, store.Millis(p.CreatedAt), t.urgency,
				s.priority, s.category, s.unit, s.traffic, s.firstDue, s.resolveDue, s.status, store.Millis(now))
		}
		if err != nil {
			return fmt.Errorf("desk: unable to add post to case: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			break
		}
		// Someone changed the case since it was read (an agent, a
		// near-duplicate from another citizen): read it again, locked.
		if attempt == 1 {
			return fmt.Errorf("desk: unable to add post to case %d: it keeps changing", c.id)
		}
		if c, err = d.head(ctx, tx, d.qCaseHeadLocked(), c.id); err != nil || c == nil {
			return fmt.Errorf("desk: unable to read case: %v", err)
		}
	}
	body := map[string]any{"post_id": p.ID, "via": how}
	if how == viaDuplicate {
		body["copy_of"], body["distance"] = dup.postID, dup.dist
	}
	if err := ev(c.id, "post", body); err != nil {
		return err
	}
	if s.status != c.status {
		if err := ev(c.id, "status", map[string]any{"from": c.status, "to": s.status, "reason": "citizen wrote again"}); err != nil {
			return err
		}
	}
	if s.priority != c.priority {
		if err := ev(c.id, "priority", map[string]any{"from": c.priority, "to": s.priority, "post_id": p.ID,
			"reason": "a more urgent post", "first_response_due": s.firstDue.Int64, "resolve_due": s.resolveDue.Int64}); err != nil {
			return err
		}
	}
	if s.category != c.category {
		if err := ev(c.id, "category", map[string]any{"from": c.category, "to": s.category, "post_id": p.ID}); err != nil {
			return err
		}
	}
	if s.unit != c.unit || s.traffic != c.traffic {
		body := map[string]any{"from": c.unit.Int64, "to": s.unit.Int64, "post_id": p.ID}
		if s.traffic != c.traffic {
			body["traffic_from"], body["traffic_to"] = c.traffic.Int64, s.traffic.Int64
		}
		if err := ev(c.id, "unit", body); err != nil {
			return err
		}
	}
	return nil
}

// caseHead is what threading needs of an existing case.
type caseHead struct {
	id                   int64
	status               string
	priority, urgency    int
	category             string
	unit, traffic        sql.NullInt64
	private              bool
	lastPost             int64
	firstDue, resolveDue sql.NullInt64
	version              int64
}

const headCols = `c.id, c.status, c.priority, c.urgency, c.category, c.unit_id, c.traffic_unit_id, c.private,
	c.last_post_at, c.first_response_due, c.resolve_due, c.version`

func scanHead(r interface{ Scan(...any) error }) (*caseHead, error) {
	var c caseHead
	var priv int
	if err := r.Scan(&c.id, &c.status, &c.priority, &c.urgency, &c.category, &c.unit, &c.traffic, &priv,
		&c.lastPost, &c.firstDue, &c.resolveDue, &c.version); err != nil {
		return nil, err
	}
	c.private = priv != 0
	return &c, nil
}

// head reads one case head, or nil when there is none.
func (d *Desk) head(ctx context.Context, tx *sql.Tx, q string, args ...any) (*caseHead, error) {
	c, err := scanHead(d.queryRow(ctx, tx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, err
}

// openCases returns the open cases of a thread key, newest first: those
// it opened and those its posts joined as near-duplicates.
func (d *Desk) openCases(ctx context.Context, tx *sql.Tx, key string) ([]*caseHead, error) {
	st, err := d.db.Stmt(ctx, tx, qOpenCases)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("desk: unable to find open case: %w", err)
	}
	defer rows.Close()
	var out []*caseHead
	for rows.Next() {
		c, err := scanHead(rows)
		if err != nil {
			return nil, fmt.Errorf("desk: unable to find open case: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("desk: unable to find open case: %w", err)
	}
	return out, nil
}
