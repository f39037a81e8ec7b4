// Package bskyfake is a local Bluesky for tests and the simulator: a
// Jetstream v1 /subscribe WebSocket (time_us, commit/identity/account
// kinds, wantedCollections with .* prefixes, wantedDids, cursor replay,
// options_update, disconnects) and an XRPC PDS (createSession,
// refreshSession, ExpiredToken after a configurable age,
// listNotifications with cursor and reasons, getPosts, resolveHandle,
// createRecord validating strongRefs and the 300-grapheme limit, with
// caller-chosen record keys that must be TIDs and unique per repo and
// collection (a taken key fails with 500 InternalServerError, which is how
// the reference PDS's repo tree refuses a second value), getRecord with
// RecordNotFound,
// RateLimit-* / Retry-After headers and {"error","message"} bodies).
package bskyfake

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/rivo/uniseg"

	"github.com/kaval-desk/kaval/internal/connector/bluesky"
)

// Created is a record written through createRecord.
type Created struct {
	Repo   string
	URI    string
	CID    string
	Record bluesky.PostRecord
	Raw    json.RawMessage
}

// Notification is what listNotifications returns.
type Notification = bluesky.Notification

type account struct {
	did, handle, password string
}

type token struct {
	did     string
	issued  time.Time
	refresh bool
}

type record struct {
	did, cid string
	value    json.RawMessage
	counts   [4]int64 // likeCount, repostCount, replyCount, quoteCount
}

// SetCounts sets a record's likeCount, repostCount, replyCount and
// quoteCount as getPosts reports them.
func (s *Server) SetCounts(uri string, likes, reposts, replies, quotes int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.records[uri]
	if ok {
		rec.counts = [4]int64{likes, reposts, replies, quotes}
		s.records[uri] = rec
	}
	return ok
}

type event struct {
	timeUS     int64
	did        string
	collection string // "" for identity/account
	raw        []byte
}

type subscriber struct {
	mu          sync.Mutex
	collections []string
	dids        map[string]bool
	ch          chan []byte
	drop        chan struct{}
}

// Server is a fake PDS + Jetstream.
type Server struct {
	// AccessTTL is how long an access JWT lives (default 2 h).
	AccessTTL time.Duration

	srv *httptest.Server

	mu           sync.Mutex
	accounts     map[string]*account // by handle and by did
	tokens       map[string]token
	tokSeq       int
	records      map[string]record
	created      []Created
	notifs       map[string][]Notification // by recipient did, oldest first
	events       []event
	lastUS       int64
	subs         map[*subscriber]bool
	subRequests  []string
	failures     map[string][]failure
	rlLimit      int
	rlWindow     time.Duration
	rlUsed       int
	rlReset      time.Time
	sessionCalls int
	rkeySeq      int64
	dropCreates  int
	indexed      []indexedPost // posts searchPosts finds, oldest first (search.go)
}

type failure struct {
	status     int
	name, msg  string
	retryAfter int
}

