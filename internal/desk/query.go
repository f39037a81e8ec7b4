package desk

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// CaseFilter selects cases for the inbox. Zero fields do not filter.
type CaseFilter struct {
	Status     []string
	Priority   int
	AssigneeID int64
	Unassigned bool
	UnitID     int64
	Category   string
	Tag        string
	Platform   string
	Lang       string
	Sentiment  string // a case with at least one post of this sentiment
	MinUrgency int    // urgency at least this (0–100)
	Overdue    bool   // the running SLA deadline has passed
	Since      int64  // Unix ms: opened at or after
	Until      int64  // Unix ms: opened before
	Ref        string
	// ReplyFailed selects cases with a reply that failed (or whose
	// outcome is unknown) and was not followed by one that was sent.
	ReplyFailed bool
	Q           string // full-text over the case's posts
	Sort        string // SortTriage (default), SortDeadline or SortUpdated
	Limit       int    // default 50, at most 500
	Cursor      string // opaque, from the previous page
}

// Inbox orders.
const (
	// SortTriage: emergencies and the highest urgency first (priority,
	// then urgency), then the nearest SLA deadline.
	SortTriage = "urgency"
	// SortDeadline: the nearest SLA deadline first, whatever the priority.
	SortDeadline = "deadline"
	// SortUpdated: the latest change first.
	SortUpdated = "updated"
)

// Sorts lists the inbox orders, the default first.
var Sorts = []string{SortTriage, SortDeadline, SortUpdated}

// NoDeadline is cases.due_at of a finished case (see migration 00550).
const NoDeadline = 253402300799999

// orderKey is one column of an inbox order.
type orderKey struct {
	col  string
	desc bool
}

var orders = map[string][]orderKey{
	SortTriage:   {{"priority", false}, {"urgency", true}, {"due_at", false}, {"id", false}},
	SortDeadline: {{"due_at", false}, {"priority", false}, {"id", false}},
	SortUpdated:  {{"updated_at", true}, {"id", true}},
}

// where builds the WHERE clause shared by list and count. Every value is a
// parameter; only fixed SQL fragments are concatenated.
type where struct {
	conds []string
	args  []any
}

// add appends a condition whose "?" placeholders take args in order; they
// are numbered ($N) after the arguments already added.
func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

const caseCols = `c.id, c.ref, c.status, c.priority, c.urgency, c.category, c.subject, c.platform, c.channel,
	COALESCE(c.author_id, 0), COALESCE(a.handle, ''), COALESCE(a.name, ''), COALESCE(c.assignee_id, 0), c.team,
	COALESCE(c.unit_id, 0), COALESCE(u.name, ''), COALESCE(c.traffic_unit_id, 0), c.lang, c.private, c.post_count,
	c.first_response_due, c.resolve_due, c.first_response_at, c.resolved_at, c.closed_at, c.last_post_at,
	c.created_at, c.updated_at, c.version, c.due_at, c.reply_failed_at, c.status_code`

const caseFrom = ` FROM cases c LEFT JOIN authors a ON a.id = c.author_id LEFT JOIN units u ON u.id = c.unit_id`

func scanCase(r interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var priv int
	var frd, rd, fra, ra, ca, rf sql.NullInt64
	var last, created, updated, due int64
	err := r.Scan(&c.ID, &c.Ref, &c.Status, &c.Priority, &c.Urgency, &c.Category, &c.Subject, &c.Platform, &c.Channel,
		&c.AuthorID, &c.AuthorHandle, &c.AuthorName, &c.AssigneeID, &c.Team, &c.UnitID, &c.UnitName, &c.TrafficUnitID,
		&c.Lang, &priv, &c.PostCount, &frd, &rd, &fra, &ra, &ca, &last, &created, &updated, &c.Version, &due, &rf, &c.StatusCode)
	if err != nil {
		return c, err
	}
	c.Private = priv != 0
	c.ReplyFailedAt = tp(rf)
	c.ReplyFailed = rf.Valid
	c.FirstResponseDue, c.ResolveDue, c.FirstResponseAt, c.ResolvedAt, c.ClosedAt = tp(frd), tp(rd), tp(fra), tp(ra), tp(ca)
	c.LastPostAt, c.CreatedAt, c.UpdatedAt = store.Time(last), store.Time(created), store.Time(updated)
	if due != NoDeadline {
		t := store.Time(due)
		c.DueAt = &t
	}
	c.Tags = []string{}
	return c, nil
}

