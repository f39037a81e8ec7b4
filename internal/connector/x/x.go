// Package x connects the desk to X (Twitter) API v2: it polls the mentions
// timeline and recent search with since_id/next_token cursors, holds the
// filtered stream open (rule management, \r\n keep-alives, X's documented
// reconnect ladders), receives Account Activity API webhooks (CRC challenge
// and x-twitter-webhooks-signature), and replies, sends DMs and publishes
// with POST /2/tweets.
//
// Channel.Config keys (all optional unless noted):
//
//	base_url       API root, default https://api.x.com
//	stream_url     root for the filtered stream, default base_url
//	user_id        our numeric user id (required for mode poll)
//	handle         our @handle without @ (used for post URLs and mention detection)
//	mode           comma-separated: poll, stream, webhook (default poll);
//	               webhook alone makes Run block until cancelled
//	query          search query / stream rule value; empty = no search, no rule
//	poll_interval  default 60s
//	max_pages      pages walked per poll cycle, default 10
//	page_size      max_results per page, default 100
//	rate_min_wait  minimum wait on a 429 whose reset is already past, default 1s
//	max_wait       longest single rate-limit wait, default 15m
//	stream_net_step   network-error ladder step, default 250ms (cap 64 steps = 16s)
//	stream_http_base  HTTP-error ladder base, default 5s (doubling, cap 64× = 320s)
//	stream_429_base   429 ladder base, default 60s (doubling, cap 16×)
//	stream_stall      no bytes for this long = dead stream, default 30s
//	listen_interval   how often listening queries are synced to stream rules, default 30s
//	listen_rule_max   longest rule value, default 512 (X Basic and Pro; Enterprise 2048)
//
// Approved listening queries (Deps.Listening) become stream rules tagged
// "kaval:<channel id>:q<query id>" (listen.go); a post the stream sends
// for those rules alone is post.KindListening.
//
// Channel.Secrets keys:
//
//	bearer_token       app-only Bearer: mentions, search, stream and rules
//	consumer_secret    API key secret: CRC response and webhook signatures
//
// User context (replies, DMs, posts), OAuth 2.0:
//
//	user_access_token      access token (tweet.write, dm.write, offline.access)
//	refresh_token          renews it at POST /2/oauth2/token when it expires
//	client_id              the app's OAuth 2.0 client id (needed to refresh)
//	client_secret          only for confidential clients (HTTP Basic on refresh)
//	user_token_expires_at  Unix seconds; kept up to date by the connector
//
// X rotates refresh tokens: the connector stores each new pair through
// Deps.Secrets before using it, reloads the stored pair before refreshing
// (another replica may have renewed it) and renews once more when X
// answers 401 to a token it believed valid. Or OAuth 1.0a (HMAC-SHA1,
// RFC 5849), when no OAuth 2.0 token is set:
//
//	consumer_key, consumer_secret, access_token, access_token_secret
//
// A refused refresh (invalid_request, a revoked grant) is AuthExpired: the
// channel stops until an admin reconnects it.
//
// Checkpoint sources: "x:<channel id>:mentions" and "x:<channel id>:search"
// hold since_id; "x:<channel id>:stream" holds last_id. Each is saved only
// after the Sink accepted the batch it covers. Before every stream
// (re)connection a recent search since last_id fills the gap of the
// disconnect or restart; intake dedupes the overlap.
package x

