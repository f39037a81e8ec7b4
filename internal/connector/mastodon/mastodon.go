// Package mastodon listens to a Mastodon account through the streaming API
// (SSE, with :thump heartbeats, reconnect and REST backfill) and polls
// mention notifications with Link pagination (min_id, then rel=prev until
// empty, checkpointing the newest id after intake). Replies go out with
// POST /api/v1/statuses and the outbox's Idempotency-Key.
//
// Channel.Config keys:
//
//	instance_url        https://instance (required)
//	streaming_url       streaming host if different (default instance_url)
//	stream              comma-separated streams: user:notification (default),
//	                    user, hashtag:TAG, hashtag:local:TAG, public, public:local, or none
//	poll_interval       notification poll interval (default 2m; "off" disables)
//	max_chars           instance max_characters (default 500)
//	reply_visibility    widest visibility for replies (default public; never wider than the parent)
//	publish_visibility  visibility of Publish (default public)
//	stream_idle         reconnect when no byte (not even :thump) arrives for this long (default 90s)
//	backoff, backoff_max  reconnect/poll retry delays (default 1s, 5m)
//	listen_interval     how often listening queries' searches are polled (default 2m; listen.go)
//
// Channel.Secrets keys:
//
//	access_token        OAuth bearer token with read + write:statuses
package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

func init() { connector.Register(post.Mastodon, New) }

// Connector is one Mastodon account.
type Connector struct {
	rules // what the instance accepts, checked before sending (send.go)

	ch           connector.Channel
	deps         connector.Deps
	instance     *url.URL
	streaming    string
	streams      []string
	pollEvery    time.Duration
	listenEvery  time.Duration
	replyVis     string
	publishVis   string
	idle         time.Duration
	boMin, boMax time.Duration
	token        string
	health       *conn.Health
	source       string
	kick         chan struct{}

	mu     sync.Mutex
	me     Account
	roots  map[string]string // status id -> conversation root, bounded
	rootsQ []string
	pollMu sync.Mutex
}

var visRank = map[string]int{"public": 0, "unlisted": 1, "private": 2, "direct": 3}

// New builds a Mastodon connector.
func New(ch connector.Channel, deps connector.Deps) (connector.Connector, error) {
	c := &Connector{ch: ch, deps: deps, health: conn.NewHealth(), kick: make(chan struct{}, 1), roots: map[string]string{},
		source: "mastodon:" + strconv.FormatInt(ch.ID, 10) + ":notifications"}
	u, err := url.Parse(strings.TrimRight(ch.Config["instance_url"], "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("mastodon: instance_url must be an http(s) URL, got %q", ch.Config["instance_url"])
	}
	c.instance = u
	c.streaming = strings.TrimRight(ch.Config["streaming_url"], "/")
	if c.streaming == "" {
		c.streaming = u.String()
	}
	c.token = ch.Secrets["access_token"]
	if c.token == "" {
		return nil, errors.New("mastodon: secret access_token is required")
	}
	streams := ch.Config["stream"]
	if streams == "" {
		streams = "user:notification"
	}
	for _, s := range strings.Split(streams, ",") {
		s = strings.TrimSpace(s)
		if s == "" || s == "none" {
			continue
		}
		if _, err := streamPath(s); err != nil {
			return nil, err
		}
		c.streams = append(c.streams, s)
	}
	if ch.Config["poll_interval"] != "off" {
		if c.pollEvery, err = conn.LenientDuration(ch.Config, "poll_interval", 2*time.Minute); err != nil || c.pollEvery <= 0 {
			return nil, fmt.Errorf("mastodon: bad poll_interval %q", ch.Config["poll_interval"])
		}
	}
	if c.rules, err = newRules(ch); err != nil {
		return nil, err
	}
	for key, dst := range map[string]*string{"reply_visibility": &c.replyVis, "publish_visibility": &c.publishVis} {
		*dst = ch.Config[key]
		if *dst == "" {
			*dst = "public"
		}
		if _, ok := visRank[*dst]; !ok {
			return nil, fmt.Errorf("mastodon: bad %s %q", key, *dst)
		}
	}
	if c.listenEvery, err = conn.LenientDuration(ch.Config, "listen_interval", 2*time.Minute); err != nil || c.listenEvery <= 0 {
		return nil, fmt.Errorf("mastodon: bad listen_interval %q", ch.Config["listen_interval"])
	}
	if c.idle, err = conn.LenientDuration(ch.Config, "stream_idle", 90*time.Second); err != nil {
		return nil, fmt.Errorf("mastodon: bad stream_idle: %w", err)
	}
	if c.boMin, err = conn.LenientDuration(ch.Config, "backoff", time.Second); err != nil {
		return nil, fmt.Errorf("mastodon: bad backoff: %w", err)
	}
	if c.boMax, err = conn.LenientDuration(ch.Config, "backoff_max", 5*time.Minute); err != nil {
		return nil, fmt.Errorf("mastodon: bad backoff_max: %w", err)
	}
	if c.deps.HTTP == nil {
		c.deps.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if c.deps.Now == nil {
		c.deps.Now = time.Now
	}
	return c, nil
}

// apiError is Mastodon's error body.
type apiError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// do sends an authenticated request to the instance and decodes a 200 JSON
// body into out. It returns the response headers (for Link) and a
// *connector.Error on failure.
func (c *Connector) do(ctx context.Context, method, u string, body io.Reader, hdr http.Header, out any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, &connector.Error{Class: connector.Invalid, Platform: post.Mastodon, Err: err}
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	resp, wrote, err := conn.DoTracked(c.deps.HTTP, req)
	if err != nil {
		cls := connector.Retryable
		if wrote && method == http.MethodPost && hdr.Get("Idempotency-Key") == "" {
			// Without a key the server may have created the status; with
			// one, a retry within the hour returns the same status.
			cls = connector.Unknown
		}
		return nil, &connector.Error{Class: cls, Platform: post.Mastodon, Message: method + " " + req.URL.Path + " failed", Err: err}
	}
	defer resp.Body.Close()
	c.rateHeaders(resp.Header)
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return resp.Header, &connector.Error{Class: connector.Retryable, Platform: post.Mastodon, Status: resp.StatusCode, Err: err}
	}
	if resp.StatusCode/100 == 2 {
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				return resp.Header, &connector.Error{Class: connector.Retryable, Platform: post.Mastodon, Status: resp.StatusCode, Message: "undecodable response", Err: err}
			}
		}
		return resp.Header, nil
	}
	return resp.Header, c.classify(resp, raw)
}

