package ui_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/post"
)

// longThread stores n posts of one citizen, threaded into one case by the
// pipeline; every fourth pair shares a timestamp (the thread's order then
// falls to the post id). It returns the case and the posts' ids in
// thread order.
func (e *deskEnv) longThread(n int) (int64, []int64) {
	e.t.Helper()
	ctx := context.Background()
	t0 := time.Now().Add(-time.Duration(n) * time.Minute)
	var ps []post.Post
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Minute)
		if i%4 == 1 {
			at = t0.Add(time.Duration(i-1) * time.Minute)
		}
		ps = append(ps, post.Post{Platform: post.X, ExternalID: fmt.Sprint("long-", i), Kind: post.KindMention, Channel: "blrcitypolice",
			Author: post.Author{ExternalID: "long-author", Handle: "longcitizen"}, Text: fmt.Sprintf("thread post number %03d", i), CreatedAt: at})
	}
	res, err := e.a.Intake.Submit(ctx, ps)
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []int64
	for _, r := range res {
		if r.Err != nil {
			e.t.Fatal(r.Err)
		}
		ids = append(ids, r.ID)
	}
	if err := e.a.Pipeline.Process(ctx, ids); err != nil {
		e.t.Fatal(err)
	}
	var caseID int64
	e.a.DB.Read.QueryRow(`SELECT case_id FROM posts WHERE id = $1`, ids[0]).Scan(&caseID)
	if got := e.count(`SELECT count(*) FROM posts WHERE case_id = $1`, caseID); got != n {
		e.t.Fatalf("%d of %d posts in the case", got, n)
	}
	return caseID, ids
}

var postNum = regexp.MustCompile(`thread post number (\d{3})`)

// numbers are the thread posts a page shows, in page order.
func numbers(body string) []string {
	var out []string
	for _, m := range postNum.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func want(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%03d", i))
	}
	return out
}

// A long thread: the case page shows the newest 100 posts in thread order
// under a link to the earlier ones; the link's run (htmx) and page (no
// script) continue the thread without a gap or a repeat, the chips are
// still the first post's, and the timeline is paged the same way.
func TestLongThreadPaged(t *testing.T) {
	e := newDeskEnv(t)
	id, _ := e.longThread(230)
	agent := e.login(auth.RoleAgent)
	cp := fmt.Sprintf("/desk/cases/%d", id)
	r := agent.get(cp)
	if r.status != 200 {
		t.Fatalf("case page: %d", r.status)
	}
	thread := r.body[strings.Index(r.body, `id="thread-posts"`):]
	thread = thread[:strings.Index(thread, "</ol>")]
	if got := numbers(thread); strings.Join(got, ",") != strings.Join(want(130, 230), ",") {
		t.Fatalf("the case page's thread: %v", got)
	}
	link := regexp.MustCompile(`href="(/desk/cases/\d+/thread\?before=[0-9.]+)" hx-get="([^"]+)"`).FindStringSubmatch(thread)
	if link == nil || link[1] != link[2] || !strings.Contains(thread, "Show the earlier posts (130)") {
		t.Fatalf("no earlier-posts link (href and hx-get alike) with the count:\n%s", thread[:min(len(thread), 600)])
	}
	if !strings.Contains(r.body, "@longcitizen") {
		t.Fatal("the citizen's identity is missing")
	}
	// htmx: the run before, in place of the link, topped by the next link.
	frag := agent.do("GET", link[1], nil, "HX-Request", "true")
	if frag.status != 200 || strings.Contains(frag.body, "<html") {
		t.Fatalf("fragment: %d %.200s", frag.status, frag.body)
	}
	if got := numbers(frag.body); strings.Join(got, ",") != strings.Join(want(30, 130), ",") {
		t.Fatalf("the earlier run: %v", got)
	}
	next := regexp.MustCompile(`href="(/desk/cases/\d+/thread\?before=[0-9.]+)"`).FindStringSubmatch(frag.body)
	if next == nil || !strings.Contains(frag.body, "Show the earlier posts (30)") {
		t.Fatalf("no link to the 30 before: %.400s", frag.body)
	}
	// Without script: a page of its own, the last run, no further link.
	page := agent.get(next[1])
	if page.status != 200 || !strings.Contains(page.body, "<html") || !strings.Contains(page.body, `href="`+cp+`"`) {
		t.Fatalf("earlier page: %d", page.status)
	}
	if got := numbers(page.body); strings.Join(got, ",") != strings.Join(want(0, 30), ",") || strings.Contains(page.body, "data-earlier") {
		t.Fatalf("the first run: %v", got)
	}
	// The timeline: 230 post events and the case's own; the newest 100.
	tl := r.body[strings.Index(r.body, `id="timeline-events"`):]
	tl = tl[:strings.Index(tl, "</ol>")]
	if n := strings.Count(tl, `<li class="ev `); n != 100 {
		t.Fatalf("timeline shows %d events, want 100", n)
	}
	ev := regexp.MustCompile(`href="(/desk/cases/\d+/timeline\?before=\d+)"`).FindStringSubmatch(tl)
	if ev == nil {
		t.Fatal("no earlier-events link")
	}
	total := e.count(`SELECT count(*) FROM case_events WHERE case_id = $1`, id)
	seen := 100
	for link := ev[1]; link != ""; {
		f := agent.do("GET", link, nil, "HX-Request", "true")
		seen += strings.Count(f.body, `<li class="ev `)
		link = ""
		if m := regexp.MustCompile(`href="(/desk/cases/\d+/timeline\?before=\d+)"`).FindStringSubmatch(f.body); m != nil {
			link = m[1]
		}
	}
	if seen != total {
		t.Fatalf("the timeline's runs show %d events of %d", seen, total)
	}
	// Hostile or foreign cursors.
	for _, bad := range []string{"?before=x", "?before=1", "?before=", "?before=1.-5"} {
		if r := agent.get(cp + "/thread" + bad); r.status != 400 {
			t.Errorf("thread%s: %d, want 400", bad, r.status)
		}
	}
	if r := agent.get(cp + "/timeline?before=abc"); r.status != 400 {
		t.Errorf("timeline?before=abc: %d", r.status)
	}
	// A station officer outside the case's unit gets nothing.
	if r := e.login(auth.RoleStationOfficer).get(link[1]); r.status != 404 {
		t.Errorf("officer of another unit: %d, want 404", r.status)
	}
}
