package bluesky

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
)

// Keyword listening on Bluesky (Deps.Listening): each approved query is
// written as alternatives (query.Form.Clauses), and each alternative is
// one app.bsky.feed.searchPosts search (words, "phrases", #tags,
// mentions:, from:; sort=latest), called with the account's session (the
// public AppView's search has been closed to anonymous callers at times).
// Exclusions are left to the desk's matcher (widened). Each search keeps
// the newest indexedAt it took ("bluesky:<channel>:listen:q<id>:<hash>")
// and asks since it (inclusive: ties are re-read, intake dedupes), paging
// with the cursor; the first poll takes the newest page only. A found post
// that mentions, quotes or answers us keeps that kind (notifications bring
// the same post); the others are post.KindListening.

const (
	maxListenClauses = 8
	maxSearchPages   = 5
)

type search struct{ q string }

// plan writes a listening form as Bluesky searches.
func plan(f query.Form) (out []search, state string, reasons []string) {
	reasons = slices.Clone(f.Reasons)
	if f.Never {
		return nil, query.ListenNever, reasons
	}
	cs, widened, ok := f.Clauses(maxListenClauses)
	if !ok {
		return nil, query.ListenUnsearchable, reasons
	}
	partial := false
	seen := map[string]bool{}
	for _, c := range cs {
		if len(c.All) == 0 {
			return nil, query.ListenUnsearchable, reasons
		}
		parts := make([]string, 0, len(c.All))
		for _, a := range c.All {
			if a.Prefix {
				partial = true
				reasons = conn.AddReason(reasons, query.ReasonWholeWords)
			}
			switch a.Kind {
			case query.AtomPhrase:
				parts = append(parts, `"`+a.Text+`"`)
			case query.AtomHashtag:
				parts = append(parts, "#"+a.Text)
			case query.AtomMention:
				parts = append(parts, "mentions:"+a.Text)
			case query.AtomAuthor:
				parts = append(parts, "from:"+a.Text)
			default:
				parts = append(parts, a.Text)
			}
		}
		if len(c.None) > 0 {
			widened = true
		}
		q := strings.Join(parts, " ")
		if !seen[q] {
			seen[q] = true
			out = append(out, search{q: q})
		}
	}
	if widened {
		reasons = conn.AddReason(reasons, query.WidenSearch)
	}
	return out, conn.ListenState(widened || f.Widened, partial), reasons
}

// SyncListening polls every approved query's searches once and reports
// the state of each. Without an app password there is no session to
// search with: the queries are reported unsupported.
func (c *Connector) SyncListening(ctx context.Context) error {
	lq := c.deps.Listening
	if lq == nil {
		return nil
	}
	qs, err := lq.ListeningQueries(ctx)
	if err != nil {
		return err
	}
	reports := make([]query.ListenReport, 0, len(qs))
	var first error
	for _, q := range qs {
		searches, state, reasons := plan(q.Query.ListenForm(post.Bluesky))
		r := query.ListenReport{QueryID: q.ID, Revision: q.Revision, State: state, Reasons: reasons}
		for _, s := range searches {
			r.Form = append(r.Form, s.q)
		}
		switch {
		case len(searches) == 0:
		case c.password == "":
			r.State = query.ListenUnsupported
		case first == nil:
			for _, s := range searches {
				if err := c.pollSearch(ctx, q.ID, s); err != nil {
					first = err
					break
				}
			}
		}
		if first != nil && len(searches) > 0 && r.State != query.ListenUnsupported {
			r.State, r.Error = query.ListenError, first.Error()
		}
		reports = append(reports, r)
	}
	if err := lq.ReportListening(ctx, c.ch.ID, post.Bluesky, reports); err != nil && first == nil {
		first = err
	}
	return first
}

// searchHit is a search hit.
type searchHit struct {
	URI    string `json:"uri"`
	Author struct {
		DID         string `json:"did"`
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	} `json:"author"`
	Record    json.RawMessage `json:"record"`
	IndexedAt string          `json:"indexedAt"`
}

// pollSearch ingests what one search found since its checkpoint.
func (c *Connector) pollSearch(ctx context.Context, qid int64, s search) error {
	src := conn.SearchSource(post.Bluesky, c.ch.ID, qid, s.q)
	cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, src)
	if err != nil {
		return fmt.Errorf("bluesky: unable to load checkpoint: %w", err)
	}
	var since time.Time
	if v := cp["indexed_at"]; v != "" {
		since, _ = time.Parse(time.RFC3339Nano, v)
	}
	if _, err := c.currentSession(ctx); err != nil {
		return err // and our DID, to tell a mention of us from listening
	}
	m := NewMatcher(c.ourDID(), c.handle, nil)
	newest := since
	var posts []post.Post
	cursor := ""
	for range maxSearchPages {
		q := url.Values{"q": {s.q}, "sort": {"latest"}, "limit": {"100"}}
		if !since.IsZero() {
			q.Set("since", since.UTC().Format("2006-01-02T15:04:05.000Z"))
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var res struct {
			Posts  []json.RawMessage `json:"posts"`
			Cursor string            `json:"cursor"`
		}
		if err := c.call(ctx, "app.bsky.feed.searchPosts", q, nil, &res); err != nil {
			return err
		}
		c.health.Connected(true)
		for _, raw := range res.Posts {
			var v searchHit
			if json.Unmarshal(raw, &v) != nil || v.URI == "" {
				c.health.Count("bad_search_hits", 1)
				continue
			}
			at, err := time.Parse(time.RFC3339Nano, v.IndexedAt)
			if err != nil || !since.IsZero() && at.Before(since) {
				continue // no time to order it by, or an AppView ignoring since
			}
			if at.After(newest) {
				newest = at
			}
			var r PostRecord
			if json.Unmarshal(v.Record, &r) != nil || r.Type != "" && r.Type != PostCollection || !c.fresh(v.URI) {
				continue
			}
			kind, ok := m.Match(v.Author.DID, r)
			switch {
			case !ok && m.DID != "" && v.Author.DID == m.DID:
				continue // our own post
			case !ok:
				kind = post.KindListening
			}
			handle := v.Author.Handle
			if handle == "handle.invalid" {
				handle = ""
			}
			p := Normalize(v.URI, v.Author.DID, handle, v.Author.DisplayName, r, raw, c.channelName(), kind, at)
			p.ReceivedAt = c.deps.Now().UTC()
			posts = append(posts, p)
		}
		if res.Cursor == "" || res.Cursor == cursor || since.IsZero() {
			break // the first poll takes the newest page only
		}
		cursor = res.Cursor
	}
	if err := c.deliver(ctx, posts); err != nil {
		return err
	}
	if newest.IsZero() {
		// A first poll that found nothing still starts the search, a minute
		// back for the clocks' sake: what comes next is new, not history.
		newest = c.deps.Now().Add(-time.Minute)
	}
	if !newest.Equal(since) {
		if err := c.deps.Checkpoints.SaveCheckpoint(ctx, src, map[string]string{"indexed_at": newest.UTC().Format(time.RFC3339Nano)}); err != nil {
			return fmt.Errorf("bluesky: unable to save checkpoint: %w", err)
		}
	}
	return nil
}
