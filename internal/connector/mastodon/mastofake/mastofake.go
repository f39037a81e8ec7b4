// Package mastofake is a local Mastodon instance for tests and the
// simulator: SSE streaming (event:/data: blocks, :thump heartbeats,
// disconnects), notifications with min_id/max_id/since_id and Link
// rel=next/prev, statuses with Idempotency-Key replay and 422 validation,
// X-RateLimit-* headers with ISO 8601 reset and 429s, and the
// {"error":"..."} body.
package mastofake

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/connector/mastodon"
)

// Posted is a status created through POST /api/v1/statuses.
type Posted struct {
	Status         mastodon.Status
	IdempotencyKey string
	Replayed       int // how many times the key was replayed
}

// MentionOpts shape an injected mention.
type MentionOpts struct {
	Visibility  string // default public
	InReplyToID string
	Language    string // default en
	SpoilerText string
}

// Server is a fake instance hosting our account.
type Server struct {
	// HeartbeatEvery is the :thump interval (default 15 s; 0 disables).
	HeartbeatEvery time.Duration
	// MaxChars is configuration.statuses.max_characters (default 500).
	MaxChars int

	srv   *httptest.Server
	token string
	me    mastodon.Account

	mu          sync.Mutex
	statusSeq   int64
	notifSeq    int64
	statuses    map[string]mastodon.Status
	notifs      []json.RawMessage // oldest first
	notifIDs    []string
	notifType   []string
	timelineIDs []string // public statuses, oldest first
	posted      []Posted
	idem        map[string]int // key -> index in posted
	subs        map[*sub]bool
	failures    map[string][]failure
	rlLimit     int
	rlWindow    time.Duration
	rlUsed      int
	rlReset     time.Time
	requests    map[string]int
}

type failure struct {
	status int
	msg    string
}

type sub struct {
	stream string // user, user:notification, public, hashtag:tag…
	ch     chan string
	drop   chan struct{}
}

// New starts a fake instance whose account "police" authenticates with
// token.
func New(token string) *Server {
	s := &Server{
		HeartbeatEvery: 15 * time.Second,
		MaxChars:       500,
		token:          token,
		statusSeq:      110000000000000000,
		notifSeq:       34975800,
		statuses:       map[string]mastodon.Status{},
		idem:           map[string]int{},
		subs:           map[*sub]bool{},
		failures:       map[string][]failure{},
		requests:       map[string]int{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.me = mastodon.Account{ID: "108000000000000042", Username: "police", Acct: "police", DisplayName: "Bengaluru City Police", URL: s.srv.URL + "/@police"}
	return s
}

// URL is the instance_url.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server, ending streams.
func (s *Server) Close() {
	s.DropStreams()
	s.srv.Close()
}

// Me is our account.
func (s *Server) Me() mastodon.Account { return s.me }

// Account builds a remote account for injected posts.
func (s *Server) Account(username, domain string) mastodon.Account {
	h := fnv.New64a()
	h.Write([]byte(username + "@" + domain))
	id := 109000000000000000 + h.Sum64()%1000000000000000
	return mastodon.Account{ID: strconv.FormatUint(id, 10), Username: username,
		Acct: username + "@" + domain, DisplayName: strings.ToUpper(username[:1]) + username[1:], URL: "https://" + domain + "/@" + username}
}

func (s *Server) nextStatusID() string { s.statusSeq++; return strconv.FormatInt(s.statusSeq, 10) }

func (s *Server) newStatus(from mastodon.Account, html string, o MentionOpts) mastodon.Status {
	if o.Visibility == "" {
		o.Visibility = "public"
	}
	if o.Language == "" {
		o.Language = "en"
	}
	id := s.nextStatusID()
	st := mastodon.Status{ID: id, URI: "https://" + hostOf(from) + "/users/" + from.Username + "/statuses/" + id,
		URL: from.URL + "/" + id, CreatedAt: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		InReplyToID: o.InReplyToID, Visibility: o.Visibility, Language: o.Language, SpoilerText: o.SpoilerText,
		Content: html, Account: from}
	if o.InReplyToID != "" {
		if parent, ok := s.statuses[o.InReplyToID]; ok {
			st.InReplyToAccountID = parent.Account.ID
		}
	}
	s.statuses[id] = st
	return st
}

func hostOf(a mastodon.Account) string {
	if u, err := url.Parse(a.URL); err == nil {
		return u.Host
	}
	return "remote.example"
}

// AddMention injects a status by from mentioning our account (html is the
// sanitised content), its mention notification, and streams it. Returns
// the notification and status ids.
func (s *Server) AddMention(from mastodon.Account, html string, o MentionOpts) (notifID, statusID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.newStatus(from, html, o)
	st.Mentions = []mastodon.Mention{{ID: s.me.ID, Username: s.me.Username, Acct: s.me.Acct, URL: s.me.URL}}
	s.statuses[st.ID] = st
	return s.addNotification("mention", from, &st), st.ID
}

// AddNotification injects a non-mention notification (favourite, follow…).
func (s *Server) AddNotification(typ string, from mastodon.Account) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addNotification(typ, from, nil)
}

func (s *Server) addNotification(typ string, from mastodon.Account, st *mastodon.Status) string {
	s.notifSeq++
	id := strconv.FormatInt(s.notifSeq, 10)
	n := mastodon.Notification{ID: id, Type: typ, CreatedAt: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), Account: from, Status: st}
	raw, _ := json.Marshal(n)
	s.notifs = append(s.notifs, raw)
	s.notifIDs = append(s.notifIDs, id)
	s.notifType = append(s.notifType, typ)
	s.broadcast(func(stream string) bool { return stream == "user" || stream == "user:notification" }, "notification", string(raw))
	return id
}

