// Package chantest is a tiny platform, "tally", for testing the channel
// manager and the outbox without a real social network: a connector that
// speaks a small HTTP protocol, and an httptest server that plays the
// platform (polling with a since cursor, signed webhooks, bearer auth,
// rate-limit headers, error envelopes, hanging requests). It is imported
// only by tests; nothing registers until Register is called.
//
// Wire protocol:
//
//	GET  /me                      Authorization: Bearer <token>  → 200 {"id":"me"} | 401
//	GET  /events?since=N          → 200 [{"id":N,"text":"…"}]; X-RateLimit-Limit/-Remaining
//	POST /send {"parent","text","key"} → 201 {"id":"m1","url":"…"}
//	     | 429 Retry-After: <s> + {"error":{"code":"rate","message":"…"}}
//	     | 4xx/5xx {"error":{"code":"…","message":"…"}}
//	POST /hooks/<id> (to us)     X-Tally-Signature: hex HMAC-SHA256(webhook_secret, body)
package chantest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/post"
)

// Platform is the test platform's name.
const Platform = "tally"

var once sync.Once

// Register makes "tally" available to connector.New.
func Register() {
	once.Do(func() { connector.Register(Platform, newConn) })
}

// Event is one inbound item on the fake platform.
type Event struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
}

// Sent is one item the fake platform accepted.
type Sent struct {
	ID     string `json:"id"`
	Parent string `json:"parent"`
	Text   string `json:"text"`
	Key    string `json:"key"`
}

// Response is a scripted answer to the next POST /send.
type Response struct {
	Status     int
	Code       string // error code in the envelope
	Message    string
	RetryAfter string // Retry-After header
	// Accept makes the platform create the item and then answer Status
	// (e.g. a 500 or a hang after the write: the outcome we cannot know).
	Accept bool
	Hang   bool // never answer (until the client gives up)
}

// Server is the fake platform.
type Server struct {
	*httptest.Server
	Token string

	mu      sync.Mutex
	events  []Event
	sent    []Sent
	script  []Response
	polls   atomic.Int64
	Posts   atomic.Int64 // POST /send calls
	release chan struct{}
}

// NewServer starts a fake platform; close it with Close.
func NewServer(token string) *Server {
	s := &Server{Token: token, release: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if !s.authed(r) {
			writeErr(w, 401, "auth", "invalid token")
			return
		}
		w.Write([]byte(`{"id":"me"}`))
	})
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		s.polls.Add(1)
		if !s.authed(r) {
			writeErr(w, 401, "auth", "invalid token")
			return
		}
		since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		s.mu.Lock()
		var out []Event
		for _, e := range s.events {
			if e.ID > since {
				out = append(out, e)
			}
		}
		s.mu.Unlock()
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Remaining", "99")
		json.NewEncoder(w).Encode(append([]Event{}, out...))
	})
	mux.HandleFunc("POST /send", func(w http.ResponseWriter, r *http.Request) {
		s.Posts.Add(1)
		if !s.authed(r) {
			writeErr(w, 401, "auth", "token expired")
			return
		}
		var in Sent
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
			writeErr(w, 400, "bad_json", err.Error())
			return
		}
		s.mu.Lock()
		var resp Response
		if len(s.script) > 0 {
			resp, s.script = s.script[0], s.script[1:]
		}
		if resp.Status == 0 || resp.Accept {
			in.ID = fmt.Sprintf("m%d", len(s.sent)+1)
			s.sent = append(s.sent, in)
		}
		s.mu.Unlock()
		if resp.Hang {
			select {
			case <-r.Context().Done():
			case <-s.release:
			}
			return
		}
		if resp.Status == 0 || (resp.Accept && resp.Status < 300) {
			w.WriteHeader(201)
			json.NewEncoder(w).Encode(map[string]string{"id": in.ID, "url": s.URL + "/p/" + in.ID})
			return
		}
		if resp.RetryAfter != "" {
			w.Header().Set("Retry-After", resp.RetryAfter)
		}
		writeErr(w, resp.Status, resp.Code, resp.Message)
	})
	s.Server = httptest.NewServer(mux)
	return s
}

