// Package rss watches RSS, Atom and JSON feeds (local news, agency press
// releases, "search as feed" services). It does the HTTP itself —
// conditional GET with ETag / Last-Modified, Retry-After on 429/503, a size
// cap, permanent redirects remembered — and uses gofeed only to parse. A
// bounded set of seen item ids (GUID → link → content hash) kept in the
// checkpoint is the real de-duplication: many servers ignore validators.
//
// Channel.Config keys:
//
//	feed_url     the feed to poll (required)
//	interval     time between polls (default 15m)
//	max_seen     how many item ids to remember (default 1000)
//	max_bytes    largest feed body accepted (default 10 MiB)
//	user_agent   User-Agent sent (default "Kaval/1.0 (+https://github.com/kaval-desk/kaval)")
//	backoff      first retry delay after an error (default 30s)
//	backoff_max  longest retry delay (default 30m)
//
// Channel.Secrets: none (basic_user / basic_password are sent as HTTP Basic
// auth when present).
//
// Checkpoint (source "rss:{channel id}"): etag, last_modified, seen
// (newline-separated ids, oldest first), feed_url after a permanent
// redirect.
package rss

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

func init() { connector.Register(post.RSS, New) }

const (
	defaultUA     = "Kaval/1.0 (+https://github.com/kaval-desk/kaval)"
	acceptHeader  = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8"
	maxTextLength = 20000
)

// Connector polls one feed.
type Connector struct {
	rules // a feed takes nothing

	ch       connector.Channel
	deps     connector.Deps
	feedURL  string
	interval time.Duration
	maxSeen  int
	maxBytes int64
	ua       string
	bo       conn.Doubling
	health   *conn.Health
	source   string
}

// New builds a feed connector.
func New(ch connector.Channel, deps connector.Deps) (connector.Connector, error) {
	c := &Connector{ch: ch, deps: deps, health: conn.NewHealth(), source: "rss:" + strconv.FormatInt(ch.ID, 10)}
	c.feedURL = ch.Config["feed_url"]
	u, err := url.Parse(c.feedURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("rss: feed_url must be an http(s) URL, got %q", c.feedURL)
	}
	if c.interval, err = conn.LenientDuration(ch.Config, "interval", 15*time.Minute); err != nil || c.interval <= 0 {
		return nil, fmt.Errorf("rss: bad interval %q", ch.Config["interval"])
	}
	if c.bo.Min, err = conn.LenientDuration(ch.Config, "backoff", 30*time.Second); err != nil {
		return nil, fmt.Errorf("rss: bad backoff: %w", err)
	}
	if c.bo.Max, err = conn.LenientDuration(ch.Config, "backoff_max", 30*time.Minute); err != nil {
		return nil, fmt.Errorf("rss: bad backoff_max: %w", err)
	}
	c.maxSeen = 1000
	if v := ch.Config["max_seen"]; v != "" {
		if c.maxSeen, err = strconv.Atoi(v); err != nil || c.maxSeen < 1 {
			return nil, fmt.Errorf("rss: bad max_seen %q", v)
		}
	}
	c.maxBytes = 10 << 20
	if v := ch.Config["max_bytes"]; v != "" {
		if c.maxBytes, err = strconv.ParseInt(v, 10, 64); err != nil || c.maxBytes < 1 {
			return nil, fmt.Errorf("rss: bad max_bytes %q", v)
		}
	}
	c.ua = ch.Config["user_agent"]
	if c.ua == "" {
		c.ua = defaultUA
	}
	if c.deps.HTTP == nil {
		c.deps.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if c.deps.Now == nil {
		c.deps.Now = time.Now
	}
	return c, nil
}

// Webhook: feeds are polled (WebSub is not implemented).
func (c *Connector) Webhook() http.Handler { return nil }

// Health reports the feed's state.
func (c *Connector) Health() connector.Health { return c.health.Snapshot() }

// Check fetches and parses the feed once without ingesting.
func (c *Connector) Check(ctx context.Context) error {
	res, err := c.fetch(ctx, c.feedURL, nil)
	if err != nil {
		return err
	}
	if res.notModified {
		return nil
	}
	_, err = ParseFeed(toUTF8(res.body, res.contentType))
	return err
}

var readOnly = connector.Refuse(post.RSS, "", "feeds are read-only: nothing can be sent to a feed")

func init() {
	connector.RegisterValidator(post.RSS, func(connector.Channel) (connector.Validator, error) { return rules{}, nil })
}

// rules refuse everything: a feed is read-only (connector.Validator).
type rules struct{}

func (rules) ValidateReply(connector.Target, connector.Message) error { return readOnly }
func (rules) ValidatePublish(connector.Message) error                 { return readOnly }

// Reply is not possible on a feed.
func (c *Connector) Reply(_ context.Context, t connector.Target, m connector.Message) (connector.Result, error) {
	return connector.Result{}, c.ValidateReply(t, m)
}

// Publish is not possible on a feed.
func (c *Connector) Publish(_ context.Context, m connector.Message) (connector.Result, error) {
	return connector.Result{}, c.ValidatePublish(m)
}

// Run polls the feed every interval until ctx ends. It returns a Permanent
// *connector.Error when the feed is gone (410) so the manager can disable
// the channel.
func (c *Connector) Run(ctx context.Context) error {
	defer c.health.Connected(false)
	for {
		wait, err := c.Poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			c.health.Fail(err)
			c.health.Connected(false)
			var ce *connector.Error
			if errors.As(err, &ce) && ce.Status == http.StatusGone {
				return err
			}
			if d := c.bo.Next(); d > wait {
				wait = d
			}
			c.deps.Log.Warn("rss: poll failed", "err", err, "retry_in", wait)
		} else {
			c.bo.Reset()
			c.health.Connected(true)
		}
		if wait < c.interval && err == nil {
			// ±10 % jitter so many feeds on one host do not poll in step.
			wait = c.interval - c.interval/10 + time.Duration(rand.Int64N(int64(c.interval/5)+1))
		}
		if conn.Sleep(ctx, wait) != nil {
			return nil
		}
	}
}

