package browsertest

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/store"
)

// TestListeningOnPlatforms shows how channels listen for a query on their
// platforms (the connectors' reports): the rule X is asked, a platform's
// refusal, why a form is widened; the list's summary; and, while writing,
// how platforms will be asked. Both languages, 1280 and 360 px.
func TestListeningOnPlatforms(t *testing.T) {
	env := Start(t, Options{})
	ctx := t.Context()
	principal := func(r auth.Role) *auth.Principal {
		u := env.Users[r]
		return &auth.Principal{UserID: u.ID, Username: u.Username, Role: r, Perms: auth.PermsOf(r), Method: auth.MethodSystem}
	}
	an, sup := principal(auth.RoleAnalyst), principal(auth.RoleSupervisor)
	sq, err := env.App.Queries.Create(auth.WithPrincipal(ctx, an), an, query.Proposal{Name: "Waterlogging, Outer Ring Road",
		Query: `(waterlogging OR flooded) AND (silkboard OR bellandur OR ಬೆಳ್ಳಂದೂರು) AND urgency>10`, Purpose: "Flooded roads and underpasses during the monsoon, for traffic diversions"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Queries.Approve(auth.WithPrincipal(ctx, sup), sup, sq.ID, sq.Pending.ID, ""); err != nil {
		t.Fatal(err)
	}
	// Paused channels: the manager leaves them alone; their connectors'
	// last reports are what the page shows.
	now := store.Millis(time.Now())
	for _, c := range []struct {
		id             int64
		platform, name string
	}{{901, "x", "BlrCityPolice"}, {902, "bluesky", "blrcitypolice.bsky.social"}, {903, "mastodon", "police@blr.social"}} {
		if _, err := env.App.DB.Write.ExecContext(ctx, `INSERT INTO channels (id, platform, name, status, created_at, updated_at) VALUES ($1, $2, $3, 'paused', $4, $4)`,
			c.id, c.platform, c.name, now); err != nil {
			t.Fatal(err)
		}
	}
	report := func(ch int64, platform string, r query.ListenReport) {
		r.QueryID, r.Revision = sq.ID, sq.LiveRevision
		if err := env.App.Queries.ReportListening(ctx, ch, platform, []query.ListenReport{r}); err != nil {
			t.Fatal(err)
		}
	}
	report(901, "x", query.ListenReport{State: query.ListenPartial, Form: []string{"(waterlogging OR flooded) (silkboard OR bellandur OR ಬೆಳ್ಳಂದೂರು)"},
		Reasons: []string{query.WidenFields, query.ReasonWholeWords}})
	report(902, "bluesky", query.ListenReport{State: query.ListenError, Form: []string{"waterlogging silkboard", "flooded bellandur"},
		Reasons: []string{query.WidenFields}, Error: "bluesky: rate_limited (HTTP 429) code RateLimitExceeded: Rate Limit Exceeded"})
	report(903, "mastodon", query.ListenReport{State: query.ListenPartial, Form: []string{"search: waterlogging silkboard"},
		Reasons: []string{query.WidenFields, query.ReasonIndexedOnly}})

	s := env.Browser(t)
	s.Login(auth.RoleSupervisor)
	s.Go("/desk/watch/queries/" + itoa(sq.ID))
	got := s.Text("#listening")
	for _, want := range []string{"BlrCityPolice", "Partial", "(waterlogging OR flooded) (silkboard OR bellandur OR ಬೆಳ್ಳಂದೂರು)",
		"Rate Limit Exceeded", "Error", "Category, sentiment, urgency", "whole words", "search: waterlogging silkboard", "instance indexed"} {
		if !strings.Contains(got, want) {
			t.Fatalf("listening section lacks %q: %q", want, got)
		}
	}
	s.Check("query-listening")

	s.Go("/desk/watch/queries")
	if row := s.Text("#query-" + itoa(sq.ID)); !strings.Contains(row, "Partial") || !strings.Contains(row, "Error") {
		t.Fatalf("list row: %q", row)
	}
	s.Check("queries-listening")

	a := env.Browser(t)
	a.Login(auth.RoleAnalyst)
	a.Go("/desk/watch/queries/new")
	a.Fill("#query", "category:theft AND sentiment:negative")
	a.Run(chromedp.WaitVisible(chromedp.CSS("#listen-preview")))
	if got := a.Text("#listen-preview"); !strings.Contains(got, "cannot search for this query") {
		t.Fatalf("unsearchable preview: %q", got)
	}
	a.Fill("#query", "flood NEAR/3 underpass lang:kn")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		got := a.Text("#listen-preview")
		if strings.Contains(got, "NEAR") && strings.Contains(got, "every language") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("widened preview: %q", got)
		}
	}
	a.CheckCSP()
}