import (
	"bufio"
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

// DefaultBaseURL is X's API host.
const DefaultBaseURL = "https://api.x.com"

// Fields requested on every read so normalisation has author, thread,
// language and coordinates.
const (
	TweetFields = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang,geo,entities,note_tweet"
	Expansions  = "author_id,geo.place_id"
	UserFields  = "username,name,location"
)

const maxResponse = 8 << 20

func init() {
	connector.Register(post.X, func(ch connector.Channel, deps connector.Deps) (connector.Connector, error) {
		return New(ch, deps)
	})
}

// Connector is one X account.
type Connector struct {
	rules // what X accepts, checked before sending (validate.go)

	ch     connector.Channel
	deps   connector.Deps
	me     Account
	base   string
	stream string
	modes  map[string]bool
	query  string

	bearer, consumerSecret string
	user                   *userAuth

	pollEvery, rateMin, maxWait        time.Duration
	listenEvery                        time.Duration // listening rules sync (listen.go)
	ruleMax                            int
	netStep, httpBase, rateBase, stall time.Duration
	maxPages, pageSize                 int

	health *conn.Health

	mu           sync.Mutex
	blockedUntil map[string]time.Time // endpoint → reset when remaining hit 0
}

// New builds an X connector from a channel.
func New(ch connector.Channel, deps connector.Deps) (*Connector, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.HTTP == nil {
		deps.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	c := &Connector{
		ch:             ch,
		deps:           deps,
		me:             Account{UserID: conn.Str(ch.Config, "user_id", ""), Handle: strings.TrimPrefix(conn.Str(ch.Config, "handle", ""), "@")},
		base:           conn.BaseURL(ch.Config, "base_url", DefaultBaseURL),
		query:          conn.Str(ch.Config, "query", ""),
		bearer:         ch.Secrets["bearer_token"],
		user:           newUserAuth(ch.Secrets, deps.Secrets),
		consumerSecret: ch.Secrets["consumer_secret"],
		modes:          map[string]bool{},
		health:         conn.NewHealth(),
		blockedUntil:   map[string]time.Time{},
	}
	c.stream = conn.BaseURL(ch.Config, "stream_url", c.base)
	for _, m := range strings.Split(conn.Str(ch.Config, "mode", "poll"), ",") {
		m = strings.TrimSpace(m)
		switch m {
		case "poll", "stream", "webhook":
			c.modes[m] = true
		case "":
		default:
			return nil, fmt.Errorf("x: unknown mode %q (want poll, stream or webhook)", m)
		}
	}
	var err error
	for _, d := range []struct {
		key string
		dst *time.Duration
		def time.Duration
	}{
		{"poll_interval", &c.pollEvery, time.Minute},
		{"rate_min_wait", &c.rateMin, time.Second},
		{"max_wait", &c.maxWait, 15 * time.Minute},
		{"stream_net_step", &c.netStep, 250 * time.Millisecond},
		{"stream_http_base", &c.httpBase, 5 * time.Second},
		{"stream_429_base", &c.rateBase, time.Minute},
		{"stream_stall", &c.stall, 30 * time.Second},
		{"listen_interval", &c.listenEvery, 30 * time.Second},
	} {
		if *d.dst, err = conn.Duration(ch.Config, d.key, d.def); err != nil {
			return nil, fmt.Errorf("x: %w", err)
		}
	}
	for _, d := range []struct {
		key      string
		dst      *int
		def, max int
	}{{"max_pages", &c.maxPages, 10, 1000}, {"page_size", &c.pageSize, 100, 100}, {"listen_rule_max", &c.ruleMax, DefaultRuleMax, 2048}} {
		*d.dst = d.def
		if v := conn.Str(ch.Config, d.key, ""); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > d.max {
				return nil, fmt.Errorf("x: config %s: invalid %q", d.key, v)
			}
			*d.dst = n
		}
	}
	if c.modes["poll"] && c.me.UserID == "" && c.query == "" {
		return nil, errors.New("x: mode poll needs user_id (mentions) or query (search)")
	}
	if (c.modes["poll"] || c.modes["stream"]) && c.bearer == "" {
		return nil, errors.New("x: secret bearer_token is required for poll and stream")
	}
	if c.modes["webhook"] && c.consumerSecret == "" {
		return nil, errors.New("x: secret consumer_secret is required for mode webhook")
	}
	return c, nil
}

func (c *Connector) source(kind string) string {
	return "x:" + strconv.FormatInt(c.ch.ID, 10) + ":" + kind
}

// Health reports the last event, the latest rate-limit headers and recent
// errors.
func (c *Connector) Health() connector.Health { return c.health.Snapshot() }

// Counter exposes the health counters ("ignored", "bad_signature",
// "partial_errors"…) for tests and the admin page.
func (c *Connector) Counter(name string) int { return c.health.Counter(name) }

// Run polls and/or streams until ctx ends.
func (c *Connector) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	if c.modes["poll"] {
		wg.Go(func() { c.runPoll(ctx) })
	}
	if c.modes["stream"] {
		wg.Go(func() { c.runStream(ctx) })
	}
	if c.deps.Listening != nil {
		wg.Go(func() { c.runListen(ctx) })
	}
	<-ctx.Done()
	wg.Wait()
	return nil
}

