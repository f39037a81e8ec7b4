package rules

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/store"
)

var (
	firedTotal = prometheus.NewCounter(prometheus.CounterOpts{Name: "kaval_rules_fired_total",
		Help: "Automation rules that acted on a post (one per rule and post)."})
	disabledTotal = prometheus.NewCounter(prometheus.CounterOpts{Name: "kaval_rules_disabled_total",
		Help: "Automation rules switched off because an action could no longer be carried out."})
)

// Collectors returns this package's metrics for the server's registry.
func Collectors() []prometheus.Collector { return []prometheus.Collector{firedTotal, disabledTotal} }

// Engine runs the enabled rules on the posts the pipeline puts on the
// desk (it is a pipeline.Listener).
type Engine struct {
	db  *store.DB
	sla desk.SLA
	env *query.Env
	log *slog.Logger
	now func() time.Time

	mu    sync.RWMutex
	rules []*compiled
	set   *query.Set     // every rule's query, matched once per post
	off   map[int64]bool // rules this replica switched off since the last reload

	teams TeamAssigner // the assign-to-team action (team.go); nil: refused

	notifier *notify.Notifier // the notify action (automate.go); nil: refused
	alerter  Alerter          // the alert action (raise.go); nil: refused
}

// EngineOptions tune an Engine.
type EngineOptions struct {
	SLA desk.SLA   // deadlines a priority action recalculates; default desk.DefaultSLA
	Env *query.Env // for query conditions; default query.DefaultEnv
	Log *slog.Logger
	Now func() time.Time
}

// NewEngine returns an engine with no rules; call Reload.
func NewEngine(db *store.DB, opt EngineOptions) *Engine {
	if opt.SLA == (desk.SLA{}) {
		opt.SLA = desk.DefaultSLA
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Engine{db: db, sla: opt.SLA, env: opt.Env, log: opt.Log, now: opt.Now}
}

// Reload compiles the enabled rules in order. A stored rule that no
// longer validates (the gazetteer changed under its query) is skipped
// and logged.
func (e *Engine) Reload(ctx context.Context) error {
	ls, err := list(ctx, e.db.Read, true)
	if err != nil {
		return err
	}
	out := make([]*compiled, 0, len(ls))
	for i := range ls {
		c, err := check(&ls[i], e.env)
		if err != nil {
			e.log.Error("rules: a stored rule no longer validates; it does not run", "rule", ls[i].ID, "err", err)
			continue
		}
		out = append(out, c)
	}
	set := compileSet(out)
	e.mu.Lock()
	e.rules, e.set, e.off = out, set, nil
	e.mu.Unlock()
	return nil
}

// Run reloads every interval until ctx ends, so rules edited through
// another replica run here within that time.
func (e *Engine) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := e.Reload(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("rules: reloading failed", "err", err)
		}
	}
}

// ReloadSoon is the Store's onChange: reload in the background.
func (e *Engine) ReloadSoon() {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.Reload(ctx); err != nil {
			e.log.Warn("rules: reloading failed", "err", err)
		}
	}()
}

// dbtx is a transaction (the pipeline) or a pool (a dry run).
type dbtx interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// caseRow is what conditions and actions read of a post's case.
type caseRow struct {
	id, authorID, unitID, trafficUnitID, assigneeID int64
	status                                          string
	priority                                        int
	createdAt                                       time.Time
	firstDue, firstAt, resolveDue, resolvedAt       sql.NullInt64
	tags                                            []string
}

const qCase = `SELECT c.id, COALESCE(c.author_id, 0), COALESCE(c.unit_id, 0), COALESCE(c.traffic_unit_id, 0), COALESCE(c.assignee_id, 0),
	c.status, c.priority, c.created_at, c.first_response_due, c.first_response_at, c.resolve_due, c.resolved_at
	FROM cases c WHERE c.id = $1`