func (c *Connector) classify(resp *http.Response, raw []byte) *connector.Error {
	var ae apiError
	json.Unmarshal(raw, &ae)
	e := &connector.Error{Platform: post.Mastodon, Status: resp.StatusCode, Code: strconv.Itoa(resp.StatusCode), Message: ae.Error}
	if ae.ErrorDescription != "" {
		e.Message += ": " + ae.ErrorDescription
	}
	switch s := resp.StatusCode; {
	case s == 429:
		e.Class = connector.RateLimited
		e.RetryAfter = time.Second
		if t, err := time.Parse(time.RFC3339Nano, resp.Header.Get("X-RateLimit-Reset")); err == nil {
			if d := t.Sub(c.deps.Now()); d > 0 {
				e.RetryAfter = d
			}
		}
		c.health.RetryAfter(e.RetryAfter)
	case s == 401:
		e.Class = connector.AuthExpired
	case s >= 500:
		e.Class = connector.Retryable
	default: // 400, 403, 404, 422
		e.Class = connector.Permanent
	}
	return e
}

// rateHeaders records X-RateLimit-*; the reset is ISO 8601, not epoch.
func (c *Connector) rateHeaders(h http.Header) {
	lim, err1 := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	rem, err2 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if err1 != nil || err2 != nil {
		return
	}
	reset, _ := time.Parse(time.RFC3339Nano, h.Get("X-RateLimit-Reset"))
	c.health.UpdateRate(func(r *connector.RateInfo) {
		r.Limit, r.Remaining, r.ResetAt = lim, rem, reset.UTC()
	})
}

func (c *Connector) api(path string) string { return c.instance.String() + path }

// Check calls verify_credentials and remembers our account.
func (c *Connector) Check(ctx context.Context) error {
	var me Account
	if _, err := c.do(ctx, http.MethodGet, c.api("/api/v1/accounts/verify_credentials"), nil, nil, &me); err != nil {
		c.health.Fail(err)
		return err
	}
	c.mu.Lock()
	c.me = me
	c.mu.Unlock()
	return nil
}

func (c *Connector) account() Account {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.me
}

// Health reports the channel's state.
func (c *Connector) Health() connector.Health { return c.health.Snapshot() }

// Webhook: Mastodon's client API has no webhooks.
func (c *Connector) Webhook() http.Handler { return nil }

