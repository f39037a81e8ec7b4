package ui

import (
	"html"
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
func PostText(s string) template.HTML { return PostTextMarked(s, nil) }

// PostTextMarked is PostText with the places the analysis matched in the
// text marked (<mark>): each place's matched text, where it stands in s
// (found afresh, so a masked text keeps its marks). A mark never crosses
// a link.
func PostTextMarked(s string, places []string) template.HTML {
	marks := placeRanges(s, places)
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
		writeMarked(&b, s, last, start, marks)
		if u, err := url.Parse(raw); err == nil && strings.EqualFold(u.Scheme, "https") && u.Host != "" && u.User == nil {
			b.WriteString(`<a href="` + html.EscapeString(u.String()) + `" rel="noopener noreferrer nofollow ugc" target="_blank">` +
				html.EscapeString(raw) + `</a>`)
		} else {
			b.WriteString(html.EscapeString(raw))
		}
		last = end
	}
	writeMarked(&b, s, last, len(s), marks)
	b.WriteString(`</div>`)
	return template.HTML(b.String())
}

// placeRanges are the byte ranges of s to mark: the first occurrence of
// each place's text (any letter case), in order, not overlapping.
func placeRanges(s string, places []string) [][2]int {
	var out [][2]int
	low := strings.ToLower(s)
	for _, p := range places {
		if utf8.RuneCountInString(strings.TrimSpace(p)) < 3 {
			continue
		}
		i := strings.Index(low, strings.ToLower(p))
		// ToLower may change byte lengths outside ASCII: accept only a
		// match that is the same text in s.
		if i < 0 || i+len(p) > len(s) || !strings.EqualFold(s[i:i+len(p)], p) {
			continue
		}
		r := [2]int{i, i + len(p)}
		if !slices.ContainsFunc(out, func(o [2]int) bool { return r[0] < o[1] && o[0] < r[1] }) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b [2]int) int { return a[0] - b[0] })
	return out
}

// writeMarked writes s[from:to] escaped, with the marks wholly inside it.
func writeMarked(b *strings.Builder, s string, from, to int, marks [][2]int) {
	for _, m := range marks {
		if m[0] < from || m[1] > to {
			continue
		}
		b.WriteString(html.EscapeString(s[from:m[0]]))
		b.WriteString("<mark>" + html.EscapeString(s[m[0]:m[1]]) + "</mark>")
		from = m[1]
	}
	b.WriteString(html.EscapeString(s[from:to]))
}
