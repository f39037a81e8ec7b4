package rules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

// analyzer is deterministic: the rules, not the models, are under test.
func analyzer(p *post.Post) post.Analysis {
	a := post.Analysis{Lang: "en", Sentiment: post.Sentiment{Label: "neutral"}, SimHash: fmt.Sprintf("%016x", len(p.Text)*7919+int(p.Text[0]))}
	t := strings.ToLower(p.Text)
	if strings.Contains(t, "help") {
		a.Emergency = post.Flag{Label: true, Score: 0.9}
		a.Urgency = 92
	}
	if strings.Contains(t, "stolen") || strings.Contains(t, "snatch") {
		a.Categories = []post.Category{{Name: "theft", Score: 0.8}}
		a.Urgency = max(a.Urgency, 40)
	}
	if strings.Contains(t, "ನಮಸ್ಕಾರ") {
		a.Lang = "kn"
	}
	return a
}

type env struct {
	t      testing.TB
	db     *store.DB
	st     *Store
	eng    *Engine
	in     *ingest.Intake
	pl     *pipeline.Pipeline
	agent  *auth.User
	admin  *auth.Principal
	svc    *auth.Service
	now    time.Time
	n      int
	unitID int64
}

func setup(t testing.TB, db *store.DB) *env {
	ctx := context.Background()
	e := &env{t: t, db: db, now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)} // 15:30 in Bengaluru, a Tuesday
	if _, err := unit.NewStore(db).Upsert(ctx, []unit.Unit{
		{Code: "blr", Kind: "force", Name: "Bengaluru City Police"},
		{Code: "blr/ps/jayanagar", Kind: "station", Name: "Jayanagar PS", ParentCode: "blr"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Read.QueryRow("SELECT id FROM units WHERE code = 'blr/ps/jayanagar'").Scan(&e.unitID); err != nil {
		t.Fatal(err)
	}
	e.svc = auth.New(db, auth.Config{Hash: auth.TestHashParams})
	var err error
	if e.agent, _, err = e.svc.CreateUser(ctx, auth.NewUser{Username: "asha", Role: auth.RoleAgent, Password: "a long enough password 1"}); err != nil {
		t.Fatal(err)
	}
	adm, _, err := e.svc.CreateUser(ctx, auth.NewUser{Username: "root", Role: auth.RoleAdmin, Password: "a long enough password 1"})
	if err != nil {
		t.Fatal(err)
	}
	e.admin = &auth.Principal{UserID: adm.ID, Username: adm.Username, Role: auth.RoleAdmin, Perms: auth.PermsOf(auth.RoleAdmin), Method: auth.MethodSystem}
	clock := func() time.Time { return e.now }
	e.eng = NewEngine(db, EngineOptions{Now: clock})
	e.st = NewStore(db, nil, func() {
		if err := e.eng.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	e.st.now = clock
	e.in = ingest.New(db, nil, ingest.Options{Now: clock, Analyze: analyzer})
	t.Cleanup(e.in.Close)
	e.pl = pipeline.New(db, desk.New(db, desk.Options{Now: clock}), nil, nil, pipeline.Options{Now: clock, Listener: e.eng})
	return e
}

func (e *env) ctx() context.Context { return auth.WithPrincipal(context.Background(), e.admin) }

func (e *env) rule(r Rule) Rule {
	e.t.Helper()
	r.Enabled = true
	out, err := e.st.Create(e.ctx(), e.admin.UserID, r)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// put stores and threads a post by author, returning its case id.
func (e *env) put(author, text string) (postID, caseID int64) {
	e.t.Helper()
	e.n++
	res, err := e.in.Submit(context.Background(), []post.Post{{Platform: post.X, ExternalID: fmt.Sprint(e.n), Text: text,
		Author: post.Author{ExternalID: author}, ThreadID: fmt.Sprint("t", e.n), CreatedAt: e.now}})
	if err != nil || res[0].Err != nil {
		e.t.Fatal(err, res)
	}
	if err := e.pl.Process(context.Background(), []int64{res[0].ID}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.Read.QueryRow("SELECT COALESCE(case_id, 0) FROM posts WHERE id = $1", res[0].ID).Scan(&caseID); err != nil {
		e.t.Fatal(err)
	}
	return res[0].ID, caseID
}

type caseState struct {
	status    string
	priority  int
	assignee  int64
	unit      int64
	tags      []string
	firstDue  int64
	ruleEvent []string // kinds of events written by rules
}

func (e *env) state(id int64) caseState {
	e.t.Helper()
	var s caseState
	if err := e.db.Read.QueryRow("SELECT status, priority, COALESCE(assignee_id, 0), COALESCE(unit_id, 0), COALESCE(first_response_due, 0) FROM cases WHERE id = $1", id).
		Scan(&s.status, &s.priority, &s.assignee, &s.unit, &s.firstDue); err != nil {
		e.t.Fatal(err)
	}
	rows, err := e.db.Read.Query("SELECT tag FROM case_tags WHERE case_id = $1 ORDER BY tag", id)
	if err != nil {
		e.t.Fatal(err)
	}
	for rows.Next() {
		var t string
		rows.Scan(&t)
		s.tags = append(s.tags, t)
	}
	rows.Close()
	rows, err = e.db.Read.Query("SELECT kind FROM case_events WHERE case_id = $1 AND body LIKE '%\"rule_id\"%' ORDER BY id", id)
	if err != nil {
		e.t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		s.ruleEvent = append(s.ruleEvent, k)
	}
	rows.Close()
	return s
}

func yes() *bool { b := true; return &b }

// Each case: the rules in order, a post, and what the case looks like after.
func TestRulesAct(t *testing.T) {
	cases := []struct {
		name  string
		rules func(e *env) []Rule
		text  string
		check func(t *testing.T, e *env, s caseState)
	}{
		{"emergency assigns and tags", func(e *env) []Rule {
			return []Rule{{Name: "Distress", Conditions: Conditions{Emergency: yes()}, Actions: Actions{AssignUserID: e.agent.ID, Tags: []string{"distress"}}}}
		}, "please help, someone is following me", func(t *testing.T, e *env, s caseState) {
			if s.assignee != e.agent.ID || s.status != desk.StatusOpen || !slices.Equal(s.tags, []string{"distress"}) ||
				!slices.Equal(s.ruleEvent, []string{"assign", "status", "tag"}) {
				t.Fatalf("%+v", s)
			}
		}},
		{"a non-matching post is left alone", func(e *env) []Rule {
			return []Rule{{Name: "Distress", Conditions: Conditions{Emergency: yes()}, Actions: Actions{Tags: []string{"distress"}}}}
		}, "what time does the passport office open", func(t *testing.T, e *env, s caseState) {
			if len(s.tags) != 0 || len(s.ruleEvent) != 0 || s.status != desk.StatusNew {
				t.Fatalf("%+v", s)
			}
		}},
		{"stop processing", func(e *env) []Rule {
			return []Rule{
				{Name: "First", Stop: true, Conditions: Conditions{Categories: []string{"theft"}}, Actions: Actions{Tags: []string{"first"}}},
				{Name: "Second", Conditions: Conditions{Categories: []string{"theft"}}, Actions: Actions{Tags: []string{"second"}}},
			}
		}, "my phone was stolen at the bus stand", func(t *testing.T, e *env, s caseState) {
			if !slices.Equal(s.tags, []string{"first"}) {
				t.Fatalf("%+v", s)
			}
		}},
		{"without stop both run in order", func(e *env) []Rule {
			return []Rule{
				{Name: "First", Conditions: Conditions{Categories: []string{"theft"}}, Actions: Actions{Tags: []string{"first"}}},
				{Name: "Second", Conditions: Conditions{MinUrgency: 40}, Actions: Actions{Tags: []string{"second"}}},
				{Name: "Third", Conditions: Conditions{MinUrgency: 41}, Actions: Actions{Tags: []string{"third"}}},
			}
		}, "my phone was stolen at the bus stand", func(t *testing.T, e *env, s caseState) {
			if !slices.Equal(s.tags, []string{"first", "second"}) {
				t.Fatalf("%+v", s)
			}
		}},
		{"a listening query raises the priority and the deadlines follow", func(e *env) []Rule {
			return []Rule{{Name: "Snatching", Conditions: Conditions{Query: `"chain snatching" OR snatcher*`}, Actions: Actions{Priority: desk.P1, AssignUnitID: e.unitID}}}
		}, "a chain snatching near the park just now", func(t *testing.T, e *env, s caseState) {
			want := store.Millis(e.now.Add(desk.DefaultSLA.FirstResponse[desk.P1]))
			if s.priority != desk.P1 || s.firstDue != want || s.unit != e.unitID || !slices.Equal(s.ruleEvent, []string{"priority", "unit"}) {
				t.Fatalf("%+v (want first response due %d)", s, want)
			}
		}},
		{"spam is closed and tagged", func(e *env) []Rule {
			return []Rule{{Name: "Giveaways", Conditions: Conditions{Query: "crypto AND giveaway", Platforms: []string{post.X}}, Actions: Actions{Spam: true}}}
		}, "crypto giveaway click here", func(t *testing.T, e *env, s caseState) {
			if s.status != desk.StatusClosed || !slices.Equal(s.tags, []string{"spam"}) {
				t.Fatalf("%+v", s)
			}
		}},
		{"language, platform and channel", func(e *env) []Rule {
			return []Rule{
				{Name: "Kannada", Conditions: Conditions{Languages: []string{"kn"}}, Actions: Actions{Tags: []string{"kannada"}}},
				{Name: "Facebook", Conditions: Conditions{Platforms: []string{post.Facebook}}, Actions: Actions{Tags: []string{"fb"}}},
				{Name: "Channel", Conditions: Conditions{Channels: []string{"elsewhere"}}, Actions: Actions{Tags: []string{"ch"}}},
			}
		}, "ನಮಸ್ಕಾರ, a question", func(t *testing.T, e *env, s caseState) {
			if !slices.Equal(s.tags, []string{"kannada"}) {
				t.Fatalf("%+v", s)
			}
		}},
		{"time of day and day of week in Bengaluru", func(e *env) []Rule {
			return []Rule{
				{Name: "Night", Conditions: Conditions{FromHour: 22, ToHour: 6}, Actions: Actions{Tags: []string{"night"}}},
				{Name: "Afternoon", Conditions: Conditions{FromHour: 15, ToHour: 16}, Actions: Actions{Tags: []string{"afternoon"}}}, // 15:30 IST
				{Name: "Weekend", Conditions: Conditions{Days: []int{0, 6}}, Actions: Actions{Tags: []string{"weekend"}}},
				{Name: "Tuesday", Conditions: Conditions{Days: []int{2}}, Actions: Actions{Tags: []string{"tuesday"}}},
			}
		}, "a question about a form", func(t *testing.T, e *env, s caseState) {
			if !slices.Equal(s.tags, []string{"afternoon", "tuesday"}) {
				t.Fatalf("%+v", s)
			}
		}},
		{"unit, case age and SLA state", func(e *env) []Rule {
			return []Rule{
				{Name: "Other unit", Conditions: Conditions{UnitIDs: []int64{e.unitID + 1000}}, Actions: Actions{Tags: []string{"unit"}}},
				{Name: "Old case", Conditions: Conditions{MinCaseAgeMinutes: 60}, Actions: Actions{Tags: []string{"old"}}},
				{Name: "Breached", Conditions: Conditions{SLA: "breached"}, Actions: Actions{Tags: []string{"breached"}}},
				{Name: "Running", Conditions: Conditions{SLA: "running"}, Actions: Actions{Tags: []string{"running"}}},
			}
		}, "a question about a form", func(t *testing.T, e *env, s caseState) {
			if !slices.Equal(s.tags, []string{"running"}) {
				t.Fatalf("%+v", s)
			}
		}},
	}
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e.t = t
				if _, err := db.Write.Exec("DELETE FROM rules"); err != nil {
					t.Fatal(err)
				}
				for i, r := range tc.rules(e) {
					r.Name = fmt.Sprint(r.Name, " ", tc.name, i)
					e.rule(r)
				}
				_, c := e.put(fmt.Sprint("author-", tc.name), tc.text)
				tc.check(t, e, e.state(c))
			})
		}
	})
}

// A rule acts once per post: a second run over the same posts (a
// redelivery, another replica) finds the recorded runs and does nothing.
func TestRulesOncePerEvent(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		e.rule(Rule{Name: "Tag", Conditions: Conditions{MinUrgency: 1}, Actions: Actions{Priority: desk.P2, Tags: []string{"seen"}}})
		p, c := e.put("a1", "help, my bag was stolen")
		before := e.state(c)
		other := NewEngine(db, EngineOptions{Now: func() time.Time { return e.now }}) // a second replica
		if err := other.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, eng := range []*Engine{e.eng, other} {
			if err := db.Tx(context.Background(), func(tx *sql.Tx) error { return eng.Listen(context.Background(), tx, []int64{p}) }); err != nil {
				t.Fatal(err)
			}
		}
		after := e.state(c)
		if len(after.ruleEvent) != len(before.ruleEvent) || !slices.Equal(after.tags, []string{"seen"}) || after.priority != desk.P2 {
			t.Fatalf("before %+v after %+v", before, after)
		}
		var runs int
		db.Read.QueryRow("SELECT count(*) FROM rule_runs WHERE post_id = $1", p).Scan(&runs)
		if runs != 1 {
			t.Fatalf("%d runs", runs)
		}
	})
}