func (c *Connector) logErr(msg string, err error) {
	c.health.Error(msg + ": " + err.Error())
	if c.deps.Log != nil {
		c.deps.Log.Warn(msg, "err", err)
	}
}

func (c *Connector) runPoll(ctx context.Context) {
	c.health.Connected(true)
	for {
		if c.me.UserID != "" {
			if err := c.PollOnce(ctx, "mentions"); err != nil && ctx.Err() == nil {
				c.logErr("x: mentions poll", err)
			}
		}
		if c.query != "" && !c.modes["stream"] {
			if err := c.PollOnce(ctx, "search"); err != nil && ctx.Err() == nil {
				c.logErr("x: search poll", err)
			}
		}
		if conn.Sleep(ctx, conn.Jitter(c.pollEvery)) != nil {
			return
		}
	}
}

// PollOnce runs one cycle of the mentions timeline ("mentions") or recent
// search ("search"): every page newer than the saved since_id is ingested,
// then since_id advances to the newest id seen.
func (c *Connector) PollOnce(ctx context.Context, kind string) error {
	src := c.source(kind)
	cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, src)
	if err != nil {
		return fmt.Errorf("x: unable to load checkpoint: %w", err)
	}
	since := cp["since_id"]
	newest, err := c.walk(ctx, kind, since)
	if err != nil {
		return err
	}
	if newest != since {
		if err := c.deps.Checkpoints.SaveCheckpoint(ctx, src, map[string]string{"since_id": newest}); err != nil {
			return fmt.Errorf("x: unable to save checkpoint: %w", err)
		}
	}
	return nil
}

// walk ingests every page of kind newer than since and returns the newest
// id seen (since when nothing is newer). Without since it reads one page:
// recent history, not the whole reachable backlog.
func (c *Connector) walk(ctx context.Context, kind, since string) (string, error) {
	newest := since
	token := ""
	for range c.maxPages {
		q := url.Values{}
		q.Set("max_results", strconv.Itoa(c.pageSize))
		q.Set("tweet.fields", TweetFields)
		q.Set("expansions", Expansions)
		q.Set("user.fields", UserFields)
		if since != "" {
			q.Set("since_id", since)
		}
		var path string
		if kind == "mentions" {
			path = "/2/users/" + url.PathEscape(c.me.UserID) + "/mentions"
			if token != "" {
				q.Set("pagination_token", token)
			}
		} else {
			path = "/2/tweets/search/recent"
			q.Set("query", c.query)
			if token != "" {
				q.Set("next_token", token)
			}
		}
		body, err := c.get(ctx, c.base, path, q, c.bearer)
		if err != nil {
			return since, err
		}
		decode := DecodePage
		if kind == "mentions" {
			decode = DecodeMentionsPage
		}
		pg, err := decode(body, c.me, c.deps.Now().UTC())
		if err != nil {
			return since, err
		}
		if len(pg.Partial) > 0 {
			c.health.Count("partial_errors", len(pg.Partial))
		}
		if pg.Own > 0 {
			c.health.Count("own_posts", pg.Own)
		}
		if len(pg.Posts) > 0 {
			if err := c.deps.Sink.Ingest(ctx, pg.Posts); err != nil {
				return since, fmt.Errorf("x: unable to ingest: %w", err)
			}
			c.health.Event(c.deps.Now())
		}
		if IDLess(newest, pg.NewestID) {
			newest = pg.NewestID
		}
		if pg.NextToken == "" || since == "" {
			break
		}
		token = pg.NextToken
	}
	return newest, nil
}