// AddTagStatus injects a public status carrying #tag and streams it as an
// update to hashtag and public streams; it is also served by the tag and
// public timelines. Returns its id.
func (s *Server) AddTagStatus(tag string, from mastodon.Account, html string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.newStatus(from, html, MentionOpts{})
	st.Tags = []mastodon.Tag{{Name: tag, URL: s.srv.URL + "/tags/" + tag}}
	s.statuses[st.ID] = st
	s.timelineIDs = append(s.timelineIDs, st.ID)
	raw, _ := json.Marshal(st)
	s.broadcast(func(stream string) bool {
		return strings.EqualFold(stream, "hashtag:"+tag) || strings.EqualFold(stream, "hashtag:local:"+tag) || strings.HasPrefix(stream, "public")
	}, "update", string(raw))
	return st.ID
}

// AddTagStatusQuietly stores a tagged public status without streaming it,
// as if it arrived while a client was disconnected.
func (s *Server) AddTagStatusQuietly(tag string, from mastodon.Account, html string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.newStatus(from, html, MentionOpts{})
	st.Tags = []mastodon.Tag{{Name: tag, URL: s.srv.URL + "/tags/" + tag}}
	s.statuses[st.ID] = st
	s.timelineIDs = append(s.timelineIDs, st.ID)
	return st.ID
}

// Delete streams a delete event (payload: the bare id).
func (s *Server) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.statuses, id)
	s.broadcast(func(string) bool { return true }, "delete", id)
}

// SendRaw streams an arbitrary event to every stream (hostile payloads).
func (s *Server) SendRaw(event, data string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broadcast(func(string) bool { return true }, event, data)
}

func (s *Server) broadcast(match func(string) bool, event, data string) {
	frame := "event: " + event + "\n"
	for _, line := range strings.Split(data, "\n") {
		frame += "data: " + line + "\n"
	}
	frame += "\n"
	for sb := range s.subs {
		if match(sb.stream) {
			select {
			case sb.ch <- frame:
			default: // a slow consumer misses events, as on a real server
			}
		}
	}
}

// DropStreams disconnects every open stream.
func (s *Server) DropStreams() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sb := range s.subs {
		close(sb.drop)
		delete(s.subs, sb)
	}
}

// Streams is the number of connected stream clients.
func (s *Server) Streams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

// Posted returns the statuses created through the API, in order.
func (s *Server) Posted() []Posted {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.posted)
}

// FailNext makes the next request to path (e.g. "/api/v1/statuses")
// answer status with {"error": msg}.
func (s *Server) FailNext(path string, status int, msg string) {
	s.mu.Lock()
	s.failures[path] = append(s.failures[path], failure{status, msg})
	s.mu.Unlock()
}

// SetRateLimit limits API requests (not streams) to limit per window.
func (s *Server) SetRateLimit(limit int, window time.Duration) {
	s.mu.Lock()
	s.rlLimit, s.rlWindow, s.rlUsed, s.rlReset = limit, window, 0, time.Now().Add(window)
	s.mu.Unlock()
}