// A rule whose assignee was disabled is switched off with its reason and
// an audit entry; the post is still threaded and later rules still run.
func TestFailingRuleIsDisabled(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		bad := e.rule(Rule{Name: "To Asha", Conditions: Conditions{Emergency: yes()}, Actions: Actions{AssignUserID: e.agent.ID, Tags: []string{"asha"}}})
		e.rule(Rule{Name: "Tag", Conditions: Conditions{Emergency: yes()}, Actions: Actions{Tags: []string{"distress"}}})
		if _, err := e.svc.DisableUser(e.ctx(), e.agent.ID); err != nil {
			t.Fatal(err)
		}
		_, c := e.put("a1", "help me please")
		if c == 0 {
			t.Fatal("the post did not reach the desk")
		}
		if s := e.state(c); s.assignee != 0 || !slices.Equal(s.tags, []string{"distress"}) {
			t.Fatalf("%+v", s)
		}
		got, err := e.st.Get(context.Background(), bad.ID)
		if err != nil || got.Enabled || !strings.Contains(got.DisabledReason, "disabled") {
			t.Fatalf("%+v %v", got, err)
		}
		var n int
		db.Read.QueryRow("SELECT count(*) FROM audit_log WHERE action = 'rule.disable' AND target = $1", target(bad.ID)).Scan(&n)
		if n != 1 {
			t.Fatalf("%d audit entries", n)
		}
		// The engine left it off: the next emergency does not retry it.
		_, c2 := e.put("a2", "help again")
		if s := e.state(c2); s.assignee != 0 || !slices.Equal(s.tags, []string{"distress"}) {
			t.Fatalf("%+v", s)
		}
		// Enabling it again (after fixing it) clears the reason.
		got.Enabled, got.Actions.AssignUserID = true, 0
		got, err = e.st.Update(e.ctx(), got.ID, got)
		if err != nil || !got.Enabled || got.DisabledReason != "" {
			t.Fatalf("%+v %v", got, err)
		}
	})
}