// get performs a bearer-authenticated GET, waiting out 429s (until
// x-rate-limit-reset) and pausing proactively when remaining reached 0.
func (c *Connector) get(ctx context.Context, root, path string, q url.Values, token string) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		if err := c.waitBlocked(ctx, path); err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+path+"?"+q.Encode(), nil)
		if err != nil {
			return nil, fmt.Errorf("x: unable to build request: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := c.deps.HTTP.Do(req)
		if err != nil {
			return nil, fmt.Errorf("x: unable to GET %s: %w", path, err)
		}
		body, rerr := conn.ReadLimited(resp.Body, maxResponse)
		resp.Body.Close()
		c.noteRate(path, resp.Header)
		if rerr != nil {
			return nil, fmt.Errorf("x: unable to read %s: %w", path, rerr)
		}
		if resp.StatusCode == http.StatusOK {
			return body, nil
		}
		xe := c.classify(resp, body)
		if xe.Class == connector.RateLimited && attempt < 5 {
			c.health.Error("x: rate limited on " + path)
			if err := conn.Sleep(ctx, conn.Jitter(xe.RetryAfter)); err != nil {
				return nil, err
			}
			continue
		}
		return nil, xe
	}
}

func (c *Connector) waitBlocked(ctx context.Context, path string) error {
	c.mu.Lock()
	until := c.blockedUntil[path]
	c.mu.Unlock()
	if until.IsZero() {
		return nil
	}
	d := until.Sub(c.deps.Now())
	if d > c.maxWait {
		d = c.maxWait
	}
	return conn.Sleep(ctx, d)
}

func (c *Connector) noteRate(path string, h http.Header) {
	ri, ok := conn.ParseXRate(h)
	if !ok {
		return
	}
	c.health.Rate(ri)
	c.mu.Lock()
	if ri.Remaining == 0 && !ri.ResetAt.IsZero() {
		c.blockedUntil[path] = ri.ResetAt
	} else {
		delete(c.blockedUntil, path)
	}
	c.mu.Unlock()
}

// retryAfter is how long to wait after a 429: until x-rate-limit-reset,
// at least rateMin, at most maxWait.
func (c *Connector) retryAfter(h http.Header) time.Duration {
	d := c.rateMin
	if ri, ok := conn.ParseXRate(h); ok && !ri.ResetAt.IsZero() {
		if w := ri.ResetAt.Sub(c.deps.Now()); w > d {
			d = w
		}
	}
	return min(d, c.maxWait)
}

// classify turns a non-2xx response into a *connector.Error with X's own
// problem title/type and detail.
func (c *Connector) classify(resp *http.Response, body []byte) *connector.Error {
	var p struct {
		Problem
		Errors []Problem `json:"errors"`
	}
	_ = json.Unmarshal(body, &p)
	if p.Title == "" && len(p.Errors) > 0 {
		p.Problem = p.Errors[0]
	}
	e := &connector.Error{Platform: post.X, Status: resp.StatusCode, Code: p.Type, Message: p.String()}
	if e.Code == "" && p.Code != 0 {
		e.Code = strconv.Itoa(p.Code)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests && strings.HasSuffix(p.Type, "/usage-capped"):
		// Monthly cap: retrying before the next period is pointless.
		e.Class = connector.Permanent
	case resp.StatusCode == http.StatusTooManyRequests || p.Code == 88:
		e.Class, e.RetryAfter = connector.RateLimited, c.retryAfter(resp.Header)
	case resp.StatusCode == http.StatusUnauthorized:
		e.Class = connector.AuthExpired
	case resp.StatusCode == http.StatusForbidden && strings.Contains(strings.ToLower(p.Detail), "duplicate"):
		e.Class = connector.Duplicate
	case resp.StatusCode >= 500:
		e.Class = connector.Retryable
	default:
		e.Class = connector.Permanent
	}
	return e
}

// Check verifies the credentials: user context with /2/users/me when
// configured (renewing an OAuth 2.0 token if needed), else the bearer token
// with a user lookup.
func (c *Connector) Check(ctx context.Context) error {
	if c.user.configured() {
		resp, body, err := c.userDo(ctx, http.MethodGet, c.base+"/2/users/me", nil)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return c.classify(resp, body)
		}
		return nil
	}
	if c.me.UserID == "" {
		return errNoUserAuth
	}
	_, err := c.get(ctx, c.base, "/2/users/"+url.PathEscape(c.me.UserID), url.Values{}, c.bearer)
	return err
}