// Requests counts requests per path.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func apiErr(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// SetCounts sets a status's replies_count, reblogs_count and
// favourites_count, as other people's interactions would.
func (s *Server) SetCounts(id string, replies, reblogs, favourites int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.statuses[id]
	if ok {
		st.RepliesCount, st.ReblogsCount, st.FavouritesCount = replies, reblogs, favourites
		s.statuses[id] = st
	}
	return ok
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	s.mu.Lock()
	s.requests[path]++
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		s.mu.Unlock()
		apiErr(w, 401, "The access token is invalid")
		return
	}
	if strings.HasPrefix(path, "/api/v1/streaming") {
		s.mu.Unlock()
		s.stream(w, r)
		return
	}
	if s.rlLimit > 0 {
		now := time.Now()
		if now.After(s.rlReset) {
			s.rlUsed, s.rlReset = 0, now.Add(s.rlWindow)
		}
		remaining := max(s.rlLimit-s.rlUsed-1, 0)
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.rlLimit))
		w.Header().Set("X-RateLimit-Reset", s.rlReset.UTC().Format("2006-01-02T15:04:05.000000Z"))
		if s.rlUsed >= s.rlLimit {
			w.Header().Set("X-RateLimit-Remaining", "0")
			s.mu.Unlock()
			apiErr(w, 429, "Too many requests")
			return
		}
		s.rlUsed++
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	}
	if fs := s.failures[path]; len(fs) > 0 {
		s.failures[path] = fs[1:]
		s.mu.Unlock()
		apiErr(w, fs[0].status, fs[0].msg)
		return
	}
	s.mu.Unlock()
	switch {
	case path == "/api/v1/accounts/verify_credentials" && r.Method == http.MethodGet:
		writeJSON(w, 200, s.me)
	case path == "/api/v2/instance":
		writeJSON(w, 200, map[string]any{"domain": r.Host, "configuration": map[string]any{
			"urls": map[string]string{"streaming": "ws://" + r.Host}, "statuses": map[string]int{"max_characters": s.MaxChars}}})
	case path == "/api/v1/notifications" && r.Method == http.MethodGet:
		s.notifications(w, r)
	case strings.HasPrefix(path, "/api/v1/timelines/tag/") && r.Method == http.MethodGet:
		s.timeline(w, r, strings.TrimPrefix(path, "/api/v1/timelines/tag/"))
	case path == "/api/v1/timelines/public" && r.Method == http.MethodGet:
		s.timeline(w, r, "")
	case path == "/api/v2/search" && r.Method == http.MethodGet:
		s.search(w, r)
	case path == "/api/v1/statuses" && r.Method == http.MethodPost:
		s.postStatus(w, r)
	case strings.HasPrefix(path, "/api/v1/statuses/") && r.Method == http.MethodGet:
		s.mu.Lock()
		st, ok := s.statuses[strings.TrimPrefix(path, "/api/v1/statuses/")]
		s.mu.Unlock()
		if !ok {
			apiErr(w, 404, "Record not found")
			return
		}
		writeJSON(w, 200, st)
	default:
		apiErr(w, 404, "Record not found")
	}
}

func less(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// notifications implements Mastodon's id paging: max_id (older than),
// since_id (newer than; newest page), min_id (immediately newer than;
// oldest page), results newest-first, Link next/prev.
func (s *Server) notifications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	types, exclude := q["types[]"], q["exclude_types[]"]
	s.mu.Lock()
	var ids []string
	var bodies []json.RawMessage
	for i, id := range s.notifIDs {
		t := s.notifType[i]
		if len(types) > 0 && !slices.Contains(types, t) || slices.Contains(exclude, t) {
			continue
		}
		ids, bodies = append(ids, id), append(bodies, s.notifs[i])
	}
	s.mu.Unlock()
	keep := url.Values{}
	for _, t := range types {
		keep.Add("types[]", t)
	}
	writePage(w, r, ids, bodies, keep)
}

// timeline serves /api/v1/timelines/tag/{tag} and /api/v1/timelines/public
// with the same id paging as notifications.
func (s *Server) timeline(w http.ResponseWriter, r *http.Request, tag string) {
	s.mu.Lock()
	var ids []string
	var bodies []json.RawMessage
	for _, id := range s.timelineIDs {
		st, ok := s.statuses[id]
		if !ok {
			continue // deleted
		}
		if tag != "" && !tagsMatch(st, tag, r.URL.Query()) {
			continue
		}
		raw, _ := json.Marshal(st)
		ids, bodies = append(ids, id), append(bodies, raw)
	}
	s.mu.Unlock()
	keep := url.Values{}
	for _, k := range []string{"local", "remote"} {
		if v := r.URL.Query().Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	for _, k := range []string{"any[]", "all[]", "none[]"} {
		keep[k] = r.URL.Query()[k]
	}
	writePage(w, r, ids, bodies, keep)
}

// writePage implements Mastodon's id paging over ids (oldest first):
// max_id (older than), since_id (newer than; the newest page), min_id
// (immediately newer than; the oldest page above it), limit ≤ 80, results
// newest-first, Link rel=next/prev.
func writePage(w http.ResponseWriter, r *http.Request, ids []string, bodies []json.RawMessage, keep url.Values) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 {
		limit = 40
	}
	limit = min(limit, 80)
	maxID, sinceID, minID := q.Get("max_id"), q.Get("since_id"), q.Get("min_id")
	var idx []int
	for i, id := range ids {
		if maxID != "" && !less(id, maxID) || sinceID != "" && !less(sinceID, id) || minID != "" && !less(minID, id) {
			continue
		}
		idx = append(idx, i)
	}
	if minID != "" && sinceID == "" {
		idx = idx[:min(limit, len(idx))]
	} else if len(idx) > limit {
		idx = idx[len(idx)-limit:]
	}
	page := make([]json.RawMessage, 0, len(idx))
	for i := len(idx) - 1; i >= 0; i-- {
		page = append(page, bodies[idx[i]])
	}
	if len(page) > 0 {
		base := "http://" + r.Host + r.URL.Path + "?"
		keep.Set("limit", strconv.Itoa(limit))
		next, prev := cloneWith(keep, "max_id", ids[idx[0]]), cloneWith(keep, "min_id", ids[idx[len(idx)-1]])
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next", <%s>; rel="prev"`, base+next.Encode(), base+prev.Encode()))
	}
	writeJSON(w, 200, page)
}