// Close stops the server, releasing hanging requests.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.release:
	default:
		close(s.release)
	}
	s.mu.Unlock()
	s.Server.Close()
}

func (s *Server) authed(r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return hmac.Equal([]byte(r.Header.Get("Authorization")), []byte("Bearer "+s.Token))
}

// SetToken changes the token the platform accepts (to expire ours).
func (s *Server) SetToken(tok string) { s.mu.Lock(); s.Token = tok; s.mu.Unlock() }

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// Script queues answers for the next POST /send calls; afterwards sends
// succeed.
func (s *Server) Script(rs ...Response) {
	s.mu.Lock()
	s.script = append(s.script, rs...)
	s.mu.Unlock()
}

// AddEvent publishes an inbound item for the poller.
func (s *Server) AddEvent(text string) {
	s.mu.Lock()
	s.events = append(s.events, Event{ID: int64(len(s.events) + 1), Text: text})
	s.mu.Unlock()
}

// Sent lists what the platform created, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent{}, s.sent...)
}

// Polls counts GET /events calls.
func (s *Server) Polls() int64 { return s.polls.Load() }

// Sign computes the webhook signature of body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// conn is the connector side.
type conn struct {
	ch   connector.Channel
	deps connector.Deps
	base string
	poll time.Duration

	mu     sync.Mutex
	health connector.Health
}

func newConn(ch connector.Channel, deps connector.Deps) (connector.Connector, error) {
	base := strings.TrimRight(ch.Config["base_url"], "/")
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("tally: base_url %q is not an http URL", base)
	}
	poll := 20 * time.Millisecond
	if v := ch.Config["poll"]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("tally: poll: %w", err)
		}
		poll = d
	}
	c := &conn{ch: ch, deps: deps, base: base, poll: poll}
	c.health.Rate = connector.RateInfo{Limit: -1, Remaining: -1}
	deps.Log.Debug("tally connector built", "secrets", len(ch.Secrets))
	return c, nil
}

func (c *conn) source() string { return fmt.Sprintf("tally:%d", c.ch.ID) }

func (c *conn) do(ctx context.Context, method, path string, body any) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.ch.Secrets["token"])
	resp, err := c.deps.HTTP.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, b, err
}

func (c *conn) fail(resp *http.Response, body []byte) *connector.Error {
	var env struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	json.Unmarshal(body, &env)
	e := &connector.Error{Platform: Platform, Status: resp.StatusCode, Code: env.Error.Code, Message: env.Error.Message, Class: connector.Permanent}
	switch {
	case resp.StatusCode == 401:
		e.Class = connector.AuthExpired
	case resp.StatusCode == 429:
		e.Class = connector.RateLimited
		if secs, err := strconv.ParseFloat(resp.Header.Get("Retry-After"), 64); err == nil {
			e.RetryAfter = time.Duration(secs * float64(time.Second))
		}
	case resp.StatusCode == 409:
		e.Class = connector.Duplicate
	case resp.StatusCode == 403 && env.Error.Code == "window":
		e.Class = connector.WindowClosed
	case resp.StatusCode == 422:
		e.Class = connector.Invalid
	case resp.StatusCode >= 500:
		e.Class = connector.Retryable
	}
	c.note(e.Error())
	return e
}

func (c *conn) note(err string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.health.Errors = append([]string{err}, c.health.Errors...)
	if len(c.health.Errors) > 10 {
		c.health.Errors = c.health.Errors[:10]
	}
}