// --- filtered stream ---

// ruleTag marks the stream rule this channel owns, so several channels on
// one app do not delete each other's rules.
func (c *Connector) ruleTag() string { return "kaval:" + strconv.FormatInt(c.ch.ID, 10) }

// EnsureRules makes the stream rules tagged for this channel equal to the
// configured query.
func (c *Connector) EnsureRules(ctx context.Context) error {
	body, err := c.get(ctx, c.base, "/2/tweets/search/stream/rules", url.Values{}, c.bearer)
	if err != nil {
		return err
	}
	var rules struct {
		Data []struct {
			ID, Value, Tag string
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &rules); err != nil {
		return fmt.Errorf("x: unable to decode rules: %w", err)
	}
	var stale []string
	have := false
	for _, r := range rules.Data {
		if r.Tag != c.ruleTag() {
			continue
		}
		if r.Value == c.query && !have {
			have = true
		} else {
			stale = append(stale, r.ID)
		}
	}
	if len(stale) > 0 {
		if err := c.postRules(ctx, map[string]any{"delete": map[string]any{"ids": stale}}); err != nil {
			return err
		}
	}
	if !have && c.query != "" {
		return c.postRules(ctx, map[string]any{"add": []map[string]string{{"value": c.query, "tag": c.ruleTag()}}})
	}
	return nil
}

func (c *Connector) postRules(ctx context.Context, payload any) error {
	b, _ := json.Marshal(payload)
	resp, body, err := c.do(ctx, http.MethodPost, c.base+"/2/tweets/search/stream/rules", c.bearer, b)
	if err != nil {
		return fmt.Errorf("x: unable to change rules: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return c.classify(resp, body)
	}
	var r struct {
		Errors []Problem `json:"errors"`
	}
	_ = json.Unmarshal(body, &r)
	for _, p := range r.Errors {
		if !strings.HasSuffix(p.Type, "/duplicate-rules") {
			return fmt.Errorf("x: rule refused: %s", p)
		}
	}
	return nil
}

// errStall is a stream that sent nothing, not even a keep-alive, for
// stream_stall.
var errStall = errors.New("x: stream stalled (no keep-alive)")

func (c *Connector) runStream(ctx context.Context) {
	netL := &conn.Linear{Step: c.netStep, Max: 64 * c.netStep, Immediate: true}
	httpL := &conn.Exponential{Base: c.httpBase, Max: 64 * c.httpBase}
	rateL := &conn.Exponential{Base: c.rateBase, Max: 16 * c.rateBase}
	rulesOK := false
	for ctx.Err() == nil {
		if !rulesOK {
			if err := c.EnsureRules(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				c.logErr("x: stream rules", err)
				if conn.Sleep(ctx, conn.Jitter(httpL.Next())) != nil {
					return
				}
				continue
			}
			rulesOK = true
		}
		c.catchUp(ctx)
		healthy, status, err := c.StreamOnce(ctx)
		c.health.Connected(false)
		if ctx.Err() != nil {
			return
		}
		if healthy {
			netL.Reset()
			httpL.Reset()
			rateL.Reset()
		}
		var wait time.Duration
		switch {
		case status == http.StatusTooManyRequests:
			wait = rateL.Next()
		case status != 0:
			wait = httpL.Next()
		default:
			wait = netL.Next()
		}
		if err != nil {
			c.logErr("x: stream disconnected", err)
		}
		c.health.Count("stream_reconnects", 1)
		if conn.Sleep(ctx, conn.Jitter(wait)) != nil {
			return
		}
	}
}

// StreamOnce holds one filtered-stream connection until it ends. healthy
// says the connection delivered at least a keep-alive; status is the HTTP
// status of a refused connection or of an in-stream error (treated as an
// HTTP error for backoff), 0 for network errors and stalls.
func (c *Connector) StreamOnce(ctx context.Context) (healthy bool, status int, err error) {
	q := url.Values{}
	q.Set("tweet.fields", TweetFields)
	q.Set("expansions", Expansions)
	q.Set("user.fields", UserFields)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.stream+"/2/tweets/search/stream?"+q.Encode(), nil)
	if err != nil {
		return false, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.bearer)
	// The stream must outlive any client-wide timeout.
	client := *c.deps.HTTP
	client.Timeout = 0
	resp, err := client.Do(req)
	if err != nil {
		return false, 0, err
	}
	defer resp.Body.Close()
	c.noteRate("/2/tweets/search/stream", resp.Header)
	if resp.StatusCode != http.StatusOK {
		body, _ := conn.ReadLimited(resp.Body, 64<<10)
		return false, resp.StatusCode, c.classify(resp, body)
	}
	c.health.Connected(true)

	type line struct {
		b   []byte
		err error
	}
	lines := make(chan line)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case lines <- line{b: bytes.Clone(sc.Bytes())}:
			case <-ctx.Done():
				return
			}
		}
		err := sc.Err()
		if err == nil {
			err = io.EOF
		}
		select {
		case lines <- line{err: err}:
		case <-ctx.Done():
		}
	}()
	timer := time.NewTimer(c.stall)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return healthy, 0, ctx.Err()
		case <-timer.C:
			return healthy, 0, errStall
		case l := <-lines:
			if l.err != nil {
				return healthy, 0, l.err
			}
			healthy = true
			timer.Reset(c.stall)
			b := bytes.TrimSpace(l.b)
			if len(b) == 0 {
				c.health.Count("keepalives", 1)
				continue
			}
			item, err := DecodeStreamLine(b, c.me, c.deps.Now().UTC())
			if err != nil {
				c.health.Count("bad_stream_lines", 1)
				continue
			}
			if len(item.Disconnect) > 0 {
				return healthy, http.StatusServiceUnavailable, fmt.Errorf("x: stream error: %s", item.Disconnect[0])
			}
			if item.Own {
				c.health.Count("own_posts", 1)
				continue
			}
			if item.Post == nil {
				c.health.Count("ignored", 1)
				continue
			}
			c.listeningKind(item.Post, item.Tags)
			if err := c.deps.Sink.Ingest(ctx, []post.Post{*item.Post}); err != nil {
				// Not acknowledged: reconnect; a search catch-up or the
				// next poll finds it again.
				return healthy, 0, fmt.Errorf("x: unable to ingest stream post: %w", err)
			}
			c.health.Event(c.deps.Now())
			c.saveStreamCursor(ctx, item.Post.ExternalID)
		}
	}
}

