// Package metafake is a local Meta Graph API for tests and `kaval simulate`:
// Facebook Page comments and posts, Messenger Send API (with the 24-hour
// rule), Instagram comment replies and mention lookups. It speaks the real
// wire format: Bearer or access_token auth, appsecret_proof checks,
// {"error":{…}} envelopes with HTTP 400 and Meta's codes (190, 100, 10/2018278,
// 506, throttling 4/17/32/613/80001…), X-App-Usage and
// X-Business-Use-Case-Usage headers that climb with use. It records what was
// sent so tests can assert a reply landed on the right parent.
//
// Webhooks go the other way: the event builders (FeedComment,
// VisitorPost, PageMention, MessengerMessage, MessengerDelivery,
// IGComment, IGMention) return entries; Payload batches them into one
// envelope; Deliver POSTs it signed like Meta (X-Hub-Signature-256 hex plus
// the legacy X-Hub-Signature sha1); Handshake plays the hub.challenge GET.
package metafake

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Version is the Graph version prefix the fake serves (any /vNN.N works).
const Version = "v23.0"

// Options configure a fake. Empty PageToken accepts any token.
type Options struct {
	AppSecret   string
	PageToken   string
	PageID      string // default "101112131415161"
	IGUserID    string // default "17841400000000001"
	VerifyToken string // used by Handshake
	CallLimit   int    // calls per hour before usage reaches 100 %, default 200
	// IGProcessingPolls is how many status reads an Instagram media
	// container answers IN_PROGRESS before FINISHED (0: ready at once).
	IGProcessingPolls int
	Now               func() time.Time
}

// Sent is one thing our connector sent.
type Sent struct {
	Kind          string // "comment" (FB), "ig_reply", "ig_mention_reply", "message" (Messenger), "ig_message", "feed"
	Parent        string // parent post/comment id, or the account for messages/feed; for ig_mention_reply the comment, or the media for a caption mention
	Media         string // ig_mention_reply: the media commented on
	Recipient     string // PSID / IGSID for messages
	Text          string
	MessagingType string
	Tag           string
	ID            string
	At            time.Time
}

// Error is an injected Graph failure.
type Error struct {
	HTTPStatus int // default 400
	Code       int
	Subcode    int
	Type       string // default OAuthException
	Message    string
	Transient  bool
	RegainMin  int // estimated_time_to_regain_access in X-Business-Use-Case-Usage
}

// Server is a running fake.
type Server struct {
	o   Options
	srv *httptest.Server

	mu        sync.Mutex
	seq       int64
	objects   map[string]string    // known ids → kind, for reply validation
	lastIn    map[string]time.Time // PSID/IGSID → last inbound message
	sent      []Sent
	fail      []Error
	failOn    map[string]*failRule // "METHOD id/edge" → injected failure
	calls     int
	igComment map[string]map[string]any // mention lookups by comment id
	igMention map[string]map[string]any // mention lookups by media id
	// mentionMedia maps a comment that @mentions us to its media.
	mentionMedia map[string]string

	feed       []fbPost               // Page feed
	comments   map[string][]fbComment // by post id
	convs      map[string][]dm        // Messenger threads by PSID
	igMedia    []igMedia              // our Instagram media
	igComments map[string][]igComment // by media id
	containers map[string]*container
	drop       map[string]int
	engagement map[string]*engagement // our posts' counts (metrics.go)
}

// New starts a fake on a loopback port.
func New(o Options) *Server {
	if o.PageID == "" {
		o.PageID = "101112131415161"
	}
	if o.IGUserID == "" {
		o.IGUserID = "17841400000000001"
	}
	if o.CallLimit <= 0 {
		o.CallLimit = 200
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{o: o, seq: 555000111222000, objects: map[string]string{}, lastIn: map[string]time.Time{},
		igComment: map[string]map[string]any{}, igMention: map[string]map[string]any{}, mentionMedia: map[string]string{},
		comments: map[string][]fbComment{}, convs: map[string][]dm{}, igComments: map[string][]igComment{},
		containers: map[string]*container{}, drop: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the server root; GraphURL the root with the version, to configure
// as graph_url.
func (s *Server) URL() string      { return s.srv.URL }
func (s *Server) GraphURL() string { return s.srv.URL + "/" + Version }
func (s *Server) Close()           { s.srv.Close() }
func (s *Server) PageID() string   { return s.o.PageID }
func (s *Server) IGUserID() string { return s.o.IGUserID }

// Sent lists what was sent, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Calls counts Graph requests served.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

type failRule struct {
	n int // calls left to fail; < 0: every call
	e Error
}

// FailOn makes the next n calls of method on id's edge fail with e
// (edge "" is the object itself; n < 0: every call until FailOn again with
// n == 0). Other paths answer as usual, so a test can break one source of
// several.
func (s *Server) FailOn(method, id, edge string, n int, e Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failOn == nil {
		s.failOn = map[string]*failRule{}
	}
	key := method + " " + id + "/" + edge
	if n == 0 {
		delete(s.failOn, key)
		return
	}
	s.failOn[key] = &failRule{n: n, e: e}
}

// failing returns the injected failure for this call, if any.
func (s *Server) failing(method, id, edge string) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.failOn[method+" "+id+"/"+edge]
	if r == nil {
		return nil
	}
	if r.n > 0 {
		if r.n--; r.n == 0 {
			delete(s.failOn, method+" "+id+"/"+edge)
		}
	}
	e := r.e
	return &e
}

// FailNext makes the next n Graph calls fail with e.
func (s *Server) FailNext(n int, e Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, e)
	}
}

