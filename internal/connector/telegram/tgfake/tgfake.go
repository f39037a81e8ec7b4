// Package tgfake is a local Telegram Bot API server for tests and the
// simulator: getUpdates long polling with real offset confirmation, 409
// conflicts, setWebhook with secret_token and webhook deliveries carrying
// X-Telegram-Bot-Api-Secret-Token, sendMessage with reply_parameters
// validation, and the {"ok":false,...} error envelope including 429
// parameters.retry_after.
package tgfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/kaval-desk/kaval/internal/connector/telegram"
)

// Sent is one sendMessage the fake accepted.
type Sent struct {
	ChatID          int64
	ChatRef         string // chat_id as sent (number or @username)
	MessageThreadID int64
	Text            string
	ReplyTo         int64     // reply_parameters.message_id (or legacy reply_to_message_id)
	MessageID       int64     // id the fake assigned
	At              time.Time // when the fake accepted it (scheduled posts' timing)
}

// Failure is an injected error answer.
type Failure struct {
	Status      int
	Description string
	RetryAfter  int   // seconds, for 429
	MigrateTo   int64 // parameters.migrate_to_chat_id
}

type pending struct {
	id  int64
	raw []byte
}

// Server is a fake Bot API for one bot.
type Server struct {
	// MaxPollWait caps how long getUpdates holds an empty long poll
	// (default 2 s), whatever timeout the client asked for.
	MaxPollWait time.Duration
	// WebhookClient delivers webhook updates (default http.DefaultClient).
	WebhookClient *http.Client

	srv   *httptest.Server
	token string
	bot   telegram.User

	mu        sync.Mutex
	wake      chan struct{}
	nextID    int64
	queue     []pending
	polling   bool
	calls     map[string]int
	hookURL   string
	hookSec   string
	failures  map[string][]Failure
	sent      []Sent
	chats     map[int64]telegram.Chat
	known     map[int64]map[int64]bool // chat -> message ids
	nextMsg   map[int64]int64
	blocked   map[int64]bool
	delivered []int64
}