type fetched struct {
	status       int
	notModified  bool
	body         []byte
	etag         string
	lastModified string
	movedTo      string // final URL when every redirect hop was permanent
	contentType  string // its charset parameter says how to read the body
}

// fetch does one conditional GET. Errors are *connector.Error; for 429 and
// 503 RetryAfter is the server's Retry-After.
func (c *Connector) fetch(ctx context.Context, feedURL string, cp map[string]string) (fetched, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, feedURL, nil)
	if err != nil {
		return fetched{}, &connector.Error{Class: connector.Permanent, Platform: post.RSS, Message: "bad feed URL", Err: err}
	}
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("Accept", acceptHeader)
	if u, p := c.ch.Secrets["basic_user"], c.ch.Secrets["basic_password"]; u != "" {
		req.SetBasicAuth(u, p)
	}
	// Validators go back verbatim: weak prefix, quotes and date format as
	// the server sent them.
	if v := cp["etag"]; v != "" {
		req.Header.Set("If-None-Match", v)
	}
	if v := cp["last_modified"]; v != "" {
		req.Header.Set("If-Modified-Since", v)
	}
	client := *c.deps.HTTP
	permanent := true
	prev := client.CheckRedirect
	client.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if r.Response != nil && r.Response.StatusCode != http.StatusMovedPermanently && r.Response.StatusCode != http.StatusPermanentRedirect {
			permanent = false
		}
		if prev != nil {
			return prev(r, via)
		}
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // keep credentials in query strings out of errors
		}
		return fetched{}, &connector.Error{Class: connector.Retryable, Platform: post.RSS, Message: "fetch failed", Err: err}
	}
	defer resp.Body.Close()
	f := fetched{status: resp.StatusCode, etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}
	if permanent && resp.Request.URL.String() != feedURL {
		f.movedTo = resp.Request.URL.String()
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		f.notModified = true
		return f, nil
	case resp.StatusCode == http.StatusOK:
		body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
		if err != nil {
			return f, &connector.Error{Class: connector.Retryable, Platform: post.RSS, Status: 200, Message: "body read failed", Err: err}
		}
		if int64(len(body)) > c.maxBytes {
			return f, &connector.Error{Class: connector.Permanent, Platform: post.RSS, Status: 200, Message: fmt.Sprintf("feed larger than %d bytes", c.maxBytes)}
		}
		f.body = body
		f.contentType = resp.Header.Get("Content-Type")
		return f, nil
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	e := &connector.Error{Platform: post.RSS, Status: resp.StatusCode, Code: strconv.Itoa(resp.StatusCode), Message: resp.Status}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		e.Class = connector.RateLimited
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.deps.Now())
		c.health.RetryAfter(e.RetryAfter)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.Class = connector.AuthExpired
	case resp.StatusCode == http.StatusGone:
		e.Class = connector.Permanent
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusNotFound:
		e.Class = connector.Retryable // 404s are often transient on news sites
	default:
		e.Class = connector.Permanent
	}
	return f, e
}

