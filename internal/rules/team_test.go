package rules

import (
	"slices"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/shift"
	"github.com/kaval-desk/kaval/internal/store"
)

// TestAssignToTeam: a rule puts distress into a team's round-robin; the
// agents on shift take turns, capacity holds (the third case waits in the
// queue), and a rule whose team is deleted is switched off with a reason.
func TestAssignToTeam(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := e.ctx()
		sh := shift.New(db, shift.Options{Now: func() time.Time { return e.now }, ManualDrain: true})
		e.eng.SetTeams(sh)
		bob, _, err := e.svc.CreateUser(ctx, auth.NewUser{Username: "bob", Role: auth.RoleAgent, Password: "a long enough password 1"})
		if err != nil {
			t.Fatal(err)
		}
		tm, err := sh.CreateTeam(ctx, shift.TeamInput{Name: "Distress desk"})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []int64{e.agent.ID, bob.ID} {
			if err := sh.SetMember(ctx, tm.ID, u, true); err != nil {
				t.Fatal(err)
			}
			if _, err := sh.SetSkills(ctx, u, shift.Skills{Capacity: 1}); err != nil {
				t.Fatal(err)
			}
			if _, err := sh.ClockIn(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		for _, bad := range []Actions{{AssignTeamID: tm.ID, AssignUserID: bob.ID}, {AssignTeamID: tm.ID, Spam: true}, {AssignTeamID: -1}} {
			if _, err := e.st.Create(ctx, e.admin.UserID, Rule{Name: "bad", Enabled: true, Actions: bad}); err == nil {
				t.Errorf("actions %+v accepted", bad)
			}
		}
		r := e.rule(Rule{Name: "Distress to the team", Conditions: Conditions{Emergency: yes()}, Actions: Actions{AssignTeamID: tm.ID, Tags: []string{"distress"}}})
		var got []int64
		for _, who := range []string{"a", "b", "c"} {
			_, cid := e.put(who, "help, a man is following me")
			s := e.state(cid)
			got = append(got, s.assignee)
			if !slices.Contains(s.tags, "distress") {
				t.Errorf("case %d: the rule's other actions did not run: %+v", cid, s)
			}
			if s.assignee != 0 && (s.status != desk.StatusOpen || !slices.Contains(s.ruleEvent, "assign")) {
				t.Errorf("case %d: %+v", cid, s)
			}
		}
		if got[0] == 0 || got[1] == 0 || got[0] == got[1] || got[2] != 0 {
			t.Fatalf("assignees %v: want the two agents in turn and the third case queued", got)
		}
		if tm, _ := sh.Team(ctx, tm.ID); tm.Queued != 1 {
			t.Errorf("%d queued, want 1", tm.Queued)
		}
		if err := sh.DeleteTeam(ctx, tm.ID); err != nil {
			t.Fatal(err)
		}
		e.put("d", "help, please")
		after, err := e.st.Get(ctx, r.ID)
		if err != nil || after.Enabled || after.DisabledReason == "" {
			t.Fatalf("rule of a deleted team: %+v %v", after, err)
		}
	})
}
