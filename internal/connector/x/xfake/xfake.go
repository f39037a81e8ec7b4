// Package xfake is a local X API v2 server for tests and `kaval simulate`.
// It speaks the real wire format: Bearer auth with 401 problem JSON,
// x-rate-limit-limit/-remaining/-reset (epoch seconds) on every response,
// 429 problem bodies (and the usage-capped variant), the mentions timeline
// and recent search with since_id / max_results bounds / next_token paging,
// partial errors[] in 200s, filtered-stream rules, a \r\n-delimited stream
// with configurable keep-alives, in-stream disconnect errors and
// TooManyConnections, POST /2/tweets (201, 403 duplicate, length checks) and
// DMs. It records everything posted to it.
//
// Account Activity webhooks go the other way: CRCCheck, Deliver and the
// event builders (MentionEvent, DMEvent) play X calling our endpoint, with
// signatures made by SignedRequest.
//
// Simplifications, documented: search matches when the post text contains
// any plain query term (operators with ':' and negated terms are ignored);
// rate-limit windows are counted per method+path.
package xfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/x/xtext"
)

// Options configure a fake. Empty tokens accept any Bearer token.
type Options struct {
	BearerToken    string        // app-only token for reads, stream and rules
	UserToken      string        // user token for POST /2/tweets and DMs
	ConsumerSecret string        // signs webhook deliveries (Deliver)
	UserID         string        // our account, default "99887766"
	Handle         string        // our handle, default "CityPoliceHQ"
	KeepAlive      time.Duration // stream keep-alive interval, default 20s
	RateLimit      int           // requests per window per endpoint, default 450
	Window         time.Duration // rate-limit window, default 15m
	MaxStreams     int           // concurrent stream connections, default 1
	PartialErrors  bool          // add a resource-not-found errors[] entry to every timeline page
	RuleCap        int           // stream rules the app may hold, default 1000 (Pro); 0 rules left answers rule-cap
	RuleMaxLen     int           // longest rule value, default 512

	// User context, OAuth 2.0: UserToken is valid until UserTokenExpires
	// (zero: never); POST /2/oauth2/token trades RefreshToken (single-use,
	// rotated) for a new pair when ClientID matches (and HTTP Basic
	// ClientID:ClientSecret when ClientSecret is set). Issued access tokens
	// live AccessTTL (default 2h).
	UserTokenExpires time.Time
	RefreshToken     string
	ClientID         string
	ClientSecret     string
	AccessTTL        time.Duration

	// User context, OAuth 1.0a: requests signed with HMAC-SHA1 by
	// ConsumerKey/ConsumerSecret and AccessToken/AccessTokenSecret are
	// accepted when AccessToken is set; a timestamp more than 5 minutes off
	// the fake's clock or a reused nonce is refused.
	ConsumerKey       string
	AccessToken       string
	AccessTokenSecret string
	Now               func() time.Time
}

// Tweet is a post held by the fake.
type Tweet struct {
	ID              string
	Text            string
	AuthorID        string
	Username        string
	Name            string
	Location        string
	ConversationID  string // default: the parent's conversation, else ID
	InReplyToID     string
	InReplyToUserID string
	Lang            string
	CreatedAt       time.Time
	Lat, Lon        *float64
	// Metrics are its public_metrics (retweet, reply, like, quote,
	// impression counts), as GET /2/tweets reports them.
	Metrics [5]int64
}

// Sent is something our connector posted.
type Sent struct {
	ID        string
	Text      string
	InReplyTo string // parent post id for replies
	DMTo      string // participant id for DMs
	Token     string
	At        time.Time
}

// Rule is a filtered-stream rule.
type Rule struct {
	ID    string `json:"id"`
	Value string `json:"value"`
	Tag   string `json:"tag,omitempty"`
}

type failure struct {
	status int
	body   string
	header http.Header
}

type window struct {
	start time.Time
	used  int
}

type stream struct {
	out  chan []byte
	kill chan bool // true: send an operational-disconnect error first
}