func (s *Server) id() string {
	s.seq++
	return strconv.FormatInt(s.seq, 10)
}

func (s *Server) kind(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.objects[id]
}

func (s *Server) known(id, kind string) {
	s.mu.Lock()
	s.objects[id] = kind
	s.mu.Unlock()
}

// AddObject makes id a known post or comment (replies to unknown ids fail
// with code 100, as Graph does for objects that do not exist).
func (s *Server) AddObject(id, kind string) { s.known(id, kind) }

// NoteInbound records a user's message time for the 24-hour rule.
func (s *Server) NoteInbound(userID string, at time.Time) {
	s.mu.Lock()
	if at.After(s.lastIn[userID]) {
		s.lastIn[userID] = at
	}
	s.mu.Unlock()
}

func graphError(w http.ResponseWriter, e Error, trace string) {
	if e.HTTPStatus == 0 {
		e.HTTPStatus = 400
	}
	if e.Type == "" {
		e.Type = "OAuthException"
	}
	body := map[string]any{"message": e.Message, "type": e.Type, "code": e.Code, "fbtrace_id": trace}
	if e.Subcode != 0 {
		body["error_subcode"] = e.Subcode
	}
	if e.Transient {
		body["is_transient"] = true
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-fb-trace-id", trace)
	w.WriteHeader(e.HTTPStatus)
	json.NewEncoder(w).Encode(map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

var pathRE = regexp.MustCompile(`^/v\d+\.\d+/([^/]+)(?:/([a-z_]+))?$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	pct := s.calls * 100 / s.o.CallLimit
	var f *Error
	if len(s.fail) > 0 {
		f = &s.fail[0]
		s.fail = s.fail[1:]
	}
	s.mu.Unlock()
	regain := 0
	if f != nil {
		regain = f.RegainMin
	}
	w.Header().Set("X-App-Usage", fmt.Sprintf(`{"call_count":%d,"total_cputime":%d,"total_time":%d}`, min(pct, 100), min(pct/2, 100), min(pct/2, 100)))
	w.Header().Set("X-Business-Use-Case-Usage", fmt.Sprintf(`{%q:[{"type":"pages","call_count":%d,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":%d}]}`, s.o.PageID, min(pct, 100), regain))
	trace := "AbC" + strconv.Itoa(s.calls)

	if err := r.ParseForm(); err != nil {
		graphError(w, Error{Code: 100, Message: "(#100) Invalid parameter"}, trace)
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" {
		tok = r.Form.Get("access_token")
	}
	if tok == "" || (s.o.PageToken != "" && tok != s.o.PageToken) {
		graphError(w, Error{Code: 190, Message: "Invalid OAuth access token - Cannot parse access token"}, trace)
		return
	}
	if p := r.URL.Query().Get("appsecret_proof"); s.o.AppSecret != "" && p != "" {
		m := hmac.New(sha256.New, []byte(s.o.AppSecret))
		m.Write([]byte(tok))
		if !hmac.Equal([]byte(p), []byte(hex.EncodeToString(m.Sum(nil)))) {
			graphError(w, Error{Code: 100, Message: "Invalid appsecret_proof provided in the API argument"}, trace)
			return
		}
	}
	if f != nil {
		graphError(w, *f, trace)
		return
	}
	if r.Method == "GET" && rootRE.MatchString(r.URL.Path) {
		s.serveIDs(w, r, trace)
		return
	}
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		graphError(w, Error{Code: 100, Message: "Unknown path components: " + r.URL.Path}, trace)
		return
	}
	id, edge := m[1], m[2]
	if f := s.failing(r.Method, id, edge); f != nil {
		if f.HTTPStatus >= 500 && f.Message == "" {
			// A bare 5xx, as Graph's front ends send when overloaded.
			w.WriteHeader(f.HTTPStatus)
			return
		}
		graphError(w, *f, trace)
		return
	}
	switch {
	case r.Method == "GET" && edge == "":
		s.serveObject(w, r, id, trace)
	case r.Method == "POST" && (edge == "comments" || edge == "replies"):
		s.serveComment(w, r, id, edge, trace)
	case r.Method == "POST" && edge == "messages":
		s.serveMessage(w, r, id, trace)
	case r.Method == "POST" && edge == "feed" && id == s.o.PageID:
		s.serveFeed(w, r, trace)
	case r.Method == "POST" && edge == "photos" && id == s.o.PageID:
		s.servePhoto(w, r, trace)
	case r.Method == "POST" && edge == "mentions" && id == s.o.IGUserID:
		s.serveMentionReply(w, r, trace)
	case r.Method == "POST" && edge == "media" && id == s.o.IGUserID:
		s.serveIGContainer(w, r, trace)
	case r.Method == "POST" && edge == "media_publish" && id == s.o.IGUserID:
		s.serveIGPublish(w, r, trace)
	case r.Method == "GET" && edge == "feed" && id == s.o.PageID:
		s.serveFeedRead(w, r)
	case r.Method == "GET" && edge == "conversations" && id == s.o.PageID:
		s.serveConversations(w, r)
	case r.Method == "GET" && edge == "media" && id == s.o.IGUserID:
		s.serveIGMediaRead(w, r)
	case r.Method == "GET" && edge == "insights" && s.kind(id) == "ig_media":
		s.serveIGInsights(w, r, id, trace)
	case r.Method == "GET" && edge == "comments" && s.kind(id) == "ig_media":
		s.serveIGCommentsRead(w, r, id)
	case r.Method == "GET" && edge == "comments" && s.kind(id) == "post":
		s.serveCommentsRead(w, r, id)
	default:
		graphError(w, Error{Code: 100, Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation", r.Method, id)}, trace)
	}
}

var mentionRE = regexp.MustCompile(`^mentioned_(comment|media)\.(?:comment_id|media_id)\(([0-9A-Za-z_]+)\)`)

func (s *Server) serveObject(w http.ResponseWriter, r *http.Request, id, trace string) {
	fields := r.Form.Get("fields")
	if mm := mentionRE.FindStringSubmatch(fields); mm != nil && id == s.o.IGUserID {
		s.mu.Lock()
		var v map[string]any
		if mm[1] == "comment" {
			v = s.igComment[mm[2]]
		} else {
			v = s.igMention[mm[2]]
		}
		s.mu.Unlock()
		if v == nil {
			graphError(w, Error{Code: 100, Subcode: 33, Message: "Unsupported get request. Object with ID '" + mm[2] + "' does not exist"}, trace)
			return
		}
		writeJSON(w, map[string]any{"id": id, "mentioned_" + mm[1]: v})
		return
	}
	if k := s.kind(id); (k == "post" || k == "ig_media") && engagementFields(fields) {
		s.mu.Lock()
		o, e := s.objectFields(id, fields)
		s.mu.Unlock()
		if e != nil {
			graphError(w, *e, trace)
			return
		}
		writeJSON(w, o)
		return
	}
	if id == s.o.PageID || id == s.o.IGUserID {
		writeJSON(w, map[string]any{"id": id, "name": "City Police"})
		return
	}
	if s.containerStatus(w, id) {
		return
	}
	s.mu.Lock()
	for _, m := range s.igMedia {
		if m.ID == id {
			s.mu.Unlock()
			writeJSON(w, map[string]any{"id": id, "permalink": m.Permalink, "caption": m.Caption, "timestamp": m.Created.UTC().Format(graphTime)})
			return
		}
	}
	s.mu.Unlock()
	graphError(w, Error{Code: 100, Subcode: 33, Message: "Unsupported get request. Object with ID '" + id + "' does not exist"}, trace)
}

func (s *Server) serveComment(w http.ResponseWriter, r *http.Request, parent, edge, trace string) {
	msg := r.Form.Get("message")
	if strings.TrimSpace(msg) == "" {
		graphError(w, Error{Code: 100, Message: "(#100) Missing message or attachment"}, trace)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	kind, ok := s.objects[parent]
	if !ok || (edge == "replies") != strings.HasPrefix(kind, "ig_") || kind == "ig_mention_comment" {
		graphError(w, Error{Code: 100, Subcode: 33, Message: fmt.Sprintf("Unsupported post request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation", parent)}, trace)
		return
	}
	id := s.id()
	k := "comment"
	if edge == "replies" {
		k = "ig_reply"
	} else {
		// FB comment ids are {post-id}_{comment-id}.
		id = strings.SplitN(parent, "_", 2)[0] + "_" + id
	}
	s.objects[id] = k
	s.sent = append(s.sent, Sent{Kind: k, Parent: parent, Text: msg, ID: id, At: s.o.Now()})
	writeJSON(w, map[string]string{"id": id})
}

// serveMentionReply is POST /{ig-user-id}/mentions: a comment on a
// medium (media_id, required) whose caption @mentions us, or under a
// comment (comment_id) on it that does; message is required. Like Graph,
// it refuses media and comments that did not mention us.
func (s *Server) serveMentionReply(w http.ResponseWriter, r *http.Request, trace string) {
	media, comment, msg := r.Form.Get("media_id"), r.Form.Get("comment_id"), r.Form.Get("message")
	switch {
	case media == "":
		graphError(w, Error{Code: 100, Message: "(#100) The parameter media_id is required"}, trace)
		return
	case strings.TrimSpace(msg) == "":
		graphError(w, Error{Code: 100, Message: "(#100) The parameter message is required"}, trace)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	parent := media
	if comment != "" {
		if s.mentionMedia[comment] != media {
			graphError(w, Error{Code: 100, Subcode: 33, Message: fmt.Sprintf("(#100) Comment '%s' on media '%s' does not mention this account", comment, media)}, trace)
			return
		}
		parent = comment
	} else if s.igMention[media] == nil {
		graphError(w, Error{Code: 100, Subcode: 33, Message: fmt.Sprintf("(#100) Media '%s' does not mention this account in its caption", media)}, trace)
		return
	}
	id := "179" + s.id()
	s.objects[id] = "ig_reply"
	s.sent = append(s.sent, Sent{Kind: "ig_mention_reply", Parent: parent, Media: media, Text: msg, ID: id, At: s.o.Now()})
	writeJSON(w, map[string]string{"id": id})
}

func (s *Server) serveMessage(w http.ResponseWriter, r *http.Request, account, trace string) {
	if account != s.o.PageID && account != s.o.IGUserID && account != "me" {
		graphError(w, Error{Code: 100, Message: "(#100) Invalid account"}, trace)
		return
	}
	var req struct {
		Recipient struct {
			ID string `json:"id"`
		} `json:"recipient"`
		MessagingType string `json:"messaging_type"`
		Tag           string `json:"tag"`
		Message       struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
			graphError(w, Error{Code: 100, Message: "(#100) Invalid JSON"}, trace)
			return
		}
	} else {
		json.Unmarshal([]byte(r.Form.Get("recipient")), &req.Recipient)
		json.Unmarshal([]byte(r.Form.Get("message")), &req.Message)
		req.MessagingType, req.Tag = r.Form.Get("messaging_type"), r.Form.Get("tag")
	}
	if req.Recipient.ID == "" || req.Message.Text == "" {
		graphError(w, Error{Code: 100, Message: "(#100) param recipient and message must be non-empty"}, trace)
		return
	}
	if len([]rune(req.Message.Text)) > 2000 {
		graphError(w, Error{Code: 100, Message: "(#100) Length of param message[text] must be less than or equal to 2000"}, trace)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	last, ok := s.lastIn[req.Recipient.ID]
	if !ok {
		graphError(w, Error{Code: 100, Subcode: 2018001, Message: "(#100) No matching user found"}, trace)
		return
	}
	age := s.o.Now().Sub(last)
	allowed := age <= 24*time.Hour || (req.MessagingType == "MESSAGE_TAG" && req.Tag == "HUMAN_AGENT" && age <= 7*24*time.Hour)
	if !allowed {
		graphError(w, Error{Code: 10, Subcode: 2018278, Message: "(#10) This message is sent outside of allowed window."}, trace)
		return
	}
	id := "m_" + s.id()
	k := "message"
	if account == s.o.IGUserID {
		k = "ig_message"
	}
	s.sent = append(s.sent, Sent{Kind: k, Parent: account, Recipient: req.Recipient.ID, Text: req.Message.Text,
		MessagingType: req.MessagingType, Tag: req.Tag, ID: id, At: s.o.Now()})
	writeJSON(w, map[string]string{"recipient_id": req.Recipient.ID, "message_id": id})
}

func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, trace string) {
	msg := r.Form.Get("message")
	if strings.TrimSpace(msg) == "" {
		graphError(w, Error{Code: 100, Message: "(#100) Missing message or attachment"}, trace)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.sent {
		if x.Kind == "feed" && x.Text == msg {
			graphError(w, Error{Code: 506, Message: "(#506) Duplicate status message"}, trace)
			return
		}
	}
	id := s.o.PageID + "_" + s.id()
	s.objects[id] = "post"
	s.sent = append(s.sent, Sent{Kind: "feed", Parent: s.o.PageID, Text: msg, ID: id, At: s.o.Now()})
	s.feed = append(s.feed, fbPost{ID: id, FromID: s.o.PageID, FromName: "City Police", Message: msg, Created: s.o.Now()})
	writeJSON(w, map[string]string{"id": id})
}

// Sign returns the X-Hub-Signature-256 value: "sha256=" + hex HMAC-SHA256.
func Sign(appSecret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func signSHA1(appSecret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(appSecret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}
