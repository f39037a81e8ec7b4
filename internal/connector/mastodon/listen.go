package mastodon

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
)

// Keyword listening on Mastodon (Deps.Listening). Each approved query is
// written as alternatives (query.Form.Clauses), and each alternative is
// polled the way Mastodon serves it best:
//
//   - with a hashtag: the tag timeline, GET /api/v1/timelines/tag/:hashtag
//     with all[] (the other hashtags) and none[] (excluded hashtags),
//     paged forward with min_id and Link rel=prev like the notifications;
//     its words are left to the desk's matcher (widened);
//   - without: full-text search, GET /api/v2/search?type=statuses with
//     min_id. Mastodon only searches statuses it indexed and whose authors
//     opted in, so this is reported partial.
//
// Each search's newest id is a checkpoint of its own
// ("mastodon:<channel>:listen:q<id>:<hash of the search>"), saved after
// intake took the page: a restart resumes, a changed query starts afresh
// with its newest page. A status that mentions or answers us keeps that
// kind (it is the same post the notifications bring, and intake dedupes
// on its id); the others are post.KindListening.

// maxListenClauses bounds the searches of one query per cycle.
const maxListenClauses = 8

// maxSearchPages bounds one search's backward paging per cycle.
const maxSearchPages = 5

// search is one way of polling a clause.
type search struct {
	tag        string     // tag timeline when set
	q          url.Values // the request's parameters
	line       string     // as shown on the query page
	partialIdx bool       // full-text search: indexed statuses only
}

// plan writes a listening form as Mastodon searches.
func plan(f query.Form) (out []search, state string, reasons []string) {
	reasons = append([]string(nil), f.Reasons...)
	if f.Never {
		return nil, query.ListenNever, reasons
	}
	cs, widened, ok := f.Clauses(maxListenClauses)
	if !ok {
		return nil, query.ListenUnsearchable, reasons
	}
	partial := false
	for _, c := range cs {
		var tags, words []string
		var from string
		for _, a := range c.All {
			if a.Prefix {
				partial = true
				reasons = conn.AddReason(reasons, query.ReasonWholeWords)
			}
			switch a.Kind {
			case query.AtomHashtag:
				tags = append(tags, a.Text)
			case query.AtomWord:
				words = append(words, a.Text)
			case query.AtomPhrase:
				words = append(words, `"`+a.Text+`"`)
			case query.AtomAuthor:
				from = a.Text
			default: // a mention in the text: the desk's matcher checks it
				widened = true
			}
		}
		var none []string
		for _, a := range c.None {
			if a.Kind == query.AtomHashtag {
				none = append(none, a.Text)
			} else {
				widened = true // excluded words: the desk's matcher filters
			}
		}
		switch {
		case len(tags) > 0:
			q := url.Values{}
			line := "#" + tags[0]
			for _, t := range tags[1:] {
				q.Add("all[]", t)
				line += " #" + t
			}
			for _, t := range none {
				q.Add("none[]", t)
				line += " -#" + t
			}
			if len(words) > 0 || from != "" {
				widened = true
			}
			out = append(out, search{tag: tags[0], q: q, line: line})
		case len(words) > 0 || from != "":
			if len(none) > 0 {
				widened = true
			}
			text := strings.Join(words, " ")
			if from != "" {
				text = strings.TrimSpace(text + " from:" + from)
			}
			partial = true
			reasons = conn.AddReason(reasons, query.ReasonIndexedOnly)
			out = append(out, search{q: url.Values{"q": {text}, "type": {"statuses"}}, line: "search: " + text, partialIdx: true})
		default:
			// Only mentions or exclusions: Mastodon cannot search for it.
			return nil, query.ListenUnsearchable, reasons
		}
	}
	if widened {
		reasons = conn.AddReason(reasons, query.WidenSearch)
	}
	// Alternatives differing only in what the desk filters are one search.
	seen := map[string]bool{}
	out = slices.DeleteFunc(out, func(s search) bool { dup := seen[s.line]; seen[s.line] = true; return dup })
	return out, conn.ListenState(widened || f.Widened, partial), reasons
}