// catchUp fills the gap of a disconnect or restart with a recent search
// since the last streamed post; intake dedupes the overlap.
func (c *Connector) catchUp(ctx context.Context) {
	if c.query == "" {
		return
	}
	cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, c.source("stream"))
	if err != nil || cp["last_id"] == "" {
		return
	}
	newest, err := c.walk(ctx, "search", cp["last_id"])
	if err != nil {
		if ctx.Err() == nil {
			c.logErr("x: stream catch-up", err)
		}
		return
	}
	c.health.Count("catchups", 1)
	if newest != cp["last_id"] {
		c.saveStreamCursor(ctx, newest)
	}
}

func (c *Connector) saveStreamCursor(ctx context.Context, id string) {
	src := c.source("stream")
	cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, src)
	if err == nil && !IDLess(cp["last_id"], id) {
		return
	}
	if err := c.deps.Checkpoints.SaveCheckpoint(ctx, src, map[string]string{"last_id": id}); err != nil {
		c.logErr("x: stream checkpoint", err)
	}
}

// --- sending ---

func (c *Connector) do(ctx context.Context, method, u, token string, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.deps.HTTP.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := conn.ReadLimited(resp.Body, maxResponse)
	return resp, b, err
}

// Reply answers a post in its thread (Target.ParentID), or sends a DM when
// Target.Recipient is set.
func (c *Connector) Reply(ctx context.Context, t connector.Target, m connector.Message) (connector.Result, error) {
	if err := c.ValidateReply(t, m); err != nil {
		return connector.Result{}, err
	}
	if t.Recipient != "" {
		return c.sendDM(ctx, t.Recipient, m.Text)
	}
	return c.createPost(ctx, map[string]any{"text": m.Text, "reply": map[string]string{"in_reply_to_tweet_id": t.ParentID}})
}