// parseRetryAfter reads delta-seconds or an HTTP-date; 0 when absent or
// unparseable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// Poll fetches the feed once, ingests unseen items and, only after intake
// accepted them, saves validators and the seen set. It returns how long to
// wait before the next poll (at least the server's Retry-After).
func (c *Connector) Poll(ctx context.Context) (time.Duration, error) {
	cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, c.source)
	if err != nil {
		return 0, fmt.Errorf("rss: unable to load checkpoint: %w", err)
	}
	if cp == nil {
		cp = map[string]string{}
	}
	feedURL := c.feedURL
	if v := cp["feed_url"]; v != "" && cp["configured_url"] == c.feedURL {
		feedURL = v // a permanent redirect seen earlier for this configured URL
	}
	res, err := c.fetch(ctx, feedURL, cp)
	if err != nil {
		var ce *connector.Error
		if errors.As(err, &ce) {
			return ce.RetryAfter, err
		}
		return 0, err
	}
	c.health.Arrived(c.deps.Now(), time.Time{})
	next := map[string]string{"etag": cp["etag"], "last_modified": cp["last_modified"], "seen": cp["seen"], "feed_url": cp["feed_url"], "configured_url": cp["configured_url"]}
	if res.movedTo != "" {
		next["feed_url"], next["configured_url"] = res.movedTo, c.feedURL
	}
	if res.etag != "" {
		next["etag"] = res.etag
	}
	if res.lastModified != "" {
		next["last_modified"] = res.lastModified
	}
	if res.notModified {
		if next["etag"] != cp["etag"] || next["last_modified"] != cp["last_modified"] || next["feed_url"] != cp["feed_url"] {
			if err := c.deps.Checkpoints.SaveCheckpoint(ctx, c.source, next); err != nil {
				return 0, fmt.Errorf("rss: unable to save checkpoint: %w", err)
			}
		}
		return 0, nil
	}
	feed, err := ParseFeed(toUTF8(res.body, res.contentType))
	if err != nil {
		return 0, err
	}
	seen := splitSeen(cp["seen"])
	known := make(map[string]bool, len(seen))
	for _, id := range seen {
		known[id] = true
	}
	now := c.deps.Now().UTC()
	var posts []post.Post
	var current []string
	inFeed := map[string]bool{}
	for _, it := range feed.Items {
		p, ok := Normalize(feed, it, c.channelName(), now)
		if !ok || inFeed[p.ExternalID] {
			continue
		}
		inFeed[p.ExternalID] = true
		current = append(current, p.ExternalID)
		if !known[p.ExternalID] {
			p.ReceivedAt = now
			posts = append(posts, p)
		}
	}
	if len(posts) > 0 {
		if err := c.deps.Sink.Ingest(ctx, posts); err != nil {
			return 0, fmt.Errorf("rss: intake refused %d items: %w", len(posts), err)
		}
		c.health.Arrived(c.deps.Now(), posts[0].CreatedAt)
	}
	next["seen"] = joinSeen(mergeSeen(seen, current, c.maxSeen))
	if err := c.deps.Checkpoints.SaveCheckpoint(ctx, c.source, next); err != nil {
		return 0, fmt.Errorf("rss: unable to save checkpoint: %w", err)
	}
	return 0, nil
}

// channelName is the feed URL as configured.
func (c *Connector) channelName() string { return c.feedURL }

