package ui

import (
	"bytes"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
)

// hostile are texts a citizen (or anyone whose words reach the case page)
// may write; each must come out as text, never markup.
var hostile = []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`, `<svg onload=alert(3)>`,
	`'><a href="javascript:alert(4)">x</a>`, `{{.}}<style>*{color:red}</style>`}

// checkInert fails when out holds any hostile text unescaped, or lacks
// its escaped form (the text must still be shown).
func checkInert(t *testing.T, what, out string) {
	t.Helper()
	for _, h := range hostile {
		if strings.Contains(out, h) {
			t.Errorf("%s: %q is in the page as written", what, h)
		}
	}
	for _, tag := range []string{"<script", "<img", "<svg", "<style", `href="javascript`} {
		if strings.Contains(out, tag) {
			t.Errorf("%s: markup %q in the page", what, tag)
		}
	}
}

// The thread's posts and the timeline's events are made ready in Go
// (case_views.go): every field a citizen or a person on the desk can
// write still reaches the page escaped, in both languages, and what an
// event says is what the catalogue says.
func TestCaseViewsEscape(t *testing.T) {
	u := benchUI(t)
	now := time.Now()
	var ps []post.Post
	for i, h := range hostile {
		p := post.Post{ID: int64(10 + i), Platform: post.X, Author: post.Author{Handle: h, Name: h}, Text: h + " at Koramangala",
			CreatedAt: now.Add(-time.Hour), Analysis: &post.Analysis{Places: []post.Place{{Text: h, Start: 0, End: len(h)}}}}
		if i%2 == 1 {
			p.Author.Handle, p.Platform = "", h // a name only; a platform no catalogue knows
		}
		ps = append(ps, p)
	}
	var ev []desk.Event
	for i, h := range hostile {
		body := map[string]any{"text": h, "note": h, "unit": h, "reason": h, "to": h, "from": h, "fir_number": h, "into": h, "task": h, "action": h, "answer": h}
		for _, k := range []string{"note", "escalate", "reply_failed", "correction", "merged", "station_action", "status", "feedback", h} {
			ev = append(ev, desk.Event{ID: int64(100*i + len(ev)), At: now, ActorID: 1, Kind: k, Body: body})
		}
	}
	for _, lang := range Languages {
		tr := translator{lang: lang, msgs: u.cat[lang]}
		tm, err := u.tmpl.get(lang, "case.html")
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := tm.ExecuteTemplate(&b, "thread-posts", threadView{CaseID: 1, CanPII: true, Posts: postViews(tr, now, ps)}); err != nil {
			t.Fatal(err)
		}
		if err := tm.ExecuteTemplate(&b, "timeline-events", timelineView{CaseID: 1, Events: eventViews(tr, now, ev, map[int64]string{1: hostile[1]}, nil)}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		checkInert(t, lang, out)
		for _, h := range hostile {
			if !strings.Contains(out, html.EscapeString(h)) && !strings.Contains(out, templateEscaped(h)) {
				t.Errorf("%s: %q is not shown (escaped) at all", lang, h)
			}
		}
		if n := strings.Count(out, `<li class="post"`); n != len(hostile) {
			t.Errorf("%s: %d posts rendered", lang, n)
		}
		if n := strings.Count(out, `<li class="ev ev-`); n != len(ev) {
			t.Errorf("%s: %d events rendered, want %d", lang, n, len(ev))
		}
	}

	// What each kind of event says, in English.
	tr := translator{lang: "en", msgs: u.cat["en"]}
	for _, c := range []struct {
		kind string
		s    map[string]string
		want string
	}{
		{"status", map[string]string{"from": "open", "to": "closed"}, "Status Open → Closed"},
		{"correction", map[string]string{"task": "category", "to": "theft"}, "Analysis corrected Category: theft"},
		{"station_action", map[string]string{"action": desk.ActionFIR, "fir_number": "12/2026"}, tr.T("event.station_action") + " " + tr.T("saction."+desk.ActionFIR) + " · 12/2026"},
		{"station_action", map[string]string{"action": desk.ActionVisited}, tr.T("event.station_action") + " " + tr.T("saction."+desk.ActionVisited)},
		{"escalate", map[string]string{"unit": "Adugodi PS"}, "Escalated to Adugodi PS"},
		{"post", nil, "The citizen wrote again"},
		{"some_new_kind", nil, "some_new_kind"},
	} {
		if got := eventWhat(tr, c.kind, c.s); got != c.want {
			t.Errorf("%s: %q, want %q", c.kind, got, c.want)
		}
	}
}

// templateEscaped is html/template's escaping of s as element text (as
// html.EscapeString, and + as &#43;): the form a string field comes out in.
func templateEscaped(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		case '+':
			b.WriteString("&#43;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