// Publish posts on our account.
func (c *Connector) Publish(ctx context.Context, m connector.Message) (connector.Result, error) {
	if err := c.ValidatePublish(m); err != nil {
		return connector.Result{}, err
	}
	return c.createPost(ctx, map[string]any{"text": m.Text})
}

// canPost refuses before sending when there are no user-context
// credentials (app-only bearer tokens cannot post).
func (c *Connector) canPost() error {
	if !c.user.configured() {
		return &connector.Error{Class: connector.AuthExpired, Platform: post.X, Message: "no user-context credentials (user_access_token, or OAuth 1.0a access_token): cannot post"}
	}
	return nil
}

func (c *Connector) createPost(ctx context.Context, payload map[string]any) (connector.Result, error) {
	if err := c.canPost(); err != nil {
		return connector.Result{}, err
	}
	b, _ := json.Marshal(payload)
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := c.send(ctx, c.base+"/2/tweets", b, &out); err != nil {
		return connector.Result{}, err
	}
	r := connector.Result{ExternalID: out.Data.ID}
	if c.me.Handle != "" {
		r.URL = "https://x.com/" + c.me.Handle + "/status/" + out.Data.ID
	}
	return r, nil
}

// sendDM uses POST /2/dm_conversations/with/{participant_id}/messages.
func (c *Connector) sendDM(ctx context.Context, to, text string) (connector.Result, error) {
	if err := c.canPost(); err != nil {
		return connector.Result{}, err
	}
	b, _ := json.Marshal(map[string]string{"text": text})
	var out struct {
		Data struct {
			EventID string `json:"dm_event_id"`
		} `json:"data"`
	}
	if err := c.send(ctx, c.base+"/2/dm_conversations/with/"+to+"/messages", b, &out); err != nil {
		return connector.Result{}, err
	}
	return connector.Result{ExternalID: out.Data.EventID}, nil
}

// userDo performs a user-context request. A 401 to an OAuth 2.0 token
// we believed valid (revoked, or our clock is off) renews it once and
// repeats the request: X created nothing for a 401. err is a
// *connector.Error when the credentials could not be had, else a
// transport error.
func (c *Connector) userDo(ctx context.Context, method, u string, body []byte) (*http.Response, []byte, error) {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
		if err != nil {
			return nil, nil, err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if err := c.authorize(ctx, req, attempt > 0); err != nil {
			return nil, nil, err
		}
		resp, err := c.deps.HTTP.Do(req)
		if err != nil {
			return nil, nil, err
		}
		b, err := conn.ReadLimited(resp.Body, maxResponse)
		resp.Body.Close()
		if err != nil {
			return resp, nil, err
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 && c.user.refreshable() {
			c.health.Count("token_rejected", 1)
			continue
		}
		return resp, b, nil
	}
}

func (c *Connector) send(ctx context.Context, u string, body []byte, out any) error {
	resp, rb, err := c.userDo(ctx, http.MethodPost, u, body)
	var ce *connector.Error
	if errors.As(err, &ce) {
		c.health.Error(ce.Error())
		return ce
	}
	if err != nil {
		e := &connector.Error{Class: conn.TransportClass(err), Platform: post.X, Err: err}
		c.health.Error(e.Error())
		return e
	}
	c.noteRate("POST "+u, resp.Header)
	if resp.StatusCode/100 != 2 {
		e := c.classify(resp, rb)
		c.health.Error(e.Error())
		return e
	}
	if err := json.Unmarshal(rb, out); err != nil {
		// X took it but we cannot read the id: the post may exist.
		return &connector.Error{Class: connector.Unknown, Platform: post.X, Status: resp.StatusCode, Err: err}
	}
	return nil
}