// SyncListening polls every approved query's searches once and reports
// the state of each. It returns the first failure (a RateLimited one
// carries Mastodon's reset) after reporting it on its query; the queries
// after it wait for the next cycle.
func (c *Connector) SyncListening(ctx context.Context) error {
	lq := c.deps.Listening
	if lq == nil {
		return nil
	}
	qs, err := lq.ListeningQueries(ctx)
	if err != nil {
		return err
	}
	if c.account().ID == "" {
		// Who we are tells a found status that mentions us from one that
		// does not: without it a mention would be taken for listening.
		if err := c.Check(ctx); err != nil {
			return err
		}
	}
	reports := make([]query.ListenReport, 0, len(qs))
	var first error
	for _, q := range qs {
		searches, state, reasons := plan(q.Query.ListenForm(post.Mastodon))
		r := query.ListenReport{QueryID: q.ID, Revision: q.Revision, State: state, Reasons: reasons}
		for _, s := range searches {
			r.Form = append(r.Form, s.line)
		}
		if first == nil {
			for _, s := range searches {
				if err := c.pollSearch(ctx, q.ID, s); err != nil {
					first = err
					break
				}
			}
		}
		if first != nil && len(searches) > 0 {
			r.State, r.Error = query.ListenError, first.Error()
		}
		reports = append(reports, r)
	}
	if err := lq.ReportListening(ctx, c.ch.ID, post.Mastodon, reports); err != nil && first == nil {
		first = err
	}
	return first
}

// pollSearch ingests what one search found since its checkpoint.
func (c *Connector) pollSearch(ctx context.Context, qid int64, s search) error {
	src := conn.SearchSource(post.Mastodon, c.ch.ID, qid, s.line)
	toPost := func(raw json.RawMessage) (string, post.Post, bool) {
		st, err := DecodeStatus(raw)
		if err != nil {
			c.health.Fail(err)
			return "", post.Post{}, false
		}
		if st.Visibility != "" && st.Visibility != "public" && st.Visibility != "unlisted" {
			return st.ID, post.Post{}, false // never listen to what was not published
		}
		kind := post.KindListening
		if mentions(st, c.account().ID) {
			kind = post.KindMention
		}
		p, ok := c.normalize(st, raw, kind)
		return st.ID, p, ok
	}
	var err error
	if s.tag != "" {
		err = c.walk(ctx, src, "/api/v1/timelines/tag/"+url.PathEscape(s.tag), cloneValues(s.q), toPost)
	} else {
		err = c.searchStatuses(ctx, src, s.q, toPost)
	}
	if err != nil {
		return err
	}
	// A first poll that found nothing still starts the search: what comes
	// next is new, and must not be taken for history (newest page only).
	cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, src)
	if err != nil {
		return fmt.Errorf("mastodon: unable to load checkpoint: %w", err)
	}
	if cp["min_id"] == "" {
		if err := c.deps.Checkpoints.SaveCheckpoint(ctx, src, map[string]string{"min_id": "0"}); err != nil {
			return fmt.Errorf("mastodon: unable to save checkpoint: %w", err)
		}
	}
	return nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vv := range v {
		out[k] = append([]string(nil), vv...)
	}
	return out
}

// searchStatuses walks /api/v2/search results newer than the checkpoint:
// they come newest first without Link headers, so full pages are followed
// backwards with max_id until the checkpoint is reached; without one, only
// the newest page is taken. The newest id is saved once intake took them.
func (c *Connector) searchStatuses(ctx context.Context, src string, q url.Values, toPost func(json.RawMessage) (string, post.Post, bool)) error {
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, src)
	if err != nil {
		return fmt.Errorf("mastodon: unable to load checkpoint: %w", err)
	}
	since := cp["min_id"]
	q = cloneValues(q)
	q.Set("limit", "40")
	q.Set("resolve", "false")
	if since != "" {
		q.Set("min_id", since)
	}
	newest := since
	var posts []post.Post
	for range maxSearchPages {
		var res struct {
			Statuses []json.RawMessage `json:"statuses"`
		}
		if _, err := c.do(ctx, http.MethodGet, c.api("/api/v2/search?"+q.Encode()), nil, nil, &res); err != nil {
			return err
		}
		c.health.Connected(true)
		oldest := ""
		for _, raw := range res.Statuses {
			id, p, ok := toPost(raw)
			if id == "" || since != "" && !idLess(since, id) {
				continue // an instance ignoring min_id
			}
			if idLess(newest, id) {
				newest = id
			}
			if oldest == "" || idLess(id, oldest) {
				oldest = id
			}
			if ok {
				posts = append(posts, p)
			}
		}
		if since == "" || len(res.Statuses) < 40 || oldest == "" {
			break
		}
		q.Set("max_id", oldest)
	}
	if len(posts) > 0 {
		// Oldest first, as intake and the desk expect.
		for i, j := 0, len(posts)-1; i < j; i, j = i+1, j-1 {
			posts[i], posts[j] = posts[j], posts[i]
		}
		if err := c.deps.Sink.Ingest(ctx, posts); err != nil {
			return fmt.Errorf("mastodon: intake refused %d posts: %w", len(posts), err)
		}
		c.health.Arrived(c.deps.Now(), posts[len(posts)-1].CreatedAt)
	}
	if newest != since {
		if err := c.deps.Checkpoints.SaveCheckpoint(ctx, src, map[string]string{"min_id": newest}); err != nil {
			return fmt.Errorf("mastodon: unable to save checkpoint: %w", err)
		}
	}
	return nil
}
