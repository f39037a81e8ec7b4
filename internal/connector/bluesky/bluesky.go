// Package bluesky listens to Bluesky through Jetstream (the JSON re-encoding
// of the AT Protocol firehose, over WebSocket) and polls
// app.bsky.notification.listNotifications; it answers with
// com.atproto.repo.createRecord carrying reply strongRefs and facets with
// UTF-8 byte offsets.
//
// Channel.Config keys:
//
//	pds_url        the account's PDS / entryway (default https://bsky.social)
//	jetstream_url  Jetstream /subscribe endpoint (default wss://jetstream1.us-east.bsky.network/subscribe)
//	handle         our handle (e.g. blrcitypolice.bsky.social); login identifier
//	did            our DID (filled from the session when empty)
//	keywords       comma-separated words; Jetstream posts containing one are ingested as KindPost
//	sources        comma-separated: jetstream, notifications (default both; notifications needs app_password)
//	poll_interval  listNotifications interval (default 1m)
//	rewind         how far before the saved cursor to resume Jetstream (default 5s)
//	cursor_every   how often the Jetstream cursor is saved (default 5s)
//	stream_idle    reconnect when Jetstream is silent this long (default 60s)
//	backoff, backoff_max  retry delays (default 1s, 5m)
//	listen_interval  how often listening queries' searches are polled (default 2m; listen.go, needs app_password)
//
// Channel.Secrets keys:
//
//	app_password   an app password for createSession (never the account password)
//
// Checkpoints: "bluesky:{id}:jetstream" {time_us}, "bluesky:{id}:notifications" {indexed_at}.
package bluesky

import (
	"bytes"
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

// Real hosts.
const (
	DefaultPDS       = "https://bsky.social"
	DefaultJetstream = "wss://jetstream1.us-east.bsky.network/subscribe"
)

func init() { connector.Register(post.Bluesky, New) }

// Connector is one Bluesky account (or a keyword listener without one).
type Connector struct {
	rules // what Bluesky accepts, checked before sending (send.go)

	ch          connector.Channel
	deps        connector.Deps
	pds         string
	jetstream   string
	handle      string
	did         string
	password    string
	keywords    []string
	useJet      bool
	useNotif    bool
	pollEvery   time.Duration
	listenEvery time.Duration
	rewind      time.Duration
	cursorEvery time.Duration
	idle        time.Duration
	boMin       time.Duration
	boMax       time.Duration
	health      *conn.Health
	jetSource   string
	notifSource string

	sessMu sync.Mutex
	sess   *session

	recentMu sync.Mutex
	recent   map[string]bool // URIs ingested in this process, bounded
	recentQ  []string
	profiles map[string]profileInfo // did -> handle, display name
}

type session struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	DID        string `json:"did"`
	Handle     string `json:"handle"`
}

// New builds a Bluesky connector.
func New(ch connector.Channel, deps connector.Deps) (connector.Connector, error) {
	id := strconv.FormatInt(ch.ID, 10)
	c := &Connector{ch: ch, deps: deps, health: conn.NewHealth(), recent: map[string]bool{}, profiles: map[string]profileInfo{},
		jetSource: "bluesky:" + id + ":jetstream", notifSource: "bluesky:" + id + ":notifications"}
	c.pds = strings.TrimRight(ch.Config["pds_url"], "/")
	if c.pds == "" {
		c.pds = DefaultPDS
	}
	if u, err := url.Parse(c.pds); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("bluesky: bad pds_url %q", c.pds)
	}
	c.jetstream = ch.Config["jetstream_url"]
	if c.jetstream == "" {
		c.jetstream = DefaultJetstream
	}
	if u, err := url.Parse(c.jetstream); err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
		return nil, fmt.Errorf("bluesky: bad jetstream_url %q", c.jetstream)
	}
	c.handle = strings.TrimPrefix(ch.Config["handle"], "@")
	c.did = ch.Config["did"]
	c.password = ch.Secrets["app_password"]
	for _, k := range strings.Split(ch.Config["keywords"], ",") {
		if k = strings.TrimSpace(k); k != "" {
			c.keywords = append(c.keywords, k)
		}
	}
	sources := ch.Config["sources"]
	if sources == "" {
		sources = "jetstream,notifications"
	}
	for _, s := range strings.Split(sources, ",") {
		switch strings.TrimSpace(s) {
		case "jetstream":
			c.useJet = true
		case "notifications":
			c.useNotif = true
		case "":
		default:
			return nil, fmt.Errorf("bluesky: unknown source %q", s)
		}
	}
	if c.password == "" {
		c.useNotif = false // listening to Jetstream needs no account
		if c.did == "" && c.handle == "" && len(c.keywords) == 0 {
			return nil, errors.New("bluesky: need did/handle, keywords or an app_password")
		}
	} else if c.handle == "" && c.did == "" {
		return nil, errors.New("bluesky: handle (login identifier) is required with app_password")
	}
	var err error
	for _, d := range []struct {
		key string
		dst *time.Duration
		def time.Duration
	}{{"poll_interval", &c.pollEvery, time.Minute}, {"rewind", &c.rewind, 5 * time.Second}, {"cursor_every", &c.cursorEvery, 5 * time.Second},
		{"stream_idle", &c.idle, time.Minute}, {"backoff", &c.boMin, time.Second}, {"backoff_max", &c.boMax, 5 * time.Minute},
		{"listen_interval", &c.listenEvery, 2 * time.Minute}} {
		if *d.dst, err = conn.LenientDuration(ch.Config, d.key, d.def); err != nil {
			return nil, fmt.Errorf("bluesky: bad %s: %w", d.key, err)
		}
	}
	if c.pollEvery <= 0 {
		c.pollEvery = time.Minute
	}
	if c.listenEvery <= 0 {
		c.listenEvery = 2 * time.Minute
	}
	if c.deps.HTTP == nil {
		c.deps.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if c.deps.Now == nil {
		c.deps.Now = time.Now
	}
	return c, nil
}

