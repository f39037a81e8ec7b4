package ui

import (
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// IST is Asia/Kolkata. India keeps no daylight saving, so a fixed zone is
// exact and needs no tzdata on the server.
var IST = time.FixedZone("IST", 5*3600+1800)

// When renders t for people in Kolkata: relative within the hour ("5 min
// ago", "in 5 min"), "today 14:05", "yesterday 14:05", "7 Dec 14:05", or
// with the year when it is not this year; the exact time is in the title
// (hover) and in datetime (machines).
func (t translator) When(at, now time.Time) template.HTML {
	if at.IsZero() {
		return template.HTML(html.EscapeString(t.T("time.never")))
	}
	exact := at.In(IST).Format("2006-01-02 15:04:05") + " IST"
	return template.HTML(`<time datetime="` + at.UTC().Format(time.RFC3339) + `" title="` + exact + `">` +
		html.EscapeString(t.whenText(at, now)) + `</time>`)
}

func (t translator) whenText(at, now time.Time) string {
	d := now.Sub(at)
	switch {
	case d >= -30*time.Second && d < time.Minute:
		return t.T("time.just_now")
	case d >= time.Minute && d < time.Hour:
		return t.N("time.minutes_ago", int64(d/time.Minute))
	case d < 0 && -d < time.Hour:
		return t.N("time.in_minutes", int64((-d+time.Minute-1)/time.Minute))
	}
	l, n := at.In(IST), now.In(IST)
	hm := l.Format("15:04")
	ly, lm, ld := l.Date()
	ny, nm, nd := n.Date()
	switch {
	case ly == ny && lm == nm && ld == nd:
		return t.T("time.today", hm)
	case sameDay(l, n.AddDate(0, 0, -1)):
		return t.T("time.yesterday", hm)
	case sameDay(l, n.AddDate(0, 0, 1)):
		return t.T("time.tomorrow", hm)
	case ly == ny:
		return t.T("time.date", ld, t.T("month."+l.Format("1")), hm)
	}
	return t.T("time.date_year", ld, t.T("month."+l.Format("1")), hm, strconv.Itoa(ly))
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// linkRE finds things that look like links in citizen text. Only the
// https ones become live; the rest stay text.
var linkRE = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"'` + "`" + `]+`)

// PostText renders attacker-controlled text (a citizen's post, a note) as
// inert HTML: escaped, in an element with white-space: pre-wrap (class
// post-text) and dir="auto" for mixed scripts; https links are live with
// rel="noopener noreferrer nofollow ugc" and open in a new tab, any other
// link (http, javascript:, data:) is shown as text only.
func PostText(s string) template.HTML {
	var b strings.Builder
	b.WriteString(`<div class="post-text" dir="auto">`)
	last := 0
	for _, m := range linkRE.FindAllStringIndex(s, -1) {
		start, end := m[0], m[1]
		// Leave closing punctuation to the sentence: "see https://x.in/a)."
		for end > start && strings.ContainsRune(".,;:!?)]}'\"", rune(s[end-1])) {
			end--
		}
		raw := s[start:end]
		b.WriteString(html.EscapeString(s[last:start]))
		if u, err := url.Parse(raw); err == nil && strings.EqualFold(u.Scheme, "https") && u.Host != "" && u.User == nil {
			b.WriteString(`<a href="` + html.EscapeString(u.String()) + `" rel="noopener noreferrer nofollow ugc" target="_blank">` +
				html.EscapeString(raw) + `</a>`)
		} else {
			b.WriteString(html.EscapeString(raw))
		}
		last = end
	}
	b.WriteString(html.EscapeString(s[last:]))
	b.WriteString(`</div>`)
	return template.HTML(b.String())
}