// New starts the fake.
func New() *Server {
	s := &Server{
		AccessTTL: 2 * time.Hour,
		accounts:  map[string]*account{},
		tokens:    map[string]token{},
		records:   map[string]record{},
		notifs:    map[string][]Notification{},
		subs:      map[*subscriber]bool{},
		failures:  map[string][]failure{},
		rkeySeq:   time.Date(2026, 8, 20, 0, 0, 0, 0, time.UTC).UnixMicro(),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the pds_url.
func (s *Server) URL() string { return s.srv.URL }

// JetstreamURL is the jetstream_url.
func (s *Server) JetstreamURL() string {
	return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/subscribe"
}

// Close stops everything.
func (s *Server) Close() {
	s.DisconnectAll()
	s.srv.Close()
}

// AddAccount registers an account that can log in with password (an app
// password); returns its DID.
func (s *Server) AddAccount(handle, password string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	did := "did:plc:" + strings.ToLower(base32.StdEncoding.EncodeToString(sha(handle))[:24])
	a := &account{did: did, handle: handle, password: password}
	s.accounts[handle], s.accounts[did] = a, a
	return did
}

func sha(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func cidOf(b []byte) string {
	return "bafyrei" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sha(string(b))))[:52]
}

const tidChars = "234567abcdefghijklmnopqrstuvwxyz"

// nextRKey returns a TID-shaped record key (13 chars, sortable).
func (s *Server) nextRKey() string {
	s.rkeySeq++
	v := uint64(s.rkeySeq) << 10
	b := make([]byte, 13)
	for i := 12; i >= 0; i-- {
		b[i] = tidChars[v&31]
		v >>= 5
	}
	return string(b)
}

// PostOpts shape an emitted post.
type PostOpts struct {
	Facets    []bluesky.Facet
	Reply     *bluesky.ReplyRef
	Langs     []string
	CreatedAt time.Time // default now
	Embed     json.RawMessage
}

// EmitPost creates a post by did, stores it (for getPosts) and sends the
// Jetstream commit event. Returns its URI and CID.
func (s *Server) EmitPost(did, text string, o PostOpts) (uri, cid string) {
	if o.CreatedAt.IsZero() {
		o.CreatedAt = time.Now()
	}
	rec := bluesky.PostRecord{Type: bluesky.PostCollection, Text: text, CreatedAt: o.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		Langs: o.Langs, Facets: o.Facets, Reply: o.Reply, Embed: o.Embed}
	raw, _ := json.Marshal(rec)
	s.mu.Lock()
	defer s.mu.Unlock()
	rkey := s.nextRKey()
	uri, cid = "at://"+did+"/"+bluesky.PostCollection+"/"+rkey, cidOf(raw)
	s.records[uri] = record{did: did, cid: cid, value: raw}
	s.indexLocked(uri)
	s.emit(did, bluesky.PostCollection, func(us int64) any {
		return map[string]any{"did": did, "time_us": us, "kind": "commit", "commit": map[string]any{
			"rev": s.nextRKey(), "operation": "create", "collection": bluesky.PostCollection, "rkey": rkey, "record": json.RawMessage(raw), "cid": cid}}
	})
	return uri, cid
}

// EmitDelete sends a delete commit (no record, no cid).
func (s *Server) EmitDelete(uri string) {
	parts := strings.Split(strings.TrimPrefix(uri, "at://"), "/")
	if len(parts) != 3 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.records, uri)
	s.emit(parts[0], parts[1], func(us int64) any {
		return map[string]any{"did": parts[0], "time_us": us, "kind": "commit", "commit": map[string]any{
			"rev": s.nextRKey(), "operation": "delete", "collection": parts[1], "rkey": parts[2]}}
	})
}

// EmitIdentity sends a handle change.
func (s *Server) EmitIdentity(did, handle string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.emit(did, "", func(us int64) any {
		return map[string]any{"did": did, "time_us": us, "kind": "identity", "identity": map[string]any{"did": did, "handle": handle, "seq": us, "time": time.Now().UTC().Format(time.RFC3339)}}
	})
}

// EmitAccount sends an account status change.
func (s *Server) EmitAccount(did string, active bool, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.emit(did, "", func(us int64) any {
		return map[string]any{"did": did, "time_us": us, "kind": "account", "account": map[string]any{"did": did, "active": active, "status": status, "seq": us, "time": time.Now().UTC().Format(time.RFC3339)}}
	})
}

// EmitRaw sends bytes verbatim to every subscriber (hostile frames); they
// are not stored for replay.
func (s *Server) EmitRaw(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sb := range s.subs {
		select {
		case sb.ch <- b:
		default:
		}
	}
}

// emit assigns a strictly increasing time_us, stores the event for cursor
// replay and fans it out.
func (s *Server) emit(did, collection string, build func(us int64) any) {
	us := max(time.Now().UnixMicro(), s.lastUS+1)
	s.lastUS = us
	raw, _ := json.Marshal(build(us))
	ev := event{timeUS: us, did: did, collection: collection, raw: raw}
	s.events = append(s.events, ev)
	for sb := range s.subs {
		if sb.wants(ev) {
			select {
			case sb.ch <- raw:
			default: // too slow: dropped, as Jetstream does
			}
		}
	}
}

