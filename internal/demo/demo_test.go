package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/app"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
)

type demoEnv struct {
	a   *app.App
	srv *httptest.Server
	p   *Platforms
}

func startDemo(t *testing.T, dir string) *demoEnv {
	t.Helper()
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{DataDir: dir, AuthConfig: auth.Config{Hash: auth.TestHashParams},
		Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	a.Start(ctx)
	srv := httptest.NewServer(a.Handler())
	p, err := Setup(ctx, a.DB, a.Channels, a.Manager)
	if err != nil {
		t.Fatal(err)
	}
	e := &demoEnv{a: a, srv: srv, p: p}
	t.Cleanup(e.close)
	return e
}

func (e *demoEnv) close() {
	if e.a == nil {
		return
	}
	e.p.Close()
	e.srv.Close()
	e.a.Close()
	e.a = nil
}

// traffic runs the demo's traffic for d at rate and waits until every
// post it brought is on the desk.
func (e *demoEnv) traffic(t *testing.T, rate float64, d time.Duration) int64 {
	t.Helper()
	tctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	rep, _ := e.p.Traffic(tctx, e.srv.URL, rate, 0)
	if rep.Accepted == 0 || rep.Rejected != 0 || rep.Errors != 0 {
		t.Fatalf("traffic: %+v (first error %q)", rep.Counts, rep.FirstError)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var left int
		e.a.DB.Read.QueryRow("SELECT count(*) FROM posts WHERE stage < 2").Scan(&left)
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d posts not on the desk", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return rep.Events
}

func (e *demoEnv) posts(t *testing.T) int {
	var n int
	e.a.DB.Read.QueryRow("SELECT count(*) FROM posts").Scan(&n)
	return n
}

// TestDemoTrafficReachesTheDesk runs what `kaval demo` runs: fakes, demo
// channels, and signed traffic at the webhooks, and checks every platform's
// posts become analysed cases. A second Setup on the same database repoints
// the channels instead of duplicating them.
func TestDemoTrafficReachesTheDesk(t *testing.T) {
	ctx := context.Background()
	e := startDemo(t, t.TempDir())
	e.traffic(t, 40, 3*time.Second)
	rows, err := e.a.DB.Read.Query("SELECT platform, count(*), count(analysis), count(case_id) FROM posts GROUP BY platform")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for rows.Next() {
		var platform string
		var n, analysed, cased int
		rows.Scan(&platform, &n, &analysed, &cased)
		if analysed != n {
			t.Errorf("%s: %d of %d posts analysed", platform, analysed, n)
		}
		seen[platform] = true
	}
	rows.Close()
	for _, pl := range []string{"x", "whatsapp", "telegram"} {
		if !seen[pl] {
			t.Errorf("no %s posts reached the desk (saw %v)", pl, seen)
		}
	}
	before, _ := e.a.Channels.List(ctx)
	p2, err := Setup(ctx, e.a.DB, e.a.Channels, e.a.Manager)
	if err != nil {
		t.Fatal(err)
	}
	p2.Close()
	after, _ := e.a.Channels.List(ctx)
	if len(after) != len(before) || len(before) != 4 {
		t.Fatalf("channels: %d before, %d after a second setup", len(before), len(after))
	}
}

// A restarted demo (same database, new process) brings new posts at once:
// it neither replays the first run's posts as duplicates nor its texts.
func TestDemoRestartBringsNewPosts(t *testing.T) {
	dir := t.TempDir()
	e := startDemo(t, dir)
	e.traffic(t, 20, 2*time.Second)
	first := e.posts(t)
	var texts []string
	rows, _ := e.a.DB.Read.Query("SELECT text FROM posts ORDER BY id LIMIT 5")
	for rows.Next() {
		var s string
		rows.Scan(&s)
		texts = append(texts, s)
	}
	rows.Close()
	e.close()

	e = startDemo(t, dir)
	sent := e.traffic(t, 20, 2*time.Second)
	second := e.posts(t) - first
	// Every event is at least one post; locations shared beside a message
	// may add one. Before, a restart stored none: every post a duplicate.
	if int64(second) < sent {
		t.Fatalf("restart: %d events sent, %d new posts (first run stored %d)", sent, second, first)
	}
	var again int
	for _, s := range texts {
		var n int
		e.a.DB.Read.QueryRow("SELECT count(*) FROM posts WHERE text = $1", s).Scan(&n)
		if n > 1 {
			again++
		}
	}
	if again == len(texts) {
		t.Fatalf("the restarted demo replays the first run's texts: %q", texts)
	}
}

// The README's first search finds posts within the demo's first minute.
func TestReadmeSearchFindsDemoPosts(t *testing.T) {
	// The generator, at the demo's pace (2 a second), names Koramangala
	// in Kannada script within its first minute, whatever the run.
	mix := map[string]float64{}
	for _, pl := range []string{post.X, post.Facebook, post.Messenger, post.Instagram, post.WhatsApp, post.Telegram} {
		mix[pl] = scenario.DefaultMix[pl] // the platforms the demo drives
	}
	for seed := uint64(1); seed <= 50; seed++ {
		g := scenario.New(scenario.Config{Seed: seed, Rate: 2, Platforms: mix, Bursts: []scenario.Burst{Opening}})
		found := false
		for range 120 {
			if strings.Contains(g.Next().Text, "ಕೋರಮಂಗಲ") {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("run %d: no Kannada Koramangala post in the first minute", seed)
		}
	}

	// And the README's own request finds them on the desk.
	e := startDemo(t, t.TempDir())
	e.traffic(t, 40, 3*time.Second)
	ctx := context.Background()
	token, err := APIToken(ctx, e.a.Auth, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/posts?q="+url.QueryEscape("ಕೋರಮಂಗಲ"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got struct {
		Posts []struct{ Text string }
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || res.StatusCode != 200 {
		t.Fatalf("search: %d %v", res.StatusCode, err)
	}
	if len(got.Posts) == 0 {
		t.Fatal("the README's search finds nothing in the demo's traffic")
	}
	for _, p := range got.Posts {
		if !strings.Contains(p.Text, "ಕೋರಮಂಗಲ") {
			t.Errorf("search result without the word: %q", p.Text)
		}
	}
}

// TestDemoRepliesReachEveryPlatform: in the demo, a reply to a case of
// each platform the simulator drives reaches that platform's fake and is
// sent. Before, the fakes never heard of the simulated posts (the
// simulator posts straight to the desk's webhooks) and every reply but
// WhatsApp's failed: "deleted or not visible" on X, code 100 on Facebook
// and Instagram, "No matching user" on Messenger, "chat not found" on
// Telegram.
func TestDemoRepliesReachEveryPlatform(t *testing.T) {
	ctx := context.Background()
	e := startDemo(t, t.TempDir())
	e.traffic(t, 40, 4*time.Second)
	u, _, err := e.a.Auth.CreateUser(ctx, auth.NewUser{Username: "shift-sup", Role: auth.RoleSupervisor, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := e.a.Auth.CreateToken(ctx, u.ID, "test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path string, body any, out any) int {
		t.Helper()
		var rd *strings.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = strings.NewReader(string(b))
		} else {
			rd = strings.NewReader("")
		}
		req, _ := http.NewRequest(method, e.srv.URL+path, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if out != nil {
			json.NewDecoder(res.Body).Decode(out)
		}
		return res.StatusCode
	}
	type item struct {
		ID        int64
		State     string
		Text      string
		LastError string `json:"last_error"`
	}
	queued := map[string]item{}
	for _, pl := range []string{post.X, post.Facebook, post.Messenger, post.Instagram, post.WhatsApp, post.Telegram} {
		var page struct {
			Cases []struct {
				ID  int64
				Ref string
			}
		}
		if code := call("GET", "/api/v1/cases?limit=1&platform="+pl, nil, &page); code != 200 || len(page.Cases) == 0 {
			t.Fatalf("no %s case after the traffic: %d", pl, code)
		}
		var it item
		text := "Thank you for telling us. The " + pl + " desk has passed this to the station (" + page.Cases[0].Ref + ")."
		if code := call("POST", fmt.Sprintf("/api/v1/cases/%d/replies", page.Cases[0].ID), map[string]any{"text": text}, &it); code != 201 {
			t.Fatalf("%s reply: %d %+v", pl, code, it)
		}
		queued[pl] = it
	}
	deadline := time.Now().Add(30 * time.Second)
	for pl, it := range queued {
		for {
			var got item
			call("GET", fmt.Sprintf("/api/v1/outbox/%d", it.ID), nil, &got)
			if got.State == "failed" || got.State == "unknown" {
				t.Fatalf("%s reply %s: %s", pl, got.State, got.LastError)
			}
			if got.State == "sent" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s reply stayed %s", pl, got.State)
			}
			time.Sleep(25 * time.Millisecond)
		}
	}
	// Each fake holds the reply, on the platform's own terms.
	has := func(texts []string, want string) bool {
		for _, s := range texts {
			if s == want {
				return true
			}
		}
		return false
	}
	var xs, metas, was, tgs []string
	for _, s := range e.p.x.Sent() {
		xs = append(xs, s.Text)
	}
	for _, s := range e.p.meta.Sent() {
		metas = append(metas, s.Text)
	}
	for _, s := range e.p.wa.Sent() {
		was = append(was, s.Text)
	}
	for _, s := range e.p.tg.Sent() {
		tgs = append(tgs, s.Text)
	}
	for pl, texts := range map[string][]string{post.X: xs, post.Facebook: metas, post.Messenger: metas, post.Instagram: metas, post.WhatsApp: was, post.Telegram: tgs} {
		if !has(texts, queued[pl].Text) {
			t.Errorf("the %s fake did not receive the reply %q (has %q)", pl, queued[pl].Text, texts)
		}
	}
}