func tp(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := store.Time(v.Int64)
	return &t
}

// inboxCursor is the keyset position of the last row of a page: the
// order's name and the row's values of its keys.
type inboxCursor struct {
	S string  `json:"s"`
	K []int64 `json:"k"`
}

// keyOf returns c's values of an order's keys.
func keyOf(c Case, keys []orderKey) []int64 {
	out := make([]int64, len(keys))
	for i, k := range keys {
		switch k.col {
		case "priority":
			out[i] = int64(c.Priority)
		case "urgency":
			out[i] = int64(c.Urgency)
		case "due_at":
			out[i] = NoDeadline
			if c.DueAt != nil {
				out[i] = store.Millis(*c.DueAt)
			}
		case "updated_at":
			out[i] = store.Millis(c.UpdatedAt)
		case "id":
			out[i] = c.ID
		}
	}
	return out
}

// after is the keyset condition "comes after these values in this order",
// expanded as (a > x) OR (a = x AND (b > y OR …)) so each database can
// still walk the order's index.
func after(w *where, keys []orderKey, vals []int64, prefix string) {
	var build func(i int) string
	var args []any
	build = func(i int) string {
		op := " > ?"
		if keys[i].desc {
			op = " < ?"
		}
		col := prefix + keys[i].col
		args = append(args, vals[i])
		if i == len(keys)-1 {
			return col + op
		}
		first := col + op
		args = append(args, vals[i])
		return "(" + first + " OR (" + col + " = ? AND " + build(i+1) + "))"
	}
	// The first key's bound, implied by the expansion, is a range the
	// database can seek to, so a deep page does not walk the pages before.
	op := " >= ?"
	if keys[0].desc {
		op = " <= ?"
	}
	w.add(prefix+keys[0].col+op, vals[0])
	cond := build(0)
	w.add(cond, args...)
}

// ParseSort checks an inbox order's name ("" is the default).
func ParseSort(s string) (string, error) {
	if s == "" {
		return SortTriage, nil
	}
	for _, x := range Sorts {
		if x == s {
			return s, nil
		}
	}
	return "", Invalid("sort", "unknown sort %q (want urgency, deadline or updated)", s)
}

// listQuery is the SQL of one inbox page and what reading it needs.
type listQuery struct {
	sql      string
	args     []any
	keys     []orderKey
	sortName string
	limit    int
	empty    bool     // the filter matches nothing (no query to run)
	set      *setWalk // a common word on SQLite: read by listBySet, not sql
}