// xrpcError is the XRPC error envelope.
type xrpcError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// raw performs one XRPC call with the given bearer (may be empty).
// procedure calls POST body as JSON; queries GET with q.
func (c *Connector) raw(ctx context.Context, nsid string, q url.Values, body any, bearer string, out any) error {
	method, u := http.MethodGet, c.pds+"/xrpc/"+nsid
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return &connector.Error{Class: connector.Invalid, Platform: post.Bluesky, Err: err}
		}
		method, rd = http.MethodPost, bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return &connector.Error{Class: connector.Invalid, Platform: post.Bluesky, Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, wrote, err := conn.DoTracked(c.deps.HTTP, req)
	if err != nil {
		cls := connector.Retryable
		if wrote && nsid == "com.atproto.repo.createRecord" {
			cls = connector.Unknown
		}
		return &connector.Error{Class: cls, Platform: post.Bluesky, Message: nsid + " failed", Err: err}
	}
	defer resp.Body.Close()
	c.rateHeaders(resp.Header)
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return &connector.Error{Class: connector.Retryable, Platform: post.Bluesky, Status: resp.StatusCode, Err: err}
	}
	if resp.StatusCode == http.StatusOK {
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				cls := connector.Retryable
				if nsid == "com.atproto.repo.createRecord" {
					cls = connector.Unknown
				}
				return &connector.Error{Class: cls, Platform: post.Bluesky, Status: 200, Message: "undecodable response", Err: err}
			}
		}
		return nil
	}
	return c.classify(resp, b)
}

func (c *Connector) classify(resp *http.Response, b []byte) *connector.Error {
	var xe xrpcError
	json.Unmarshal(b, &xe)
	e := &connector.Error{Platform: post.Bluesky, Status: resp.StatusCode, Code: xe.Error, Message: xe.Message}
	switch {
	case resp.StatusCode == 429 || xe.Error == "RateLimitExceeded":
		e.Class = connector.RateLimited
		e.RetryAfter = time.Second
		if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && n > 0 {
			e.RetryAfter = time.Duration(n) * time.Second
		} else if n, err := strconv.ParseInt(resp.Header.Get("RateLimit-Reset"), 10, 64); err == nil {
			if d := time.Unix(n, 0).Sub(c.deps.Now()); d > 0 {
				e.RetryAfter = d
			}
		}
		c.health.RetryAfter(e.RetryAfter)
	case xe.Error == "ExpiredToken" || xe.Error == "InvalidToken" || xe.Error == "AuthenticationRequired" || xe.Error == "AuthMissing" || resp.StatusCode == 401:
		e.Class = connector.AuthExpired
	case resp.StatusCode >= 500:
		e.Class = connector.Retryable
	default:
		e.Class = connector.Permanent
	}
	return e
}

// rateHeaders records RateLimit-* (reset in epoch seconds).
func (c *Connector) rateHeaders(h http.Header) {
	lim, err1 := strconv.Atoi(h.Get("RateLimit-Limit"))
	rem, err2 := strconv.Atoi(h.Get("RateLimit-Remaining"))
	if err1 != nil || err2 != nil {
		return
	}
	c.health.UpdateRate(func(r *connector.RateInfo) {
		r.Limit, r.Remaining = lim, rem
		if n, err := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64); err == nil {
			r.ResetAt = time.Unix(n, 0).UTC()
		}
	})
}

func isCode(err error, codes ...string) bool {
	var ce *connector.Error
	if !errors.As(err, &ce) {
		return false
	}
	for _, c := range codes {
		if ce.Code == c {
			return true
		}
	}
	return false
}

// login creates a session with the app password. Sessions are cached and
// refreshed, because createSession is tightly rate limited (30 / 5 min).
func (c *Connector) login(ctx context.Context) (*session, error) {
	if c.password == "" {
		return nil, &connector.Error{Class: connector.AuthExpired, Platform: post.Bluesky, Message: "no app_password configured"}
	}
	ident := c.handle
	if ident == "" {
		ident = c.did
	}
	var s session
	if err := c.raw(ctx, "com.atproto.server.createSession", nil, map[string]string{"identifier": ident, "password": c.password}, "", &s); err != nil {
		return nil, err
	}
	if s.AccessJwt == "" || s.DID == "" {
		return nil, &connector.Error{Class: connector.Retryable, Platform: post.Bluesky, Message: "createSession returned no token"}
	}
	return &s, nil
}