// Server is a running fake.
type Server struct {
	o   Options
	srv *httptest.Server

	mu       sync.Mutex
	tweets   map[string]Tweet
	nextID   int64
	sent     []Sent
	rules    []Rule
	ruleSeq  int
	fail     map[string][]failure
	windows  map[string]*window
	requests map[string]int
	streams  map[*stream]bool
	connects int

	access    map[string]time.Time // user access tokens → expiry (zero: none)
	refresh   map[string]bool      // live refresh tokens
	refreshes int
	nonces    map[string]bool
	tokSeq    int
}

// New starts a fake on a loopback port.
func New(o Options) *Server {
	if o.UserID == "" {
		o.UserID = "99887766"
	}
	if o.Handle == "" {
		o.Handle = "CityPoliceHQ"
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = 20 * time.Second
	}
	if o.RateLimit <= 0 {
		o.RateLimit = 450
	}
	if o.Window <= 0 {
		o.Window = 15 * time.Minute
	}
	if o.RuleCap <= 0 {
		o.RuleCap = 1000
	}
	if o.RuleMaxLen <= 0 {
		o.RuleMaxLen = 512
	}
	if o.MaxStreams <= 0 {
		o.MaxStreams = 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.AccessTTL <= 0 {
		o.AccessTTL = 2 * time.Hour
	}
	s := &Server{
		access:   map[string]time.Time{},
		refresh:  map[string]bool{},
		nonces:   map[string]bool{},
		o:        o,
		tweets:   map[string]Tweet{},
		nextID:   1830000000000000000,
		fail:     map[string][]failure{},
		windows:  map[string]*window{},
		requests: map[string]int{},
		streams:  map[*stream]bool{},
	}
	if o.UserToken != "" {
		s.access[o.UserToken] = o.UserTokenExpires
	}
	if o.RefreshToken != "" {
		s.refresh[o.RefreshToken] = true
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the base URL to configure as base_url and stream_url.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server and ends open streams.
func (s *Server) Close() {
	s.DisconnectStreams(false)
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// UserID and Handle are our account as the fake knows it.
func (s *Server) UserID() string { return s.o.UserID }
func (s *Server) Handle() string { return s.o.Handle }

// AddTweet stores a post (it then shows in mentions when it @mentions our
// handle, and in search). Missing ID, CreatedAt and ConversationID are
// filled in; the stored post is returned.
func (s *Server) AddTweet(t Tweet) Tweet {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addLocked(t)
}

func (s *Server) addLocked(t Tweet) Tweet {
	if t.ID == "" {
		s.nextID++
		t.ID = strconv.FormatInt(s.nextID, 10)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.o.Now().UTC()
	}
	if t.AuthorID == "" {
		t.AuthorID = "44196397000"
	}
	if t.Username == "" && t.AuthorID != s.o.UserID {
		t.Username = "user" + t.AuthorID
	}
	if t.ConversationID == "" {
		t.ConversationID = t.ID
		if p, ok := s.tweets[t.InReplyToID]; ok {
			t.ConversationID = p.ConversationID
			if t.InReplyToUserID == "" {
				t.InReplyToUserID = p.AuthorID
			}
		}
	}
	s.tweets[t.ID] = t
	return t
}

// Tweet returns a stored post.
func (s *Server) Tweet(id string) (Tweet, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tweets[id]
	return t, ok
}

// Sent lists what was posted (replies, posts, DMs) in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Rules lists the stream rules.
func (s *Server) Rules() []Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rule(nil), s.rules...)
}

// Requests counts requests received for "METHOD /path".
func (s *Server) Requests(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[key]
}

// FailNext makes the next n requests to "METHOD /path" answer status with
// body (X problem JSON is written for you when body is "").
func (s *Server) FailNext(key string, n, status int, body string) {
	if body == "" {
		body = problem(http.StatusText(status), http.StatusText(status), "about:blank", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail[key] = append(s.fail[key], failure{status: status, body: body})
	}
}

// RateLimitNext makes the next n requests to "METHOD /path" answer 429
// Too Many Requests with x-rate-limit-remaining 0 and a reset resetIn from
// now (epoch seconds, so sub-second values round down to "now").
func (s *Server) RateLimitNext(key string, n int, resetIn time.Duration) {
	h := http.Header{}
	h.Set("x-rate-limit-limit", strconv.Itoa(s.o.RateLimit))
	h.Set("x-rate-limit-remaining", "0")
	h.Set("x-rate-limit-reset", strconv.FormatInt(s.o.Now().Add(resetIn).Unix(), 10))
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail[key] = append(s.fail[key], failure{status: 429, header: h,
			body: problem("Too Many Requests", "Too Many Requests", "about:blank", 429)})
	}
}

// UsageCapNext makes the next request to key answer the monthly
// usage-capped 429.
func (s *Server) UsageCapNext(key string) {
	s.FailNext(key, 1, 429, `{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.twitter.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}`)
}

func problem(title, detail, typ string, status int) string {
	b, _ := json.Marshal(map[string]any{"title": title, "detail": detail, "type": typ, "status": status})
	return string(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func (s *Server) auth(r *http.Request, want string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && got != "" && (want == "" || got == want)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	now := s.o.Now()
	s.mu.Lock()
	s.requests[key]++
	win := s.windows[key]
	if win == nil || now.Sub(win.start) >= s.o.Window {
		win = &window{start: now}
		s.windows[key] = win
	}
	win.used++
	var f *failure
	if q := s.fail[key]; len(q) > 0 {
		f = &q[0]
		s.fail[key] = q[1:]
	}
	remaining := s.o.RateLimit - win.used
	reset := win.start.Add(s.o.Window).Unix()
	s.mu.Unlock()

	h := w.Header()
	h.Set("x-rate-limit-limit", strconv.Itoa(s.o.RateLimit))
	h.Set("x-rate-limit-remaining", strconv.Itoa(max(remaining, 0)))
	h.Set("x-rate-limit-reset", strconv.FormatInt(reset, 10))
	if f != nil {
		for k, v := range f.header {
			h[k] = v
		}
		writeProblem(w, f.status, f.body)
		return
	}
	if remaining < 0 {
		writeProblem(w, 429, problem("Too Many Requests", "Too Many Requests", "about:blank", 429))
		return
	}

	path := r.URL.Path
	switch {
	case r.Method == "GET" && path == "/2/users/me":
		if _, ok := s.userAuth(r); !ok {
			writeProblem(w, 401, problem("Unauthorized", "Unauthorized", "about:blank", 401))
			return
		}
		writeJSON(w, 200, map[string]any{"data": map[string]string{"id": s.o.UserID, "username": s.o.Handle, "name": s.o.Handle}})
	case r.Method == "GET" && strings.HasPrefix(path, "/2/users/") && strings.HasSuffix(path, "/mentions"):
		s.serveTimeline(w, r, strings.TrimSuffix(strings.TrimPrefix(path, "/2/users/"), "/mentions"))
	case r.Method == "GET" && strings.HasPrefix(path, "/2/users/"):
		if !s.auth(r, s.o.BearerToken) {
			writeProblem(w, 401, problem("Unauthorized", "Unauthorized", "about:blank", 401))
			return
		}
		id := strings.TrimPrefix(path, "/2/users/")
		writeJSON(w, 200, map[string]any{"data": map[string]string{"id": id, "username": "user" + id, "name": "user" + id}})
	case r.Method == "GET" && path == "/2/tweets":
		s.serveLookup(w, r)
	case r.Method == "GET" && path == "/2/tweets/search/recent":
		s.serveTimeline(w, r, "")
	case path == "/2/tweets/search/stream/rules":
		s.serveRules(w, r)
	case r.Method == "GET" && path == "/2/tweets/search/stream":
		s.serveStream(w, r)
	case r.Method == "POST" && path == "/2/oauth2/token":
		s.serveToken(w, r)
	case r.Method == "POST" && path == "/2/tweets":
		s.serveCreate(w, r)
	case r.Method == "POST" && strings.HasPrefix(path, "/2/dm_conversations/with/") && strings.HasSuffix(path, "/messages"):
		s.serveDM(w, r, strings.TrimSuffix(strings.TrimPrefix(path, "/2/dm_conversations/with/"), "/messages"))
	default:
		writeProblem(w, 404, problem("Not Found Error", "no such endpoint", "https://api.twitter.com/2/problems/resource-not-found", 404))
	}
}

func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (s *Server) matches(t Tweet, userID, query string) bool {
	if userID != "" {
		return t.AuthorID != s.o.UserID && strings.Contains(strings.ToLower(t.Text), "@"+strings.ToLower(s.o.Handle))
	}
	if t.AuthorID == s.o.UserID {
		return false
	}
	text := strings.ToLower(t.Text)
	for _, term := range strings.Fields(strings.ToLower(query)) {
		if term == "or" || strings.HasPrefix(term, "-") || strings.Contains(term, ":") {
			continue
		}
		if strings.Contains(text, strings.Trim(term, `"()`)) {
			return true
		}
	}
	return false
}

func (s *Server) serveTimeline(w http.ResponseWriter, r *http.Request, userID string) {
	if !s.auth(r, s.o.BearerToken) {
		writeProblem(w, 401, problem("Unauthorized", "Unauthorized", "about:blank", 401))
		return
	}
	q := r.URL.Query()
	lo, def := 10, 10
	if userID != "" {
		lo = 5
		if userID != s.o.UserID {
			writeJSON(w, 200, map[string]any{"meta": map[string]int{"result_count": 0}})
			return
		}
	}
	n := def
	if v := q.Get("max_results"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < lo || m > 100 {
			writeJSON(w, 400, map[string]any{
				"errors": []map[string]any{{"parameters": map[string][]string{"max_results": {v}},
					"message": fmt.Sprintf("The `max_results` query parameter value [%s] is not between %d and 100", v, lo)}},
				"title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
				"type": "https://api.twitter.com/2/problems/invalid-request"})
			return
		}
		n = m
	}
	token := q.Get("pagination_token")
	if token == "" {
		token = q.Get("next_token")
	}
	until := ""
	if token != "" {
		until = strings.TrimPrefix(token, "nt_")
	}
	since := q.Get("since_id")
	s.mu.Lock()
	var all []Tweet
	for _, t := range s.tweets {
		if !s.matches(t, userID, q.Get("query")) {
			continue
		}
		if since != "" && !idLess(since, t.ID) {
			continue
		}
		if until != "" && !idLess(t.ID, until) {
			continue
		}
		all = append(all, t)
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return idLess(all[j].ID, all[i].ID) }) // newest first
	page := all
	if len(page) > n {
		page = page[:n]
	}
	resp := map[string]any{}
	meta := map[string]any{"result_count": len(page)}
	if len(page) > 0 {
		meta["newest_id"] = page[0].ID
		meta["oldest_id"] = page[len(page)-1].ID
		data := make([]map[string]any, 0, len(page))
		users := map[string]map[string]string{}
		for _, t := range page {
			data = append(data, s.v2(t))
			users[t.AuthorID] = map[string]string{"id": t.AuthorID, "username": t.Username, "name": t.Name, "location": t.Location}
		}
		resp["data"] = data
		ul := make([]map[string]string, 0, len(users))
		for _, u := range users {
			ul = append(ul, u)
		}
		resp["includes"] = map[string]any{"users": ul}
		if s.o.PartialErrors {
			resp["errors"] = []map[string]string{{"value": "1829999999999999999",
				"detail": "Could not find tweet with referenced_tweets.id: [1829999999999999999].", "title": "Not Found Error",
				"resource_type": "tweet", "parameter": "referenced_tweets.id", "resource_id": "1829999999999999999",
				"type": "https://api.twitter.com/2/problems/resource-not-found"}}
		}
	}
	if len(all) > n {
		meta["next_token"] = "nt_" + page[len(page)-1].ID
	}
	resp["meta"] = meta
	writeJSON(w, 200, resp)
}

// v2 renders a post as API v2 JSON with all the fields the connector asks for.
func (s *Server) v2(t Tweet) map[string]any {
	m := map[string]any{
		"id": t.ID, "text": t.Text, "author_id": t.AuthorID,
		"created_at":             t.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		"conversation_id":        t.ConversationID,
		"edit_history_tweet_ids": []string{t.ID},
	}
	if t.Lang != "" {
		m["lang"] = t.Lang
	}
	if t.InReplyToID != "" {
		m["referenced_tweets"] = []map[string]string{{"type": "replied_to", "id": t.InReplyToID}}
		if t.InReplyToUserID != "" {
			m["in_reply_to_user_id"] = t.InReplyToUserID
		}
	}
	if t.Lat != nil && t.Lon != nil {
		m["geo"] = map[string]any{"coordinates": map[string]any{"type": "Point", "coordinates": []float64{*t.Lon, *t.Lat}}}
	}
	if i := strings.Index(strings.ToLower(t.Text), "@"+strings.ToLower(s.o.Handle)); i >= 0 {
		m["entities"] = map[string]any{"mentions": []map[string]any{{"start": i, "end": i + 1 + len(s.o.Handle), "username": s.o.Handle, "id": s.o.UserID}}}
	}
	return m
}

func (s *Server) serveStream(w http.ResponseWriter, r *http.Request) {
	if !s.auth(r, s.o.BearerToken) {
		writeProblem(w, 401, problem("Unauthorized", "Unauthorized", "about:blank", 401))
		return
	}
	st := &stream{out: make(chan []byte, 256), kill: make(chan bool, 1)}
	s.mu.Lock()
	if len(s.streams) >= s.o.MaxStreams {
		s.mu.Unlock()
		writeProblem(w, 429, `{"title":"ConnectionException","detail":"This stream is currently at the maximum allowed connection limit.","connection_issue":"TooManyConnections","type":"https://api.twitter.com/2/problems/streaming-connection"}`)
		return
	}
	s.streams[st] = true
	s.connects++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.streams, st)
		s.mu.Unlock()
	}()
	fl, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	if fl != nil {
		fl.Flush()
	}
	tick := time.NewTicker(s.o.KeepAlive)
	defer tick.Stop()
	for {
		var b []byte
		select {
		case <-r.Context().Done():
			return
		case withErr := <-st.kill:
			if withErr {
				fmt.Fprint(w, `{"errors":[{"title":"operational-disconnect","disconnect_type":"UpstreamOperationalDisconnect","detail":"This stream has been disconnected upstream for operational reasons.","type":"https://api.twitter.com/2/problems/operational-disconnect"}]}`+"\r\n")
				if fl != nil {
					fl.Flush()
				}
			}
			return
		case <-tick.C:
			b = nil
		case b = <-st.out:
		}
		if _, err := w.Write(append(b, '\r', '\n')); err != nil {
			return
		}
		if fl != nil {
			fl.Flush()
		}
	}
}

// StreamRaw pushes one raw line (without the \r\n) to every open stream.
func (s *Server) StreamRaw(line string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for st := range s.streams {
		select {
		case st.out <- []byte(line):
			n++
		default:
		}
	}
	return n
}

// DisconnectStreams closes every open stream, after an in-stream
// operational-disconnect error when withError is set.
func (s *Server) DisconnectStreams(withError bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for st := range s.streams {
		select {
		case st.kill <- withError:
		default:
		}
	}
}

// StreamConnections is the number of open stream connections; StreamConnects
// counts accepted connections since start.
func (s *Server) StreamConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.streams)
}