func cloneWith(v url.Values, k, val string) url.Values {
	out := url.Values{}
	for kk, vv := range v {
		out[kk] = slices.Clone(vv)
	}
	out.Set(k, val)
	return out
}

func (s *Server) postStatus(w http.ResponseWriter, r *http.Request) {
	var p struct {
		Status      string `json:"status"`
		InReplyToID string `json:"in_reply_to_id"`
		Visibility  string `json:"visibility"`
		Language    string `json:"language"`
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p); err != nil {
			apiErr(w, 400, "Invalid JSON")
			return
		}
	} else {
		r.ParseForm()
		p.Status, p.InReplyToID, p.Visibility, p.Language = r.Form.Get("status"), r.Form.Get("in_reply_to_id"), r.Form.Get("visibility"), r.Form.Get("language")
	}
	key := r.Header.Get("Idempotency-Key")
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" {
		if i, ok := s.idem[key]; ok {
			s.posted[i].Replayed++
			writeJSON(w, 200, s.posted[i].Status)
			return
		}
	}
	if strings.TrimSpace(p.Status) == "" {
		apiErr(w, 422, "Validation failed: Text can't be blank")
		return
	}
	if n := mastodon.Length(p.Status); n > s.MaxChars {
		apiErr(w, 422, fmt.Sprintf("Validation failed: Text character limit of %d exceeded", s.MaxChars))
		return
	}
	if !utf8.ValidString(p.Status) {
		apiErr(w, 422, "Validation failed: Text is invalid")
		return
	}
	if p.Visibility == "" {
		p.Visibility = "public"
	}
	if p.InReplyToID != "" {
		if _, ok := s.statuses[p.InReplyToID]; !ok {
			apiErr(w, 404, "Record not found")
			return
		}
	}
	st := s.newStatus(s.me, "<p>"+htmlEscape(p.Status)+"</p>", MentionOpts{Visibility: p.Visibility, InReplyToID: p.InReplyToID, Language: p.Language})
	s.posted = append(s.posted, Posted{Status: st, IdempotencyKey: key})
	if key != "" {
		s.idem[key] = len(s.posted) - 1
	}
	writeJSON(w, 200, st)
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\n", "<br>").Replace(s)
}

// stream serves SSE until the client leaves or DropStreams is called.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	var name string
	q := r.URL.Query()
	switch p := strings.TrimPrefix(r.URL.Path, "/api/v1/streaming"); p {
	case "/health":
		io.WriteString(w, "OK")
		return
	case "/user":
		name = "user"
	case "/user/notification":
		name = "user:notification"
	case "/public", "/public/local", "/public/remote":
		name = strings.ReplaceAll(strings.TrimPrefix(p, "/"), "/", ":")
	case "/hashtag", "/hashtag/local":
		if q.Get("tag") == "" {
			apiErr(w, 400, "Unknown channel requested")
			return
		}
		name = strings.ReplaceAll(strings.TrimPrefix(p, "/"), "/", ":") + ":" + q.Get("tag")
	default:
		apiErr(w, 400, "Unknown channel requested")
		return
	}
	sb := &sub{stream: name, ch: make(chan string, 256), drop: make(chan struct{})}
	s.mu.Lock()
	s.subs[sb] = true
	hb := s.HeartbeatEvery
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.subs[sb] {
			delete(s.subs, sb)
		}
		s.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(200)
	fl := w.(http.Flusher)
	io.WriteString(w, ":)\n")
	fl.Flush()
	var tick <-chan time.Time
	if hb > 0 {
		t := time.NewTicker(hb)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-sb.drop:
			return
		case <-tick:
			io.WriteString(w, ":thump\n")
			fl.Flush()
		case frame := <-sb.ch:
			io.WriteString(w, frame)
			fl.Flush()
		}
	}
}
