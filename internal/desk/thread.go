package desk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

// Options configure the desk.
type Options struct {
	RefPrefix    string        // reference numbers look like BCP-2026-000123
	ThreadWindow time.Duration // a new post by the same author to the same channel within this joins their open case
	SLA          SLA
	Now          func() time.Time
	Location     *time.Location // for the year in reference numbers; default Asia/Kolkata
}

// Desk runs the case state machine over a store.
type Desk struct {
	db    *store.DB
	opt   Options
	units *unit.Store

	mu        sync.RWMutex
	unitNames map[string]int64
}

// New returns a desk over db.
func New(db *store.DB, opt Options) *Desk {
	if opt.RefPrefix == "" {
		opt.RefPrefix = "BCP"
	}
	if opt.ThreadWindow == 0 {
		opt.ThreadWindow = 24 * time.Hour
	}
	if opt.SLA == (SLA{}) {
		opt.SLA = DefaultSLA
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Location == nil {
		loc, err := time.LoadLocation("Asia/Kolkata")
		if err != nil {
			loc = time.FixedZone("IST", 5*3600+1800)
		}
		opt.Location = loc
	}
	return &Desk{db: db, opt: opt, units: unit.NewStore(db)}
}

// DB returns the store the desk works on.
func (d *Desk) DB() *store.DB { return d.db }

// ReloadUnits refreshes the name → unit map used for routing; call it after
// units change.
func (d *Desk) ReloadUnits(ctx context.Context) error {
	m, err := d.units.Names(ctx)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.unitNames = m
	d.mu.Unlock()
	return nil
}

func (d *Desk) unitID(name string) sql.NullInt64 {
	if name == "" {
		return sql.NullInt64{}
	}
	d.mu.RLock()
	id, ok := d.unitNames[name]
	d.mu.RUnlock()
	return sql.NullInt64{Int64: id, Valid: ok}
}

// PriorityFor derives a priority from the analysis. Urgency drives it, never
// sentiment: an angry complaint about parking is not a distress call.
func PriorityFor(a *post.Analysis) int {
	if a == nil {
		return P3
	}
	switch {
	case a.Urgency >= 80 || a.Emergency.Label && a.Urgency >= 60:
		return P1
	case a.Urgency >= 60 || a.Emergency.Label:
		return P2
	}
	switch a.TopCategory() {
	case "appreciation", "spam":
		return P4
	}
	return P3
}

// NeedsCase says whether a post belongs on the desk. News items are
// listening material, not a citizen's matter.
func NeedsCase(p *post.Post) bool { return p.Kind != post.KindNews }

// threadKey is what later posts of the same matter share: the
// conversation for direct messages, else the author on that channel.
func threadKey(p *post.Post) (key string, windowed bool) {
	if p.Private && p.ThreadID != "" {
		return "dm:" + p.Platform + ":" + p.Channel + ":" + p.ThreadID, false
	}
	author := p.Author.ExternalID
	if author == "" {
		author = "post:" + p.ExternalID // anonymous: every post its own case
	}
	return "author:" + p.Platform + ":" + p.Channel + ":" + author, true
}

// Attach puts a stored, analysed post on the desk inside the caller's
// transaction: it joins the case of the post it replies to, or the open
// case of its conversation or author (within the thread window), or opens
// a new case with a fresh reference. It returns the case id and whether the
// case is new. The timeline rows it makes go into b, when given, for one
// write at the end of the transaction (Batch.Flush); else they are written
// at once.
func (d *Desk) Attach(ctx context.Context, tx *sql.Tx, b *Batch, p *post.Post, authorID int64) (int64, bool, error) {
	if !NeedsCase(p) {
		return 0, false, nil
	}
	now := d.opt.Now().UTC()
	key, windowed := threadKey(p)
	if d.db.Dialect == store.Postgres {
		// Serialise workers of all replicas on this thread so two posts
		// racing cannot open two cases for one citizen.
		if _, err := d.exec(ctx, tx, qLockThread, key); err != nil {
			return 0, false, fmt.Errorf("desk: unable to lock thread: %w", err)
		}
	}
	var caseID int64
	var status string
	if p.InReplyTo != "" {
		err := d.queryRow(ctx, tx, qParentCase, p.Platform, p.InReplyTo).Scan(&caseID, &status)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, false, fmt.Errorf("desk: unable to find parent: %w", err)
		}
		if status == StatusClosed {
			caseID = 0
		}
	}
	if caseID == 0 {
		var last int64
		err := d.queryRow(ctx, tx, qOpenCase, key).Scan(&caseID, &status, &last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, false, fmt.Errorf("desk: unable to find open case: %w", err)
		}
		if caseID != 0 && windowed && p.CreatedAt.Sub(store.Time(last)) > d.opt.ThreadWindow {
			caseID = 0
		}
	}
	ev := func(caseID int64, kind string, body map[string]any) error {
		if b != nil {
			return b.event(caseID, now, kind, body)
		}
		return d.event(ctx, tx, caseID, 0, kind, body, now)
	}
	if caseID != 0 {
		return caseID, false, d.join(ctx, tx, ev, caseID, status, p, now)
	}
	id, err := d.open(ctx, tx, ev, p, key, authorID, now)
	return id, true, err
}