func (sb *subscriber) wants(ev event) bool {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if len(sb.dids) > 0 && !sb.dids[ev.did] {
		return false
	}
	if ev.collection == "" || len(sb.collections) == 0 {
		return true // identity and account events are always delivered
	}
	for _, c := range sb.collections {
		if c == ev.collection || strings.HasSuffix(c, ".*") && strings.HasPrefix(ev.collection, strings.TrimSuffix(c, "*")) {
			return true
		}
	}
	return false
}

// AddNotification records a notification for recipient (a DID) about the
// post uri, as listNotifications will return it. reason: mention, reply,
// quote, like, follow…
func (s *Server) AddNotification(recipient, uri, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.records[uri]
	author := s.accounts[rec.did]
	n := Notification{URI: uri, CID: rec.cid, Reason: reason, Record: rec.value, IndexedAt: time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")}
	n.Author.DID = rec.did
	if author != nil {
		n.Author.Handle, n.Author.DisplayName = author.handle, author.handle
	}
	s.notifs[recipient] = append(s.notifs[recipient], n)
}

// SetHandle changes an account's handle (emit EmitIdentity to announce it).
func (s *Server) SetHandle(did, handle string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[did]; a != nil {
		delete(s.accounts, a.handle)
		a.handle = handle
		s.accounts[handle] = a
	}
}

// Created returns the records written through createRecord, in order.
func (s *Server) Created() []Created {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.created)
}

// DisconnectAll drops every Jetstream connection.
func (s *Server) DisconnectAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sb := range s.subs {
		close(sb.drop)
		delete(s.subs, sb)
	}
}

// Subscribers is the number of connected Jetstream clients.
func (s *Server) Subscribers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

// SubscribeQueries returns the raw query strings of every /subscribe
// request, in order (to check cursor rewinds).
func (s *Server) SubscribeQueries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.subRequests)
}

// ExpireTokens makes every issued access JWT expired.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, t := range s.tokens {
		if !t.refresh {
			t.issued = time.Time{}
			s.tokens[k] = t
		}
	}
}

// SessionCalls counts createSession calls.
func (s *Server) SessionCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessionCalls
}

// FailNext makes the next call of nsid fail with an XRPC error.
func (s *Server) FailNext(nsid string, status int, name, msg string, retryAfter int) {
	s.mu.Lock()
	s.failures[nsid] = append(s.failures[nsid], failure{status, name, msg, retryAfter})
	s.mu.Unlock()
}

// SetRateLimit limits XRPC calls to limit per window (RateLimit-* headers).
func (s *Server) SetRateLimit(limit int, window time.Duration) {
	s.mu.Lock()
	s.rlLimit, s.rlWindow, s.rlUsed, s.rlReset = limit, window, 0, time.Now().Add(window)
	s.mu.Unlock()
}

