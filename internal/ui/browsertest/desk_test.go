package browsertest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/post"
)

// xss are stored-XSS payloads a citizen can post; each sets window.__pwned
// if it ever runs.
var xss = []string{
	`<script>window.__pwned=1</script>`,
	`<img src=x onerror="window.__pwned=2">`,
	`<a href="javascript:window.__pwned=3">tap</a> javascript:window.__pwned=4`,
	`<svg onload="window.__pwned=5"><circle r=9></svg>`,
	`<style>body{display:none}</style><div style="position:fixed;inset:0;background:red">`,
	`{{.}} {{template "layout" .}} ${window.__pwned=6} #{7*7}`,
}

// deskPut stores posts through intake and waits until the pipeline (the
// running App's, bus-driven) has put them on the desk.
func deskPut(t *testing.T, env *Env, n *int, texts ...string) {
	t.Helper()
	var ps []post.Post
	for _, text := range texts {
		*n++
		ps = append(ps, post.Post{Platform: post.X, ExternalID: fmt.Sprint("d", *n), Kind: post.KindMention,
			Author: post.Author{ExternalID: fmt.Sprint("du", *n), Handle: fmt.Sprint("resident", *n)}, Text: text, CreatedAt: time.Now()})
	}
	if _, err := env.App.Intake.Submit(t.Context(), ps); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var left int
		env.App.DB.Read.QueryRow("SELECT count(*) FROM posts WHERE stage < 2").Scan(&left)
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d posts never reached the desk", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fitsWidth fails when, in either language at 1280 or 360 px, the page
// is wider than the window (a table column or form control cut off) or
// two controls of the case page's chips overlap the column beside them.
// On a phone the inbox's filters are folded behind their summary.
func (b *Browser) fitsWidth(where string) {
	b.T.Helper()
	for _, lang := range []string{"kn", "en"} {
		b.Lang(lang)
		for _, w := range []int64{1280, 360} {
			b.Width(w)
			b.Run(chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")), chromedp.Sleep(100))
			if got := b.Eval(`document.documentElement.scrollWidth <= window.innerWidth`); got != "true" {
				b.T.Errorf("%s (%s, %d px): the page scrolls sideways (%s px wide)", where, lang, w, b.Eval(`document.documentElement.scrollWidth`))
			}
			// Every chip form stays inside its column.
			if got := b.Eval(`Array.from(document.querySelectorAll(".chip-form")).every(f => { const c = f.closest(".col").getBoundingClientRect(); return Array.from(f.children).every(e => { const r = e.getBoundingClientRect(); return r.right <= c.right + 1; }); })`); got != "true" {
				b.T.Errorf("%s (%s, %d px): a chip's control runs out of its column", where, lang, w)
			}
			if f := `document.querySelector("[data-filters]")`; b.Exists("[data-filters]") {
				want := map[int64]string{1280: "true", 360: "false"}[w]
				if got := b.Eval(f + `.open`); got != want {
					b.T.Errorf("%s (%s, %d px): filters open = %s, want %s", where, lang, w, got, want)
				}
			}
		}
	}
	b.Width(1280)
	b.Lang("en")
}

func (b *Browser) pwned() {
	b.T.Helper()
	if got := b.Eval(`String(window.__pwned)`); got != `"undefined"` {
		b.T.Fatalf("a stored payload ran at %s: window.__pwned = %s", b.Location(), got)
	}
}

// TestDeskShift walks a shift in Chromium: the inbox with hostile posts
// (inert, zero CSP violations), live rows while posts arrive, the keyboard,
// a chip corrected (label stored), escalation, the station officer's queue
// and action taken, the desk prompted to tell the citizen, templates,
// mentions and approvals; screenshots of each page in both languages at
// 1280 and 360 px.
func TestDeskShift(t *testing.T) {
	env := Start(t, Options{})
	n := 0
	deskPut(t, env, &n, xss[0]+" theft near Jayanagar 4th block, call 9845012345",
		xss[1]+" ಜಯನಗರದಲ್ಲಿ ಸರಗಳ್ಳತನ ನಡೆದಿದೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ",
		xss[2], xss[3], xss[4], xss[5]+" traffic jam at Silk Board")
	var first int64
	env.App.DB.Read.QueryRow("SELECT min(id) FROM cases").Scan(&first)

	a := env.Browser(t)
	a.Login(auth.RoleAgent)
	a.Go("/desk/inbox")
	if !a.Exists(fmt.Sprintf("#case-%d", first)) {
		t.Fatalf("inbox without the first case: %s", a.Text("main"))
	}
	a.pwned()
	a.Check("desk-inbox")
	a.Zoom("desk-inbox")
	a.Lang("en")
	a.Width(1280)
	a.pwned()
	a.fitsWidth("inbox")

	// Live: a new post appears without a reload (the list is at the top
	// and untouched, so it is fetched in order).
	a.Go("/desk/inbox")
	time.Sleep(300 * time.Millisecond) // the EventSource connects
	start := time.Now()
	deskPut(t, env, &n, "Live: chain snatching near Lalbagh west gate just now")
	var live int64
	env.App.DB.Read.QueryRow("SELECT max(id) FROM cases").Scan(&live)
	for !a.Exists(fmt.Sprintf("#case-%d", live)) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the new case did not appear live within 5 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("new case visible in the open inbox %v after the post was submitted", time.Since(start).Round(time.Millisecond))

	// Keyboard: j selects the first row, o opens it; the help overlay on ?.
	a.Run(chromedp.KeyEvent("?"))
	if a.Eval(`document.querySelector("[data-help]").hidden`) != "false" {
		t.Fatal("? did not open the help")
	}
	a.Run(chromedp.KeyEvent("?"))
	a.Run(chromedp.KeyEvent("j"), chromedp.KeyEvent("o"), chromedp.Sleep(300), chromedp.WaitReady(chromedp.CSS("body")))
	if !strings.HasPrefix(a.Location(), "/desk/cases/") {
		t.Fatalf("j, o did not open a case: %s", a.Location())
	}

	cp := fmt.Sprintf("/desk/cases/%d", first)
	a.Go(cp)
	a.pwned()
	if strings.Contains(a.Text("main"), "9845012345") {
		t.Fatal("the phone number shows before unmasking")
	}
	a.Check("desk-case")
	a.Zoom("desk-case")
	a.Lang("en")
	a.Width(1280)
	a.pwned()
	a.fitsWidth("case")

	// A chip corrected in one click: the label is stored.
	a.Select("#chip-category", "theft")
	a.Submit(`form.chip-form:has(#chip-category) button`)
	var labels int
	env.App.DB.Read.QueryRow("SELECT count(*) FROM labels WHERE task = 'category' AND label = 'theft'").Scan(&labels)
	if labels != 1 {
		t.Fatalf("%d labels after the correction", labels)
	}

	// Escalate to Jayanagar with a note.
	a.Select("#esc-unit", fmt.Sprint(env.Unit))
	a.Fill("#esc-note", "Victim waiting at the bus stop <b>now</b>")
	if v := a.Eval(`[document.querySelector("#esc-unit").value, document.querySelector("#escalate").checkValidity()].join(" ")`); !strings.HasSuffix(v, `true"`) {
		a.Snap("desk-escalate-invalid")
		t.Fatalf("escalate form not valid: %s", v)
	}
	a.Submit(`#escalate button[type=submit]`)
	if !strings.Contains(a.Text(".case-head"), "With the station") {
		t.Fatalf("not escalated: %s", a.Text(".case-head"))
	}

	// The station officer's queue and the action taken.
	s := env.Browser(t)
	s.Login(auth.RoleStationOfficer)
	s.Go("/desk/station")
	if !s.Exists(fmt.Sprintf("#case-%d", first)) {
		t.Fatalf("the station's queue lacks the case: %s", s.Text("main"))
	}
	s.Check("desk-station")
	s.Lang("en")
	s.Width(1280)
	s.Go(cp)
	s.pwned()
	s.Check("desk-station-case")
	s.Lang("en")
	s.Width(1280)
	s.Click(`input[name=action][value=fir_registered]`)
	s.Fill(`input[name=fir_number]`, "0412/2026")
	s.Submit(`#station-action button[type=submit]`)

	// The desk is prompted to tell the citizen, with a template.
	sup := env.Browser(t)
	sup.Login(auth.RoleSupervisor)
	sup.Go("/desk/templates")
	sup.Fill(`input[name=name]`, "Station acted, short")
	sup.Select(`select[name=purpose]`, "station_action")
	sup.Fill(`textarea[name=body_en]`, "Update on {ref}: {action}. Call {helpline} if you need help.")
	sup.Fill(`textarea[name=body_kn]`, "{ref} ಕುರಿತು: {action}.")
	sup.Submit(`form.stack button[type=submit]`)
	sup.Check("desk-templates")
	sup.Lang("en")
	sup.Width(1280)

	a.Go(cp)
	if !a.Exists(".prompt") {
		t.Fatal("no prompt to tell the citizen")
	}
	a.Click(`.prompt a`)
	if v := a.Eval(`document.querySelector("#reply-text").value`); !strings.Contains(v, "FIR 0412/2026") {
		t.Fatalf("the tell template did not fill the composer: %s", v)
	}
	a.Snap("desk-case-tell")

	// A note with a mention, seen by the supervisor.
	a.Fill("#note-text", "@supervisor FIR done, please approve the reply "+xss[1])
	a.Submit(`#note button[type=submit]`)
	sup.Go("/desk/mentions")
	sup.pwned()
	sup.Check("desk-mentions")
	sup.Lang("en")
	sup.Width(1280)
	sup.Go("/desk/approvals")
	sup.Check("desk-approvals")
	sup.Lang("en")
	sup.Width(1280)
	sup.Go(cp)
	sup.pwned()
}