// Refused rules change nothing and name their field; every change is in
// the audit log.
func TestRuleValidationAndAudit(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		for _, tc := range []struct {
			r     Rule
			field string
		}{
			{Rule{Name: "", Actions: Actions{Tags: []string{"x"}}}, "name"},
			{Rule{Name: "q", Conditions: Conditions{Query: "chain AND"}, Actions: Actions{Tags: []string{"x"}}}, "query"},
			{Rule{Name: "p", Conditions: Conditions{Platforms: []string{"myspace"}}, Actions: Actions{Tags: []string{"x"}}}, "platforms"},
			{Rule{Name: "n", Conditions: Conditions{MinUrgency: 1}}, "actions"},
			{Rule{Name: "prio", Actions: Actions{Priority: 7}}, "priority"},
			{Rule{Name: "tag", Actions: Actions{Tags: []string{"a\nb"}}}, "tags"},
			{Rule{Name: "days", Conditions: Conditions{Days: []int{7}}, Actions: Actions{Tags: []string{"x"}}}, "days"},
			{Rule{Name: "sla", Conditions: Conditions{SLA: "late"}, Actions: Actions{Tags: []string{"x"}}}, "sla"},
		} {
			_, err := e.st.Create(e.ctx(), e.admin.UserID, tc.r)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("%+v: %v", tc.r, err)
			}
		}
		if ls, _ := e.st.List(context.Background()); len(ls) != 0 {
			t.Fatalf("refused rules were stored: %+v", ls)
		}
		r := e.rule(Rule{Name: "  Snatching   alerts ", Conditions: Conditions{Query: "chain snatching"}, Actions: Actions{Tags: []string{"snatching"}}})
		if r.Name != "Snatching alerts" || r.Conditions.Query != "chain AND snatching" || r.Position != 10 {
			t.Fatalf("%+v", r)
		}
		if _, err := e.st.Create(e.ctx(), e.admin.UserID, Rule{Name: "Snatching alerts", Actions: Actions{Tags: []string{"x"}}}); err == nil {
			t.Fatal("duplicate name accepted")
		}
		r.Stop = true
		if _, err := e.st.Update(e.ctx(), r.ID, r); err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.Update(e.ctx(), r.ID, r); !errors.Is(err, ErrConflict) {
			t.Fatalf("stale version: %v", err)
		}
		if err := e.st.Delete(e.ctx(), r.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.Get(context.Background(), r.ID); !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		rows, err := db.Read.Query("SELECT action, actor FROM audit_log WHERE target = $1 ORDER BY id", target(r.ID))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var a, who string
			rows.Scan(&a, &who)
			got = append(got, a+" by "+who)
		}
		rows.Close()
		if !slices.Equal(got, []string{"rule.create by root", "rule.update by root", "rule.delete by root"}) {
			t.Fatalf("%v", got)
		}
	})
}