func xrpcErr(w http.ResponseWriter, status int, name, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": name, "message": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/subscribe" {
		s.subscribe(w, r)
		return
	}
	nsid, ok := strings.CutPrefix(r.URL.Path, "/xrpc/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	if s.rlLimit > 0 {
		now := time.Now()
		if now.After(s.rlReset) {
			s.rlUsed, s.rlReset = 0, now.Add(s.rlWindow)
		}
		w.Header().Set("RateLimit-Limit", strconv.Itoa(s.rlLimit))
		w.Header().Set("RateLimit-Reset", strconv.FormatInt(s.rlReset.Unix(), 10))
		w.Header().Set("RateLimit-Policy", fmt.Sprintf("%d;w=%d", s.rlLimit, int(s.rlWindow.Seconds())))
		if s.rlUsed >= s.rlLimit {
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(time.Until(s.rlReset).Round(time.Second).Seconds()))))
			s.mu.Unlock()
			xrpcErr(w, 429, "RateLimitExceeded", "Rate Limit Exceeded")
			return
		}
		s.rlUsed++
		w.Header().Set("RateLimit-Remaining", strconv.Itoa(s.rlLimit-s.rlUsed))
	}
	if fs := s.failures[nsid]; len(fs) > 0 {
		s.failures[nsid] = fs[1:]
		s.mu.Unlock()
		if fs[0].retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(fs[0].retryAfter))
		}
		xrpcErr(w, fs[0].status, fs[0].name, fs[0].msg)
		return
	}
	s.mu.Unlock()
	switch nsid {
	case "com.atproto.server.createSession":
		s.createSession(w, r)
	case "com.atproto.server.refreshSession":
		s.refreshSession(w, r)
	case "com.atproto.identity.resolveHandle":
		s.mu.Lock()
		a := s.accounts[r.URL.Query().Get("handle")]
		s.mu.Unlock()
		if a == nil || strings.HasPrefix(r.URL.Query().Get("handle"), "did:") {
			xrpcErr(w, 400, "InvalidRequest", "Unable to resolve handle")
			return
		}
		writeJSON(w, map[string]string{"did": a.did})
	default:
		did, ok := s.auth(w, r)
		if !ok {
			return
		}
		switch nsid {
		case "com.atproto.server.getSession":
			s.mu.Lock()
			a := s.accounts[did]
			s.mu.Unlock()
			writeJSON(w, map[string]any{"did": did, "handle": a.handle, "active": true})
		case "app.bsky.notification.listNotifications":
			s.listNotifications(w, r, did)
		case "app.bsky.actor.getProfile":
			s.mu.Lock()
			a := s.accounts[r.URL.Query().Get("actor")]
			s.mu.Unlock()
			if a == nil {
				xrpcErr(w, 400, "InvalidRequest", "Profile not found")
				return
			}
			writeJSON(w, map[string]string{"did": a.did, "handle": a.handle, "displayName": strings.SplitN(a.handle, ".", 2)[0]})
		case "app.bsky.feed.getPosts":
			s.getPosts(w, r)
		case "app.bsky.feed.searchPosts":
			s.searchPosts(w, r)
		case "com.atproto.repo.createRecord":
			s.createRecord(w, r, did)
		case "com.atproto.repo.getRecord":
			s.getRecord(w, r)
		default:
			xrpcErr(w, 501, "MethodNotImplemented", "Method Not Implemented")
		}
	}
}

func (s *Server) issue(did string) map[string]any {
	s.tokSeq++
	access, refresh := fmt.Sprintf("access-%d-%x", s.tokSeq, sha(did)[:6]), fmt.Sprintf("refresh-%d-%x", s.tokSeq, sha(did)[:6])
	s.tokens[access] = token{did: did, issued: time.Now()}
	s.tokens[refresh] = token{did: did, issued: time.Now(), refresh: true}
	a := s.accounts[did]
	return map[string]any{"did": did, "handle": a.handle, "accessJwt": access, "refreshJwt": refresh, "active": true}
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	var in struct{ Identifier, Password string }
	if json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in) != nil {
		xrpcErr(w, 400, "InvalidRequest", "Invalid JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessionCalls++
	a := s.accounts[in.Identifier]
	if a == nil || a.password != in.Password {
		s.mu.Unlock()
		xrpcErr(w, 401, "AuthenticationRequired", "Invalid identifier or password")
		s.mu.Lock()
		return
	}
	out := s.issue(a.did)
	s.mu.Unlock()
	writeJSON(w, out)
	s.mu.Lock()
}

func bearer(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func (s *Server) refreshSession(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	t, ok := s.tokens[bearer(r)]
	if !ok || !t.refresh {
		s.mu.Unlock()
		xrpcErr(w, 400, "InvalidToken", "Token could not be verified")
		return
	}
	delete(s.tokens, bearer(r)) // refresh tokens are single-use
	out := s.issue(t.did)
	s.mu.Unlock()
	writeJSON(w, out)
}

// auth checks the access JWT: missing → 401 AuthMissing, unknown → 400
// InvalidToken, too old → 400 ExpiredToken.
func (s *Server) auth(w http.ResponseWriter, r *http.Request) (string, bool) {
	tok := bearer(r)
	if tok == "" {
		xrpcErr(w, 401, "AuthMissing", "Authentication Required")
		return "", false
	}
	s.mu.Lock()
	t, ok := s.tokens[tok]
	ttl := s.AccessTTL
	s.mu.Unlock()
	switch {
	case !ok || t.refresh:
		xrpcErr(w, 400, "InvalidToken", "Token could not be verified")
		return "", false
	case time.Since(t.issued) > ttl:
		xrpcErr(w, 400, "ExpiredToken", "Token has expired")
		return "", false
	}
	return t.did, true
}

// listNotifications pages newest-first; the cursor is the index to
// continue from.
func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request, did string) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	reasons := q["reasons"]
	start := 0
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 {
			xrpcErr(w, 400, "InvalidRequest", "Malformed cursor")
			return
		}
		start = n
	}
	s.mu.Lock()
	all := s.notifs[did]
	var filtered []Notification
	for i := len(all) - 1; i >= 0; i-- {
		if len(reasons) == 0 || slices.Contains(reasons, all[i].Reason) {
			filtered = append(filtered, all[i])
		}
	}
	s.mu.Unlock()
	out := struct {
		Notifications []Notification `json:"notifications"`
		Cursor        string         `json:"cursor,omitempty"`
	}{Notifications: []Notification{}}
	if start < len(filtered) {
		end := min(start+limit, len(filtered))
		out.Notifications = filtered[start:end]
		if end < len(filtered) {
			out.Cursor = strconv.Itoa(end)
		}
	}
	writeJSON(w, out)
}