// currentSession returns the cached session, logging in if needed.
func (c *Connector) currentSession(ctx context.Context) (*session, error) {
	c.sessMu.Lock()
	defer c.sessMu.Unlock()
	if c.sess != nil {
		return c.sess, nil
	}
	s, err := c.login(ctx)
	if err != nil {
		return nil, err
	}
	c.sess = s
	if c.did == "" {
		c.did = s.DID
	}
	return s, nil
}

// renew refreshes an expired access token (refreshSession with the refresh
// JWT), falling back to a new login when the refresh token is dead too.
func (c *Connector) renew(ctx context.Context, stale *session) error {
	c.sessMu.Lock()
	defer c.sessMu.Unlock()
	if c.sess != stale && c.sess != nil {
		return nil // another goroutine already renewed it
	}
	var s session
	err := c.raw(ctx, "com.atproto.server.refreshSession", nil, struct{}{}, stale.RefreshJwt, &s)
	if err != nil {
		if connector.ClassOf(err) != connector.AuthExpired && !isCode(err, "ExpiredToken", "InvalidToken") {
			return err
		}
		ns, err := c.login(ctx)
		if err != nil {
			return err
		}
		c.sess = ns
		return nil
	}
	c.sess = &s
	return nil
}

// call is an authenticated XRPC call that renews the session once on
// ExpiredToken.
func (c *Connector) call(ctx context.Context, nsid string, q url.Values, body, out any) error {
	s, err := c.currentSession(ctx)
	if err != nil {
		return err
	}
	err = c.raw(ctx, nsid, q, body, s.AccessJwt, out)
	if !isCode(err, "ExpiredToken", "InvalidToken") {
		return err
	}
	if err := c.renew(ctx, s); err != nil {
		return err
	}
	c.sessMu.Lock()
	s = c.sess
	c.sessMu.Unlock()
	return c.raw(ctx, nsid, q, body, s.AccessJwt, out)
}

func (c *Connector) ourDID() string {
	c.sessMu.Lock()
	defer c.sessMu.Unlock()
	return c.did
}

// Check logs in (or, without an app password, resolves the handle).
func (c *Connector) Check(ctx context.Context) error {
	if c.password == "" {
		return nil
	}
	var out struct {
		DID string `json:"did"`
	}
	err := c.call(ctx, "com.atproto.server.getSession", nil, nil, &out)
	if err != nil {
		c.health.Fail(err)
	}
	return err
}

// Health reports the channel's state.
func (c *Connector) Health() connector.Health { return c.health.Snapshot() }

// Webhook: Bluesky has no webhooks.
func (c *Connector) Webhook() http.Handler { return nil }

// channelName is our handle (or DID), else the configured channel name.
func (c *Connector) channelName() string {
	if c.handle != "" {
		return c.handle
	}
	if did := c.ourDID(); did != "" {
		return did
	}
	if c.ch.Name != "" {
		return c.ch.Name
	}
	return strconv.FormatInt(c.ch.ID, 10)
}

// fresh reports whether uri was not ingested yet by this process, so a
// Jetstream rewind does not hand intake the same posts again.
func (c *Connector) fresh(uri string) bool {
	c.recentMu.Lock()
	defer c.recentMu.Unlock()
	return !c.recent[uri]
}

func (c *Connector) ingested(uris ...string) {
	c.recentMu.Lock()
	defer c.recentMu.Unlock()
	for _, u := range uris {
		if c.recent[u] {
			continue
		}
		c.recent[u] = true
		c.recentQ = append(c.recentQ, u)
		if len(c.recentQ) > 20000 {
			delete(c.recent, c.recentQ[0])
			c.recentQ = c.recentQ[1:]
		}
	}
}

// Run follows Jetstream and polls notifications until ctx ends.
func (c *Connector) Run(ctx context.Context) error {
	if c.password != "" {
		if _, err := c.currentSession(ctx); err != nil {
			c.health.Fail(err)
			c.deps.Log.Warn("bluesky: login failed; will retry", "err", err)
		}
	}
	var wg sync.WaitGroup
	if c.useJet {
		wg.Add(1)
		go func() { defer wg.Done(); c.jetstreamLoop(ctx) }()
	}
	if c.useNotif {
		wg.Add(1)
		go func() { defer wg.Done(); c.pollLoop(ctx) }()
	}
	if c.deps.Listening != nil {
		wg.Go(func() {
			conn.ListenLoop(ctx, c.listenEvery, c.boMin, c.boMax, c.SyncListening, func(err error) {
				c.health.Fail(err)
				c.deps.Log.Warn("bluesky: listening searches failed", "err", err)
			})
		})
	}
	wg.Wait()
	c.health.Connected(false)
	return nil
}