func (c *conn) Run(ctx context.Context) error {
	t := time.NewTicker(c.poll)
	defer t.Stop()
	for {
		if err := c.pollOnce(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (c *conn) pollOnce(ctx context.Context) error {
	cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, c.source())
	if err != nil {
		return err
	}
	resp, body, err := c.do(ctx, "GET", "/events?since="+url.QueryEscape(cp["since"]), nil)
	if err != nil {
		c.note(err.Error())
		return err
	}
	if resp.StatusCode != 200 {
		return c.fail(resp, body)
	}
	var evs []Event
	if err := json.Unmarshal(body, &evs); err != nil {
		return fmt.Errorf("tally: bad events: %w", err)
	}
	c.mu.Lock()
	c.health.Connected = true
	c.health.Rate.Limit, _ = strconv.Atoi(resp.Header.Get("X-RateLimit-Limit"))
	c.health.Rate.Remaining, _ = strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining"))
	c.mu.Unlock()
	if len(evs) == 0 {
		return nil
	}
	if err := c.deps.Sink.Ingest(ctx, c.posts(evs)); err != nil {
		return err
	}
	c.mu.Lock()
	c.health.LastEventAt = c.deps.Now()
	c.mu.Unlock()
	return c.deps.Checkpoints.SaveCheckpoint(ctx, c.source(), map[string]string{"since": strconv.FormatInt(evs[len(evs)-1].ID, 10)})
}

func (c *conn) posts(evs []Event) []post.Post {
	out := make([]post.Post, len(evs))
	for i, e := range evs {
		out[i] = post.Post{Platform: Platform, ExternalID: strconv.FormatInt(e.ID, 10), Kind: post.KindMention,
			Channel: c.ch.Name, Text: e.Text, CreatedAt: c.deps.Now(), ReceivedAt: c.deps.Now(),
			Author: post.Author{ExternalID: "citizen"}}
	}
	return out
}

func (c *conn) Webhook() http.Handler {
	if c.ch.Secrets["webhook_secret"] == "" {
		return nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read", 400)
			return
		}
		want := Sign(c.ch.Secrets["webhook_secret"], body)
		if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Tally-Signature"))) {
			http.Error(w, "bad signature", 401)
			return
		}
		var evs []Event
		if err := json.Unmarshal(body, &evs); err != nil {
			http.Error(w, "bad json", 400)
			return
		}
		if err := c.deps.Sink.Ingest(r.Context(), c.posts(evs)); err != nil {
			http.Error(w, "not stored", 503)
			return
		}
		w.WriteHeader(200)
	})
}

func (c *conn) Check(ctx context.Context) error {
	resp, body, err := c.do(ctx, "GET", "/me", nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return c.fail(resp, body)
	}
	return nil
}

func (c *conn) Health() connector.Health {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.health
	h.Errors = append([]string(nil), h.Errors...)
	return h
}

func (c *conn) send(ctx context.Context, parent string, m connector.Message) (connector.Result, error) {
	if strings.TrimSpace(m.Text) == "" || len(m.Text) > 500 {
		return connector.Result{}, &connector.Error{Class: connector.Invalid, Platform: Platform, Message: "text must be 1–500 bytes"}
	}
	resp, body, err := c.do(ctx, "POST", "/send", Sent{Parent: parent, Text: m.Text, Key: m.IdempotencyKey})
	if err != nil {
		// The request may have reached the platform: the outcome is unknown.
		var ne interface{ Timeout() bool }
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			return connector.Result{}, &connector.Error{Class: connector.Unknown, Platform: Platform, Message: "no answer", Err: err}
		}
		return connector.Result{}, err
	}
	if resp.StatusCode != 201 {
		return connector.Result{}, c.fail(resp, body)
	}
	var r struct{ ID, URL string }
	if err := json.Unmarshal(body, &r); err != nil || r.ID == "" {
		return connector.Result{}, &connector.Error{Class: connector.Unknown, Platform: Platform, Message: "unreadable answer"}
	}
	return connector.Result{ExternalID: r.ID, URL: r.URL}, nil
}

func (c *conn) Reply(ctx context.Context, t connector.Target, m connector.Message) (connector.Result, error) {
	if t.ParentID == "" {
		return connector.Result{}, &connector.Error{Class: connector.Invalid, Platform: Platform, Message: "no parent"}
	}
	return c.send(ctx, t.ParentID, m)
}

func (c *conn) Publish(ctx context.Context, m connector.Message) (connector.Result, error) {
	return c.send(ctx, "", m)
}
