// Package wafake is a local WhatsApp Cloud API for tests and `kaval
// simulate`. POST /{phone-number-id}/messages answers like Meta (200
// "accepted" with a wamid; {"error":{…}} with codes 131009 invalid
// parameter, 190 bad token, injected 130429/131056/…), and queues the
// asynchronous statuses a real number would send: sent+delivered for a
// message inside the 24-hour window or a template, failed/131047 for
// free-form text outside it. GET /{media-id} and the media download work
// with the Bearer token. Everything sent is recorded.
//
// Inbound: the builders (Text, Location, Image, Reaction) make messages
// and note the user's last-inbound time; Payload wraps them in the
// whatsapp_business_account envelope; Deliver signs and POSTs it;
// TakeStatuses/FlushStatuses hand over the queued status webhooks.
package wafake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
)

// Options configure a fake. Empty Token accepts any Bearer token.
type Options struct {
	AppSecret     string
	Token         string
	VerifyToken   string
	PhoneNumberID string // default "106540352242922"
	DisplayPhone  string // default "15550001111"
	WABAID        string // default "102290129340398"
	Now           func() time.Time
}

// Sent is one message our connector sent.
type Sent struct {
	ID        string
	To        string
	Type      string // text or template
	Text      string
	ContextID string // quoted wamid
	Template  string
	Language  string
	Params    []string
	At        time.Time
}

// Error is an injected failure.
type Error struct {
	HTTPStatus int // default 400
	Code       int
	Message    string
	Details    string
}

// Server is a running fake.
type Server struct {
	o   Options
	srv *httptest.Server

	mu       sync.Mutex
	seq      int
	lastIn   map[string]time.Time
	sent     []Sent
	fail     []Error
	statuses [][]byte
	media    map[string]media
}

type media struct {
	mime string
	data []byte
}

// New starts a fake on a loopback port.
func New(o Options) *Server {
	if o.PhoneNumberID == "" {
		o.PhoneNumberID = "106540352242922"
	}
	if o.DisplayPhone == "" {
		o.DisplayPhone = "15550001111"
	}
	if o.WABAID == "" {
		o.WABAID = "102290129340398"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{o: o, lastIn: map[string]time.Time{}, media: map[string]media{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *Server) URL() string           { return s.srv.URL }
func (s *Server) GraphURL() string      { return s.srv.URL + "/" + metafake.Version }
func (s *Server) Close()                { s.srv.Close() }
func (s *Server) PhoneNumberID() string { return s.o.PhoneNumberID }

// Sent lists what was sent, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// FailNext makes the next n sends fail with e.
func (s *Server) FailNext(n int, e Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, e)
	}
}

// AddMedia makes a media id downloadable.
func (s *Server) AddMedia(id, mime string, data []byte) {
	s.mu.Lock()
	s.media[id] = media{mime, data}
	s.mu.Unlock()
}

// TakeStatuses returns and clears the queued status webhook payloads.
func (s *Server) TakeStatuses() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.statuses
	s.statuses = nil
	return out
}

// FlushStatuses delivers the queued status webhooks to webhookURL.
func (s *Server) FlushStatuses(ctx context.Context, webhookURL string) error {
	for _, b := range s.TakeStatuses() {
		code, err := s.Deliver(ctx, webhookURL, b)
		if err != nil {
			return err
		}
		if code != 200 {
			return fmt.Errorf("wafake: status delivery answered HTTP %d", code)
		}
	}
	return nil
}

func (s *Server) wamid() string {
	s.seq++
	return fmt.Sprintf("wamid.HBgLMTU1NTc2NTQzMjEVAgARGBI%08dAA=", s.seq)
}

func writeErr(w http.ResponseWriter, e Error) {
	if e.HTTPStatus == 0 {
		e.HTTPStatus = 400
	}
	body := map[string]any{"message": fmt.Sprintf("(#%d) %s", e.Code, e.Message), "type": "OAuthException", "code": e.Code, "fbtrace_id": "A1b2C3d4E5"}
	if e.Details != "" {
		body["error_data"] = map[string]string{"messaging_product": "whatsapp", "details": e.Details}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.HTTPStatus)
	json.NewEncoder(w).Encode(map[string]any{"error": body})
}

