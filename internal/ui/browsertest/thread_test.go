package browsertest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/post"
)

// TestLongThreadInBrowser: a 160-post thread shows its newest 100; the
// "earlier posts" link, reached with Tab and taken with Enter, puts the
// 60 before them in its place (in thread order, no repeat) and moves
// the focus there; the timeline's link works the same way.
func TestLongThreadInBrowser(t *testing.T) {
	env := Start(t, Options{})
	var ps []post.Post
	t0 := time.Now().Add(-3 * time.Hour)
	for i := range 160 {
		ps = append(ps, post.Post{Platform: post.X, ExternalID: fmt.Sprint("lt", i), Kind: post.KindMention,
			Author: post.Author{ExternalID: "lt-author", Handle: "longthread"}, Text: fmt.Sprintf("signal at the junction is still off, report %03d", i),
			CreatedAt: t0.Add(time.Duration(i) * time.Minute)})
	}
	if _, err := env.App.Intake.Submit(t.Context(), ps); err != nil {
		t.Fatal(err)
	}
	var id int64
	waitFor(t, "the thread to reach one case", func() bool {
		var n int
		env.App.DB.Read.QueryRow("SELECT count(*), COALESCE(max(case_id), 0) FROM posts WHERE stage = 2 AND author_handle = 'longthread'").Scan(&n, &id)
		return n == 160
	})
	b := env.Browser(t)
	b.Login(auth.RoleAgent)
	b.Go(fmt.Sprintf("/desk/cases/%d", id))
	count := func() string {
		return b.Eval(`document.querySelectorAll("#thread-posts li.post").length`)
	}
	if n := count(); n != "100" {
		t.Fatalf("the case page shows %s posts, want the newest 100", n)
	}
	b.Check("desk-case-long-thread")
	// Keyboard: focus the link as Tab would reach it, then Enter.
	b.Eval(`document.querySelector("#thread-posts a[data-earlier]").focus(), "ok"`)
	b.Run(chromedp.KeyEvent(kb.Enter))
	waitFor(t, "the earlier posts to arrive", func() bool { return count() == "160" })
	order := b.Eval(`Array.from(document.querySelectorAll("#thread-posts li.post .post-body")).map(function (e) { return e.textContent.slice(-3); }).join(",")`)
	var want []string
	for i := range 160 {
		want = append(want, fmt.Sprintf("%03d", i))
	}
	if order != `"`+strings.Join(want, ",")+`"` {
		t.Fatalf("thread order after loading: %s", order)
	}
	// Focus moves on htmx:afterSettle, a beat after the posts are in.
	wantFocus := `"post-` + firstPostID(t, env, id) + `"`
	waitFor(t, "focus on the first loaded post", func() bool { return b.Eval(`document.activeElement.id`) == wantFocus })
	if b.Exists("#thread-posts a[data-earlier]") {
		t.Fatal("the thread's start still offers earlier posts")
	}
	b.Eval(`document.querySelector("#timeline-events a[data-earlier]").click(), "ok"`)
	waitFor(t, "the earlier events to arrive", func() bool {
		return b.Eval(`document.querySelectorAll("#timeline-events li.ev").length`) != "100"
	})
	b.Snap("desk-case-long-thread-loaded")
	b.CheckCSP()
}

func firstPostID(t *testing.T, env *Env, caseID int64) string {
	var id int64
	if err := env.App.DB.Read.QueryRow("SELECT id FROM posts WHERE case_id = $1 ORDER BY created_at, id LIMIT 1", caseID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(id)
}