func (s *Server) StreamConnects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}

func (s *Server) serveCreate(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.userAuth(r)
	if !ok {
		writeProblem(w, 401, problem("Unauthorized", "Unauthorized", "about:blank", 401))
		return
	}
	var req struct {
		Text  string `json:"text"`
		Reply *struct {
			InReplyToTweetID string `json:"in_reply_to_tweet_id"`
		} `json:"reply"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || strings.TrimSpace(req.Text) == "" {
		writeJSON(w, 400, map[string]any{"title": "Invalid Request", "detail": "One or more parameters to your request was invalid.", "type": "https://api.twitter.com/2/problems/invalid-request"})
		return
	}
	if xtext.Weighted(req.Text) > xtext.MaxWeighted {
		writeProblem(w, 403, problem("Forbidden", "Your Tweet text is too long.", "about:blank", 403))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.sent {
		if p.DMTo == "" && p.Text == req.Text {
			writeProblem(w, 403, problem("Forbidden", "You are not allowed to create a Tweet with duplicate content.", "about:blank", 403))
			return
		}
	}
	t := Tweet{Text: req.Text, AuthorID: s.o.UserID, Username: s.o.Handle}
	if req.Reply != nil {
		if _, ok := s.tweets[req.Reply.InReplyToTweetID]; !ok {
			writeJSON(w, 400, map[string]any{"title": "Invalid Request", "detail": "You attempted to reply to a Tweet that is deleted or not visible to you.", "type": "https://api.twitter.com/2/problems/invalid-request"})
			return
		}
		t.InReplyToID = req.Reply.InReplyToTweetID
	}
	t = s.addLocked(t)
	s.sent = append(s.sent, Sent{ID: t.ID, Text: t.Text, InReplyTo: t.InReplyToID, Token: tok, At: s.o.Now()})
	w.Header().Set("x-app-limit-24hour-limit", "1667")
	w.Header().Set("x-app-limit-24hour-remaining", strconv.Itoa(1667-len(s.sent)))
	w.Header().Set("x-app-limit-24hour-reset", strconv.FormatInt(s.o.Now().Add(24*time.Hour).Unix(), 10))
	writeJSON(w, 201, map[string]any{"data": map[string]any{"id": t.ID, "text": t.Text, "edit_history_tweet_ids": []string{t.ID}}})
}

func (s *Server) serveDM(w http.ResponseWriter, r *http.Request, to string) {
	tok, ok := s.userAuth(r)
	if !ok {
		writeProblem(w, 401, problem("Unauthorized", "Unauthorized", "about:blank", 401))
		return
	}
	var req struct {
		Text string `json:"text"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || req.Text == "" {
		writeJSON(w, 400, map[string]any{"title": "Invalid Request", "detail": "One or more parameters to your request was invalid.", "type": "https://api.twitter.com/2/problems/invalid-request"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := strconv.FormatInt(s.nextID, 10)
	s.sent = append(s.sent, Sent{ID: id, Text: req.Text, DMTo: to, Token: tok, At: s.o.Now()})
	conv := to + "-" + s.o.UserID
	if idLess(s.o.UserID, to) {
		conv = s.o.UserID + "-" + to
	}
	writeJSON(w, 201, map[string]any{"data": map[string]string{"dm_conversation_id": conv, "dm_event_id": id}})
}

// SetMetrics sets a post's public_metrics: retweet_count, reply_count,
// like_count, quote_count and impression_count.
func (s *Server) SetMetrics(id string, retweets, replies, likes, quotes, impressions int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tweets[id]
	if ok {
		t.Metrics = [5]int64{retweets, replies, likes, quotes, impressions}
		s.tweets[id] = t
	}
	return ok
}

// serveLookup is GET /2/tweets?ids=…: up to 100 ids; unknown ones come
// back in errors (Not Found Error), as X answers them.
func (s *Server) serveLookup(w http.ResponseWriter, r *http.Request) {
	if !s.auth(r, s.o.BearerToken) {
		if _, ok := s.userAuth(r); !ok {
			writeProblem(w, 401, problem("Unauthorized", "Unauthorized", "about:blank", 401))
			return
		}
	}
	ids := strings.Split(r.URL.Query().Get("ids"), ",")
	if len(ids) == 0 || len(ids) > 100 || ids[0] == "" {
		writeJSON(w, 400, map[string]any{"title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
			"type":   "https://api.twitter.com/2/problems/invalid-request",
			"errors": []map[string]any{{"message": "The `ids` query parameter value must have between 1 and 100 ids"}}})
		return
	}
	withMetrics := strings.Contains(r.URL.Query().Get("tweet.fields"), "public_metrics")
	var data, errs []map[string]any
	s.mu.Lock()
	for _, id := range ids {
		t, ok := s.tweets[id]
		if !ok {
			errs = append(errs, map[string]any{"value": id, "detail": "Could not find tweet with ids: [" + id + "].", "title": "Not Found Error",
				"resource_type": "tweet", "parameter": "ids", "resource_id": id, "type": "https://api.twitter.com/2/problems/resource-not-found"})
			continue
		}
		d := map[string]any{"id": t.ID, "text": t.Text, "edit_history_tweet_ids": []string{t.ID}}
		if withMetrics {
			d["public_metrics"] = map[string]int64{"retweet_count": t.Metrics[0], "reply_count": t.Metrics[1], "like_count": t.Metrics[2],
				"quote_count": t.Metrics[3], "bookmark_count": 0, "impression_count": t.Metrics[4]}
		}
		data = append(data, d)
	}
	s.mu.Unlock()
	out := map[string]any{}
	if data != nil {
		out["data"] = data
	}
	if errs != nil {
		out["errors"] = errs
	}
	writeJSON(w, 200, out)
}