// eventFunc records a system event on a case's timeline.
type eventFunc func(caseID int64, kind string, body map[string]any) error

func (d *Desk) open(ctx context.Context, tx *sql.Tx, ev eventFunc, p *post.Post, key string, authorID int64, now time.Time) (int64, error) {
	ref, err := d.nextRef(ctx, tx, now)
	if err != nil {
		return 0, err
	}
	a := p.Analysis
	prio := PriorityFor(a)
	var urgency int
	var category, lang string
	var unitID, trafficID sql.NullInt64
	if a != nil {
		urgency, category, lang = a.Urgency, a.TopCategory(), a.Lang
		if a.Station != nil {
			unitID = d.unitID(*a.Station)
		}
		if a.TrafficStation != nil {
			trafficID = d.unitID(*a.TrafficStation)
		}
	}
	var author sql.NullInt64
	if authorID != 0 {
		author = sql.NullInt64{Int64: authorID, Valid: true}
	}
	ms := store.Millis(now)
	var id int64
	err = d.queryRow(ctx, tx, qOpen,
		ref, prio, urgency, category, subject(p.Text), p.Platform, p.Channel, author, key, unitID, trafficID, lang,
		store.Bool(p.Private), ms+d.opt.SLA.FirstResponse[prio].Milliseconds(), ms+d.opt.SLA.Resolve[prio].Milliseconds(),
		store.Millis(p.CreatedAt), ms).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("desk: unable to open case: %w", err)
	}
	body := map[string]any{"post_id": p.ID, "ref": ref, "priority": prio}
	if unitID.Valid {
		body["unit_id"] = unitID.Int64
	}
	return id, ev(id, "opened", body)
}

func (d *Desk) join(ctx context.Context, tx *sql.Tx, ev eventFunc, caseID int64, status string, p *post.Post, now time.Time) error {
	prio := PriorityFor(p.Analysis)
	urgency := 0
	var unitID sql.NullInt64
	if a := p.Analysis; a != nil {
		urgency = a.Urgency
		if a.Station != nil {
			unitID = d.unitID(*a.Station)
		}
	}
	newStatus := status
	if status == StatusResolved || status == StatusWaitingCitizen {
		// The citizen wrote again: the case needs the desk's eyes.
		newStatus = StatusOpen
	}
	_, err := d.exec(ctx, tx, qJoin,
		caseID, store.Millis(p.CreatedAt), urgency, prio, unitID, newStatus, store.Millis(now))
	if err != nil {
		return fmt.Errorf("desk: unable to add post to case: %w", err)
	}
	if err := ev(caseID, "post", map[string]any{"post_id": p.ID}); err != nil {
		return err
	}
	if newStatus != status {
		return ev(caseID, "status", map[string]any{"from": status, "to": newStatus, "reason": "citizen wrote again"})
	}
	return nil
}

