package ui

import (
	"slices"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
)

// Listening on platforms, as the query pages show it: what each channel
// asks its platform for the query and how that went (the connectors'
// reports, query.ListenState), and, for a query being written or
// reviewed, how platforms will be asked for more than the query says.

// listenPlatforms are the platforms whose connectors listen for queries.
var listenPlatforms = []string{post.X, post.Bluesky, post.Mastodon}

// listenPreview is the platform-neutral verdict on a query's listening
// form: why platforms are asked for more (query.Widen* codes) or for
// fewer forms (query.ReasonWholeWords), and whether any platform can be
// asked at all.
type listenPreview struct {
	Reasons    []string
	Searchable bool
}

func previewListening(q *query.Query) *listenPreview {
	if q == nil {
		return nil
	}
	p := &listenPreview{}
	for _, pl := range listenPlatforms {
		f := q.ListenForm(pl)
		if f.Root != nil {
			p.Searchable = true
		}
		for _, r := range f.Reasons {
			if !slices.Contains(p.Reasons, r) {
				p.Reasons = append(p.Reasons, r)
			}
		}
		if f.Root != nil && hasPrefix(*f.Root) && !slices.Contains(p.Reasons, query.ReasonWholeWords) {
			p.Reasons = append(p.Reasons, query.ReasonWholeWords)
		}
	}
	return p
}

func hasPrefix(t query.Term) bool {
	if t.Atom != nil {
		return t.Atom.Prefix
	}
	return slices.ContainsFunc(t.Terms, hasPrefix)
}

// listenSummary counts a query's channels by state, for the list.
type listenSummary struct {
	State string
	N     int
}

func summarise(states []query.ListenState) []listenSummary {
	var out []listenSummary
	for _, st := range states {
		i := slices.IndexFunc(out, func(s listenSummary) bool { return s.State == st.State })
		if i < 0 {
			out = append(out, listenSummary{State: st.State})
			i = len(out) - 1
		}
		out[i].N++
	}
	return out
}

// listenRow is a channel's state with the reasons of its own platform
// (those the query's preview does not already give).
type listenRow struct {
	query.ListenState
	Extra []string
}

func listenRows(states []query.ListenState, pv *listenPreview) []listenRow {
	out := make([]listenRow, len(states))
	for i, st := range states {
		out[i].ListenState = st
		for _, r := range st.Reasons {
			if pv == nil || !slices.Contains(pv.Reasons, r) {
				out[i].Extra = append(out[i].Extra, r)
			}
		}
	}
	return out
}
