package web_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// A case's timeline longer than one answer (an event per post): GET
// /api/v1/cases/{id} carries the newest 500 events with a cursor to the
// earlier ones (it used to carry every event); GET …/timeline pages back
// from there or from the newest, and walking it reads every event once, in
// order; notes stay masked on every page, as on the case; a bad cursor or limit is a 400
// naming it; a case outside the caller's scope is not found.
func TestCaseAPIPagesTimeline(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		r := newReplyEnv(t, db)
		agent, sup := r.tokens[auth.RoleAgent], r.tokens[auth.RoleSupervisor]
		caseID := longCase(t, r, 505)
		cp := fmt.Sprintf("/api/v1/cases/%d", caseID)
		// Two notes, the first with a phone number in it: the newest events,
		// on the first page of every walk below.
		if st, m, _ := r.req("POST", cp+"/comments", sup, map[string]any{"text": "called back on 9845099999, no answer"}); st != 201 {
			t.Fatalf("note: %d %v", st, m)
		}
		if st, m, _ := r.req("POST", cp+"/comments", sup, map[string]any{"text": "the newest note"}); st != 201 {
			t.Fatalf("note: %d %v", st, m)
		}
		var all []int64 // every event of the case, oldest first
		rows, err := db.Read.Query(`SELECT id FROM case_events WHERE case_id = $1 ORDER BY id`, caseID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			all = append(all, id)
		}
		rows.Close()
		if len(all) < 507 {
			t.Fatalf("the case has %d events; the test wants more than a page", len(all))
		}
		ids := func(evs any) []int64 {
			var out []int64
			for _, e := range evs.([]any) {
				ev := e.(map[string]any)
				if strings.Contains(fmt.Sprint(ev["body"]), "9845099999") {
					t.Fatalf("the agent sees the phone number in %v", ev)
				}
				out = append(out, int64(ev["id"].(float64)))
			}
			return out
		}

		// The case: its newest 500 events, oldest first, and the cursor.
		st, m, _ := r.req("GET", cp, agent, nil)
		if st != 200 {
			t.Fatalf("get: %d %v", st, m)
		}
		if got := ids(m["timeline"]); !slices.Equal(got, all[len(all)-500:]) {
			t.Fatalf("the case's timeline is not its newest 500 events in order: %d events, first %v", len(got), got[:1])
		}
		if m["timeline_earlier_before"] != float64(all[len(all)-500]) || m["timeline_earlier_count"] != float64(len(all)-500) {
			t.Fatalf("timeline cursor: %v %v (want %d, %d)", m["timeline_earlier_before"], m["timeline_earlier_count"], all[len(all)-500], len(all)-500)
		}
		// Its cursor reads the events before them, and says none are left.
		tp := cp + "/timeline"
		st, m, _ = r.req("GET", fmt.Sprintf("%s?before=%d", tp, all[len(all)-500]), agent, nil)
		if got := ids(m["events"]); st != 200 || !slices.Equal(got, all[:len(all)-500]) || m["earlier_before"] != nil || m["earlier_count"] != nil {
			t.Fatalf("earlier events: %d %v %v", st, got, m["earlier_before"])
		}

		// Smaller pages from the newest walk the whole timeline back, no
		// gap and no repeat.
		var walked []int64
		q := "?limit=77"
		for pages := 0; ; pages++ {
			if pages > len(all)/77+1 {
				t.Fatal("the cursor does not end")
			}
			st, m, _ := r.req("GET", tp+q, agent, nil)
			if st != 200 {
				t.Fatalf("page %d: %d %v", pages, st, m)
			}
			page := ids(m["events"])
			if len(page) > 77 {
				t.Fatalf("page %d has %d events", pages, len(page))
			}
			walked = append(page, walked...)
			b, ok := m["earlier_before"].(float64)
			if !ok {
				break
			}
			if m["earlier_count"] != float64(len(all)-len(walked)) {
				t.Fatalf("page %d: earlier_count %v, %d left", pages, m["earlier_count"], len(all)-len(walked))
			}
			q = fmt.Sprintf("?limit=77&before=%d", int64(b))
		}
		if !slices.Equal(walked, all) {
			t.Fatalf("walked timeline differs: %d events walked of %d", len(walked), len(all))
		}
		// The note is there, masked, for a supervisor too (as on the case:
		// unmasking is one audited post at a time).
		st, m, _ = r.req("GET", tp+"?limit=5", sup, nil)
		if page := fmt.Sprint(m["events"]); st != 200 || !strings.Contains(page, "called back on") || strings.Contains(page, "9845099999") {
			t.Fatalf("the supervisor's newest events: %d %s", st, page)
		}

		// Bad parameters are a 400 naming the parameter.
		for _, bad := range []string{"?before=x", "?before=0", "?before=-3", "?before=1.5", "?before=%3Cscript%3E", "?limit=0", "?limit=501", "?limit=ten"} {
			if st, m, _ := r.req("GET", tp+bad, agent, nil); st != 400 || !strings.Contains(bad, errField(m)) || errField(m) == "" {
				t.Fatalf("%s: %d %v", bad, st, m)
			}
		}
		// Outside the caller's scope (a station officer of another unit):
		// not found, as the case itself.
		so := r.tokens[auth.RoleStationOfficer]
		if st, _, _ := r.req("GET", cp, so, nil); st != 404 {
			t.Fatalf("the station officer reads the case: %d", st)
		}
		if st, m, _ := r.req("GET", tp, so, nil); st != 404 {
			t.Fatalf("the station officer reads the timeline: %d %v", st, m)
		}
	})
}
