package browsertest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kaval-desk/kaval/internal/app"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/ui"
)

// TestPublishing walks the Publish section: an agent composes an advisory
// once for two accounts in English and Kannada (the live check shows X's
// limit as they type), attaches an image with alt text, schedules it and
// submits it; the agent cannot approve it; a supervisor approves it from
// the review page; it sits on the calendar, is moved by the date form and
// by dragging (publish.js); an emergency advisory goes out on one
// approval and its owed signature shows. Screenshots in both languages,
// axe and the CSP checked on every page.
func TestPublishing(t *testing.T) {
	// The accounts are stored without credentials (no platform runs
	// here); a resync would start them, fail and mark them in error.
	env := Start(t, Options{Configure: func(c *app.Config) { c.ChannelResync = time.Hour }})
	ctx := t.Context()
	chans := map[string]int64{}
	for _, c := range []struct{ platform, name, cfg string }{
		{"x", "BlrCityPolice on X", `{"mode":"webhook"}`},
		{"bluesky", "BCP on Bluesky", `{"handle":"blrcitypolice.bsky.social"}`},
		{"facebook", "Bengaluru City Police page", `{"page_id":"1044"}`},
		{"telegram", "Jayanagar PS channel", `{"publish_chat":"@jayanagarps"}`},
	} {
		var id int64
		if err := env.App.DB.Write.QueryRowContext(ctx, `INSERT INTO channels (platform, name, config, created_at, updated_at) VALUES ($1, $2, $3, 1, 1) RETURNING id`,
			c.platform, c.name, c.cfg).Scan(&id); err != nil {
			t.Fatal(err)
		}
		chans[c.platform] = id
	}
	x, bsky, fb := chans["x"], chans["bluesky"], chans["facebook"]

	a := env.Browser(t)
	a.Login(auth.RoleAgent)
	a.Go("/desk/publish")
	a.Check("publish-empty")

	a.Go("/desk/publish/new")
	a.Fill(`input[name=title]`, "Dasara procession: traffic")
	a.Select(`select[name=kind]`, "advisory")
	a.Fill("#text-en", "Dasara procession on Sunday: Mysuru Road closed 4–10 p.m. Use the outer ring road.")
	a.Fill("#text-kn", "ಭಾನುವಾರ ದಸರಾ ಮೆರವಣಿಗೆ: ಮೈಸೂರು ರಸ್ತೆ ಸಂಜೆ 4ರಿಂದ 10ರವರೆಗೆ ಮುಚ್ಚಲಾಗಿದೆ. ಹೊರ ವರ್ತುಲ ರಸ್ತೆ ಬಳಸಿ.")
	a.Run(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details.account").forEach(d => d.open = true)`))
	a.Click(fmt.Sprintf(`input[name="v_%d_en"]`, x))
	a.Click(fmt.Sprintf(`input[name="v_%d_kn"]`, bsky))
	a.Click(fmt.Sprintf(`input[name="v_%d_en"]`, fb))
	a.Click(fmt.Sprintf(`input[name="vm_%d_en"]`, fb))
	// The live limit: X counts 280 weighted characters.
	a.Fill(fmt.Sprintf("#vt-%d_en", x), strings.Repeat("Traffic diversion near Mysuru Road. ", 9))
	chk := fmt.Sprintf("#chk-%d_en", x)
	waitJS(a, `document.querySelector(`+jsString(chk)+`).textContent.includes("limit 280")`)
	a.Screenshot("publish-compose-live-limit-en-1280")
	a.Fill(fmt.Sprintf("#vt-%d_en", x), "Dasara procession Sunday: Mysuru Road closed 4–10 p.m.; use the outer ring road. #BengaluruTraffic")
	waitJS(a, `document.querySelector(`+jsString(chk)+`).textContent.includes("Fits")`)
	a.Fill(`input[name=place]`, "Jayanagar")
	// The map of the stations' areas (stationpick.js): clicking an area
	// ticks that station in the list, clicking again unticks it; a
	// station ticked in the list shows on the map.
	if a.Eval(`document.querySelector("[data-pickmap]").hidden`) != "false" {
		t.Fatal("the stations' map is not shown")
	}
	picked := a.Eval(`Number(document.querySelectorAll(".pickmap path[data-unit]")[3].getAttribute("data-unit"))`)
	clickArea := `document.querySelector('.pickmap path[data-unit="` + picked + `"]').dispatchEvent(new MouseEvent("click", {bubbles: true}))`
	ticked := `document.querySelector('input[name=station][value="` + picked + `"]').checked`
	a.Run(chromedp.Evaluate[chromedp.Void](clickArea))
	if a.Eval(ticked) != "true" || a.Eval(`document.querySelector('.pickmap path[data-unit="`+picked+`"]').classList.contains("sel")`) != "true" {
		t.Fatal("clicking a station's area did not pick it")
	}
	a.Run(chromedp.Evaluate[chromedp.Void](clickArea))
	if a.Eval(ticked) != "false" {
		t.Fatal("clicking again did not take it off")
	}
	a.Run(chromedp.Evaluate[chromedp.Void](clickArea))
	a.Run(chromedp.Evaluate[chromedp.Void](`document.querySelector(".pickmap").scrollIntoView()`))
	a.Screenshot("publish-compose-map-en-1280")
	when := time.Now().In(ui.IST).AddDate(0, 0, 3)
	a.Run(chromedp.SetValue(`#compose input[name=date]`, when.Format("2006-01-02")), chromedp.SetValue(`#compose input[name=time]`, "07:30"))
	a.Submit(`#compose button[type=submit]`)
	if loc := a.Location(); !strings.HasPrefix(loc, "/desk/publish/") || strings.HasSuffix(loc, "/new") {
		t.Fatalf("after saving: at %s: %s", loc, a.Text("main"))
	}
	pubURL := a.Location()
	if n := a.Eval(`document.querySelectorAll("input[name=station]:checked").length`); n == "0" || n == "1" {
		t.Fatalf("stations targeted: %s (the one picked on the map and those near Jayanagar)", n)
	}
	if a.Eval(`document.querySelector('input[name=station][value="`+picked+`"]').checked`) != "true" {
		t.Fatal("the station picked on the map was not targeted")
	}

	// An image with its alt text.
	img := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for i := range 120 {
		img.Set(i, 40, color.RGBA{200, 20, 20, 255})
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	file := filepath.Join(t.TempDir(), "diversion-map.png")
	os.WriteFile(file, buf.Bytes(), 0o644)
	a.Run(chromedp.SetUploadFiles(`input[name=file]`, []string{file}))
	a.Fill(`input[name=alt_en]`, "Map: Mysuru Road closed between the two red marks")
	a.Fill(`input[name=alt_kn]`, "ನಕ್ಷೆ: ಎರಡು ಕೆಂಪು ಗುರುತುಗಳ ನಡುವೆ ಮೈಸೂರು ರಸ್ತೆ ಮುಚ್ಚಲಾಗಿದೆ")
	a.Submit(`form[enctype="multipart/form-data"] button[type=submit]`)
	if !a.Exists(".pub-img img") {
		t.Fatalf("image not shown: %s", a.Text("main"))
	}
	a.Check("publish-draft")

	a.Submit(`form[action$="/submit"] button`)
	if !strings.Contains(a.Text("main"), "Awaiting approval") || a.Exists(`form[action$="/decide"]`) {
		t.Fatalf("the author may decide, or not submitted: %s", a.Text("main"))
	}

	s := env.Browser(t)
	s.Login(auth.RoleSupervisor)
	s.Go("/desk/publish/review")
	if !strings.Contains(s.Text("main"), "Dasara procession: traffic") {
		t.Fatalf("review list: %s", s.Text("main"))
	}
	s.Check("publish-review")
	s.Fill(`form[action$="/decide"] input[name=note]`, "Kannada checked")
	s.Submit(`form[action$="/decide"] button`)
	if !strings.Contains(s.Text("body"), "Approved") {
		t.Fatalf("after approving: %s", s.Text("main"))
	}
	var pending int
	env.App.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE kind = 'publish' AND state = 'pending' AND needs_approval = 0`).Scan(&pending)
	if pending != 3 {
		t.Fatalf("%d outbox items pending, want 3", pending)
	}
	s.Go(strings.TrimPrefix(pubURL, env.URL))
	s.Check("publish-approved")

	// The calendar shows it; the date form moves it; so does dragging.
	s.Go("/desk/publish/calendar?view=week&date=" + when.Format("2006-01-02"))
	if !s.Exists(`li.cal-item[draggable="true"]`) {
		t.Fatalf("calendar: %s", s.Text("main"))
	}
	s.Check("publish-calendar-week")
	s.Go("/desk/publish/calendar?view=month&date=" + when.Format("2006-01-02"))
	s.Check("publish-calendar-month")
	target := when.AddDate(0, 0, 1).Format("2006-01-02")
	if !s.Exists(`td[data-date="` + target + `"]`) {
		target = when.AddDate(0, 0, -1).Format("2006-01-02")
	}
	s.Run(chromedp.Evaluate[chromedp.Void](`(() => {
		const li = document.querySelector('li.cal-item[draggable="true"]');
		const td = document.querySelector('td[data-date="` + target + `"]');
		const dt = new DataTransfer();
		li.dispatchEvent(new DragEvent("dragstart", {bubbles: true, dataTransfer: dt}));
		td.dispatchEvent(new DragEvent("dragover", {bubbles: true, cancelable: true, dataTransfer: dt}));
		td.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: dt}));
	})()`))
	waitJS(s, `document.querySelector('td[data-date="`+target+`"] li.cal-item') !== null`)
	var due int64
	env.App.DB.Read.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM outbox WHERE kind = 'publish' AND state = 'pending'`).Scan(&due)
	if got := time.UnixMilli(due).In(ui.IST).Format("2006-01-02 15:04"); got != target+" 07:30" {
		t.Fatalf("dragged: outbox due %s, want %s 07:30", got, target)
	}
	s.Go(strings.TrimPrefix(pubURL, env.URL))
	later := when.AddDate(0, 0, 5)
	s.Run(chromedp.SetValue(`#schedule input[name=date]`, later.Format("2006-01-02")), chromedp.SetValue(`#schedule input[name=time]`, "18:00"))
	s.Submit(`#schedule button`)
	if !strings.Contains(s.Text("body"), "Moved to "+later.Format("2006-01-02")+" 18:00") {
		t.Fatalf("date form: %s", s.Text("main"))
	}

	// Emergency: out on the first approval, a signature owed after.
	a.Go("/desk/publish/new")
	a.Fill(`input[name=title]`, "Flooding at Hebbal")
	a.Select(`select[name=kind]`, "emergency")
	a.Fill("#text-en", "Hebbal underpass flooded: avoid it; use the service road.")
	a.Run(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details.account").forEach(d => d.open = true)`))
	a.Click(fmt.Sprintf(`input[name="v_%d_en"]`, bsky))
	a.Submit(`#compose button[type=submit]`)
	a.Submit(`form[action$="/submit"] button`)
	s.Go("/desk/publish/review")
	s.Submit(`form[action$="/decide"] button`)
	s.Go("/desk/publish")
	if !strings.Contains(s.Text("main"), "await a second signature") && !strings.Contains(s.Text("main"), "awaits a second signature") {
		t.Fatalf("owed signature not shown: %s", s.Text("main"))
	}
	s.Check("publish-list")
	s.Go("/desk/publish/review")
	if !strings.Contains(s.Text("main"), "Signatures owed after the fact") {
		t.Fatalf("owed on review page: %s", s.Text("main"))
	}
	ad := env.Browser(t)
	ad.Login(auth.RoleAdmin)
	ad.Go("/desk/publish/review")
	ad.Submit(`form[action$="/decide"] input[value=after_sign] ~ button`)
	ad.Go("/desk/publish/review")
	if strings.Contains(ad.Text("main"), "Signatures owed after the fact") {
		t.Fatalf("still owed after signing: %s", ad.Text("main"))
	}

	// Stations' locality groups: an administrator gives Jayanagar its
	// Telegram channel; the feed link is there for everyone.
	ad.Go(fmt.Sprintf("/desk/publish/stations?edit=%d", env.Unit))
	ad.Select(`select[name=telegram]`, fmt.Sprint(chans["telegram"]))
	ad.Submit(`form[action$="/save"] button`)
	if !strings.Contains(ad.Text("body"), "Jayanagar PS channel") {
		t.Fatalf("station group not saved: %s", ad.Text("main"))
	}
	ad.Check("publish-stations")

	// Campaigns.
	s.Go("/desk/publish/campaigns")
	s.Fill(`input[name=name]`, "Helpline awareness week")
	s.Fill(`textarea[name=goal]`, "Every citizen knows Elders 1090, Children 1098 and Women 1091")
	s.Submit(`form[action="/desk/publish/campaigns"] button`)
	s.Check("publish-campaign")
	s.Go("/desk/publish/campaigns")
	s.Check("publish-campaigns")
}

// waitJS waits until the expression is true in b's page.
func waitJS(b *Browser, expr string) {
	b.T.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for b.Eval("!!("+expr+")") != "true" {
		if time.Now().After(deadline) {
			b.T.Fatalf("browsertest: still false after 15 s: %s (at %s)", expr, b.Location())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
