package ui_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/app"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/post"
)

// deskEnv is the whole App (not started: no workers, no sending) behind a
// test server, with one user per role.
type deskEnv struct {
	t     *testing.T
	a     *app.App
	ts    *httptest.Server
	users map[auth.Role]*auth.User
	unit  int64
	seq   int
}

func newDeskEnv(t *testing.T) *deskEnv {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{DB: "sqlite:" + filepath.Join(dir, "k.db"), DataDir: dir, NoAnalysis: true,
		AuthConfig: auth.Config{Hash: auth.TestHashParams}, Log: slog.New(slog.DiscardHandler), Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	e := &deskEnv{t: t, a: a, users: map[auth.Role]*auth.User{}}
	e.ts = httptest.NewServer(a.Handler())
	t.Cleanup(e.ts.Close)
	if err := a.DB.Read.QueryRow(`SELECT id FROM units WHERE kind = 'station' ORDER BY name LIMIT 1`).Scan(&e.unit); err != nil {
		t.Fatal(err)
	}
	for _, r := range auth.Roles {
		nu := auth.NewUser{Username: "u-" + strings.ReplaceAll(string(r), "_", "-"), Name: "Name " + string(r), Role: r, Password: goodPassword}
		if r == auth.RoleStationOfficer {
			nu.UnitID = e.unit
		}
		u, _, err := a.Auth.CreateUser(ctx, nu)
		if err != nil {
			t.Fatal(err)
		}
		e.users[r] = u
	}
	return e
}

// put stores a citizen's post through intake and threads it; it returns the case id.
func (e *deskEnv) put(text string, private bool) int64 {
	e.t.Helper()
	e.seq++
	p := post.Post{Platform: post.X, ExternalID: fmt.Sprint(e.seq), Kind: post.KindMention, Channel: "blrcitypolice", Private: private,
		Author: post.Author{ExternalID: fmt.Sprint("a", e.seq), Handle: fmt.Sprint("citizen", e.seq)}, Text: text, CreatedAt: time.Now()}
	res, err := e.a.Intake.Submit(context.Background(), []post.Post{p})
	if err != nil || res[0].Err != nil {
		e.t.Fatal(err, res)
	}
	if err := e.a.Pipeline.Process(context.Background(), []int64{res[0].ID}); err != nil {
		e.t.Fatal(err)
	}
	var caseID int64
	if err := e.a.DB.Read.QueryRow(`SELECT case_id FROM posts WHERE id = $1`, res[0].ID).Scan(&caseID); err != nil || caseID == 0 {
		e.t.Fatalf("not threaded: %v", err)
	}
	return caseID
}

type deskBrowser struct {
	e *deskEnv
	c *http.Client
}

func (e *deskEnv) login(role auth.Role) *deskBrowser {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &deskBrowser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if r := b.post("/desk/login", url.Values{"username": {e.users[role].Username}, "password": {goodPassword}}); r.status != http.StatusSeeOther {
		e.t.Fatalf("login as %s: %d %s", role, r.status, r.body)
	}
	return b
}

func (b *deskBrowser) do(method, path string, form url.Values, hdr ...string) resp {
	b.e.t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	r, _ := http.NewRequest(method, b.e.ts.URL+path, rd)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", b.e.ts.URL)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := b.c.Do(r)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, body: string(body), hdr: res.Header}
}

func (b *deskBrowser) get(path string) resp { return b.do("GET", path, nil) }
func (b *deskBrowser) post(path string, form url.Values, hdr ...string) resp {
	return b.do("POST", path, form, hdr...)
}

func (e *deskEnv) count(q string, args ...any) int {
	var n int
	if err := e.a.DB.Read.QueryRow(q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// hostile is what attackers post: each must render as text everywhere.
var hostile = []string{`<script>alert(1)</script>`, `<img src=x onerror=alert(2)>`, `javascript:alert(3)`,
	`<svg onload=alert(4)>`, `<style>body{display:none}</style>`, `{{.Secret}} ${7*7} {{template "x"}}`, `<a href="javascript:alert(5)">x</a>`}

func assertInert(t *testing.T, where, body string) {
	t.Helper()
	for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload", "<style>body", `href="javascript:`, "onerror=alert(2)>"} {
		if strings.Contains(body, bad) {
			t.Errorf("%s: %q reached the page unescaped", where, bad)
		}
	}
}

func TestDeskPagesShift(t *testing.T) {
	e := newDeskEnv(t)
	evil := strings.Join(hostile, " ") + " call me on 9845012345"
	caseID := e.put(evil, false)
	other := e.put("jam at silk board, ಟ್ರಾಫಿಕ್ ಜಾಮ್", false)
	cp := fmt.Sprintf("/desk/cases/%d", caseID)
	agent := e.login(auth.RoleAgent)

	// The inbox lists both, every hostile payload as text, personal data masked.
	r := agent.get("/desk/inbox")
	if r.status != 200 || !strings.Contains(r.body, fmt.Sprintf(`id="case-%d"`, caseID)) || !strings.Contains(r.body, fmt.Sprintf(`id="case-%d"`, other)) {
		t.Fatalf("inbox: %d %s", r.status, r.body)
	}
	assertInert(t, "inbox", r.body)
	if strings.Contains(r.body, "9845012345") || !strings.Contains(r.body, "&lt;script&gt;") {
		t.Fatal("inbox: the phone number shows, or the script tag is not shown as text")
	}
	// Search and filters go through the inbox's own parser.
	if r := agent.get("/desk/inbox?q=silk"); r.status != 200 || strings.Contains(r.body, fmt.Sprintf(`id="case-%d"`, caseID)) {
		t.Fatalf("search: %d", r.status)
	}
	if r := agent.get("/desk/inbox?sort=random"); r.status != 400 || !strings.Contains(r.body, "<html") {
		t.Fatalf("bad sort: %d", r.status)
	}
	// Kannada UI.
	agent.post("/desk/lang", url.Values{"lang": {"kn"}, "next": {"/desk/inbox"}})
	if r := agent.get("/desk/inbox"); !strings.Contains(r.body, "ಒಳಬಂದ ಪ್ರಕರಣಗಳು") || strings.Contains(r.body, "[[") {
		t.Fatalf("kannada inbox: %s", r.body)
	}
	agent.post("/desk/lang", url.Values{"lang": {"en"}, "next": {"/desk/inbox"}})

	// The case page: escaped thread, composer, chips, masked until unmasked.
	r = agent.get(cp)
	if r.status != 200 || !strings.Contains(r.body, `id="reply"`) || !strings.Contains(r.body, `id="escalate"`) {
		t.Fatalf("case page: %d %s", r.status, r.body)
	}
	assertInert(t, "case", r.body)
	if strings.Contains(r.body, "9845012345") {
		t.Fatal("case page shows the phone number before unmasking")
	}
	postID := e.count(`SELECT id FROM posts WHERE case_id = $1`, caseID)
	if r := agent.post(fmt.Sprintf("/desk/posts/%d/unmask", postID), url.Values{}); r.status != 403 {
		t.Fatalf("agent unmasked: %d", r.status)
	}
	sup := e.login(auth.RoleSupervisor)
	r = sup.post(fmt.Sprintf("/desk/posts/%d/unmask", postID), url.Values{}, "HX-Request", "true")
	if r.status != 200 || !strings.Contains(r.body, "9845012345") {
		t.Fatalf("unmask: %d %s", r.status, r.body)
	}
	assertInert(t, "unmasked post", r.body)
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'post.unmask'`); n != 1 {
		t.Fatalf("%d unmask audit rows", n)
	}

	// A note naming a colleague reaches their mentions list, escaped.
	if r := agent.post(cp+"/note", url.Values{"text": {"@u-supervisor please look " + hostile[0]}}); r.status != 303 {
		t.Fatalf("note: %d %s", r.status, r.body)
	}
	r = sup.get("/desk/mentions")
	if !strings.Contains(r.body, "please look") {
		t.Fatalf("mentions: %s", r.body)
	}
	assertInert(t, "mentions", r.body)
	if r := sup.get("/desk/mentions/badge"); !strings.Contains(r.body, "1 mention") {
		t.Fatalf("badge: %s", r.body)
	}

	// A chip corrected: the case changes and a label is stored.
	if r := agent.post(cp+"/correct", url.Values{"task": {"category"}, "label": {"rumour"}}); r.status != 303 {
		t.Fatalf("correct: %d", r.status)
	}
	if n := e.count(`SELECT count(*) FROM labels WHERE task = 'category' AND label = 'rumour'`); n != 1 {
		t.Fatalf("%d labels", n)
	}
	if r := agent.post(cp+"/correct", url.Values{"task": {"category"}, "label": {"<b>"}}); r.status != 303 || e.count(`SELECT count(*) FROM labels`) != 1 {
		t.Fatalf("bad correction: %d", r.status)
	}

	// Escalation without a note is refused; with one, the station sees it.
	if r := agent.post(cp+"/escalate", url.Values{"unit_id": {fmt.Sprint(e.unit)}}); r.status != 303 ||
		e.count(`SELECT count(*) FROM cases WHERE id = $1 AND status = 'waiting_station'`, caseID) != 0 {
		t.Fatalf("escalation without note: %d", r.status)
	}
	agent.post(cp+"/escalate", url.Values{"unit_id": {fmt.Sprint(e.unit)}, "note": {"please visit " + hostile[1]}})
	so := e.login(auth.RoleStationOfficer)
	r = so.get("/desk/station")
	if r.status != 200 || !strings.Contains(r.body, fmt.Sprintf(`id="case-%d"`, caseID)) || strings.Contains(r.body, fmt.Sprintf(`id="case-%d"`, other)) {
		t.Fatalf("station queue: %d %s", r.status, r.body)
	}
	if r := agent.get("/desk/station"); r.status != 403 {
		t.Fatalf("agent opened the station page: %d", r.status)
	}
	r = so.get(cp)
	if r.status != 200 || strings.Contains(r.body, `id="reply"`) || !strings.Contains(r.body, `id="station-action"`) {
		t.Fatalf("station officer's case view: %d", r.status)
	}
	assertInert(t, "station case", r.body)
	if r := so.get(fmt.Sprintf("/desk/cases/%d", other)); r.status != 404 {
		t.Fatalf("station officer opened another station's case: %d", r.status)
	}
	if r := so.post(cp+"/station-action", url.Values{"action": {"fir_registered"}, "fir_number": {"0412/2026"}}); r.status != 303 {
		t.Fatalf("station action: %d", r.status)
	}
	r = agent.get(cp)
	if !strings.Contains(r.body, `class="prompt"`) {
		t.Fatal("the desk is not prompted to tell the citizen")
	}

	// Bulk close as spam, then undo within the bar.
	r = agent.post("/desk/inbox/bulk", url.Values{"ids": {fmt.Sprint(other)}, "action": {"close_spam"}})
	if r.status != 303 || !strings.Contains(r.hdr.Get("Location"), "undo="+fmt.Sprint(other)) {
		t.Fatalf("bulk spam: %d %q", r.status, r.hdr.Get("Location"))
	}
	if r := agent.get(r.hdr.Get("Location")); !strings.Contains(r.body, "data-undo") {
		t.Fatal("no undo bar")
	}
	agent.post("/desk/inbox/bulk", url.Values{"ids": {fmt.Sprint(other)}, "action": {"reopen"}})
	if e.count(`SELECT count(*) FROM cases WHERE id = $1 AND status = 'open'`, other) != 1 {
		t.Fatal("undo did not reopen")
	}
	if r := agent.post("/desk/inbox/bulk", url.Values{"ids": {fmt.Sprint(other)}, "action": {"assign"}, "assignee": {"me"}}); r.status != 403 {
		t.Fatalf("agent bulk-assigned: %d", r.status)
	}

	// Saved views.
	if r := agent.post("/desk/views", url.Values{"name": {"Mine"}, "query": {"assignee=me&sort=deadline"}}); r.status != 303 {
		t.Fatalf("save view: %d", r.status)
	}
	if r := agent.get("/desk/inbox"); !strings.Contains(r.body, "Mine") {
		t.Fatal("saved view not listed")
	}

	// Templates: supervisors manage them; hostile text stays text.
	if r := agent.get("/desk/templates"); r.status != 403 {
		t.Fatalf("agent opened templates: %d", r.status)
	}
	if r := sup.post("/desk/templates", url.Values{"name": {"Told " + hostile[0]}, "purpose": {"station_action"}, "body_en": {"Update on {ref}: {action}. " + hostile[3]}}); r.status != 303 {
		t.Fatalf("template: %d", r.status)
	}
	r = sup.get("/desk/templates")
	assertInert(t, "templates", r.body)
	var tplID int64
	e.a.DB.Read.QueryRow(`SELECT id FROM reply_templates WHERE name LIKE 'Told %'`).Scan(&tplID)
	r = agent.post(cp+"/draft", url.Values{"template_id": {fmt.Sprint(tplID)}, "lang": {"en"}}, "HX-Request", "true")
	if r.status != 200 || !strings.Contains(r.body, "an FIR has been registered (FIR 0412/2026)") {
		t.Fatalf("draft: %d %s", r.status, r.body)
	}
	assertInert(t, "draft", r.body)

	// Presence: the supervisor sees the agent typing.
	agent.post(cp+"/presence", url.Values{"typing": {"1"}}, "HX-Request", "true")
	if r := sup.post(cp+"/presence", url.Values{}, "HX-Request", "true"); !strings.Contains(r.body, "is typing a reply") {
		t.Fatalf("presence: %s", r.body)
	}

	// Cross-site form posts are refused.
	if r := agent.do("POST", cp+"/note", url.Values{"text": {"csrf"}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); r.status != 403 {
		t.Fatalf("cross-site post: %d", r.status)
	}
}