func (s *Server) getPosts(w http.ResponseWriter, r *http.Request) {
	var out struct {
		Posts []map[string]any `json:"posts"`
	}
	out.Posts = []map[string]any{}
	s.mu.Lock()
	for _, u := range r.URL.Query()["uris"] {
		if rec, ok := s.records[u]; ok {
			out.Posts = append(out.Posts, map[string]any{"uri": u, "cid": rec.cid, "record": rec.value,
				"author": map[string]string{"did": rec.did}, "indexedAt": time.Now().UTC().Format(time.RFC3339),
				"likeCount": rec.counts[0], "repostCount": rec.counts[1], "replyCount": rec.counts[2], "quoteCount": rec.counts[3]})
		}
	}
	s.mu.Unlock()
	writeJSON(w, out)
}

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request, did string) {
	var in struct {
		Repo       string          `json:"repo"`
		Collection string          `json:"collection"`
		RKey       string          `json:"rkey"`
		Record     json.RawMessage `json:"record"`
	}
	if json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in) != nil {
		xrpcErr(w, 400, "InvalidRequest", "Invalid JSON")
		return
	}
	if in.RKey != "" && !ValidTID(in.RKey) {
		xrpcErr(w, 400, "InvalidRequest", "Invalid record key for app.bsky.feed.post (want a TID): "+in.RKey)
		return
	}
	if in.Repo != did {
		xrpcErr(w, 403, "Forbidden", "repo does not match the session")
		return
	}
	var rec bluesky.PostRecord
	if in.Collection != bluesky.PostCollection || json.Unmarshal(in.Record, &rec) != nil || rec.Type != bluesky.PostCollection {
		xrpcErr(w, 400, "InvalidRequest", "Invalid app.bsky.feed.post record")
		return
	}
	if uniseg.GraphemeClusterCount(rec.Text) > 300 || len(rec.Text) > 3000 {
		xrpcErr(w, 400, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes")
		return
	}
	if _, err := time.Parse(time.RFC3339Nano, rec.CreatedAt); err != nil {
		xrpcErr(w, 400, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/createdAt must be an valid atproto datetime")
		return
	}
	for _, f := range rec.Facets {
		if f.Index.ByteStart < 0 || f.Index.ByteEnd > len(rec.Text) || f.Index.ByteStart >= f.Index.ByteEnd {
			xrpcErr(w, 400, "InvalidRequest", "Invalid facet byte range")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec.Reply != nil {
		for _, ref := range []bluesky.StrongRef{rec.Reply.Root, rec.Reply.Parent} {
			if got, ok := s.records[ref.URI]; !ok || got.cid != ref.CID {
				s.mu.Unlock()
				xrpcErr(w, 400, "InvalidRequest", "Invalid reply reference: "+ref.URI)
				s.mu.Lock()
				return
			}
		}
	}
	rkey := in.RKey
	if rkey == "" {
		rkey = s.nextRKey()
	}
	uri, cid := "at://"+did+"/"+bluesky.PostCollection+"/"+rkey, cidOf(in.Record)
	if _, taken := s.records[uri]; taken {
		s.mu.Unlock()
		xrpcErr(w, 500, "InternalServerError", "Internal Server Error")
		s.mu.Lock()
		return
	}
	s.records[uri] = record{did: did, cid: cid, value: in.Record}
	s.created = append(s.created, Created{Repo: did, URI: uri, CID: cid, Record: rec, Raw: in.Record})
	drop := s.dropCreates > 0
	if drop {
		s.dropCreates--
	}
	s.mu.Unlock()
	defer s.mu.Lock()
	if drop {
		// Written, but the answer is lost on the way back.
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close()
			return
		}
	}
	writeJSON(w, map[string]any{"uri": uri, "cid": cid, "commit": map[string]string{"cid": cidOf([]byte(uri)), "rev": s.nextRev()}, "validationStatus": "valid"})
}

// nextRev is a repo revision (a TID, as the PDS uses).
func (s *Server) nextRev() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextRKey()
}

// DropCreateAnswers makes the next n createRecord calls write the record
// and then close the connection without answering: the caller cannot know
// whether its post exists.
func (s *Server) DropCreateAnswers(n int) {
	s.mu.Lock()
	s.dropCreates += n
	s.mu.Unlock()
}

// ValidTID reports whether k is a TID record key: 13 base32-sortable
// characters, the first of which leaves the top bit clear.
func ValidTID(k string) bool {
	if len(k) != 13 || !strings.ContainsRune("234567abcdefghij", rune(k[0])) {
		return false
	}
	for i := range len(k) {
		if !strings.ContainsRune(tidChars, rune(k[i])) {
			return false
		}
	}
	return true
}

// getRecord serves com.atproto.repo.getRecord (unauthenticated on a real
// PDS as well).
func (s *Server) getRecord(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	repo, coll, rkey := q.Get("repo"), q.Get("collection"), q.Get("rkey")
	if repo == "" || coll == "" || rkey == "" {
		xrpcErr(w, 400, "InvalidRequest", "Params must have the properties \"repo\", \"collection\" and \"rkey\"")
		return
	}
	uri := "at://" + repo + "/" + coll + "/" + rkey
	s.mu.Lock()
	rec, ok := s.records[uri]
	s.mu.Unlock()
	if !ok {
		xrpcErr(w, 400, "RecordNotFound", "Could not locate record: "+uri)
		return
	}
	writeJSON(w, map[string]any{"uri": uri, "cid": rec.cid, "value": rec.value})
}

// subscribe serves Jetstream v1: replay from cursor (clamped to the oldest
// stored event), then live events, filtered per subscriber.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sb := &subscriber{collections: q["wantedCollections"], dids: map[string]bool{}, ch: make(chan []byte, 4096), drop: make(chan struct{})}
	for _, d := range q["wantedDids"] {
		sb.dids[d] = true
	}
	var cursor int64
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			http.Error(w, "invalid cursor", http.StatusBadRequest)
			return
		}
		cursor = n
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	s.mu.Lock()
	s.subRequests = append(s.subRequests, r.URL.RawQuery)
	var replay [][]byte
	if cursor > 0 {
		for _, ev := range s.events {
			if ev.timeUS >= cursor && sb.wants(ev) {
				replay = append(replay, ev.raw)
			}
		}
	}
	s.subs[sb] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.subs, sb)
		s.mu.Unlock()
	}()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() { // client messages: options_update changes filters
		defer cancel()
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var msg struct {
				Type    string `json:"type"`
				Payload struct {
					WantedCollections []string `json:"wantedCollections"`
					WantedDids        []string `json:"wantedDids"`
				} `json:"payload"`
			}
			if json.Unmarshal(data, &msg) == nil && msg.Type == "options_update" {
				sb.mu.Lock()
				sb.collections = msg.Payload.WantedCollections
				sb.dids = map[string]bool{}
				for _, d := range msg.Payload.WantedDids {
					sb.dids[d] = true
				}
				sb.mu.Unlock()
			}
		}
	}()
	for _, b := range replay {
		if conn.Write(ctx, websocket.MessageText, b) != nil {
			return
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-sb.drop:
			conn.Close(websocket.StatusGoingAway, "server restarting")
			return
		case b := <-sb.ch:
			if conn.Write(ctx, websocket.MessageText, b) != nil {
				return
			}
		}
	}
}