func splitSeen(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func joinSeen(ids []string) string { return strings.Join(ids, "\n") }

// mergeSeen keeps the ids of the current feed (so they are never forgotten
// while still served) plus the most recent older ones, up to max (or the
// feed's own size if larger).
func mergeSeen(old, current []string, maxSeen int) []string {
	cur := make(map[string]bool, len(current))
	for _, id := range current {
		cur[id] = true
	}
	out := make([]string, 0, len(old)+len(current))
	for _, id := range old {
		if !cur[id] {
			out = append(out, id)
		}
	}
	// current is newest-first in most feeds; store oldest first.
	for i := len(current) - 1; i >= 0; i-- {
		out = append(out, current[i])
	}
	if limit := max(maxSeen, len(current)); len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out
}

// ParseFeed parses RSS, Atom or JSON Feed bytes. Malformed input gives an
// error, never a panic.
func ParseFeed(body []byte) (feed *gofeed.Feed, err error) {
	defer func() {
		// gofeed is third-party code fed attacker-controlled bytes: a panic
		// inside it must not take the desk down.
		if r := recover(); r != nil {
			feed, err = nil, &connector.Error{Class: connector.Permanent, Platform: post.RSS, Message: fmt.Sprintf("feed parser panicked: %v", r)}
		}
	}()
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, &connector.Error{Class: connector.Permanent, Platform: post.RSS, Message: "unable to parse feed", Err: err}
	}
	return f, nil
}

// ItemID is the item's identity: GUID, else link, else a hash of its
// content.
func ItemID(it *gofeed.Item) string {
	if g := strings.TrimSpace(it.GUID); g != "" && len(g) <= 2048 {
		return g
	}
	if l := strings.TrimSpace(it.Link); l != "" && len(l) <= 2048 {
		return l
	}
	h := sha256.New()
	for _, s := range []string{it.Title, it.Published, it.Description, it.Content, it.GUID, it.Link} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:32]
}

// Normalize maps a feed item to a post. ok is false for items with no
// content at all.
func Normalize(feed *gofeed.Feed, it *gofeed.Item, channel string, now time.Time) (post.Post, bool) {
	if it == nil {
		return post.Post{}, false
	}
	title := conn.TidyText(conn.HTMLText(it.Title))
	body := it.Description
	if body == "" || len(it.Content) > len(body) && len(body) < 200 {
		body = it.Content
	}
	text := conn.HTMLText(body)
	if title != "" && text != "" && !strings.HasPrefix(text, title) {
		text = title + "\n\n" + text
	} else if text == "" {
		text = title
	}
	if text == "" && it.Link == "" {
		return post.Post{}, false
	}
	if len(text) > maxTextLength {
		text = strings.ToValidUTF8(text[:maxTextLength], "")
	}
	p := post.Post{
		Platform:   post.RSS,
		ExternalID: ItemID(it),
		Kind:       post.KindNews,
		Channel:    channel,
		ThreadID:   "",
		Text:       text,
		URL:        strings.TrimSpace(it.Link),
		CreatedAt:  now,
	}
	switch {
	case it.PublishedParsed != nil && !it.PublishedParsed.IsZero():
		p.CreatedAt = it.PublishedParsed.UTC()
	case it.UpdatedParsed != nil && !it.UpdatedParsed.IsZero():
		p.CreatedAt = it.UpdatedParsed.UTC()
	}
	if feed != nil {
		p.Lang = strings.TrimSpace(feed.Language)
		p.Author = post.Author{ExternalID: feed.Link, Name: textnorm.Clean(feed.Title), URL: feed.Link}
		if p.Author.ExternalID == "" {
			p.Author.ExternalID = feed.FeedLink
		}
	}
	if len(it.Authors) > 0 && it.Authors[0] != nil && it.Authors[0].Name != "" {
		p.Author.Name = textnorm.Clean(it.Authors[0].Name)
	} else if it.DublinCoreExt != nil && len(it.DublinCoreExt.Creator) > 0 {
		p.Author.Name = textnorm.Clean(it.DublinCoreExt.Creator[0])
	}
	if lat, lon, ok := geoPoint(it); ok {
		p.Lat, p.Lon = &lat, &lon
	}
	if raw, err := json.Marshal(it); err == nil {
		p.Raw = raw
	}
	return p, true
}

// geoPoint reads a GeoRSS <georss:point>lat lon</georss:point>.
func geoPoint(it *gofeed.Item) (float64, float64, bool) {
	ext := it.Extensions["georss"]["point"]
	if len(ext) == 0 {
		return 0, 0, false
	}
	f := strings.Fields(ext[0].Value)
	if len(f) != 2 {
		return 0, 0, false
	}
	lat, err1 := strconv.ParseFloat(f[0], 64)
	lon, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return 0, 0, false
	}
	return lat, lon, true
}
