package ui

import (
	"strings"
)

// The inbox's filters fold behind a disclosure on narrow screens (a
// station officer's phone would otherwise scroll past fourteen fields
// before the first case); its summary line says which filters are on.

func init() {
	AddFunc("activefilters", func(t Translator) any {
		return func(d inboxData) []string { return activeFilters(t, d) }
	})
	// postmarked is post (PostText) with the analysis's places marked.
	AddFunc("postmarked", func(Translator) any { return PostTextMarked })
}

// activeFilters are the filters of an inbox page in words, "Status: Open",
// in the page's language; none when it shows the default view.
func activeFilters(t Translator, d inboxData) []string {
	var out []string
	add := func(label, value string) { out = append(out, t.T(label)+": "+value) }
	each := func(v, prefix string) string {
		var words []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				if k := prefix + s; t.Has(k) {
					words = append(words, t.T(k))
				} else {
					words = append(words, s)
				}
			}
		}
		return strings.Join(words, ", ")
	}
	label := func(opts []option, v string) string {
		for _, o := range opts {
			if o.Value == v {
				if o.Raw {
					return o.Label
				}
				return t.T(o.Label)
			}
		}
		return v
	}
	q := d.Q
	if v := q.Get("q"); v != "" {
		add("inbox.f.q", "“"+v+"”")
	}
	switch v := q.Get("status"); v {
	case "":
	case "all":
		add("inbox.f.status", t.T("inbox.f.all"))
	default:
		add("inbox.f.status", each(v, "status."))
	}
	if v := q.Get("platform"); v != "" {
		add("inbox.f.platform", each(v, "platform."))
	}
	if v := q.Get("category"); v != "" {
		add("inbox.f.category", each(v, "cat."))
	}
	if v := q.Get("lang"); v != "" {
		add("inbox.f.lang", each(v, "langname."))
	}
	if v := q.Get("sentiment"); v != "" {
		add("inbox.f.sentiment", each(v, "sentiment."))
	}
	switch v := q.Get("assignee"); v {
	case "":
	case "me":
		add("inbox.f.assignee", t.T("inbox.assignee.me"))
	case "none":
		add("inbox.f.assignee", t.T("inbox.assignee.none"))
	default:
		add("inbox.f.assignee", label(d.Users, v))
	}
	if v := q.Get("unit"); v != "" {
		add("inbox.f.unit", label(d.Units, v))
	}
	if v := q.Get("urgency"); v != "" {
		add("inbox.f.urgency", t.T("inbox.f.urgency_min", v))
	}
	if q.Get("overdue") == "true" {
		out = append(out, t.T("inbox.f.overdue"))
	}
	if v := q.Get("since"); v != "" {
		add("inbox.f.since", v)
	}
	if v := q.Get("until"); v != "" {
		add("inbox.f.until", v)
	}
	if v := q.Get("sort"); v != "" && len(d.Sorts) > 0 && v != d.Sorts[0] {
		add("inbox.f.sort", each(v, "sort."))
	}
	return out
}