// New starts a fake for the bot with this token.
func New(token string) *Server {
	s := &Server{
		MaxPollWait: 2 * time.Second,
		token:       token,
		bot:         telegram.User{ID: 7000000001, IsBot: true, FirstName: "Kaval Police", Username: "KavalPoliceBot"},
		wake:        make(chan struct{}),
		nextID:      804512300,
		calls:       map[string]int{},
		failures:    map[string][]Failure{},
		chats:       map[int64]telegram.Chat{},
		known:       map[int64]map[int64]bool{},
		nextMsg:     map[int64]int64{},
		blocked:     map[int64]bool{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the api_url to configure.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Bot is the fake bot's own user.
func (s *Server) Bot() telegram.User { return s.bot }

// PushMessage queues an update carrying m (message_id and date are filled
// when zero) and returns its update_id.
func (s *Server) PushMessage(m telegram.Message) int64 {
	return s.push("message", m)
}

// PushChannelPost queues a channel_post update.
func (s *Server) PushChannelPost(m telegram.Message) int64 {
	return s.push("channel_post", m)
}

func (s *Server) push(field string, m telegram.Message) int64 {
	s.mu.Lock()
	if m.MessageID == 0 {
		s.nextMsg[m.Chat.ID]++
		m.MessageID = s.nextMsg[m.Chat.ID] + 1000
	}
	if m.Date == 0 {
		m.Date = time.Now().Unix()
	}
	s.remember(m.Chat, m.MessageID)
	s.nextID++
	id := s.nextID
	raw, _ := json.Marshal(map[string]any{"update_id": id, field: m})
	s.queue = append(s.queue, pending{id, raw})
	s.signal()
	s.mu.Unlock()
	return id
}

// PushRaw queues an update body verbatim (for hostile or unusual payloads);
// its update_id is assigned by the fake and returned. body must be a JSON
// object or the literal bytes are queued as they are with the next id.
func (s *Server) PushRaw(body []byte) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := s.nextID
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil && obj != nil {
		obj["update_id"] = json.RawMessage(strconv.FormatInt(id, 10))
		body, _ = json.Marshal(obj)
	}
	s.queue = append(s.queue, pending{id, body})
	s.signal()
	return id
}

// Know makes a message in chat known to the fake without queueing an
// update, as when something else (the simulator, posting straight to the
// desk's webhook) delivered it: the bot may then answer in that chat and
// reply to that message.
func (s *Server) Know(c telegram.Chat, messageID int64) {
	s.mu.Lock()
	s.remember(c, messageID)
	s.mu.Unlock()
}

func (s *Server) remember(c telegram.Chat, msg int64) {
	if _, ok := s.chats[c.ID]; !ok || c.Type != "" {
		s.chats[c.ID] = c
	}
	if s.known[c.ID] == nil {
		s.known[c.ID] = map[int64]bool{}
	}
	s.known[c.ID][msg] = true
	if msg > s.nextMsg[c.ID]+1000 {
		s.nextMsg[c.ID] = msg - 1000
	}
}

func (s *Server) signal() {
	close(s.wake)
	s.wake = make(chan struct{})
}

// FailNext makes the next call of method answer with f (queued in order).
func (s *Server) FailNext(method string, f Failure) {
	s.mu.Lock()
	s.failures[method] = append(s.failures[method], f)
	s.mu.Unlock()
}

// Block makes sendMessage to chat answer 403 "bot was blocked by the user".
func (s *Server) Block(chat int64) {
	s.mu.Lock()
	s.blocked[chat] = true
	s.mu.Unlock()
}

// Sent returns the messages accepted by sendMessage, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Pending is the number of updates not yet confirmed (or delivered).
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Calls counts calls of a method (including failed ones).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Webhook returns the URL and secret token set with setWebhook.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hookURL, s.hookSec
}

// SetWebhook sets the webhook as the API method would.
func (s *Server) SetWebhook(url, secret string) {
	s.mu.Lock()
	s.hookURL, s.hookSec = url, secret
	s.mu.Unlock()
}

// DeliverPending POSTs queued updates to the webhook in order, with the
// secret header, retrying each up to 3 times on non-2xx like Telegram; it
// stops at the first update that still fails (it stays queued) and returns
// the HTTP statuses seen.
func (s *Server) DeliverPending(ctx context.Context) ([]int, error) {
	s.mu.Lock()
	url, secret := s.hookURL, s.hookSec
	s.mu.Unlock()
	if url == "" {
		return nil, fmt.Errorf("tgfake: no webhook set")
	}
	client := s.WebhookClient
	if client == nil {
		client = http.DefaultClient
	}
	var statuses []int
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.mu.Unlock()
			return statuses, nil
		}
		u := s.queue[0]
		s.mu.Unlock()
		ok := false
		for try := 0; try < 3 && !ok; try++ {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(u.raw))
			req.Header.Set("Content-Type", "application/json")
			if secret != "" {
				req.Header.Set(telegram.SecretHeader, secret)
			}
			resp, err := client.Do(req)
			if err != nil {
				return statuses, err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses = append(statuses, resp.StatusCode)
			ok = resp.StatusCode/100 == 2
		}
		if !ok {
			return statuses, nil
		}
		s.mu.Lock()
		if len(s.queue) > 0 && s.queue[0].id == u.id {
			s.queue = s.queue[1:]
		}
		s.delivered = append(s.delivered, u.id)
		s.mu.Unlock()
	}
}