// rememberThread records the root of a status' conversation so later
// replies in it get the same ThreadID. Bounded: old entries are dropped.
func (c *Connector) rememberThread(id, root string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.roots[id]; ok {
		return
	}
	c.roots[id] = root
	c.rootsQ = append(c.rootsQ, id)
	if len(c.rootsQ) > 10000 {
		delete(c.roots, c.rootsQ[0])
		c.rootsQ = c.rootsQ[1:]
	}
}

func (c *Connector) threadOf(id string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.roots[id]
}

// channelName is our account as the instance names it (acct), else the
// configured channel name.
func (c *Connector) channelName() string {
	if acct := c.account().Acct; acct != "" {
		return acct
	}
	return c.ch.Name
}

// normalize applies Normalize with this connector's context and records
// the thread root.
func (c *Connector) normalize(s Status, raw []byte, kind string) (post.Post, bool) {
	p, ok := Normalize(s, raw, c.channelName(), kind, c.account().ID, c.threadOf)
	if ok {
		c.rememberThread(p.ExternalID, p.ThreadID)
		p.ReceivedAt = c.deps.Now().UTC()
		if p.CreatedAt.IsZero() {
			p.CreatedAt = p.ReceivedAt // unparseable created_at
		}
	}
	return p, ok
}

// Run streams and polls until ctx ends.
func (c *Connector) Run(ctx context.Context) error {
	if err := c.Check(ctx); err != nil {
		c.deps.Log.Warn("mastodon: verify_credentials failed; reply detection degraded", "err", err)
	}
	var wg sync.WaitGroup
	for _, s := range c.streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.streamLoop(ctx, s)
		}()
	}
	if c.pollEvery > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.pollLoop(ctx)
		}()
	}
	if c.deps.Listening != nil {
		wg.Go(func() {
			conn.ListenLoop(ctx, c.listenEvery, c.boMin, c.boMax, c.SyncListening, func(err error) {
				c.health.Fail(err)
				c.deps.Log.Warn("mastodon: listening searches failed", "err", err)
			})
		})
	}
	wg.Wait()
	return nil
}

func (c *Connector) pollLoop(ctx context.Context) {
	bo := conn.Doubling{Min: c.boMin, Max: c.boMax}
	for {
		wait := c.pollEvery
		if err := c.PollNotifications(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			c.health.Fail(err)
			wait = bo.Next()
			var ce *connector.Error
			if errors.As(err, &ce) && ce.Class == connector.RateLimited && ce.RetryAfter > wait {
				wait = ce.RetryAfter
			}
			c.deps.Log.Warn("mastodon: poll failed", "err", err, "retry_in", wait)
		} else {
			bo.Reset()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-c.kick:
			t.Stop()
		case <-t.C:
		}
	}
}

// maxPages bounds one poll's walk so a hostile or buggy server cannot keep
// us paging forever.
const maxPages = 50

// PollNotifications fetches mention notifications newer than the
// checkpoint: min_id, then Link rel=prev until an empty page, ingesting and
// checkpointing page by page (each page is the oldest slice newer than the
// last, so progress is never skipped).
func (c *Connector) PollNotifications(ctx context.Context) error {
	return c.walk(ctx, c.source, "/api/v1/notifications", url.Values{"types[]": {"mention"}}, func(raw json.RawMessage) (string, post.Post, bool) {
		n, err := DecodeNotification(raw)
		if err != nil {
			c.health.Fail(err)
			return "", post.Post{}, false
		}
		if n.Type != "mention" || n.Status == nil {
			return n.ID, post.Post{}, false
		}
		p, ok := c.normalize(*n.Status, raw, post.KindMention)
		return n.ID, p, ok
	})
}

// timelinePath is the REST timeline behind a hashtag/public/list stream,
// used to backfill what the stream missed; "" for user streams.
func timelinePath(stream string) (string, url.Values) {
	switch {
	case stream == "public":
		return "/api/v1/timelines/public", url.Values{}
	case stream == "public:local":
		return "/api/v1/timelines/public", url.Values{"local": {"true"}}
	case stream == "public:remote":
		return "/api/v1/timelines/public", url.Values{"remote": {"true"}}
	case strings.HasPrefix(stream, "hashtag:local:"):
		return "/api/v1/timelines/tag/" + url.PathEscape(strings.TrimPrefix(stream, "hashtag:local:")), url.Values{"local": {"true"}}
	case strings.HasPrefix(stream, "hashtag:"):
		return "/api/v1/timelines/tag/" + url.PathEscape(strings.TrimPrefix(stream, "hashtag:")), url.Values{}
	case strings.HasPrefix(stream, "list:"):
		return "/api/v1/timelines/list/" + url.PathEscape(strings.TrimPrefix(stream, "list:")), url.Values{}
	}
	return "", nil
}

