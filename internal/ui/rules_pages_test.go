package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/rules"
	"github.com/kaval-desk/kaval/internal/shift"
	"github.com/kaval-desk/kaval/internal/store"
)

func TestRulesPages(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		st := rules.NewStore(db, nil, nil)
		d := desk.New(db, desk.Options{})
		e.ui.RulesPages(st, d)
		b := e.browser()
		b.login(auth.RoleSupervisor)
		if r := b.get("/desk/admin/rules"); r.status != 200 || !strings.Contains(r.body, "No rules yet") {
			t.Fatalf("empty list %d", r.status)
		}
		form := formOf(b.get("/desk/admin/rules/new").body)
		form.Set("name", "P1 for distress")
		form.Set("query", `"help me" AND (`) // unbalanced
		form.Set("priority", "1")
		form.Set("enabled", "1")
		r := b.post("/desk/admin/rules", form)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="r-q" name="query" rows="2" dir="auto" aria-describedby="r-q-help" aria-invalid="true"`) {
			t.Fatalf("bad query: %d", r.status)
		}
		if rs, _ := st.List(context.Background()); len(rs) != 0 {
			t.Fatal("a refused rule was stored")
		}
		form.Set("query", `"help me" OR distress`)
		form.Add("notify_roles", "supervisor")
		// The team select lists the teams; a team that does not exist is
		// the select's field error and stores nothing.
		tm, err := shift.New(db, shift.Options{}).CreateTeam(context.Background(), shift.TeamInput{Name: "Cyber cell"})
		if err != nil {
			t.Fatal(err)
		}
		if r := b.get("/desk/admin/rules/new"); !strings.Contains(r.body, `<option value="`+itoa(tm.ID)+`">Cyber cell</option>`) || !strings.Contains(r.body, "Assign to team (round-robin)") {
			t.Fatal("the team select is missing")
		}
		form.Set("assign_team_id", itoa(tm.ID+1000))
		if r := b.post("/desk/admin/rules", form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `name="assign_team_id" aria-describedby="r-team-help" aria-invalid="true"`) {
			t.Fatalf("unknown team: %d", r.status)
		}
		if rs, _ := st.List(context.Background()); len(rs) != 0 {
			t.Fatal("a rule with an unknown team was stored")
		}
		form.Set("assign_team_id", itoa(tm.ID))
		// The dry run shows the form again with its count, storing nothing.
		if r := b.post("/desk/admin/rules/dry-run", form); r.status != 200 || !strings.Contains(r.body, "would have matched 0 posts last week") {
			t.Fatalf("dry run %d", r.status)
		}
		if r := b.post("/desk/admin/rules", form); r.status != http.StatusSeeOther {
			t.Fatalf("create %d %s", r.status, r.body)
		}
		rs, _ := st.List(context.Background())
		if len(rs) != 1 || rs[0].Actions.Priority != 1 || rs[0].Actions.Notify == nil || rs[0].Actions.Notify.Roles[0] != "supervisor" || !rs[0].Enabled || rs[0].Actions.AssignTeamID != tm.ID {
			t.Fatalf("stored %+v", rs)
		}
		id := rs[0].ID
		path := "/desk/admin/rules/" + itoa(id)
		// Edit keeps what the form does not show.
		if _, err := db.Write.Exec(`UPDATE rules SET actions = $1 WHERE id = $2`, `{"priority":1,"assign_unit_id":0,"assign_team_id":`+itoa(tm.ID)+`,"tags":["x"],"notify":{"roles":["supervisor"],"user_ids":[`+itoa(e.users[auth.RoleAdmin].ID)+`]}}`, id); err != nil {
			t.Fatal(err)
		}
		page := b.get(path).body
		if !strings.Contains(page, `<option value="`+itoa(tm.ID)+`" selected>Cyber cell</option>`) {
			t.Fatal("the stored team is not selected on edit")
		}
		edit := formOf(page)
		edit.Set("name", "P1 for distress calls")
		if r := b.post(path, edit); r.status != http.StatusSeeOther {
			t.Fatalf("update %d", r.status)
		}
		got, _ := st.Get(context.Background(), id)
		if got.Name != "P1 for distress calls" || got.Actions.Notify == nil || len(got.Actions.Notify.UserIDs) != 1 || got.Actions.AssignTeamID != tm.ID {
			t.Fatalf("after edit %+v", got.Actions)
		}
		// A rule the desk switched off shows why.
		db.Write.Exec(`UPDATE rules SET enabled = 0, disabled_reason = 'the acknowledgement template 9 no longer exists' WHERE id = $1`, id)
		if r := b.get("/desk/admin/rules"); !strings.Contains(r.body, "template 9 no longer exists") || !strings.Contains(r.body, "Switched off by the desk") {
			t.Fatal("failed rule's reason not shown")
		}
		b.post("/desk/lang", url.Values{"lang": {"kn"}})
		if r := b.get("/desk/admin/rules"); !strings.Contains(r.body, "ಡೆಸ್ಕ್ ನಿಲ್ಲಿಸಿದೆ") || !strings.Contains(r.body, "ತಂಡಕ್ಕೆ ನಿಯೋಜಿಸಿ") {
			t.Fatal("no Kannada list")
		}
		if r := b.post(path+"/enable", url.Values{}); r.status != http.StatusSeeOther {
			t.Fatalf("enable %d", r.status)
		}
		if got, _ := st.Get(context.Background(), id); !got.Enabled || got.DisabledReason != "" {
			t.Fatalf("after enable %+v", got)
		}
		agent := e.browser()
		agent.login(auth.RoleAgent)
		if r := agent.post(path+"/delete", url.Values{}); r.status != http.StatusForbidden {
			t.Fatalf("agent deleted a rule: %d", r.status)
		}
		if r := b.post(path+"/delete", url.Values{}); r.status != http.StatusSeeOther {
			t.Fatalf("delete %d", r.status)
		}
		var audited int
		db.Read.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action LIKE 'rule.%'`).Scan(&audited)
		if audited < 4 {
			t.Fatalf("audit entries %d", audited)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