// AutoDeliver pushes queued updates to the webhook as they arrive, like
// Telegram, until ctx ends; updates the webhook refused are retried every
// retryEvery. Without a webhook set, updates wait for getUpdates.
func (s *Server) AutoDeliver(ctx context.Context, retryEvery time.Duration) {
	go func() {
		for {
			s.mu.Lock()
			wake, n, hook := s.wake, len(s.queue), s.hookURL
			s.mu.Unlock()
			if n > 0 && hook != "" {
				s.DeliverPending(ctx)
			}
			s.mu.Lock()
			n = len(s.queue)
			s.mu.Unlock()
			var retry <-chan time.Time
			if n > 0 {
				retry = time.After(retryEvery)
			}
			select {
			case <-ctx.Done():
				return
			case <-wake:
			case <-retry:
			}
		}
	}()
}

// params reads method parameters from JSON, form or query encodings.
func params(r *http.Request) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(b)) > 0 {
			if err := json.Unmarshal(b, &out); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k, v := range r.Form {
		val := v[0]
		if json.Valid([]byte(val)) {
			out[k] = json.RawMessage(val)
		} else {
			out[k], _ = json.Marshal(val)
		}
	}
	return out, nil
}

func str(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func num(raw json.RawMessage) int64 {
	n, _ := strconv.ParseInt(strings.Trim(str(raw), " "), 10, 64)
	return n
}

func writeErr(w http.ResponseWriter, status int, desc string, retryAfter int, migrate int64) {
	env := map[string]any{"ok": false, "error_code": status, "description": desc}
	p := map[string]any{}
	if retryAfter > 0 {
		p["retry_after"] = retryAfter
	}
	if migrate != 0 {
		p["migrate_to_chat_id"] = migrate
	}
	if len(p) > 0 {
		env["parameters"] = p
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(env)
}

func writeOK(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/bot")
	token, method, ok := strings.Cut(path, "/")
	if !ok || !strings.HasPrefix(r.URL.Path, "/bot") {
		writeErr(w, 404, "Not Found", 0, 0)
		return
	}
	if token != s.token {
		writeErr(w, 401, "Unauthorized", 0, 0)
		return
	}
	p, err := params(r)
	if err != nil {
		writeErr(w, 400, "Bad Request: can't parse request parameters", 0, 0)
		return
	}
	s.mu.Lock()
	s.calls[method]++
	if fs := s.failures[method]; len(fs) > 0 {
		f := fs[0]
		s.failures[method] = fs[1:]
		s.mu.Unlock()
		writeErr(w, f.Status, f.Description, f.RetryAfter, f.MigrateTo)
		return
	}
	s.mu.Unlock()
	switch method {
	case "getMe":
		writeOK(w, s.bot)
	case "getUpdates":
		s.getUpdates(w, r, p)
	case "sendMessage":
		s.sendMessage(w, p)
	case "setWebhook":
		s.SetWebhook(str(p["url"]), str(p["secret_token"]))
		writeOK(w, true)
	case "deleteWebhook":
		s.SetWebhook("", "")
		writeOK(w, true)
	case "getWebhookInfo":
		s.mu.Lock()
		info := map[string]any{"url": s.hookURL, "has_custom_certificate": false, "pending_update_count": len(s.queue)}
		s.mu.Unlock()
		writeOK(w, info)
	default:
		writeErr(w, 404, "Not Found: method not found", 0, 0)
	}
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]json.RawMessage) {
	offset := num(p["offset"])
	limit := int(num(p["limit"]))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout := time.Duration(num(p["timeout"])) * time.Second
	if timeout > s.MaxPollWait {
		timeout = s.MaxPollWait
	}
	s.mu.Lock()
	if s.hookURL != "" {
		s.mu.Unlock()
		writeErr(w, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first", 0, 0)
		return
	}
	if s.polling {
		s.mu.Unlock()
		writeErr(w, 409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", 0, 0)
		return
	}
	s.polling = true
	// Confirmation: every update below offset is forgotten for good; a
	// negative offset keeps only the last -offset updates.
	switch {
	case offset > 0:
		i := 0
		for i < len(s.queue) && s.queue[i].id < offset {
			i++
		}
		s.queue = s.queue[i:]
	case offset < 0 && int(-offset) < len(s.queue):
		s.queue = s.queue[len(s.queue)-int(-offset):]
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for len(s.queue) == 0 && timeout > 0 {
		wake := s.wake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-deadline.C:
			timeout = 0
		case <-r.Context().Done():
			timeout = 0
		}
		s.mu.Lock()
	}
	n := min(limit, len(s.queue))
	out := make([]json.RawMessage, n)
	for i := range n {
		out[i] = s.queue[i].raw
	}
	s.polling = false
	s.mu.Unlock()
	writeOK(w, out)
}

// sendMessage validates like the real method and records what was sent.
func (s *Server) sendMessage(w http.ResponseWriter, p map[string]json.RawMessage) {
	msg, f := s.accept(p)
	if f != nil {
		writeErr(w, f.Status, f.Description, 0, 0)
		return
	}
	writeOK(w, msg)
}

func (s *Server) accept(p map[string]json.RawMessage) (telegram.Message, *Failure) {
	ref := str(p["chat_id"])
	text := str(p["text"])
	if ref == "" {
		return telegram.Message{}, &Failure{Status: 400, Description: "Bad Request: chat_id is empty"}
	}
	if strings.TrimSpace(text) == "" {
		return telegram.Message{}, &Failure{Status: 400, Description: "Bad Request: message text is empty"}
	}
	if len(utf16.Encode([]rune(text))) > 4096 {
		return telegram.Message{}, &Failure{Status: 400, Description: "Bad Request: message is too long"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var chat telegram.Chat
	if strings.HasPrefix(ref, "@") {
		found := false
		for _, c := range s.chats {
			if strings.EqualFold("@"+c.Username, ref) {
				chat, found = c, true
			}
		}
		if !found {
			chat = telegram.Chat{ID: -1009000000000 - int64(len(s.chats)), Type: "channel", Username: ref[1:]}
			s.chats[chat.ID] = chat
		}
	} else {
		id, err := strconv.ParseInt(ref, 10, 64)
		c, ok := s.chats[id]
		if err != nil || !ok {
			return telegram.Message{}, &Failure{Status: 400, Description: "Bad Request: chat not found"}
		}
		chat = c
	}
	if s.blocked[chat.ID] {
		return telegram.Message{}, &Failure{Status: 403, Description: "Forbidden: bot was blocked by the user"}
	}
	var rp struct {
		MessageID                int64 `json:"message_id"`
		AllowSendingWithoutReply bool  `json:"allow_sending_without_reply"`
	}
	if raw := p["reply_parameters"]; len(raw) > 0 {
		if json.Unmarshal(raw, &rp) != nil {
			json.Unmarshal([]byte(str(raw)), &rp) // form encoding: a JSON string
		}
	} else if raw := p["reply_to_message_id"]; len(raw) > 0 { // legacy, pre Bot API 7.0
		rp.MessageID = num(raw)
		rp.AllowSendingWithoutReply = str(p["allow_sending_without_reply"]) == "true"
	}
	if rp.MessageID != 0 && !s.known[chat.ID][rp.MessageID] && !rp.AllowSendingWithoutReply {
		return telegram.Message{}, &Failure{Status: 400, Description: "Bad Request: message to be replied not found"}
	}
	s.nextMsg[chat.ID]++
	id := s.nextMsg[chat.ID] + 1000
	s.remember(chat, id)
	thread := num(p["message_thread_id"])
	s.sent = append(s.sent, Sent{ChatID: chat.ID, ChatRef: ref, MessageThreadID: thread, Text: text, ReplyTo: rp.MessageID, MessageID: id, At: time.Now()})
	bot := s.bot
	msg := telegram.Message{MessageID: id, MessageThreadID: thread, From: &bot, Chat: chat, Date: time.Now().Unix(), Text: text}
	if rp.MessageID != 0 {
		msg.ReplyTo = &telegram.Message{MessageID: rp.MessageID, Chat: chat}
	}
	return msg, nil
}
