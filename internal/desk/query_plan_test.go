package desk

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/store"
)

// planOf returns the plan of an inbox page. On PostgreSQL, sequential
// scans and sorts are priced out first: the test tables are small, and
// the question is whether an index can serve the page at all (at 1M posts
// the planner prefers it), not what the planner picks for 2,000 rows.
func planOf(t *testing.T, d *Desk, f CaseFilter, sc Scope) string {
	t.Helper()
	ctx := context.Background()
	lq, err := d.listQuery(ctx, f, sc)
	if err != nil || lq.empty {
		t.Fatalf("no query: %v", err)
	}
	q, args := lq.sqlOf(d)
	if d.db.Dialect == store.SQLite {
		plan, err := d.explain(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		return plan
	}
	conn, err := d.db.Read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, s := range []string{"SET enable_seqscan = off", "SET enable_sort = off", "SET enable_bitmapscan = off"} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	defer conn.ExecContext(ctx, "RESET ALL")
	rows, err := conn.QueryContext(ctx, "EXPLAIN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		rows.Scan(&line)
		b.WriteString(line + "\n")
	}
	return b.String()
}

var (
	// SQLite: a sort inside a branch (a co-routine's own ORDER BY) or a
	// scan of cases; the merge of the branches' pages may sort (≤ 51 rows
	// a branch).
	sqliteScan = regexp.MustCompile(`(?m)^\s*SCAN c\b`)
	// PostgreSQL: any sort at all (with sorts priced out, one left means
	// no index gives the order) or a sequential scan of cases.
	pgSort = regexp.MustCompile(`(?m)^\s*(->\s+)?(Incremental )?Sort\s+\(`)
	pgScan = regexp.MustCompile(`Seq Scan on cases`)
)

// sqliteBranchSorts reports whether a SQLite plan sorts inside a branch:
// "USE TEMP B-TREE FOR ORDER BY" beside the search of cases, at the same
// depth (a co-routine's body, or the whole plan for a single branch).
func sqliteBranchSorts(plan string) bool {
	lines := strings.Split(plan, "\n")
	depth := func(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
	for i, l := range lines {
		if !strings.Contains(l, "SEARCH c USING") {
			continue
		}
		d := depth(l)
		for _, m := range lines[i+1:] {
			if depth(m) < d {
				break
			}
			if depth(m) == d && strings.Contains(m, "USE TEMP B-TREE FOR ORDER BY") {
				return true
			}
		}
	}
	return false
}

// Every inbox variant a desk uses walks an index in its order and stops
// after a page: no sort of the matching cases, no scan of the table, and
// the index meant for it. A plan regression (a dropped index, a rewritten
// condition the database can no longer seek on) fails here.
func TestInboxPlans(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newSpeedEnv(t, db, 1500)
		active := []string{StatusNew, StatusOpen, StatusWaitingCitizen, StatusWaitingStation}
		station := Scope{Restricted: true, UnitID: e.units[4]}
		subdiv := Scope{Restricted: true, UnitID: e.units[2]}
		cur := func(f CaseFilter, sc Scope) string {
			f.Limit = 5
			_, next, err := e.d.ListCases(context.Background(), f, sc)
			if err != nil || next == "" {
				t.Fatalf("no second page: %v", err)
			}
			return next
		}
		defer func(c int) { overdueCap = c }(overdueCap)
		for _, c := range []struct {
			name  string
			f     CaseFilter
			sc    Scope
			index string
			walk  bool // overdue walked (many overdue)
		}{
			{"triage", CaseFilter{Status: active}, Scope{}, "cases_s_triage", false},
			{"one status", CaseFilter{Status: []string{StatusNew}}, Scope{}, "cases_s_triage", false},
			{"page 2", CaseFilter{Status: active, Cursor: cur(CaseFilter{Status: active}, Scope{})}, Scope{}, "cases_s_triage", false},
			{"deadline", CaseFilter{Status: active, Sort: SortDeadline}, Scope{}, "cases_s_deadline", false},
			{"updated", CaseFilter{Status: active, Sort: SortUpdated}, Scope{}, "cases_s_updated", false},
			{"updated page 2", CaseFilter{Status: active, Sort: SortUpdated,
				Cursor: cur(CaseFilter{Status: active, Sort: SortUpdated}, Scope{})}, Scope{}, "cases_s_updated", false},
			{"station", CaseFilter{Status: active}, station, "cases_unit_triage", false},
			{"sub-division", CaseFilter{Status: active}, subdiv, "cases_unit_triage", false},
			{"station deadline", CaseFilter{Status: active, Sort: SortDeadline}, station, "cases_unit_deadline", false},
			{"station updated", CaseFilter{Status: active, Sort: SortUpdated}, station, "cases_unit_updated", false},
			{"unit filter", CaseFilter{Status: active, UnitID: e.units[5]}, Scope{}, "cases_unit_triage", false},
			{"category", CaseFilter{Status: active, Category: "theft"}, Scope{}, "cases_cat_triage", false},
			{"assigned to me", CaseFilter{Status: active, AssigneeID: e.seed.Agents[0]}, Scope{}, "cases_assignee_triage", false},
			// Either walk is in order; PostgreSQL picks by how many are unassigned.
			{"unassigned", CaseFilter{Status: active, Unassigned: true}, Scope{}, "cases_assignee_triage|cases_s_triage", false},
			{"many overdue", CaseFilter{Status: active, Overdue: true}, Scope{}, "cases_s_triage", true},
			{"many overdue, unassigned", CaseFilter{Status: active, Overdue: true, Unassigned: true}, Scope{}, "cases_assignee_triage|cases_s_triage", true},
			{"overdue, deadline", CaseFilter{Status: active, Overdue: true, Sort: SortDeadline}, Scope{}, "cases_s_deadline", false},
		} {
			overdueCap = 1 << 30
			if c.walk {
				overdueCap = 1
			}
			plan := planOf(t, e.d, c.f, c.sc)
			bad := ""
			if db.Dialect == store.SQLite {
				switch {
				case sqliteScan.MatchString(plan):
					bad = "scans cases"
				case sqliteBranchSorts(plan):
					bad = "sorts a branch"
				case !usesOne(plan, "INDEX ", c.index, " "):
					bad = "does not use " + c.index
				}
			} else {
				switch {
				case pgScan.MatchString(plan):
					bad = "scans cases"
				case pgSort.MatchString(plan):
					bad = "sorts"
				case !usesOne(plan, " ", c.index, " on cases"):
					bad = "does not use " + c.index
				}
			}
			if bad != "" {
				t.Errorf("%s: the plan %s:\n%s", c.name, bad, plan)
			}
		}
	})
}

