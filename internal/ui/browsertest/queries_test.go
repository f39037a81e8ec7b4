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

// TestListeningQueries walks the listening-query pages: an analyst writes
// a query (a live parse error first, then a preview over the last 7 days),
// sends it for approval and cannot approve it; a supervisor approves it;
// new posts are matched and counted. Screenshots in both languages, axe
// and the CSP checked on every page.
func TestListeningQueries(t *testing.T) {
	env := Start(t, Options{Analysis: true})
	ctx := t.Context()
	n := 0
	put := func(texts ...string) {
		var ps []post.Post
		for _, text := range texts {
			n++
			ps = append(ps, post.Post{Platform: post.X, ExternalID: fmt.Sprint("q", n), Kind: post.KindMention,
				Author: post.Author{ExternalID: fmt.Sprint("u", n), Handle: fmt.Sprint("citizen", n)}, Text: text, CreatedAt: time.Now()})
		}
		if _, err := env.App.Intake.Submit(ctx, ps); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			var left int
			env.App.DB.Read.QueryRowContext(ctx, "SELECT count(*) FROM posts WHERE stage < 2").Scan(&left)
			if left == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d posts never reached the desk", left)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	put("Chain snatching near Forum mall Koramangala, call 9845012345 please",
		"ಕೋರಮಂಗಲದಲ್ಲಿ ಸರಗಳ್ಳತನ ನಡೆದಿದೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ",
		"Traffic jam at Silk Board again")

	a := env.Browser(t)
	a.Login(auth.RoleAnalyst)
	a.Go("/desk/watch/queries")
	if !strings.Contains(a.Text("main"), "No listening queries yet") {
		t.Fatalf("empty list: %q", a.Text("main"))
	}
	a.Check("queries-empty")

	a.Go("/desk/watch/queries/new")
	a.Fill("#name", "Chain snatching, Koramangala")
	a.Fill("#purpose", "Chain snatching reports around Koramangala for the station's night patrols")
	a.Fill("#query", "snatch* AND")
	a.Run(chromedp.WaitVisible(chromedp.CSS("#query-error")))
	if got := a.Text("#query-error"); !strings.Contains(got, "character 12") || !strings.Contains(got, "after AND") {
		t.Fatalf("live parse error: %q", got)
	}
	// The same check server-side, so the page can be shown (and
	// reloaded) in both languages without JavaScript's help.
	a.Submit(`button[value=preview]`)
	if got := a.Text("#query-error"); !strings.Contains(got, "character 12") {
		t.Fatalf("server-side parse error: %q", got)
	}
	a.Check("query-editor-error")

	a.Fill("#query", `(snatch* OR "chain snatching" OR ಸರಗಳ್ಳತನ) near:Koramangala`)
	a.Submit(`button[value=preview]`)
	if got := a.Text("#query-preview"); !strings.Contains(got, "2 posts matched in the last 7 days") {
		t.Fatalf("preview: %q", got)
	}
	if strings.Contains(a.Text("#query-preview"), "9845012345") {
		t.Fatal("the preview shows a phone number to an analyst")
	}
	a.Check("query-editor-preview")
	a.Submit(`button[value=save]`)
	loc := a.Location()
	if !strings.HasPrefix(loc, "/desk/watch/queries/") {
		t.Fatalf("after saving: %s: %s", loc, a.Text("main"))
	}
	if got := a.Text("#flash"); !strings.Contains(got, "runs once a supervisor approves it") {
		t.Errorf("flash: %q", got)
	}
	if a.Exists(`form[action$="/approve"]`) {
		t.Fatal("the author is offered to approve their own query")
	}
	if !strings.Contains(a.Text("#pending"), "another supervisor must decide") {
		t.Fatalf("pending: %q", a.Text("#pending"))
	}
	a.Check("query-pending-author")
	a.CheckCSP()

	s := env.Browser(t)
	s.Login(auth.RoleSupervisor)
	s.Go(loc)
	s.Check("query-pending-supervisor")
	s.Fill("#approve-note", "for night patrols")
	s.Submit(`form[action$="/approve"] button`)
	if got := s.Text("#flash"); !strings.Contains(got, "Approved") {
		t.Fatalf("approve: %q: %s", got, s.Text("main"))
	}
	if err := env.App.Listener.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	put("Another chain snatching at Koramangala 5th block", "Snatchers seen in Whitefield")
	s.Go("/desk/watch/queries")
	row := s.Text("table tbody tr")
	if !strings.Contains(row, "Active") || !strings.Contains(row, "1") {
		t.Fatalf("list row: %q", row)
	}
	s.Check("queries-list")
	s.Go(loc)
	s.Check("query-active")
	s.CheckCSP()
}