// nextRef allocates the next reference of the year, monotonic per
// (prefix, year) in the same transaction as the case.
func (d *Desk) nextRef(ctx context.Context, tx *sql.Tx, now time.Time) (string, error) {
	year := now.In(d.opt.Location).Year()
	var n int64
	err := d.queryRow(ctx, tx, qNextRef, d.opt.RefPrefix, year).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("desk: unable to allocate reference: %w", err)
	}
	return fmt.Sprintf("%s-%d-%06d", d.opt.RefPrefix, year, n), nil
}

// subject is the first line of a post, cut at 140 characters on a rune
// boundary.
func subject(text string) string {
	text = strings.TrimSpace(text)
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	if utf8.RuneCountInString(text) <= 140 {
		return text
	}
	r := []rune(text)
	return string(r[:139]) + "…"
}

// The statements of the threading hot path, prepared once (HotQueries).
const (
	qLockThread = "SELECT pg_advisory_xact_lock(hashtext($1))"
	qParentCase = `SELECT c.id, c.status FROM posts p JOIN cases c ON c.id = p.case_id
		WHERE p.platform = $1 AND p.external_id = $2`
	qOpenCase = `SELECT id, status, last_post_at FROM cases WHERE thread_key = $1
		AND status NOT IN ('resolved', 'closed') ORDER BY id DESC LIMIT 1`
	qOpen = `INSERT INTO cases (ref, status, priority, urgency, category, subject, platform, channel,
		author_id, thread_key, unit_id, traffic_unit_id, lang, private, post_count, first_response_due, resolve_due,
		last_post_at, created_at, updated_at)
		VALUES ($1, 'new', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15, $16, $17, $17) RETURNING id`
	qJoin = `UPDATE cases SET post_count = post_count + 1,
		last_post_at = CASE WHEN last_post_at > $2 THEN last_post_at ELSE $2 END,
		urgency = CASE WHEN urgency > $3 THEN urgency ELSE $3 END,
		priority = CASE WHEN priority < $4 THEN priority ELSE $4 END,
		unit_id = COALESCE(unit_id, $5), status = $6, resolved_at = CASE WHEN $6 = 'open' THEN NULL ELSE resolved_at END,
		updated_at = $7, version = version + 1 WHERE id = $1`
	qNextRef = `INSERT INTO ref_counters (prefix, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (prefix, year) DO UPDATE SET last = ref_counters.last + 1 RETURNING last`
	qEvent = "INSERT INTO case_events (case_id, at, actor_id, kind, body) VALUES ($1, $2, $3, $4, $5)"
)

// HotQueries are the statements Attach and Batch.Flush run, for
// store.DB.Prepare.
func (d *Desk) HotQueries() []string {
	q := []string{qParentCase, qOpenCase, qOpen, qJoin, qNextRef, qEvent, d.qEvents(), d.qLinks()}
	if d.db.Dialect == store.Postgres {
		q = append(q, qLockThread)
	}
	return q
}

func (d *Desk) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	st, err := d.db.Stmt(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (d *Desk) queryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	st, err := d.db.Stmt(ctx, tx, q)
	if err != nil {
		return tx.QueryRowContext(ctx, q, args...) // reports the same error on Scan
	}
	return st.QueryRowContext(ctx, args...)
}

// event appends to a case's timeline inside the caller's transaction.
func (d *Desk) event(ctx context.Context, tx *sql.Tx, caseID, actor int64, kind string, body map[string]any, now time.Time) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	var a sql.NullInt64
	if actor != 0 {
		a = sql.NullInt64{Int64: actor, Valid: true}
	}
	if _, err := d.exec(ctx, tx, qEvent, caseID, store.Millis(now), a, kind, string(b)); err != nil {
		return fmt.Errorf("desk: unable to record event: %w", err)
	}
	return nil
}