func (c *Connector) streamSource(stream string) string {
	return "mastodon:" + strconv.FormatInt(c.ch.ID, 10) + ":stream:" + stream
}

// BackfillStream fetches the statuses a timeline stream (hashtag, public,
// list) missed since its checkpoint. Streaming has no replay.
func (c *Connector) BackfillStream(ctx context.Context, stream string) error {
	path, q := timelinePath(stream)
	if path == "" {
		return nil
	}
	return c.walk(ctx, c.streamSource(stream), path, q, func(raw json.RawMessage) (string, post.Post, bool) {
		s, err := DecodeStatus(raw)
		if err != nil {
			c.health.Fail(err)
			return "", post.Post{}, false
		}
		p, ok := c.normalize(s, raw, post.KindPost)
		return s.ID, p, ok
	})
}

// advanceStream moves a timeline stream's checkpoint to id after a
// streamed status was ingested (never backwards).
func (c *Connector) advanceStream(ctx context.Context, stream, id string) error {
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	src := c.streamSource(stream)
	cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, src)
	if err != nil {
		return err
	}
	if !idLess(cp["min_id"], id) {
		return nil
	}
	return c.deps.Checkpoints.SaveCheckpoint(ctx, src, map[string]string{"min_id": id})
}

// walk pages a Mastodon list endpoint forward from the checkpoint: min_id,
// then Link rel=prev until an empty page, ingesting and checkpointing the
// newest id page by page. Without a checkpoint only the newest page is
// taken. toPost maps one entity to its id and, if it is for the desk, a
// post.
func (c *Connector) walk(ctx context.Context, source, path string, q url.Values, toPost func(json.RawMessage) (string, post.Post, bool)) error {
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, source)
	if err != nil {
		return fmt.Errorf("mastodon: unable to load checkpoint: %w", err)
	}
	q.Set("limit", "40")
	if v := cp["min_id"]; v != "" {
		q.Set("min_id", v)
	}
	next := c.api(path + "?" + q.Encode())
	newest := cp["min_id"]
	for range maxPages {
		var raws []json.RawMessage
		hdr, err := c.do(ctx, http.MethodGet, next, nil, nil, &raws)
		if err != nil {
			return err
		}
		c.health.Connected(true)
		if len(raws) == 0 {
			return nil
		}
		var posts []post.Post
		for _, raw := range raws {
			id, p, ok := toPost(raw)
			if idLess(newest, id) {
				newest = id
			}
			if ok {
				posts = append(posts, p)
			}
		}
		if len(posts) > 0 {
			if err := c.deps.Sink.Ingest(ctx, posts); err != nil {
				return fmt.Errorf("mastodon: intake refused %d posts: %w", len(posts), err)
			}
			c.health.Arrived(c.deps.Now(), posts[0].CreatedAt)
		}
		if err := c.deps.Checkpoints.SaveCheckpoint(ctx, source, map[string]string{"min_id": newest}); err != nil {
			return fmt.Errorf("mastodon: unable to save checkpoint: %w", err)
		}
		prev := linkRel(hdr.Get("Link"), "prev")
		if prev == "" || cp["min_id"] == "" {
			return nil
		}
		// The bearer token must never follow a link to another host.
		pu, err := url.Parse(prev)
		if err != nil || pu.Scheme != c.instance.Scheme || pu.Host != c.instance.Host {
			return fmt.Errorf("mastodon: refusing pagination link off the instance: %q", prev)
		}
		next = prev
	}
	return nil
}

// idLess orders vanilla Mastodon ids (numeric strings): by length, then
// lexically. "" is less than everything.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// linkRel extracts the URL with the given rel from an RFC 8288 Link header.
func linkRel(h, rel string) string {
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		open, close := strings.Index(part, "<"), strings.Index(part, ">")
		if open != 0 || close < 0 {
			continue
		}
		for _, param := range strings.Split(part[close+1:], ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(param), "=")
			if ok && strings.EqualFold(k, "rel") {
				for _, r := range strings.Fields(strings.Trim(v, `"`)) {
					if r == rel {
						return part[1:close]
					}
				}
			}
		}
	}
	return ""
}
