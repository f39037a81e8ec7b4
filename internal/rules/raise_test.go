package rules

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/alert"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// A rule's raise-an-alert action opens one alert (notified once) in the
// pipeline's transaction; further matches are counted on it; once
// acknowledged it cools down like a detector's alert; a bad severity is
// refused when the rule is saved; without alerts the rule is switched off.
func TestRaiseAlertAction(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		clock := func() time.Time { return e.now }
		n := notify.New(db, notify.Config{}, notify.Options{Now: clock})
		al := alert.New(db, alert.Options{Notify: n, Now: clock})
		if _, err := e.st.Create(e.ctx(), e.admin.UserID, Rule{Name: "x", Enabled: true, Conditions: Conditions{Categories: []string{"theft"}},
			Actions: Actions{Alert: &AlertAction{Severity: "loud"}}}); err == nil {
			t.Fatal("a bad severity was accepted")
		}
		r := e.rule(Rule{Name: "Theft wave", Conditions: Conditions{Categories: []string{"theft"}},
			Actions: Actions{Alert: &AlertAction{Severity: alert.Warning, Message: "Check the market beat"}}})
		// No alerter: switched off with its reason, nothing raised.
		e.put("ravi", "my phone was stolen at the market")
		got, _ := e.st.Get(e.ctx(), r.ID)
		if got.Enabled || got.DisabledReason == "" {
			t.Fatalf("without alerts: %+v", got)
		}
		e.eng.SetAlerter(al)
		got.Enabled, got.DisabledReason = true, ""
		if _, err := e.st.Update(e.ctx(), got.ID, got); err != nil {
			t.Fatal(err)
		}
		_, c1 := e.put("asha", "bike stolen near the bus stand")
		e.put("meena", "chain snatch at 4th block")
		list, err := al.List(ctx, alert.Filter{State: alert.StateOpen})
		if err != nil || len(list) != 1 {
			t.Fatalf("alerts: %+v %v", list, err)
		}
		a := list[0]
		if a.Kind != KindRuleAlert || a.Subject != "Theft wave" || a.Severity != alert.Warning || a.Raised != 2 || a.Detail.Message != "Check the market beat" ||
			a.Link == "" || a.Detail.Case == "" {
			t.Fatalf("alert: %+v (first case %d)", a, c1)
		}
		var notes int
		db.Read.QueryRow("SELECT COUNT(*) FROM notifications WHERE kind = 'alert.rule'").Scan(&notes)
		if notes != 1 {
			t.Fatalf("%d notifications", notes)
		}
		if _, err := al.Acknowledge(ctx, e.admin, a.ID, "on it"); err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(30 * time.Minute)
		e.put("kiran", "wallet stolen on the bus")
		if list, _ := al.List(ctx, alert.Filter{State: alert.StateOpen}); len(list) != 0 {
			t.Fatalf("raised again within the cooldown: %+v", list)
		}
	})
}

// countingAlerter is the real alert service, counting the raises.
type countingAlerter struct {
	*alert.Service
	calls int
}

func (c *countingAlerter) RaiseTx(ctx context.Context, tx *sql.Tx, sig alert.Signal) (int64, alert.Outcome, error) {
	c.calls++
	return c.Service.RaiseTx(ctx, tx, sig)
}

// A rule matching many posts of one pipeline transaction raises its alert
// once, counted once per match, naming the last case: not a read and an
// update of the alert's row per matching post.
func TestRaiseOncePerTransaction(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		al := &countingAlerter{Service: alert.New(db, alert.Options{Now: func() time.Time { return e.now }})}
		e.eng.SetAlerter(al)
		e.rule(Rule{Name: "Theft wave", Conditions: Conditions{Categories: []string{"theft"}},
			Actions: Actions{Alert: &AlertAction{Severity: alert.Warning}}})
		var ps []post.Post
		for i, text := range []string{"my phone was stolen at the market", "bike stolen near the bus stand", "wallet stolen on the bus",
			"laptop stolen from my car", "chain snatched at 4th block", "the weather is lovely today"} {
			ps = append(ps, post.Post{Platform: post.X, ExternalID: fmt.Sprint("w", i), Text: text, Author: post.Author{ExternalID: fmt.Sprint("a", i)},
				ThreadID: fmt.Sprint("w", i), CreatedAt: e.now})
		}
		res, err := e.in.Submit(ctx, ps)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			ids = append(ids, r.ID)
		}
		if err := e.pl.Process(ctx, ids); err != nil {
			t.Fatal(err)
		}
		var matched int64
		db.Read.QueryRow("SELECT COUNT(*) FROM rule_runs").Scan(&matched)
		if matched < 2 {
			t.Fatalf("the rule matched %d posts: the test proves nothing", matched)
		}
		list, err := al.List(ctx, alert.Filter{State: alert.StateOpen})
		if err != nil || len(list) != 1 {
			t.Fatalf("alerts: %+v %v", list, err)
		}
		var lastRef string
		db.Read.QueryRow("SELECT c.ref FROM rule_runs r JOIN cases c ON c.id = r.case_id ORDER BY r.post_id DESC LIMIT 1").Scan(&lastRef)
		if a := list[0]; a.Raised != matched || a.Detail.Case != lastRef {
			t.Fatalf("raised %d for %d matches, case %q (last %q)", a.Raised, matched, a.Detail.Case, lastRef)
		}
		if al.calls != 1 {
			t.Fatalf("%d raises in one transaction for %d matches", al.calls, matched)
		}
		// The next transaction counts on the same alert.
		e.put("kiran", "scooter stolen outside the temple")
		if list, _ := al.List(ctx, alert.Filter{State: alert.StateOpen}); len(list) != 1 || list[0].Raised != matched+1 || al.calls != 2 {
			t.Fatalf("after another match: %+v, %d raises", list, al.calls)
		}
	})
}
