package desk

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/benchseed"
	"github.com/kaval-desk/kaval/internal/store"
)

// speedEnv is a desk over a seeded case load (internal/benchseed) with a
// unit tree of two divisions, four sub-divisions and twelve stations.
type speedEnv struct {
	d      *Desk
	db     *store.DB
	seed   benchseed.Result
	parent map[int64]int64 // unit → parent (0 for the force)
	units  []int64
}

func newSpeedEnv(t testing.TB, db *store.DB, posts int) *speedEnv {
	t.Helper()
	ctx := context.Background()
	e := &speedEnv{db: db, parent: map[int64]int64{}}
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	add := func(code, kind string, parent int64) int64 {
		var p any
		if parent != 0 {
			p = parent
		}
		var id int64
		if err := db.Write.QueryRowContext(ctx, `INSERT INTO units (code, kind, name, parent_id, created_at) VALUES ($1, $2, $3, $4, 0) RETURNING id`,
			code, kind, code, p).Scan(&id); err != nil {
			t.Fatal(err)
		}
		e.parent[id] = parent
		e.units = append(e.units, id)
		return id
	}
	force := add("f", "force", 0)
	for d := range 2 {
		div := add(fmt.Sprint("d", d), "division", force)
		for s := range 2 {
			sub := add(fmt.Sprint("d", d, "s", s), "subdivision", div)
			for k := range 3 {
				add(fmt.Sprint("d", d, "s", s, "ps", k), "station", sub)
			}
		}
	}
	var err error
	e.seed, err = benchseed.Seed(ctx, db, benchseed.Config{Posts: posts, ActiveShare: 0.5, Agents: 4, LongThread: 30, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	e.d = New(db, Options{Now: func() time.Time { return now }})
	return e
}

// within says whether unit u lies in the subtree of top, walking parents
// in Go (independently of the SQL under test).
func (e *speedEnv) within(u, top int64) bool {
	for seen := 0; u != 0 && seen < 100; seen++ {
		if u == top {
			return true
		}
		u = e.parent[u]
	}
	return false
}

// refIDs is the inbox as it was before the speed work: one query, the
// scope as a recursive CTE, every status in one IN (…), no LIMIT, the
// order's full ORDER BY. Pages of the new query must concatenate to it.
func (e *speedEnv) refIDs(t *testing.T, f CaseFilter, sc Scope) []int64 {
	t.Helper()
	w := &where{}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		args := make([]any, len(f.Status))
		for i, s := range f.Status {
			ph[i], args[i] = "?", s
		}
		w.add("c.status IN ("+strings.Join(ph, ", ")+")", args...)
	}
	if sc.Restricted {
		w.add(`c.unit_id IN (WITH RECURSIVE sub(id) AS (SELECT CAST(? AS BIGINT) UNION ALL
			SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) SELECT id FROM sub)`, sc.UnitID)
	}
	if f.UnitID != 0 {
		w.add("c.unit_id = ?", f.UnitID)
	}
	if !e.d.caseConds(w, f, condOpts{}) {
		return nil
	}
	sortName, _ := ParseSort(f.Sort)
	var ob []string
	for _, k := range orders[sortName] {
		o := "c." + k.col
		if k.desc {
			o += " DESC"
		}
		ob = append(ob, o)
	}
	rows, err := e.db.Read.Query("SELECT c.id FROM cases c"+w.sql()+" ORDER BY "+strings.Join(ob, ", "), w.args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		out = append(out, id)
	}
	return out
}

// pages walks every page of the new query.
func (e *speedEnv) pages(t *testing.T, f CaseFilter, sc Scope) ([]int64, []Case) {
	t.Helper()
	var ids []int64
	var all []Case
	for n := 0; ; n++ {
		cs, next, err := e.d.ListCases(context.Background(), f, sc)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		all = append(all, cs...)
		if next == "" {
			return ids, all
		}
		if n > 10000 {
			t.Fatal("no end of pages")
		}
		f.Cursor = next
	}
}

// The faster inbox returns exactly what the old one did, same rows in the
// same order page after page, for every order, filter and scope a desk
// uses; and an officer never sees a case outside their unit's subtree.
func TestInboxSameAsBefore(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newSpeedEnv(t, db, 3000)
		active := []string{StatusNew, StatusOpen, StatusWaitingCitizen, StatusWaitingStation}
		agent := e.seed.Agents[0]
		filters := map[string]CaseFilter{
			"active":              {Status: active},
			"all":                 {},
			"open only":           {Status: []string{StatusOpen}},
			"category":            {Status: active, Category: "theft"},
			"overdue":             {Status: active, Overdue: true},
			"overdue, unassigned": {Status: active, Overdue: true, Unassigned: true},
			"assignee":            {Status: active, AssigneeID: agent},
			"unassigned":          {Status: active, Unassigned: true},
			"critical":            {Status: active, Priority: 1},
			"search":              {Status: active, Q: "traffic"},
			"search, walked":      {Status: active, Q: "traffic"},
			"search, all, walked": {Q: "traffic"},
			// SQLite's common-word plans: the set walk (default), its hand-over
			// to the SQL form after a few cases, and the SQL form alone.
			"search, walked, handed over":      {Status: active, Q: "traffic"},
			"search, all, walked, handed over": {Q: "traffic"},
			"search, walked, sql":              {Status: active, Q: "traffic"},
			"search two words, walked":         {Status: active, Q: "chain snatching"},
			"search, unit, walked":             {Status: active, Q: "traffic", UnitID: e.units[4]},
			"search, overdue, walked":          {Status: active, Q: "traffic", Overdue: true},
			"search, no match":                 {Status: active, Q: "zzzqqq"},
			"search kannada":                   {Status: active, Q: "ಸಂಚಾರ"},
			"unit filter":                      {Status: active, UnitID: e.units[4]},
			"closed, by unit":                  {Status: []string{StatusClosed}, UnitID: e.units[5]},
		}
		scopes := map[string]Scope{"desk": {}, "no such unit": {Restricted: true, UnitID: 1 << 40}}
		// The force, a division, a sub-division and two stations of it, and
		// a station of the other division.
		for _, k := range []int{0, 1, 2, 3, 4, 16} {
			scopes[fmt.Sprint("unit ", e.units[k])] = Scope{Restricted: true, UnitID: e.units[k]}
		}
		checked, nonEmpty := 0, 0
		// Overdue both ways: few enough to sort, and so many the order's
		// index is walked with a filter.
		defer func(c, s, m int, b bool) { overdueCap, searchFew, setWalkMax, searchBySet = c, s, m, b }(overdueCap, searchFew, setWalkMax, searchBySet)
		overdueCap = 3
		filters["overdue, walked"] = filters["overdue"]
		filters["overdue, unassigned, walked"] = filters["overdue, unassigned"]
		for fname, f := range filters {
			// "walked": as if many cases were overdue, or many posts matched.
			overdueCap, searchFew, setWalkMax, searchBySet = 1<<30, 1<<30, 4096, true
			if strings.Contains(fname, "walked") {
				overdueCap, searchFew = 3, 3
			}
			if strings.HasSuffix(fname, "handed over") {
				setWalkMax = 7
			}
			if strings.HasSuffix(fname, "sql") {
				searchBySet = false
			}
			for _, sort := range Sorts {
				for sname, sc := range scopes {
					f := f
					f.Sort, f.Limit = sort, 25
					want := e.refIDs(t, f, sc)
					got, cs := e.pages(t, f, sc)
					if !slices.Equal(got, want) {
						t.Fatalf("%s, %s, %s: got %d cases %v…, want %d %v…", fname, sort, sname, len(got), head(got), len(want), head(want))
					}
					for _, c := range cs {
						if sc.Restricted && !e.within(c.UnitID, sc.UnitID) {
							t.Fatalf("%s, %s: the officer of unit %d sees case %d of unit %d", fname, sname, sc.UnitID, c.ID, c.UnitID)
						}
					}
					checked++
					if len(got) > 0 {
						nonEmpty++
					}
				}
			}
		}
		if nonEmpty < checked/2 {
			t.Fatalf("only %d of %d comparisons had cases: the seed does not exercise the filters", nonEmpty, checked)
		}
	})
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 8)] }
