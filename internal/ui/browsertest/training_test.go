package browsertest

import (
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/app"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/sandbox"
)

// TestTrainingSandbox: an agent works a practice shift (a flood burst at
// ten times its pace) on the practice desk: a templated reply, an
// escalation to a station, a case closed; finishes and reads the scores;
// a supervisor sees them among the trainees' scores. The live desk gets
// none of it.
func TestTrainingSandbox(t *testing.T) {
	env := Start(t, Options{Analysis: true, Configure: func(c *app.Config) { c.SandboxGap = 100 * time.Millisecond }})
	a := env.Browser(t)
	a.Login(auth.RoleAgent)
	a.Go("/desk/training")
	a.Check("training-home")
	a.Click(`input[value="flood_burst"]`)
	a.Select("#speed", "10")
	a.Submit(`form[action="/desk/training"] button[type=submit]`)
	loc := a.Location()
	if !strings.HasPrefix(loc, "/desk/training/") {
		t.Fatalf("after starting: %s", loc)
	}
	ss, err := env.App.Sandbox.Sessions(t.Context(), env.Users[auth.RoleAgent].ID, 10)
	if err != nil || len(ss) != 1 {
		t.Fatalf("sessions: %v %v", ss, err)
	}
	id := ss[0].ID
	waitFor(t, "every practice post to arrive", func() bool {
		info, err := env.App.Sandbox.Info(t.Context(), id, env.Users[auth.RoleAgent].ID)
		return err == nil && info.Arrived == info.Posts
	})
	a.Go(loc)
	if !strings.Contains(a.Text("#arrived"), "16 of 16") {
		t.Fatalf("arrived: %q", a.Text("#arrived"))
	}
	cases := count(a, "article.practice-case")
	if cases < 4 {
		t.Fatalf("%d practice cases", cases)
	}
	a.Check("training-desk")

	first := `article.practice-case:nth-of-type(1)`
	a.Click(first + ` details:nth-of-type(1) summary`)
	a.Eval(`document.querySelector('` + first + ` select[name="template_id"]').selectedIndex = 1`)
	a.Submit(first + ` form.stack button[type=submit]`)
	if got := a.Text("#flash"); !strings.Contains(got, "Practice reply recorded") {
		t.Fatalf("reply: %q", got)
	}
	second := `article.practice-case:nth-of-type(2)`
	a.Click(second + ` details:nth-of-type(2) summary`)
	a.Fill(second+` input[name="note"]`, "Water-logging, please send a patrol to divert traffic")
	a.Submit(second + ` details:nth-of-type(2) button[type=submit]`)
	if got := a.Text("#flash"); !strings.Contains(got, "escalation recorded") {
		t.Fatalf("escalate: %q", got)
	}
	a.Submit(`article.practice-case:nth-of-type(3) form.inline button`)
	if got := a.Text("#flash"); !strings.Contains(got, "closed") {
		t.Fatalf("close: %q", got)
	}
	a.Eval(`document.querySelector('form[action$="/finish"]').removeAttribute("data-confirm")`)
	a.Submit(`form[action$="/finish"] button`)
	if got := a.Text("main"); !strings.Contains(got, "Time to first response") || !strings.Contains(got, "/ 100") {
		t.Fatalf("score page: %q", got)
	}
	a.Check("training-score")
	info, err := env.App.Sandbox.Sessions(t.Context(), env.Users[auth.RoleAgent].ID, 1)
	if err != nil || info[0].Status != sandbox.StatusFinished || info[0].Scores.Replies != 1 || info[0].Scores.Escalations != 1 {
		t.Fatalf("scores: %+v %v", info, err)
	}

	s := env.Browser(t)
	s.Login(auth.RoleSupervisor)
	s.Go("/desk/training/scores")
	if got := s.Text("main table"); !strings.Contains(got, "agent") {
		t.Fatalf("supervisor's scores: %q", got)
	}
	s.Check("training-scores")

	var live int
	env.App.DB.Read.QueryRow("SELECT count(*) FROM posts").Scan(&live)
	if live != 0 {
		t.Fatalf("%d practice posts reached the live desk", live)
	}
}