var (
	pathRE  = regexp.MustCompile(`^/v\d+\.\d+/([^/]+)(/messages)?$`)
	waIDRE  = regexp.MustCompile(`^[0-9]{6,20}$`)
	mediaRE = regexp.MustCompile(`^/media/([^/]+)$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" || (s.o.Token != "" && tok != s.o.Token) {
		writeErr(w, Error{HTTPStatus: 401, Code: 190, Message: "Invalid OAuth access token - Cannot parse access token"})
		return
	}
	if m := mediaRE.FindStringSubmatch(r.URL.Path); m != nil {
		s.mu.Lock()
		md, ok := s.media[m[1]]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", md.mime)
		w.Write(md.data)
		return
	}
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeErr(w, Error{Code: 100, Message: "Unsupported request"})
		return
	}
	id := m[1]
	switch {
	case r.Method == "GET" && m[2] == "" && id == s.o.PhoneNumberID:
		json.NewEncoder(w).Encode(map[string]string{"display_phone_number": s.o.DisplayPhone, "verified_name": "City Police", "id": id})
	case r.Method == "GET" && m[2] == "":
		s.mu.Lock()
		md, ok := s.media[id]
		s.mu.Unlock()
		if !ok {
			writeErr(w, Error{Code: 100, Message: "Unsupported get request. Object with ID '" + id + "' does not exist"})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"url": s.srv.URL + "/media/" + id, "mime_type": md.mime, "sha256": "", "file_size": len(md.data), "id": id, "messaging_product": "whatsapp"})
	case r.Method == "POST" && m[2] != "" && id == s.o.PhoneNumberID:
		s.serveSend(w, r)
	default:
		writeErr(w, Error{Code: 100, Message: "Unsupported " + r.Method + " request. Object with ID '" + id + "' does not exist"})
	}
}

func (s *Server) serveSend(w http.ResponseWriter, r *http.Request) {
	var req struct {
		MessagingProduct string `json:"messaging_product"`
		To               string `json:"to"`
		Type             string `json:"type"`
		Context          *struct {
			MessageID string `json:"message_id"`
		} `json:"context"`
		Text *struct {
			Body string `json:"body"`
		} `json:"text"`
		Template *struct {
			Name     string `json:"name"`
			Language struct {
				Code string `json:"code"`
			} `json:"language"`
			Components []struct {
				Parameters []struct {
					Text string `json:"text"`
				} `json:"parameters"`
			} `json:"components"`
		} `json:"template"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeErr(w, Error{Code: 100, Message: "Invalid parameter", Details: "body is not valid JSON"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.fail) > 0 {
		e := s.fail[0]
		s.fail = s.fail[1:]
		writeErr(w, e)
		return
	}
	if req.MessagingProduct != "whatsapp" {
		writeErr(w, Error{Code: 100, Message: "Invalid parameter", Details: "messaging_product must be whatsapp"})
		return
	}
	if !waIDRE.MatchString(req.To) {
		writeErr(w, Error{Code: 131009, Message: "Parameter value is not valid", Details: "Invalid WhatsApp ID in 'to' field"})
		return
	}
	sent := Sent{To: req.To, Type: req.Type, At: s.o.Now()}
	if req.Context != nil {
		sent.ContextID = req.Context.MessageID
	}
	switch {
	case req.Type == "text" && req.Text != nil && req.Text.Body != "":
		if len([]rune(req.Text.Body)) > 4096 {
			writeErr(w, Error{Code: 100, Message: "Invalid parameter", Details: "text.body is too long"})
			return
		}
		sent.Text = req.Text.Body
	case req.Type == "template" && req.Template != nil && req.Template.Name != "":
		sent.Template, sent.Language = req.Template.Name, req.Template.Language.Code
		for _, c := range req.Template.Components {
			for _, p := range c.Parameters {
				sent.Params = append(sent.Params, p.Text)
			}
		}
		if sent.Language == "" {
			writeErr(w, Error{Code: 132001, Message: "Template name does not exist in the translation"})
			return
		}
	default:
		writeErr(w, Error{Code: 131008, Message: "Required parameter is missing"})
		return
	}
	sent.ID = s.wamid()
	s.sent = append(s.sent, sent)
	// Accepted now; the outcome follows as status webhooks.
	last, ok := s.lastIn[req.To]
	if req.Type == "text" && (!ok || s.o.Now().Sub(last) > 24*time.Hour) {
		s.statuses = append(s.statuses, s.statusPayload(sent.ID, req.To, "failed", &Error{Code: 131047, Message: "Re-engagement message",
			Details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}))
	} else {
		s.statuses = append(s.statuses, s.statusPayload(sent.ID, req.To, "sent", nil), s.statusPayload(sent.ID, req.To, "delivered", nil))
	}
	json.NewEncoder(w).Encode(map[string]any{"messaging_product": "whatsapp",
		"contacts": []map[string]string{{"input": req.To, "wa_id": req.To}},
		"messages": []map[string]string{{"id": sent.ID, "message_status": "accepted"}}})
}

func (s *Server) statusPayload(id, to, status string, e *Error) []byte {
	st := map[string]any{"id": id, "status": status, "timestamp": strconv.FormatInt(s.o.Now().Unix(), 10), "recipient_id": to}
	if e != nil {
		st["errors"] = []any{map[string]any{"code": e.Code, "title": e.Message, "message": e.Message, "error_data": map[string]string{"details": e.Details}}}
	}
	return s.envelope(map[string]any{"statuses": []any{st}})
}

func (s *Server) envelope(v map[string]any) []byte {
	v["messaging_product"] = "whatsapp"
	v["metadata"] = map[string]string{"display_phone_number": s.o.DisplayPhone, "phone_number_id": s.o.PhoneNumberID}
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account",
		"entry": []any{map[string]any{"id": s.o.WABAID, "changes": []any{map[string]any{"field": "messages", "value": v}}}}})
	return b
}

