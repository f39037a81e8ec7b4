package browsertest

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kaval-desk/kaval/internal/alert"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/watch"
)

// TestAlerts: an analyst has the alerts page open; a burst of theft posts
// in Koramangala (in the rollups the pipeline keeps) is found by the
// detector loop and appears live, without a reload; the analyst
// acknowledges it with a note (audited) and it moves to the acknowledged
// list. A hostile detector's subject stays inert. An agent may not see
// alerts. Screenshots in both languages.
func TestAlerts(t *testing.T) {
	env := Start(t, Options{})
	ctx := t.Context()
	db := env.App.DB
	now := time.Now()
	cur := store.Millis(now) - store.Millis(now)%3600000
	ins := func(dim, value string, hour, posts int64) {
		if _, err := db.Write.Exec("INSERT INTO volume_hourly (dim, value, hour, posts) VALUES ($1, $2, $3, $4)", dim, value, hour, posts); err != nil {
			t.Fatal(err)
		}
	}
	for h := cur - 14*24*3600000; h < cur; h += 3600000 {
		ins(watch.DimAll, "", h, 10)
		ins(watch.DimCategory, "theft", h, 1)
		ins(watch.DimStation, "Koramangala PS", h, 1)
	}

	ag := env.Browser(t)
	ag.Login(auth.RoleAgent)
	ag.Go("/desk/watch/alerts")
	if got := ag.Text("main h1"); got != "Not allowed for your role" {
		t.Fatalf("agent on alerts: %q", got)
	}

	a := env.Browser(t)
	a.Login(auth.RoleAnalyst)
	a.Go("/desk/watch")
	if got := a.Text(".tabs"); !strings.HasPrefix(got, "Alerts") {
		t.Fatalf("watch tabs: %q", got)
	}
	a.Go("/desk/watch/alerts")
	if !strings.Contains(a.Text("#open-alerts"), "No open alerts") {
		t.Fatalf("empty: %q", a.Text("#open-alerts"))
	}
	a.Run(chromedp.Sleep(500 * time.Millisecond)) // the live stream connects

	ins(watch.DimAll, "", cur, 80)
	ins(watch.DimCategory, "theft", cur, 40)
	ins(watch.DimStation, "Koramangala PS", cur, 40)
	out, err := env.App.AlertLoop.Tick(ctx)
	if err != nil || out[alert.Opened] != 2 {
		t.Fatalf("detectors: %v %v", out, err)
	}
	if _, _, err := env.App.Alerts.Raise(ctx, alert.Signal{Kind: "test.hostile", Key: "x", Severity: alert.Info,
		Subject: `<img src=x onerror="window.__pwned=1">`, Detail: alert.Detail{Title: map[string]string{"en": `<script>window.__pwned=1</script> odd`}}}); err != nil {
		t.Fatal(err)
	}
	a.Run(chromedp.WaitVisible(chromedp.CSS(`#open-alerts li.alert-critical`)))
	a.Run(chromedp.WaitVisible(chromedp.CSS(`#open-alerts li.alert-info`)))
	got := a.Text("#open-alerts")
	if !strings.Contains(got, "Spike in posts about Theft") || !strings.Contains(got, "Spike in posts placed in Koramangala PS") ||
		!strings.Contains(got, "<script>window.__pwned=1</script> odd") {
		t.Fatalf("live alerts: %q", got)
	}
	if p := a.Eval(`String(window.__pwned)`); p != `"undefined"` {
		t.Fatalf("citizen-controlled text ran: %s", p)
	}
	a.Check("alerts-open")

	// Acknowledge the theft spike with a note.
	id := strings.TrimPrefix(strings.Trim(a.Eval(`document.querySelector("#open-alerts li.alert-critical").id`), `"`), "alert-")
	a.Fill(`#alert-`+id+` input[name=note]`, "Koramangala PS told; two beat patrols sent")
	a.Click(`#alert-` + id + ` button[type=submit]`)
	a.Run(chromedp.WaitNotPresent(chromedp.CSS(`#open-alerts #alert-` + id)))
	a.Go("/desk/watch/alerts")
	if got := a.Text("main section:nth-of-type(2)"); !strings.Contains(got, "Koramangala PS told; two beat patrols sent") || !strings.Contains(got, "analyst") {
		t.Fatalf("acknowledged list: %q", got)
	}
	var n int
	db.Read.QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'alert.acknowledge' AND target = $1", "alert:"+id).Scan(&n)
	if n != 1 {
		t.Fatalf("%d audit entries", n)
	}
	a.Check("alerts-acknowledged")
	a.CheckCSP()
}
