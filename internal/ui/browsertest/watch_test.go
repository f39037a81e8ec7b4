package browsertest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/watch"
)

// TestWatchDashboards walks the watch floor's dashboards as an analyst:
// volume over time (an ECharts chart drawn from the page's own table),
// the station map drawn offline and clicked through to a station's cases,
// and the reputation index. An agent may not open them. Screenshots in
// both languages, axe and the CSP checked on every page.
func TestWatchDashboards(t *testing.T) {
	env := Start(t, Options{Analysis: true})
	ctx := t.Context()
	texts := []string{
		"Chain snatching near Forum mall Koramangala, please help",
		"ಕೋರಮಂಗಲದಲ್ಲಿ ಸರಗಳ್ಳತನ ನಡೆದಿದೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ",
		"Traffic jam at Silk Board again, nobody is managing it #BengaluruTraffic",
		"Thank you Jayanagar police for finding my phone, great work",
		"Bike stolen from Indiranagar 100 feet road last night",
		"Loud music at 2am in HSR Layout sector 2, please stop it",
	}
	var ps []post.Post
	now := time.Now()
	for i := 0; i < 36; i++ {
		kind := post.KindMention
		if i%3 == 2 {
			kind = post.KindPost
		}
		ps = append(ps, post.Post{Platform: []string{post.X, post.Facebook, post.Instagram}[i%3], ExternalID: fmt.Sprint("w", i), Kind: kind,
			Author: post.Author{ExternalID: fmt.Sprint("u", i), Handle: fmt.Sprint("citizen", i)}, Text: texts[i%len(texts)],
			CreatedAt: now.Add(-time.Duration(i*97) * time.Minute)})
	}
	// A burst just now: its words are new, so they emerge.
	for i := 0; i < 6; i++ {
		ps = append(ps, post.Post{Platform: post.X, ExternalID: fmt.Sprint("burst", i), Kind: post.KindMention,
			Author: post.Author{ExternalID: fmt.Sprint("b", i)}, Text: "Waterlogging under the underpass, cars stuck #Flooding",
			CreatedAt: now.Add(-time.Duration(i) * time.Minute)})
	}
	if _, err := env.App.Intake.Submit(ctx, ps); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var left int
		env.App.DB.Read.QueryRowContext(ctx, "SELECT count(*) FROM posts WHERE stage < 2").Scan(&left)
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d posts never reached the desk", left)
		}
		time.Sleep(50 * time.Millisecond)
	}

	ag := env.Browser(t)
	ag.Login(auth.RoleAgent)
	for _, p := range []string{"/desk/watch", "/desk/watch/map", "/desk/watch/reputation"} {
		ag.Go(p)
		if got := ag.Text("main h1"); got != "Not allowed for your role" {
			t.Fatalf("agent on %s: %q", p, got)
		}
	}
	if ag.Exists(`.sidenav a[href^="/desk/watch"]`) {
		t.Fatal("agent's menu shows Watch")
	}

	a := env.Browser(t)
	a.Login(auth.RoleAnalyst)
	a.Go("/desk/watch")
	if got := a.Text("main .total"); !strings.Contains(got, "42 posts") {
		t.Fatalf("volume total: %q", got)
	}
	a.Run(chromedp.WaitVisible(chromedp.CSS("#volume-chart canvas")))
	a.Check("watch-volume")

	a.Go("/desk/watch?by=platform&window=1d")
	a.Run(chromedp.WaitVisible(chromedp.CSS("#volume-chart canvas")))
	if got := a.Text("main table"); !strings.Contains(got, "Facebook") || !strings.Contains(got, "Instagram") {
		t.Fatalf("by platform: %q", got)
	}
	if n := count(a, "#volume-table thead th[data-series]"); n != 3 {
		t.Fatalf("%d series in the table", n)
	}
	a.Check("watch-volume-platform")

	a.Go("/desk/watch/map")
	if n := count(a, "svg.stationmap a path"); n < 100 { // the pack has 148
		t.Fatalf("%d stations drawn", n)
	}
	if n := count(a, "svg.stationmap path:not(.q0)"); n == 0 {
		t.Fatal("no station coloured by its posts")
	}
	a.Check("watch-map")
	// The busiest station, first in the table, leads to its cases.
	href := strings.Trim(a.Eval(`document.querySelector("#stations-table tbody a").getAttribute("href")`), `"`)
	station := a.Text("#stations-table tbody a")
	a.Submit(`svg.stationmap a[href="` + href + `"] path`)
	if loc := a.Location(); !strings.HasSuffix(loc, href) {
		t.Fatalf("clicked %s (%s), at %s", station, href, loc)
	}
	a.Go("/desk/watch/map?metric=negative&window=1d")
	a.Check("watch-map-negative")
	a.Go("/desk/watch/map?metric=urgent")
	if !strings.Contains(a.Text("main"), "Open urgent cases") {
		t.Fatalf("urgent map: %q", a.Text("main h1"))
	}

	a.Go("/desk/watch/terms")
	if got := a.Text("#top-places"); !strings.Contains(got, "silk board") {
		t.Fatalf("top places: %q", got)
	}
	if got := a.Text("#top-hashtags"); !strings.Contains(got, "#bengalurutraffic") {
		t.Fatalf("top hashtags: %q", got)
	}
	if got := a.Text("#emerging"); !strings.Contains(got, "waterlogging") || !strings.Contains(got, "#flooding") || strings.Contains(got, "9845") {
		t.Fatalf("emerging: %q", got)
	}
	a.Check("watch-terms")

	// Cases answered 5 minutes after they opened, an hour ago; the rollup
	// job (normally every 30 s on one replica) counts them.
	db := env.App.DB
	if _, err := db.Write.Exec(`UPDATE cases SET created_at = created_at - 3600000, first_response_at = created_at - 3300000,
		first_response_due = created_at - 3000000`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.Exec("UPDATE checkpoints SET vals = $1 WHERE source = 'watch.response'", fmt.Sprint(time.Now().Add(-2*time.Hour).UnixMilli())); err != nil {
		t.Fatal(err)
	}
	if _, err := watch.RollupResponses(ctx, db, time.Now()); err != nil {
		t.Fatal(err)
	}
	a.Go("/desk/watch/response")
	if got := a.Text("#response-table tfoot"); !strings.Contains(got, "5.0") || !strings.Contains(got, "100%") {
		t.Fatalf("response totals: %q", got)
	}
	if got := a.Text("#response-table tbody"); !strings.Contains(got, "Koramangala PS") {
		t.Fatalf("response by unit: %q", got)
	}
	a.Check("watch-response")

	a.Go("/desk/watch/reputation")
	if got := a.Text("#rep-index"); got == "" || got == "–" {
		t.Fatalf("reputation index: %q", got)
	}
	a.Run(chromedp.WaitVisible(chromedp.CSS("#rep-chart canvas")))
	a.Check("watch-reputation")
	a.CheckCSP()
}

func count(b *Browser, css string) int {
	var n int
	fmt.Sscan(b.Eval(`document.querySelectorAll(`+jsString(css)+`).length`), &n)
	return n
}