// A dry run counts the past posts a rule would have matched, changes
// nothing, and refuses an invalid rule.
func TestDryRun(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		start := e.now
		var want []int64
		for i := range 5 {
			e.now = start.Add(time.Duration(i) * time.Hour)
			text := "a question about a form"
			if i%2 == 0 {
				text = fmt.Sprint("my phone was stolen near gate ", i)
			}
			_, c := e.put(fmt.Sprint("d", i), text)
			if i%2 == 0 {
				want = append([]int64{c}, want...) // newest first
			}
		}
		r := Rule{Name: "Theft", Conditions: Conditions{Query: "stolen", Categories: []string{"theft"}}, Actions: Actions{Tags: []string{"theft"}}}
		res, err := e.st.DryRun(context.Background(), r, start, e.now.Add(time.Minute), 0)
		if err != nil || res.Count != 3 || !res.Exact || res.Scanned != 5 || !slices.Equal(res.CaseIDs, want) {
			t.Fatalf("%+v %v (want %v)", res, err, want)
		}
		// The window bounds it; a small scan bound says it is not exact.
		if res, _ = e.st.DryRun(context.Background(), r, start.Add(90*time.Minute), e.now.Add(time.Minute), 0); res.Count != 2 {
			t.Fatalf("window: %+v", res)
		}
		if res, _ = e.st.DryRun(context.Background(), r, start, e.now.Add(time.Minute), 2); res.Exact || res.Scanned != 2 || res.Count != 1 {
			t.Fatalf("bounded: %+v", res)
		}
		// Time of day is judged when each post was written (15:30, 16:30, … IST).
		night := Rule{Name: "Evening", Conditions: Conditions{FromHour: 17, ToHour: 23}, Actions: Actions{Tags: []string{"x"}}}
		if res, _ = e.st.DryRun(context.Background(), night, start, e.now.Add(time.Minute), 0); res.Count != 3 {
			t.Fatalf("evening: %+v", res)
		}
		var tags int
		db.Read.QueryRow("SELECT count(*) FROM case_tags").Scan(&tags)
		if tags != 0 {
			t.Fatalf("a dry run changed %d tags", tags)
		}
		var ve *ValidationError
		if _, err := e.st.DryRun(context.Background(), Rule{Name: "bad", Conditions: Conditions{Query: "(("}, Actions: Actions{Tags: []string{"x"}}},
			start, e.now, 0); !errors.As(err, &ve) || ve.Field != "query" {
			t.Fatalf("invalid: %v", err)
		}
	})
}