// ListCases returns a page of cases in the filter's order (triage order by
// default) and the cursor of the next page, or "".
func (d *Desk) ListCases(ctx context.Context, f CaseFilter, sc Scope) ([]Case, string, error) {
	lq, err := d.listQuery(ctx, f, sc)
	if err != nil || lq.empty {
		return []Case{}, "", err
	}
	var out []Case
	if lq.set != nil {
		out, err = d.listBySet(ctx, lq)
	} else {
		out, err = d.readCases(ctx, lq.sql, lq.args)
	}
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > lq.limit {
		out = out[:lq.limit]
		b, _ := json.Marshal(inboxCursor{S: lq.sortName, K: keyOf(out[len(out)-1], lq.keys)})
		next = base64.RawURLEncoding.EncodeToString(b)
	}
	if err := d.fillTags(ctx, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// listQuery builds the SQL of an inbox page.
func (d *Desk) listQuery(ctx context.Context, f CaseFilter, sc Scope) (listQuery, error) {
	var lq listQuery
	for _, st := range f.Status {
		if !validStatus(st) {
			return lq, Invalid("status", "unknown status %q", st)
		}
	}
	sortName, err := ParseSort(f.Sort)
	if err != nil {
		return lq, err
	}
	keys := orders[sortName]
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 500 {
		limit = 500
	}
	lq.keys, lq.sortName, lq.limit = keys, sortName, limit
	var cur *inboxCursor
	if f.Cursor != "" {
		cur = new(inboxCursor)
		b, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		if err != nil || json.Unmarshal(b, cur) != nil || cur.S != sortName || len(cur.K) != len(keys) {
			return lq, Invalid("cursor", "is not a cursor of this order from this API")
		}
	}
	var ob []string
	for _, k := range keys {
		o := k.col
		if k.desc {
			o += " DESC"
		}
		ob = append(ob, o)
	}
	order := strings.Join(ob, ", ")
	page := " LIMIT " + strconv.Itoa(limit+1)
	// One branch per status (and per unit, for a scope or a unit filter),
	// each walking an index of (status[, unit], order…) and stopping after
	// a page; the branches are merged by the same order. A single IN (…)
	// would make the database sort every matching case.
	statuses := f.Status
	if len(statuses) == 0 {
		statuses = []string{""}
	}
	units, err := d.unitsOf(ctx, f, sc)
	if err != nil {
		return lq, err
	}
	if units != nil && len(units) == 0 {
		lq.empty = true // a unit filter outside the scope
		return lq, nil
	}
	perUnit := units != nil && len(units)*len(statuses) <= maxBranches
	walk := false
	// PostgreSQL decides this itself (it knows the values: OneShot) and
	// tests due_at on the index entries of the walk; the unary plus would
	// make it fetch every walked case's row instead (0.7 → 20 ms at 1M).
	if f.Overdue && sortName != SortDeadline && d.db.Dialect == store.SQLite {
		if walk, err = d.manyOverdue(ctx, statuses, units); err != nil {
			return lq, err
		}
	}
	search := searchIn
	if f.Q != "" {
		var sw *setWalk
		if d.db.Dialect == store.SQLite && searchBySet {
			// A set kept from an earlier request settles the plan: it is
			// every post the prefixes match, which searchPlan counts.
			if sw, err = d.cachedSet(ctx, f.Q); err != nil {
				return lq, err
			}
			if sw.ids != nil && len(sw.ids) >= searchFew {
				sw.f, sw.statuses, sw.units, sw.walk, sw.cur = f, statuses, units, walk, cur
				lq.set = sw
				return lq, nil
			}
		}
		s, err := d.searchPlan(ctx, f)
		if err != nil || s == searchNone {
			lq.empty = err == nil
			return lq, err
		}
		if s == searchExists && sw != nil {
			sw.f, sw.statuses, sw.units, sw.walk, sw.cur, sw.ids = f, statuses, units, walk, cur, nil
			lq.set = sw
			return lq, nil
		}
		if s == searchIn || d.db.Dialect == store.SQLite {
			lq.sql, lq.args = d.searchQuery(f, s, statuses, units, walk, cur, keys, page)
			return lq, nil
		}
		search = s // PostgreSQL, a common word: branches as below
	}
	w := &where{}
	var branches []string
	for _, st := range statuses {
		for k := range max(1, len(units)) {
			if k > 0 && !perUnit {
				break
			}
			w.conds = w.conds[:0]
			if st != "" {
				w.add("c.status = ?", st)
			}
			switch {
			case perUnit:
				w.add("c.unit_id = ?", units[k])
			case units != nil:
				inList(w, "c.unit_id", units)
			}
			if ok := d.caseConds(w, f, condOpts{overdueWalk: walk, search: search}); !ok {
				lq.empty = true
				return lq, nil
			}
			if cur != nil {
				after(w, keys, cur.K, "c.")
			}
			branches = append(branches, w.sql())
		}
	}
	corder := "c." + strings.ReplaceAll(order, ", ", ", c.")
	q := "SELECT " + caseCols + caseFrom + branches[0] + " ORDER BY " + corder + page
	if len(branches) > 1 {
		// Each branch reads only the order's keys (its index covers them)
		// and the merge keeps a page of ids; the page's rows are read and
		// joined once, not once a branch (a sub-division's 32 branches
		// read 1,600 rows with their authors for a page of 50).
		var kcols []string
		for _, k := range keys {
			kcols = append(kcols, "c."+k.col)
		}
		korder := "k." + strings.ReplaceAll(order, ", ", ", k.")
		for k, b := range branches {
			branches[k] = "SELECT * FROM (SELECT " + strings.Join(kcols, ", ") + " FROM cases c" + b + " ORDER BY " + corder + page +
				") b" + strconv.Itoa(k)
		}
		q = "SELECT " + caseCols + " FROM (" + strings.Join(branches, " UNION ALL ") + " ORDER BY " + order + page +
			") k JOIN cases c ON c.id = k.id LEFT JOIN authors a ON a.id = c.author_id LEFT JOIN units u ON u.id = c.unit_id ORDER BY " + korder
	}
	lq.sql, lq.args = q, w.args
	return lq, nil
}

// subtree is the set of a unit and every unit beneath it, for "?" = the
// unit's id: a station officer of a sub-division sees its stations' cases.
const subtree = `(WITH RECURSIVE sub(id) AS (SELECT CAST(? AS BIGINT) UNION ALL
	SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) SELECT id FROM sub)`

// scoped adds the scope's condition on a case column (c.unit_id).
func scoped(w *where, sc Scope, col string) {
	if sc.Restricted {
		w.add(col+" IN "+subtree, sc.UnitID)
	}
}

// caseConds adds the filter's conditions other than status, scope and
// unit (listQuery's branches hold those). It reports false when the
// filter can match nothing (a search with no searchable word).
// o.overdueWalk makes "overdue" a filter on the walk of the order's index
// rather than a range the database would read whole and sort (see
// manyOverdue); o.search chooses the form of a full-text condition.
func (d *Desk) caseConds(w *where, f CaseFilter, o condOpts) bool {
	if f.Priority != 0 {
		w.add("c.priority = ?", f.Priority)
	}
	if f.AssigneeID != 0 {
		w.add("c.assignee_id = ?", f.AssigneeID)
	}
	if f.Unassigned {
		w.add("c.assignee_id IS NULL")
	}
	if f.Category != "" {
		w.add("c.category = ?", f.Category)
	}
	if f.Platform != "" {
		w.add("c.platform = ?", f.Platform)
	}
	if f.Lang != "" {
		w.add("c.lang = ?", f.Lang)
	}
	if f.MinUrgency > 0 {
		w.add("c.urgency >= ?", f.MinUrgency)
	}
	if f.Overdue {
		// Unary plus: the same value, but not a term an index can range
		// over, so the database walks the order's index instead.
		col := "c.due_at"
		if o.overdueWalk {
			col = "+c.due_at"
		}
		w.add(col+" < ?", store.Millis(d.opt.Now()))
	}
	if f.Since != 0 {
		w.add("c.created_at >= ?", f.Since)
	}
	if f.Until != 0 {
		w.add("c.created_at < ?", f.Until)
	}
	if f.Ref != "" {
		w.add("c.ref = ?", f.Ref)
	}
	if f.ReplyFailed {
		w.add("c.reply_failed_at IS NOT NULL")
	}
	if f.Tag != "" {
		w.add("EXISTS (SELECT 1 FROM case_tags t WHERE t.case_id = c.id AND t.tag = ?)", f.Tag)
	}
	if f.Sentiment != "" {
		w.add("EXISTS (SELECT 1 FROM posts sp WHERE sp.case_id = c.id AND sp.sentiment = ?)", f.Sentiment)
	}
	if f.Q != "" && o.search != searchSet {
		q, args, ok := d.matchPosts(f.Q)
		if !ok {
			return false
		}
		if o.search == searchExists {
			w.add(d.existsMatch(q), args...)
		} else {
			w.add("c.id IN (SELECT p.case_id FROM posts p WHERE p.case_id IS NOT NULL AND "+q+")", args...)
		}
	}
	return true
}

func (d *Desk) fillTags(ctx context.Context, cs []Case) error {
	if len(cs) == 0 {
		return nil
	}
	idx := map[int64]int{}
	ph := make([]string, len(cs))
	args := make([]any, len(cs))
	for i, c := range cs {
		idx[c.ID] = i
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = c.ID
	}
	rows, err := d.db.Read.QueryContext(ctx, "SELECT case_id, tag FROM case_tags WHERE case_id IN ("+strings.Join(ph, ",")+") ORDER BY tag", args...)
	if err != nil {
		return fmt.Errorf("desk: unable to read tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return err
		}
		cs[idx[id]].Tags = append(cs[idx[id]].Tags, tag)
	}
	return rows.Err()
}

// GetCase returns one case, or store.ErrNotFound when it does not exist or
// lies outside the scope (the two are indistinguishable on purpose).
func (d *Desk) GetCase(ctx context.Context, id int64, sc Scope) (Case, error) {
	return d.getCase(ctx, d.db.Read, "c.id = $1", id, sc)
}

// CaseByRef finds a case by its reference number.
func (d *Desk) CaseByRef(ctx context.Context, ref string, sc Scope) (Case, error) {
	return d.getCase(ctx, d.db.Read, "c.ref = $1", ref, sc)
}

type queryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (d *Desk) getCase(ctx context.Context, q queryer, cond string, arg any, sc Scope) (Case, error) {
	w := &where{args: []any{arg}, conds: []string{cond}}
	scoped(w, sc, "c.unit_id")
	c, err := scanCase(q.QueryRowContext(ctx, "SELECT "+caseCols+caseFrom+w.sql(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("desk: unable to get case: %w", err)
	}
	cs := []Case{c}
	if err := d.fillTags(ctx, cs); err != nil {
		return c, err
	}
	return cs[0], nil
}

// Timeline returns a case's events, oldest first.
func (d *Desk) Timeline(ctx context.Context, caseID int64, sc Scope) ([]Event, error) {
	return d.events(ctx, caseID, sc, "SELECT id, at, COALESCE(actor_id, 0), kind, body FROM case_events WHERE case_id = $1 ORDER BY id", caseID)
}

// TimelineKind returns a case's events of one kind, oldest first, or
// store.ErrNotFound when the case is outside the scope: what a check for
// one event needs (a reply's "queued" line), without reading and decoding
// every event of a long case (one per post).
func (d *Desk) TimelineKind(ctx context.Context, caseID int64, sc Scope, kind string) ([]Event, error) {
	return d.events(ctx, caseID, sc, "SELECT id, at, COALESCE(actor_id, 0), kind, body FROM case_events WHERE case_id = $1 AND kind = $2 ORDER BY id", caseID, kind)
}

// events reads the events query selects of a case in scope.
func (d *Desk) events(ctx context.Context, caseID int64, sc Scope, query string, args ...any) ([]Event, error) {
	if _, err := d.GetCase(ctx, caseID, sc); err != nil {
		return nil, err
	}
	rows, err := d.db.Read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("desk: unable to read timeline: %w", err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// scanEvent reads id, at, actor, kind, body of a case event.
func scanEvent(r interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var at int64
	var body string
	if err := r.Scan(&e.ID, &at, &e.ActorID, &e.Kind, &body); err != nil {
		return e, err
	}
	e.At = store.Time(at)
	json.Unmarshal([]byte(body), &e.Body)
	return e, nil
}

func validStatus(s string) bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}
