package rules

import (
	"context"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"

	"github.com/kaval-desk/kaval/internal/store"
)

// A rule on the SLA warning acts when the warning comes, once per event,
// and not when posts arrive; a post rule does not run on the event.
func TestRulesOnCaseEvents(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		onWarn := e.rule(Rule{Name: "Raise on warning", Conditions: Conditions{On: []string{OnSLAWarning}}, Actions: Actions{Priority: 2, Tags: []string{"sla-warned"}}})
		e.rule(Rule{Name: "Tag posts", Actions: Actions{Tags: []string{"seen"}}})
		_, caseID := e.put("ravi", "my phone was stolen")
		st := e.state(caseID)
		if contains(st.tags, "sla-warned") || !contains(st.tags, "seen") {
			t.Fatalf("after the post: %+v", st)
		}
		for i := 0; i < 2; i++ { // the same event twice (a retry, another replica)
			if err := e.eng.CaseEvent(ctx, caseID, OnSLAWarning, "first_response:123"); err != nil {
				t.Fatal(err)
			}
		}
		st = e.state(caseID)
		if st.priority != 2 || !contains(st.tags, "sla-warned") {
			t.Fatalf("after the warning: %+v", st)
		}
		var runs int
		db.Read.QueryRow(`SELECT COUNT(*) FROM rule_event_runs WHERE rule_id = $1`, onWarn.ID).Scan(&runs)
		if runs != 1 {
			t.Fatalf("event runs %d", runs)
		}
		var priorityEvents int
		db.Read.QueryRow(`SELECT COUNT(*) FROM case_events WHERE case_id = $1 AND kind = 'priority'`, caseID).Scan(&priorityEvents)
		if priorityEvents != 1 {
			t.Fatalf("priority events %d", priorityEvents)
		}
		// A breach is another event: the warning rule does not run on it.
		if err := e.eng.CaseEvent(ctx, caseID, OnSLABreach, "first_response:123"); err != nil {
			t.Fatal(err)
		}
		db.Read.QueryRow(`SELECT COUNT(*) FROM rule_event_runs`).Scan(&runs)
		if runs != 1 {
			t.Fatalf("a warning rule ran on a breach")
		}
		if _, err := e.st.Create(e.ctx(), e.admin.UserID, Rule{Name: "bad", Conditions: Conditions{On: []string{"full_moon"}}, Actions: Actions{Priority: 1}}); err == nil {
			t.Fatal("unknown event accepted")
		}
	})
}

// A rule on status changes acts once per change, however often (and on
// however many replicas) the status events are swept.
func TestRulesOnStatusChange(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		e.rule(Rule{Name: "Waiting on the citizen", Conditions: Conditions{On: []string{OnStatus}, Statuses: []string{desk.StatusWaitingCitizen}},
			Actions: Actions{Tags: []string{"chase-citizen"}}})
		_, caseID := e.put("ravi", "my phone was stolen")
		if n, err := e.eng.StatusEvents(ctx, time.Hour); err != nil || contains(e.state(caseID).tags, "chase-citizen") {
			t.Fatalf("before any change: %d %v", n, err)
		}
		d := desk.New(db, desk.Options{Now: func() time.Time { return e.now }})
		w := desk.StatusWaitingCitizen
		if _, err := d.Update(ctx, caseID, desk.Scope{}, e.admin.UserID, desk.Change{Status: &w}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if _, err := e.eng.StatusEvents(ctx, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		if st := e.state(caseID); !contains(st.tags, "chase-citizen") {
			t.Fatalf("after waiting_citizen: %+v", st)
		}
		var runs int
		db.Read.QueryRow(`SELECT COUNT(*) FROM rule_event_runs`).Scan(&runs)
		if runs != 1 {
			t.Fatalf("runs %d", runs)
		}
		if _, err := e.st.Create(e.ctx(), e.admin.UserID, Rule{Name: "bad", Conditions: Conditions{Statuses: []string{"asleep"}}, Actions: Actions{Priority: 1}}); err == nil {
			t.Fatal("unknown status accepted")
		}
	})
}