func readCase(ctx context.Context, tx dbtx, id int64) (*caseRow, error) {
	var c caseRow
	var created int64
	err := tx.QueryRowContext(ctx, qCase, id).Scan(&c.id, &c.authorID, &c.unitID, &c.trafficUnitID, &c.assigneeID,
		&c.status, &c.priority, &created, &c.firstDue, &c.firstAt, &c.resolveDue, &c.resolvedAt)
	if err != nil {
		return nil, fmt.Errorf("rules: unable to read case %d: %w", id, err)
	}
	c.createdAt = store.Time(created)
	rows, err := tx.QueryContext(ctx, "SELECT tag FROM case_tags WHERE case_id = $1", id)
	if err != nil {
		return nil, fmt.Errorf("rules: unable to read case tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		c.tags = append(c.tags, t)
	}
	return &c, rows.Err()
}

// Listen runs the rules on the posts ids, just threaded inside tx.
func (e *Engine) Listen(ctx context.Context, tx *sql.Tx, ids []int64) error {
	e.mu.RLock()
	rs, set := e.rules, e.set
	e.mu.RUnlock()
	if len(rs) == 0 || len(ids) == 0 {
		return nil
	}
	places := slices.ContainsFunc(rs, func(c *compiled) bool { return c.places })
	posts, err := query.ReadPosts(ctx, tx, ids, places)
	if err != nil {
		return err
	}
	now := e.now().UTC()
	var z raises
	for i := range posts {
		p := &posts[i]
		if p.CaseID == 0 {
			continue
		}
		cs, err := readCase(ctx, tx, p.CaseID)
		if err != nil {
			return err
		}
		if err := e.run(ctx, tx, rs, set, p, cs, now, "", "", &z); err != nil {
			return err
		}
	}
	return e.raiseAll(ctx, tx, &z)
}

// run applies the rules rs in order to one post, or on a case event
// (event and its unique key; "" for a new post, with the case's latest post
// as p). Alerts to raise are noted in z, raised by the caller once the
// transaction's posts are judged.
func (e *Engine) run(ctx context.Context, tx *sql.Tx, rs []*compiled, set *query.Set, p *post.Post, cs *caseRow, now time.Time, event, key string, z *raises) error {
	pq := &postQueries{set: set, p: p}
	defer pq.release()
	for _, r := range rs {
		if !r.on(event) {
			continue
		}
		e.mu.RLock()
		off := e.off[r.ID]
		e.mu.RUnlock()
		if off {
			continue
		}
		ok, err := matches(ctx, tx, r, p, cs, now, pq)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		// The run is recorded first: a post redelivered, swept again or
		// threaded by another replica finds it and the rule does not act
		// twice.
		res, err := recordRun(ctx, tx, r.ID, p.ID, cs.id, now, key)
		if err != nil {
			return fmt.Errorf("rules: unable to record a run: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		reason, err := e.precheck(ctx, tx, r)
		if err == nil && reason == "" {
			reason, err = e.act(ctx, tx, r, cs, now)
		}
		if err == nil && reason == "" {
			err = e.automate(ctx, tx, r, p, cs, now, key)
		}
		if err == nil && reason == "" {
			z.add(e, r, cs.id)
		}
		if err != nil {
			return err
		}
		if reason != "" {
			if err := disable(ctx, tx, r.ID, reason, now); err != nil {
				return err
			}
			e.log.Warn("rules: a rule failed and was disabled", "rule", r.ID, "reason", reason)
			e.mu.Lock()
			if e.off == nil {
				e.off = map[int64]bool{}
			}
			e.off[r.ID] = true
			e.mu.Unlock()
			continue
		}
		firedTotal.Inc()
		if r.Stop {
			return nil
		}
	}
	return nil
}

// matches judges the conditions of r, cheapest first.
func matches(ctx context.Context, tx dbtx, r *compiled, p *post.Post, cs *caseRow, now time.Time, pq *postQueries) (bool, error) {
	c := &r.Conditions
	a := p.Analysis
	if a == nil {
		a = &post.Analysis{}
	}
	if len(c.Categories) > 0 && (len(a.Categories) == 0 || !slices.Contains(c.Categories, a.Categories[0].Name)) {
		return false, nil
	}
	if c.Emergency != nil && *c.Emergency != a.Emergency.Label {
		return false, nil
	}
	if c.MinUrgency > 0 && a.Urgency < c.MinUrgency {
		return false, nil
	}
	if len(c.Languages) > 0 && !slices.Contains(c.Languages, a.Lang) {
		return false, nil
	}
	if len(c.Platforms) > 0 && !slices.Contains(c.Platforms, p.Platform) {
		return false, nil
	}
	if len(c.Channels) > 0 && !slices.Contains(c.Channels, p.Channel) {
		return false, nil
	}
	if len(c.UnitIDs) > 0 && !slices.Contains(c.UnitIDs, cs.unitID) && (cs.trafficUnitID == 0 || !slices.Contains(c.UnitIDs, cs.trafficUnitID)) {
		return false, nil
	}
	local := now.In(Zone)
	if len(c.Days) > 0 && !slices.Contains(c.Days, int(local.Weekday())) {
		return false, nil
	}
	if !inHours(local.Hour(), c.FromHour, c.ToHour) {
		return false, nil
	}
	if c.MinCaseAgeMinutes > 0 && now.Sub(cs.createdAt) < time.Duration(c.MinCaseAgeMinutes)*time.Minute {
		return false, nil
	}
	if len(c.Statuses) > 0 && !slices.Contains(c.Statuses, cs.status) {
		return false, nil
	}
	if c.SLA != "" && (c.SLA == "breached") != cs.breached(now) {
		return false, nil
	}
	if r.q != nil && !pq.has(r.ID) {
		return false, nil
	}
	if c.RepeatContact > 0 {
		if cs.authorID == 0 {
			return false, nil
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM cases WHERE author_id = $1 AND id <> $2", cs.authorID, cs.id).Scan(&n); err != nil {
			return false, fmt.Errorf("rules: unable to count an author's cases: %w", err)
		}
		if n < c.RepeatContact {
			return false, nil
		}
	}
	return true, nil
}

// compileSet compiles the rules' queries into one set, keyed by rule id.
func compileSet(rs []*compiled) *query.Set {
	var ids []int64
	var qs []*query.Query
	for _, r := range rs {
		if r.q != nil {
			ids, qs = append(ids, r.ID), append(qs, r.q)
		}
	}
	return query.Compile(ids, qs)
}

// postQueries matches a post against the rules' queries once, when the
// first rule with a query gets that far.
type postQueries struct {
	set  *query.Set
	p    *post.Post
	doc  *query.Doc
	hits []int64
}

func (x *postQueries) has(id int64) bool {
	if x.doc == nil {
		x.doc = query.NewDoc(x.p)
		x.hits = x.set.Match(x.doc, x.hits)
	}
	return slices.Contains(x.hits, id)
}

func (x *postQueries) release() {
	if x.doc != nil {
		x.doc.Release()
		x.doc = nil
	}
}

// inHours: hour h is in [from, to), wrapping midnight when from > to.
func inHours(h, from, to int) bool {
	switch {
	case from == to:
		return true
	case from < to:
		return h >= from && h < to
	default:
		return h >= from || h < to
	}
}

// breached: a deadline of the case passed unmet.
func (c *caseRow) breached(now time.Time) bool {
	ms := store.Millis(now)
	if c.firstDue.Valid && !c.firstAt.Valid && c.firstDue.Int64 < ms {
		return true
	}
	return c.resolveDue.Valid && !c.resolvedAt.Valid && c.resolveDue.Int64 < ms
}

// event writes a timeline entry by the system, naming the rule.
func event(ctx context.Context, tx *sql.Tx, caseID int64, r *compiled, kind string, body map[string]any, now time.Time) error {
	body["rule_id"], body["rule"] = r.ID, r.Name
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO case_events (case_id, at, actor_id, kind, body) VALUES ($1, $2, NULL, $3, $4)",
		caseID, store.Millis(now), kind, string(b)); err != nil {
		return fmt.Errorf("rules: unable to record an event: %w", err)
	}
	return nil
}
