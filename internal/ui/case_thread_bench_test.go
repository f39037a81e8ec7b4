package ui

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
)

// benchUI is the templates and catalogue alone (no server), for timing
// and checking the case page's fragments.
func benchUI(tb testing.TB) *UI {
	tb.Helper()
	u := &UI{now: time.Now}
	var err error
	if u.assets, err = loadAssets(); err != nil {
		tb.Fatal(err)
	}
	if u.cat, err = loadCatalogue(); err != nil {
		tb.Fatal(err)
	}
	if u.tmpl, err = parseTemplates(u); err != nil {
		tb.Fatal(err)
	}
	return u
}

// benchThread is a run of n posts as the long thread's page shows them:
// each with its analysis (places marked), some masked, one author.
func benchThread(n int) ([]post.Post, []desk.Event) {
	t0 := time.Now().Add(-time.Duration(n) * time.Hour)
	var ps []post.Post
	var ev []desk.Event
	for i := range n {
		p := post.Post{ID: int64(1000 + i), Platform: post.X, ExternalID: fmt.Sprint(i), CaseID: 7,
			Author:    post.Author{ExternalID: "42", Handle: "meera_blr", Name: "Meera"},
			Text:      fmt.Sprintf("Chain snatching near Koramangala 5th block again, post %d, call 9845012345 https://x.com/a/%d", i, i),
			CreatedAt: t0.Add(time.Duration(i) * time.Hour),
			Analysis:  &post.Analysis{Lang: "en", Places: []post.Place{{Text: "Koramangala", Start: 22, End: 33}}}}
		ps = append(ps, p)
		ev = append(ev, desk.Event{ID: int64(5000 + i), At: p.CreatedAt, Kind: "post", Body: map[string]any{"post_id": float64(p.ID)}})
	}
	ev[n-1] = desk.Event{ID: int64(5000 + n), At: time.Now(), ActorID: 3, Kind: "note", Body: map[string]any{"text": "<b>called</b> the citizen"}}
	return ps, ev
}

// BenchmarkCaseThreadFragments renders the case page's newest 100 posts
// and 100 events, the part of the long thread's page that grows with it.
func BenchmarkCaseThreadFragments(b *testing.B) {
	u := benchUI(b)
	ps, ev := benchThread(threadShown)
	for _, lang := range Languages {
		b.Run(lang, func(b *testing.B) {
			t, err := u.tmpl.get(lang, "case.html")
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			tr := translator{lang: lang, msgs: u.cat[lang]}
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				now := u.now()
				tv := threadView{CaseID: 7, CanPII: true, Posts: postViews(tr, now, ps), Earlier: "1.2", EarlierCount: 500}
				if err := t.ExecuteTemplate(&buf, "thread-posts", tv); err != nil {
					b.Fatal(err)
				}
				ev := timelineView{CaseID: 7, Events: eventViews(tr, now, ev, map[int64]string{3: "Asha"}, nil), Earlier: 4999, EarlierCount: 500}
				if err := t.ExecuteTemplate(&buf, "timeline-events", ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