// Message is one inbound message built by Text, Location, Image or Reaction.
type Message struct {
	From string
	Name string
	ID   string
	body map[string]any
}

func (s *Server) message(from, name, typ string, at time.Time, content map[string]any) Message {
	if at.IsZero() {
		at = s.o.Now()
	}
	s.mu.Lock()
	id := strings.Replace(s.wamid(), "ARGBI", "ASGBQ", 1)
	if typ != "reaction" && at.After(s.lastIn[from]) {
		s.lastIn[from] = at
	}
	s.mu.Unlock()
	m := map[string]any{"from": from, "id": id, "timestamp": strconv.FormatInt(at.Unix(), 10), "type": typ}
	for k, v := range content {
		m[k] = v
	}
	return Message{From: from, Name: name, ID: id, body: m}
}

// NoteInbound records that the citizen from wrote at at (a message the
// simulator delivered to the desk directly), opening the 24-hour window
// in which free-form replies to them are delivered.
func (s *Server) NoteInbound(from string, at time.Time) {
	s.mu.Lock()
	if at.After(s.lastIn[from]) {
		s.lastIn[from] = at
	}
	s.mu.Unlock()
}

// Text is a text message; contextID quotes one of our messages.
func (s *Server) Text(from, name, body, contextID string, at time.Time) Message {
	c := map[string]any{"text": map[string]string{"body": body}}
	if contextID != "" {
		c["context"] = map[string]string{"from": s.o.DisplayPhone, "id": contextID}
	}
	return s.message(from, name, "text", at, c)
}

// Location is a shared location.
func (s *Server) Location(from, name string, lat, lon float64, label, address string, at time.Time) Message {
	return s.message(from, name, "location", at, map[string]any{"location": map[string]any{"latitude": lat, "longitude": lon, "name": label, "address": address}})
}

// Image is an image message referring to media id (registered with AddMedia
// when data is given).
func (s *Server) Image(from, name, mediaID, caption string, data []byte, at time.Time) Message {
	if data != nil {
		s.AddMedia(mediaID, "image/jpeg", data)
	}
	return s.message(from, name, "image", at, map[string]any{"image": map[string]string{"id": mediaID, "mime_type": "image/jpeg", "sha256": "", "caption": caption}})
}

// Reaction is an emoji reaction to a message (not a new item).
func (s *Server) Reaction(from, name, messageID, emoji string, at time.Time) Message {
	return s.message(from, name, "reaction", at, map[string]any{"reaction": map[string]string{"message_id": messageID, "emoji": emoji}})
}

// Payload wraps messages in one whatsapp_business_account notification.
func (s *Server) Payload(msgs ...Message) []byte {
	var contacts, list []any
	seen := map[string]bool{}
	for _, m := range msgs {
		if !seen[m.From] {
			seen[m.From] = true
			contacts = append(contacts, map[string]any{"profile": map[string]string{"name": m.Name}, "wa_id": m.From})
		}
		list = append(list, m.body)
	}
	return s.envelope(map[string]any{"contacts": contacts, "messages": list})
}

// SignedRequest builds a webhook POST signed like Meta.
func SignedRequest(appSecret, url string, body []byte) *http.Request {
	return metafake.SignedRequest(appSecret, url, body)
}

// Deliver signs body with the fake's app secret and POSTs it.
func (s *Server) Deliver(ctx context.Context, webhookURL string, body []byte) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, bytes.NewReader(body))
	req.Header = SignedRequest(s.o.AppSecret, webhookURL, body).Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Handshake plays the hub.challenge GET with the fake's verify token.
func (s *Server) Handshake(ctx context.Context, webhookURL string) error {
	return metafake.Handshake(ctx, webhookURL, s.o.VerifyToken)
}