// usesOne says whether the plan names one of the "|"-separated indexes.
func usesOne(plan, before, indexes, after string) bool {
	for _, ix := range strings.Split(indexes, "|") {
		if strings.Contains(plan, before+ix+after) {
			return true
		}
	}
	return false
}

// A search with few matches reads the matching posts' cases by id and
// sorts them; with many it walks the order's index once (SQLite) and
// checks each case's posts, never materialising the matches per case.
func TestSearchPlans(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.SQLite {
			t.Skip("PostgreSQL's search plans are held by TestInboxSameAsBefore's results only")
		}
		e := newSpeedEnv(t, db, 1500)
		active := []string{StatusNew, StatusOpen, StatusWaitingCitizen, StatusWaitingStation}
		defer func(s int, b bool) { searchFew, searchBySet = s, b }(searchFew, searchBySet)
		searchFew = 1 << 30
		few := planOf(t, e.d, CaseFilter{Status: active, Q: "traffic"}, Scope{})
		if !strings.Contains(few, "SEARCH c USING INTEGER PRIMARY KEY") || sqliteScan.MatchString(few) {
			t.Errorf("few matches: not driven by the matching cases:\n%s", few)
		}
		searchFew = 1
		for sort, index := range map[string]string{SortTriage: "cases_triage_all", SortDeadline: "cases_deadline_all", SortUpdated: "cases_updated"} {
			// The set walk: the order's index, each case's post ids by
			// posts_case, no search index in the walk, nothing sorted.
			searchBySet = true
			walk := planOf(t, e.d, CaseFilter{Status: active, Q: "traffic", Sort: sort}, Scope{})
			if !strings.Contains(walk, "SCAN c USING INDEX "+index) || strings.Contains(walk, "TEMP B-TREE") ||
				!strings.Contains(walk, "posts_case (case_id=?)") || strings.Contains(walk, "posts_fts") {
				t.Errorf("set walk, %s: not one walk of %s reading each case's post ids:\n%s", sort, index, walk)
			}
			searchBySet = false
			many := planOf(t, e.d, CaseFilter{Status: active, Q: "traffic", Sort: sort}, Scope{})
			if !strings.Contains(many, "SCAN c USING INDEX "+index) || strings.Contains(many, "TEMP B-TREE") ||
				!strings.Contains(many, "posts_case (case_id=?)") || strings.Contains(many, "rowid=?)") && strings.Contains(many, "posts_case (case_id=? AND rowid") {
				t.Errorf("many matches, %s: not one walk of %s checking each case's posts:\n%s", sort, index, many)
			}
		}
	})
}
