package browsertest

import (
	"context"

	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/rules"
	"github.com/kaval-desk/kaval/internal/shift"
)

// TestTeamsShiftsBoard: a supervisor sets up a team in the admin page, an
// agent clocks in from the shift page (the top bar follows), a rule gives
// the team's cases round-robin up to the agent's capacity, the board
// shows the load and grows live when a post arrives, and the handover of
// the shift before is shown until acknowledged.
func TestTeamsShiftsBoard(t *testing.T) {
	env := Start(t, Options{})
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: env.Users[auth.RoleAdmin].ID, Username: "admin",
		Role: auth.RoleAdmin, Perms: auth.PermsOf(auth.RoleAdmin), Method: auth.MethodSystem})
	agent, sup := env.Users[auth.RoleAgent], env.Users[auth.RoleSupervisor]

	s := env.Browser(t)
	s.Login(auth.RoleSupervisor)
	s.Go("/desk/admin/teams")
	s.Click("details.card summary")
	s.Fill("#nt-name", "Distress desk")
	s.Submit(`form[action="/desk/admin/teams"] button[type=submit]`)
	if got := s.Text("#flash"); !strings.Contains(got, "Distress desk") {
		t.Fatalf("team not created: %q", got)
	}
	ts, err := env.App.Shift.Teams(ctx)
	if err != nil || len(ts) != 1 {
		t.Fatalf("teams: %v %v", ts, err)
	}
	tm := ts[0]
	for _, u := range []int64{agent.ID, sup.ID} {
		s.Select("#add-"+itoa(tm.ID), itoa(u))
		s.Submit(`form[action="/desk/admin/teams/` + itoa(tm.ID) + `/members"].row button`)
	}
	s.Click("#agent-" + itoa(agent.ID) + " details summary")
	s.Fill("#cap-"+itoa(tm.ID)+"-"+itoa(agent.ID), "2")
	s.Submit(`#agent-` + itoa(agent.ID) + ` form.skills-form button`)
	if k, _ := env.App.Shift.SkillsOf(ctx, agent.ID); k.Capacity != 2 {
		t.Fatalf("capacity %d after the form, want 2", k.Capacity)
	}
	s.Check("team-admin")

	a := env.Browser(t)
	a.Login(auth.RoleAgent)
	a.Go("/desk/shift")
	a.Submit(`form[action="/desk/shift/clock"] button`)
	if got := a.Text("#flash"); !strings.Contains(got, "on shift") {
		t.Fatalf("clock-in: %q", got)
	}
	waitFor(t, "the top bar's clock state", func() bool { return strings.Contains(a.Text(".topbar"), "On shift") })
	a.Check("shift-agent")

	if _, err := env.App.Rules.Create(ctx, sup.ID, rules.Rule{Name: "X to the distress desk", Enabled: true,
		Conditions: rules.Conditions{Platforms: []string{post.X}}, Actions: rules.Actions{AssignTeamID: tm.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := env.App.Engine.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	n := 0
	deskPut(t, env, &n, "Water-logging at Silk Board junction, cars stuck", "ಮೆಜೆಸ್ಟಿಕ್ ಬಳಿ ಸರಗಳ್ಳತನ ನಡೆದಿದೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ",
		"Streetlights off on 4th block, Jayanagar")
	// The Kannada report is critical (the models are off in this test).
	if _, err := env.App.DB.Write.Exec("UPDATE cases SET priority = 1 WHERE id = (SELECT case_id FROM posts WHERE text LIKE '%ಮೆಜೆಸ್ಟಿಕ್%')"); err != nil {
		t.Fatal(err)
	}
	var held, queued int
	env.App.DB.Read.QueryRow("SELECT count(*) FROM cases WHERE assignee_id = $1", agent.ID).Scan(&held)
	env.App.DB.Read.QueryRow("SELECT count(*) FROM cases WHERE assignee_id IS NULL AND team = 'Distress desk'").Scan(&queued)
	if held != 2 || queued != 1 {
		t.Fatalf("the agent holds %d cases and %d wait, want 2 (capacity) and 1", held, queued)
	}

	s.Go("/desk/board")
	if got := s.Text("#load-" + itoa(agent.ID)); !strings.Contains(got, "2 of 2") || !strings.Contains(got, "full") {
		t.Fatalf("board row of the agent: %q", got)
	}
	if got := s.Text(".queues"); !strings.Contains(got, "1 case waiting") {
		t.Fatalf("board queues: %q", got)
	}
	s.Check("board")
	s.Go("/desk/board")
	time.Sleep(300 * time.Millisecond) // the EventSource connects
	deskPut(t, env, &n, "Signal not working at Richmond circle")
	waitFor(t, "the board to show the new case live", func() bool { return strings.Contains(s.Text(".queues"), "2 cases waiting") })

	// The shift before this one left a note; the supervisor clocking in
	// must acknowledge it.
	cur, slots, err := env.App.Shift.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	prev, ok := shift.Before(slots, cur)
	if !ok {
		t.Fatal("no shift before this one")
	}
	h, err := env.App.Shift.HandoverOf(ctx, prev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Shift.SaveHandover(ctx, h.ID, sup.ID, shift.HandoverEdit{Note: "Silk Board flooding: traffic police informed, follow up at 10.",
		Version: h.Version, Refresh: true}); err != nil {
		t.Fatal(err)
	}
	s.Go("/desk/shift")
	s.Submit(`form[action="/desk/shift/clock"] button`)
	if !s.Exists("#pending") || !strings.Contains(s.Text("#pending"), "Silk Board flooding") || !strings.Contains(s.Text("#pending"), "1 open critical case") {
		t.Fatalf("no pending handover after clock-in: %q", s.Text("main"))
	}
	waitFor(t, "the top bar's handover chip", func() bool { return strings.Contains(s.Text(".topbar"), "Handover to read") })
	s.Check("shift-handover-pending")
	s.Submit(`#pending form button`)
	if s.Exists("#pending") {
		t.Fatal("the handover is still shown after acknowledging it")
	}
	// The supervisor's override: one of the agent's cases goes to the
	// next agent of the team on shift (the supervisor).
	var held1 int64
	env.App.DB.Read.QueryRow("SELECT min(id) FROM cases WHERE assignee_id = $1", agent.ID).Scan(&held1)
	s.Go("/desk/cases/" + itoa(held1))
	waitFor(t, "the give-to-a-team control", func() bool { return s.Exists(`form[action$="/team"] button`) })
	s.Submit(`form[action$="/team"] button`)
	if got := s.Text("#flash"); !strings.Contains(got, "Distress desk") {
		t.Fatalf("give to team: %q", got)
	}
	var now1 int64
	env.App.DB.Read.QueryRow("SELECT COALESCE(assignee_id, 0) FROM cases WHERE id = $1", held1).Scan(&now1)
	if now1 != sup.ID {
		t.Fatalf("the case went to %d, want the supervisor %d", now1, sup.ID)
	}
	// The agent writes this shift's note.
	a.Go("/desk/shift")
	a.Fill("#note-text", "Two distress cases open; Majestic chain snatching escalated to Upparpet PS.")
	a.Submit(`#note form button`)
	if got := a.Text("#flash"); !strings.Contains(got, "saved") {
		t.Fatalf("note: %q", got)
	}
	a.Snap("shift-note-saved")
	var audits int
	env.App.DB.Read.QueryRow("SELECT count(*) FROM audit_log WHERE action IN ('handover.ack', 'handover.save', 'shift.clock_in', 'team.create', 'team.member_add', 'agent.skills')").Scan(&audits)
	if audits < 8 {
		t.Errorf("%d audit entries for the walk-through, want at least 8", audits)
	}
}
