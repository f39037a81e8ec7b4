package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/telegram"
	"github.com/kaval-desk/kaval/internal/connector/telegram/tgfake"
	"github.com/kaval-desk/kaval/internal/connector/whatsapp/wafake"
	"github.com/kaval-desk/kaval/internal/store"
)

// These tests drive channels and replies over real HTTP with real
// connectors talking to their fake platforms on loopback: a signed webhook
// delivery becomes a case, a reply goes out through the outbox worker, and
// the fake records it in the right thread.

// syncBuf is a log sink shared by the app's goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// apiRec is a test app whose every log line and API response body is
// kept, to prove no secret ever leaves in either.
type apiRec struct {
	*testApp
	logs   *syncBuf
	mu     sync.Mutex
	bodies []string
}

func newRecordedApp(t *testing.T, db *store.DB) *apiRec {
	t.Helper()
	logs := &syncBuf{}
	old := slog.Default()
	// The app takes slog.Default when built; restored after it is closed
	// (cleanups run last-registered first).
	slog.SetDefault(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })
	return &apiRec{testApp: newTestApp(t, db), logs: logs}
}

// do makes a request as role and decodes the JSON answer into out; it
// returns the status and keeps the body.
func (a *apiRec) do(t *testing.T, role, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.(string)
		if !ok {
			js, _ := json.Marshal(body)
			b = string(js)
		}
		rd = strings.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+a.tokens[role])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	a.mu.Lock()
	a.bodies = append(a.bodies, string(data))
	a.mu.Unlock()
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, res.StatusCode, data, err)
		}
	}
	return res.StatusCode
}

// noSecrets fails if any secret value appears in a response body or a
// log line seen so far.
func (a *apiRec) noSecrets(t *testing.T, secrets ...string) {
	t.Helper()
	a.mu.Lock()
	all := strings.Join(a.bodies, "\n")
	n := len(a.bodies)
	a.mu.Unlock()
	logs := a.logs.String()
	if n < 10 || len(logs) == 0 {
		t.Fatalf("nothing recorded (%d bodies, %d log bytes): the check would prove nothing", n, len(logs))
	}
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("secret %q appears in an API response", s)
		}
		if strings.Contains(logs, s) {
			t.Errorf("secret %q appears in the log", s)
		}
	}
}

type channelJSON struct {
	ID           int64
	Platform     string
	Name         string
	Config       map[string]string
	SecretKeys   []string `json:"secret_keys"`
	Status       string
	StatusReason string `json:"status_reason"`
	WebhookPath  string `json:"webhook_path"`
	WebhookURL   string `json:"webhook_url"`
}

type itemJSON struct {
	ID             int64
	State          string
	ChannelID      int64 `json:"channel_id"`
	CaseID         int64 `json:"case_id"`
	PostID         int64 `json:"post_id"`
	Text           string
	NeedsApproval  bool   `json:"needs_approval"`
	ExternalID     string `json:"external_id"`
	LastError      string `json:"last_error"`
	ApprovedBy     int64  `json:"approved_by"`
	DeliveryStatus string `json:"delivery_status"`
	Target         struct {
		Channel       string
		ParentID      string    `json:"parent_id"`
		ThreadID      string    `json:"thread_id"`
		LastInboundAt time.Time `json:"last_inbound_at"`
	}
}

type errJSON struct {
	Error struct{ Code, Message, Field string }
}

type caseJSON struct {
	ID              int64
	Ref             string
	Priority        int
	Private         bool
	Category        string
	FirstResponseAt *time.Time `json:"first_response_at"`
}

type detailJSON struct {
	Case     caseJSON
	Posts    []struct{ ID int64 }
	Timeline []struct {
		Kind    string
		ActorID int64 `json:"actor_id"`
		Body    map[string]any
	}
}

// waitCase waits for the one case of platform to be on the desk.
func (a *apiRec) waitCase(t *testing.T, platform string) caseJSON {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var page struct{ Cases []caseJSON }
		a.do(t, "supervisor", "GET", "/api/v1/cases?platform="+platform, nil, &page)
		if len(page.Cases) == 1 {
			return page.Cases[0]
		}
		if len(page.Cases) > 1 || time.Now().After(deadline) {
			t.Fatalf("want one %s case, have %+v", platform, page.Cases)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitItem waits for outbox item id to reach state.
func (a *apiRec) waitItem(t *testing.T, id int64, state string) itemJSON {
	t.Helper()
	return waitOutbox[itemJSON](t, a, id, state)
}

// waitOutbox polls outbox item id until it reaches state, and returns it
// decoded as T (a reply's or a post's view).
func waitOutbox[T any](t *testing.T, a *apiRec, id int64, state string) T {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var raw json.RawMessage
		a.do(t, "agent", "GET", fmt.Sprintf("/api/v1/outbox/%d", id), nil, &raw)
		var it struct {
			State     string
			LastError string `json:"last_error"`
		}
		json.Unmarshal(raw, &it)
		if it.State == state {
			var out T
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox item %d stayed %s (want %s): %s", id, it.State, state, it.LastError)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func replyEvents(d detailJSON) []map[string]any {
	var out []map[string]any
	for _, e := range d.Timeline {
		if e.Kind == "reply_queued" {
			out = append(out, e.Body)
		}
	}
	return out
}

func TestTelegramChannelReplyEndToEnd(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newRecordedApp(t, db)
		ctx := context.Background()
		const botToken, hookSecret = "7000000001:AAHk3v-SecretBotToken_42x", "hook-secret-Zq81nW"
		fake := tgfake.New(botToken)
		defer fake.Close()

		// Unknown platforms are refused with the list of known ones.
		var e errJSON
		if code := a.do(t, "admin", "POST", "/api/v1/channels", map[string]any{"platform": "myspace", "name": "x"}, &e); code != 422 ||
			e.Error.Field != "platform" || !strings.Contains(e.Error.Message, "telegram") || !strings.Contains(e.Error.Message, "whatsapp") {
			t.Fatalf("unknown platform: %d %+v", code, e)
		}
		// Settings the connector cannot start with are refused up front.
		if code := a.do(t, "admin", "POST", "/api/v1/channels", map[string]any{"platform": "telegram", "name": "No token",
			"config": map[string]string{"api_url": fake.URL()}}, &e); code != 422 || !strings.Contains(e.Error.Message, "bot_token") {
			t.Fatalf("missing bot_token: %d %+v", code, e)
		}

		// Connect the bot, testing the connection with the platform first.
		var ch channelJSON
		create := map[string]any{"platform": "telegram", "name": "Kaval Police bot", "check": true,
			"config":  map[string]string{"api_url": fake.URL(), "mode": "webhook"},
			"secrets": map[string]string{"bot_token": botToken, "webhook_secret": hookSecret}}
		if code := a.do(t, "admin", "POST", "/api/v1/channels", create, &ch); code != 201 {
			t.Fatalf("create: %d %+v", code, ch)
		}
		if ch.Status != "active" || strings.Join(ch.SecretKeys, ",") != "bot_token,webhook_secret" {
			t.Fatalf("created channel: %+v", ch)
		}
		wantHook := fmt.Sprintf("%s/hooks/%d", a.srv.URL, ch.ID)
		if ch.WebhookURL != wantHook || ch.WebhookPath != fmt.Sprintf("/hooks/%d", ch.ID) {
			t.Fatalf("webhook url %q path %q, want %q", ch.WebhookURL, ch.WebhookPath, wantHook)
		}
		if code := a.do(t, "admin", "POST", "/api/v1/channels", create, &e); code != 409 {
			t.Fatalf("same platform and name twice: %d %+v", code, e)
		}

		// Paste the webhook URL into the config: the connector restarts
		// and registers it with Telegram (setWebhook with the secret).
		cfg := map[string]string{"api_url": fake.URL(), "mode": "webhook", "webhook_url": ch.WebhookURL}
		if code := a.do(t, "admin", "PATCH", fmt.Sprintf("/api/v1/channels/%d", ch.ID), map[string]any{"config": cfg}, &ch); code != 200 || ch.Config["webhook_url"] != wantHook {
			t.Fatalf("patch: %d %+v", code, ch)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if u, sec := fake.Webhook(); u == wantHook && sec == hookSecret {
				break
			}
			if time.Now().After(deadline) {
				u, _ := fake.Webhook()
				t.Fatalf("setWebhook never called with %s (have %q)", wantHook, u)
			}
			time.Sleep(10 * time.Millisecond)
		}

		// A citizen writes in a group; Telegram delivers it to /hooks/{id}
		// with the secret token header.
		const chat = int64(-1001234567890)
		fake.PushMessage(telegram.Message{Chat: telegram.Chat{ID: chat, Type: "supergroup", Title: "Jayanagar residents"},
			From: &telegram.User{ID: 4242, FirstName: "Asha", Username: "asha_blr"},
			Text: "@KavalPoliceBot thank you for the quick patrol last night, great work by the Jayanagar team"})
		statuses, err := fake.DeliverPending(ctx)
		if err != nil || len(statuses) != 1 || statuses[0] != 200 {
			t.Fatalf("webhook delivery: %v %v", statuses, err)
		}
		c := a.waitCase(t, "telegram")
		if c.Priority == 1 || c.Private || c.Category == "womens_safety" || c.Category == "police_complaint" {
			t.Fatalf("the test assumes a non-sensitive case: %+v", c)
		}
		var d detailJSON
		a.do(t, "supervisor", "GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, &d)
		if len(d.Posts) != 1 {
			t.Fatalf("case posts: %+v", d.Posts)
		}

		// An agent answers; a double-click queues one item.
		reply := map[string]any{"text": "Thank you Asha! We will pass this on to the Jayanagar team. — Bengaluru City Police"}
		var it, again itemJSON
		if code := a.do(t, "agent", "POST", fmt.Sprintf("/api/v1/cases/%d/replies", c.ID), reply, &it); code != 201 {
			t.Fatalf("reply: %d %+v", code, it)
		}
		if code := a.do(t, "agent", "POST", fmt.Sprintf("/api/v1/cases/%d/replies", c.ID), reply, &again); code != 200 || again.ID != it.ID {
			t.Fatalf("double click: %d item %d, first %d", code, again.ID, it.ID)
		}
		if it.NeedsApproval || it.ChannelID != ch.ID || it.PostID != d.Posts[0].ID || it.Target.ThreadID != fmt.Sprint(chat) ||
			it.Target.Channel != "KavalPoliceBot" || it.Target.LastInboundAt.IsZero() {
			t.Fatalf("queued item: %+v", it)
		}
		sent := a.waitItem(t, it.ID, "sent")
		msgs := fake.Sent()
		if len(msgs) != 1 {
			t.Fatalf("the platform got %d messages, want 1: %+v", len(msgs), msgs)
		}
		m := msgs[0]
		parentMsg := strings.TrimPrefix(it.Target.ParentID, fmt.Sprint(chat)+":")
		if m.ChatID != chat || fmt.Sprint(m.ReplyTo) != parentMsg || m.Text != reply["text"] {
			t.Fatalf("sent %+v, want a reply to %s in chat %d", m, it.Target.ParentID, chat)
		}
		if sent.ExternalID != fmt.Sprintf("%d:%d", chat, m.MessageID) {
			t.Fatalf("item external id %q, platform message %d", sent.ExternalID, m.MessageID)
		}
		var list struct{ Items []itemJSON }
		if a.do(t, "agent", "GET", fmt.Sprintf("/api/v1/outbox?case=%d", c.ID), nil, &list); len(list.Items) != 1 {
			t.Fatalf("outbox for the case: %+v", list.Items)
		}
		a.do(t, "supervisor", "GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, &d)
		if ev := replyEvents(d); len(ev) != 1 || ev[0]["outbox_id"] != float64(it.ID) || ev[0]["text"] != reply["text"] {
			t.Fatalf("timeline reply events: %+v", ev)
		}
		if d.Case.FirstResponseAt == nil {
			t.Fatal("the first-response clock did not stop")
		}

		// Health and a live connection test.
		var health struct {
			ChannelID int64 `json:"channel_id"`
			Status    string
			Connected bool
			Running   bool
		}
		if code := a.do(t, "admin", "GET", fmt.Sprintf("/api/v1/channels/%d/health", ch.ID), nil, &health); code != 200 ||
			health.ChannelID != ch.ID || health.Status != "active" || !health.Running || !health.Connected {
			t.Fatalf("health: %d %+v", code, health)
		}
		var chk struct {
			OK    bool
			Error string
			Class string
		}
		if code := a.do(t, "admin", "POST", fmt.Sprintf("/api/v1/channels/%d/check", ch.ID), nil, &chk); code != 200 || !chk.OK {
			t.Fatalf("check: %d %+v", code, chk)
		}

		// A channel with a wrong token: the check shows Telegram's own
		// refusal, and the token (part of every Bot API URL) is never
		// echoed.
		const badToken = "1234567:WrongTokenValue-abcdef"
		var bad channelJSON
		if code := a.do(t, "admin", "POST", "/api/v1/channels", map[string]any{"platform": "telegram", "name": "Old bot", "paused": true,
			"config": map[string]string{"api_url": fake.URL()}, "secrets": map[string]string{"bot_token": badToken}}, &bad); code != 201 || bad.Status != "paused" {
			t.Fatalf("create paused: %d %+v", code, bad)
		}
		if code := a.do(t, "admin", "POST", fmt.Sprintf("/api/v1/channels/%d/check", bad.ID), nil, &chk); code != 200 || chk.OK ||
			!strings.Contains(chk.Error, "Unauthorized") || chk.Class != "auth_expired" {
			t.Fatalf("check with a bad token: %d %+v", code, chk)
		}
		if code := a.do(t, "admin", "POST", "/api/v1/channels", map[string]any{"platform": "telegram", "name": "Old bot 2", "check": true,
			"config": map[string]string{"api_url": fake.URL()}, "secrets": map[string]string{"bot_token": badToken}}, &e); code != 422 || e.Error.Code != "check_failed" {
			t.Fatalf("create with check and a bad token: %d %+v", code, e)
		}

		// Pause: deliveries are refused with 503 (Telegram redelivers
		// later); resume: accepted again.
		if code := a.do(t, "admin", "POST", fmt.Sprintf("/api/v1/channels/%d/pause", ch.ID), `{"reason":"rotating the token"}`, &ch); code != 200 || ch.Status != "paused" || ch.StatusReason != "rotating the token" {
			t.Fatalf("pause: %d %+v", code, ch)
		}
		fake.PushMessage(telegram.Message{Chat: telegram.Chat{ID: chat, Type: "supergroup"}, From: &telegram.User{ID: 4243, FirstName: "Ravi"}, Text: "Is the Jayanagar station open on Sunday?"})
		if st, _ := fake.DeliverPending(ctx); len(st) == 0 || st[0] != http.StatusServiceUnavailable {
			t.Fatalf("delivery to a paused channel: %v", st)
		}
		if code := a.do(t, "admin", "POST", fmt.Sprintf("/api/v1/channels/%d/resume", ch.ID), nil, &ch); code != 200 || ch.Status != "active" {
			t.Fatalf("resume: %d %+v", code, ch)
		}

		// Only administrators manage channels.
		for _, role := range []string{"supervisor", "agent", "station_officer", "analyst", ""} {
			for _, rt := range a.Web.Routes() {
				// Composing posts on a channel is publish:write, not channel management.
				if !strings.HasPrefix(rt.Pattern, "/api/v1/channels") || rt.Pattern == "/api/v1/channels/{id}/posts" {
					continue
				}
				path := strings.ReplaceAll(rt.Pattern, "{id}", fmt.Sprint(ch.ID))
				want := 403
				if role == "" {
					want = 401
				}
				if code := a.do(t, role, rt.Method, path, "{}", nil); code != want {
					t.Errorf("%s %s as %q: %d, want %d", rt.Method, path, role, code, want)
				}
			}
		}

		var list2 []channelJSON
		if code := a.do(t, "admin", "GET", "/api/v1/channels", nil, &list2); code != 200 || len(list2) != 2 {
			t.Fatalf("list: %d %+v", code, list2)
		}
		if code := a.do(t, "admin", "DELETE", fmt.Sprintf("/api/v1/channels/%d", bad.ID), nil, nil); code != 204 {
			t.Fatalf("delete: %d", code)
		}
		if code := a.do(t, "admin", "GET", fmt.Sprintf("/api/v1/channels/%d", bad.ID), nil, nil); code != 404 {
			t.Fatalf("deleted channel: %d", code)
		}

		// Every change is in the audit log, without secret values.
		var audit []struct {
			Action, Target string
			Details        map[string]any
		}
		a.do(t, "admin", "GET", "/api/v1/audit?action=channel.&limit=100", nil, &audit)
		got := map[string]int{}
		for _, r := range audit {
			got[r.Action]++
		}
		for _, act := range []string{"channel.create", "channel.update", "channel.pause", "channel.resume", "channel.check", "channel.delete"} {
			if got[act] == 0 {
				t.Errorf("no %s in the audit log: %v", act, got)
			}
		}
		a.do(t, "admin", "GET", "/api/v1/audit?action=reply.&limit=100", nil, &audit)
		if len(audit) != 1 || audit[0].Target != fmt.Sprintf("outbox:%d", it.ID) {
			t.Errorf("reply audit: %+v", audit)
		}
		// The routes are in the published document with their permissions.
		var doc struct {
			Paths map[string]map[string]struct {
				Perm string `json:"x-kaval-permission"`
			}
		}
		a.do(t, "", "GET", "/api/v1/openapi.json", nil, &doc)
		for path, want := range map[string]string{"/api/v1/channels/{id}/check": "channels:manage", "/api/v1/outbox/{id}/approve": "replies:approve",
			"/api/v1/cases/{id}/replies": "replies:send"} {
			if got := doc.Paths[path]["post"].Perm; got != want {
				t.Errorf("OpenAPI %s: permission %q, want %q", path, got, want)
			}
		}
		a.noSecrets(t, botToken, hookSecret, badToken, strings.Split(botToken, ":")[1], strings.Split(badToken, ":")[1])
	})
}

func TestRepliesApprovalAndRefusals(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newRecordedApp(t, db)
		ctx := context.Background()
		const appSecret, token, verify = "wa-app-secret-9f8e7d6c", "EAAG-wa-system-user-token-123", "verify-me-7788"
		fake := wafake.New(wafake.Options{AppSecret: appSecret, Token: token, VerifyToken: verify})
		defer fake.Close()

		var ch channelJSON
		if code := a.do(t, "admin", "POST", "/api/v1/channels", map[string]any{"platform": "whatsapp", "name": "Helpline WhatsApp",
			"config":  map[string]string{"graph_url": fake.GraphURL(), "phone_number_id": fake.PhoneNumberID()},
			"secrets": map[string]string{"app_secret": appSecret, "token": token, "verify_token": verify}}, &ch); code != 201 || ch.Status != "active" {
			t.Fatalf("create: %d %+v", code, ch)
		}
		if err := fake.Handshake(ctx, ch.WebhookURL); err != nil {
			t.Fatalf("webhook handshake through /hooks: %v", err)
		}
		// A forged delivery (wrong signature) is refused.
		forged := wafake.SignedRequest("not-the-app-secret", ch.WebhookURL, []byte(`{"object":"whatsapp_business_account","entry":[]}`))
		if res, err := http.DefaultClient.Do(forged); err != nil || res.StatusCode/100 == 2 {
			t.Fatalf("forged delivery accepted: %v %v", res, err)
		} else {
			res.Body.Close()
		}
		// ...and counted where operators look.
		ms := httptest.NewServer(a.MetricsHandler())
		defer ms.Close()
		if res, err := http.Get(ms.URL + "/metrics"); err != nil {
			t.Fatal(err)
		} else {
			m, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if !strings.Contains(string(m), `kaval_webhook_refused_total{platform="whatsapp"`) {
				t.Fatal("a refused delivery is missing from /metrics")
			}
		}
		const citizen = "919812345678"
		msg := fake.Text(citizen, "Meera", "A man has been following me from the bus stop to my house every night near Jayanagar 4th block", "", time.Time{})
		if code, err := fake.Deliver(ctx, ch.WebhookURL, fake.Payload(msg)); err != nil || code != 200 {
			t.Fatalf("signed delivery: %d %v", code, err)
		}
		c := a.waitCase(t, "whatsapp")
		if !c.Private {
			t.Fatalf("a WhatsApp conversation is private: %+v", c)
		}

		// An agent's reply on a private case waits for a supervisor.
		text := "We are sorry to hear this, Meera. A Jayanagar patrol will contact you; in danger call 112."
		var it itemJSON
		if code := a.do(t, "agent", "POST", fmt.Sprintf("/api/v1/cases/%d/replies", c.ID), map[string]any{"text": text, "idempotency_key": "click-1"}, &it); code != 201 ||
			it.State != "awaiting_approval" || !it.NeedsApproval {
			t.Fatalf("sensitive reply by an agent: %d %+v", code, it)
		}
		var e errJSON
		if code := a.do(t, "agent", "POST", fmt.Sprintf("/api/v1/outbox/%d/approve", it.ID), nil, &e); code != 403 {
			t.Fatalf("agent approving: %d %+v", code, e)
		}
		// Even promoted to supervisor, the author cannot release their own reply.
		agentID := a.users["agent"]
		if code := a.do(t, "admin", "PATCH", fmt.Sprintf("/api/v1/users/%d", agentID), `{"role":"supervisor"}`, nil); code != 200 {
			t.Fatalf("promote: %d", code)
		}
		if code := a.do(t, "agent", "POST", fmt.Sprintf("/api/v1/outbox/%d/approve", it.ID), nil, &e); code != 403 || e.Error.Code != "own_item" {
			t.Fatalf("self-approval: %d %+v", code, e)
		}
		if code := a.do(t, "admin", "PATCH", fmt.Sprintf("/api/v1/users/%d", agentID), `{"role":"agent"}`, nil); code != 200 {
			t.Fatalf("demote: %d", code)
		}
		time.Sleep(300 * time.Millisecond)
		if got := a.waitItem(t, it.ID, "awaiting_approval"); len(fake.Sent()) != 0 {
			t.Fatalf("a held reply was sent: %+v", got)
		}
		var approved itemJSON
		if code := a.do(t, "supervisor", "POST", fmt.Sprintf("/api/v1/outbox/%d/approve", it.ID), nil, &approved); code != 200 || approved.ApprovedBy != a.users["supervisor"] {
			t.Fatalf("supervisor approving: %d %+v", code, approved)
		}
		sent := a.waitItem(t, it.ID, "sent")
		msgs := fake.Sent()
		if len(msgs) != 1 || msgs[0].To != citizen || msgs[0].ContextID != msg.ID || msgs[0].Type != "text" || msgs[0].Text != text {
			t.Fatalf("WhatsApp got %+v, want the text quoting %s to %s", msgs, msg.ID, citizen)
		}
		if sent.ExternalID != msgs[0].ID {
			t.Fatalf("external id %q, platform id %q", sent.ExternalID, msgs[0].ID)
		}
		if code := a.do(t, "supervisor", "POST", fmt.Sprintf("/api/v1/outbox/%d/approve", it.ID), nil, &e); code != 409 {
			t.Fatalf("approving a sent item: %d %+v", code, e)
		}
		// The platform's delivery status comes back through the webhook.
		if err := fake.FlushStatuses(ctx, ch.WebhookURL); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for sent.DeliveryStatus != "delivered" && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			a.do(t, "agent", "GET", fmt.Sprintf("/api/v1/outbox/%d", it.ID), nil, &sent)
		}
		if sent.DeliveryStatus != "delivered" {
			t.Fatalf("delivery status %q", sent.DeliveryStatus)
		}
		// The same client key again is the same item; with other words it is a conflict.
		var again itemJSON
		if code := a.do(t, "agent", "POST", fmt.Sprintf("/api/v1/cases/%d/replies", c.ID), map[string]any{"text": text, "idempotency_key": "click-1"}, &again); code != 200 || again.ID != it.ID {
			t.Fatalf("same key: %d %+v", code, again)
		}
		if code := a.do(t, "agent", "POST", fmt.Sprintf("/api/v1/cases/%d/replies", c.ID), map[string]any{"text": "other words", "idempotency_key": "click-1"}, &e); code != 409 {
			t.Fatalf("same key, other text: %d %+v", code, e)
		}

		// A second held reply is rejected: it never goes out.
		var it2 itemJSON
		a.do(t, "agent", "POST", fmt.Sprintf("/api/v1/cases/%d/replies", c.ID), map[string]any{"text": "Please share your exact address."}, &it2)
		if code := a.do(t, "supervisor", "POST", fmt.Sprintf("/api/v1/outbox/%d/reject", it2.ID), `{"reason":"ask for a callback number instead"}`, &it2); code != 200 || it2.State != "cancelled" {
			t.Fatalf("reject: %d %+v", code, it2)
		}
		if code := a.do(t, "supervisor", "POST", fmt.Sprintf("/api/v1/outbox/%d/retry", it2.ID), nil, &e); code != 409 {
			t.Fatalf("retrying a rejected item: %d %+v", code, e)
		}
		var held struct{ Items []itemJSON }
		if a.do(t, "agent", "GET", fmt.Sprintf("/api/v1/outbox?state=awaiting_approval,pending&channel=%d", ch.ID), nil, &held); len(held.Items) != 0 {
			t.Fatalf("items still waiting: %+v", held.Items)
		}
		if code := a.do(t, "agent", "GET", "/api/v1/outbox?state=bogus", nil, &e); code != 400 {
			t.Fatalf("bad state filter: %d", code)
		}

		// A supervisor's own reply on the same case needs no approval; four
		// identical requests racing queue one item and one timeline event.
		var own itemJSON
		var wg sync.WaitGroup
		codes := make([]int, 4)
		ids := make([]int64, 4)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/cases/%d/replies", a.srv.URL, c.ID), strings.NewReader(`{"text":"The patrol is on its way."}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+a.tokens["supervisor"])
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				defer res.Body.Close()
				var it itemJSON
				json.NewDecoder(res.Body).Decode(&it)
				codes[i], ids[i] = res.StatusCode, it.ID
			}()
		}
		wg.Wait()
		created := 0
		for i := range codes {
			if codes[i] == 201 {
				created++
			}
			if (codes[i] != 201 && codes[i] != 200) || ids[i] != ids[0] {
				t.Fatalf("racing replies: codes %v ids %v", codes, ids)
			}
		}
		if created != 1 {
			t.Fatalf("racing replies: %d created (codes %v)", created, codes)
		}
		a.do(t, "supervisor", "GET", fmt.Sprintf("/api/v1/outbox/%d", ids[0]), nil, &own)
		if own.State == "awaiting_approval" || own.NeedsApproval {
			t.Fatalf("supervisor reply held: %+v", own)
		}
		a.waitItem(t, own.ID, "sent")
		var d detailJSON
		a.do(t, "supervisor", "GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, &d)
		if ev := replyEvents(d); len(ev) != 3 {
			t.Fatalf("timeline reply events: %+v", ev)
		}

		// Bad replies.
		for _, bad := range []struct {
			body  any
			field string
		}{
			{map[string]any{"text": "   "}, "text"},
			{map[string]any{"text": strings.Repeat("ಕ", 1400)}, "text"}, // 4200 bytes
			{map[string]any{"text": "hi", "post_id": 999999}, "post_id"},
			{map[string]any{"text": "hi", "idempotency_key": strings.Repeat("k", 200)}, "idempotency_key"},
		} {
			if code := a.do(t, "agent", "POST", fmt.Sprintf("/api/v1/cases/%d/replies", c.ID), bad.body, &e); code != 422 || e.Error.Field != bad.field {
				t.Errorf("%v: %d %+v", bad.body, code, e)
			}
		}
		if code := a.do(t, "agent", "POST", "/api/v1/cases/999999/replies", map[string]any{"text": "hi"}, &e); code != 404 {
			t.Errorf("reply to a missing case: %d", code)
		}
		for _, role := range []string{"analyst", "station_officer"} {
			if code := a.do(t, role, "POST", fmt.Sprintf("/api/v1/cases/%d/replies", c.ID), map[string]any{"text": "hi"}, nil); code != 403 {
				t.Errorf("%s replying: %d", role, code)
			}
		}

		// A post imported through the API came through no channel: there
		// is nothing to reply through.
		imp := map[string]any{"posts": []map[string]any{{"platform": "x", "external_id": "55501", "kind": "mention",
			"author": map[string]any{"id": "u9", "handle": "imported"}, "text": "Street light not working on 9th cross for a week", "created_at": time.Now().UTC()}}}
		if code := a.do(t, "admin", "POST", "/api/v1/posts", imp, nil); code != 200 {
			t.Fatalf("import: %d", code)
		}
		ic := a.waitCase(t, "x")
		if code := a.do(t, "agent", "POST", fmt.Sprintf("/api/v1/cases/%d/replies", ic.ID), map[string]any{"text": "We have informed BESCOM."}, &e); code != 422 ||
			!strings.Contains(e.Error.Message, "no channel to reply through") {
			t.Fatalf("reply to an imported post: %d %+v", code, e)
		}
		// post_id of another case is refused too.
		var other detailJSON
		a.do(t, "supervisor", "GET", fmt.Sprintf("/api/v1/cases/%d", ic.ID), nil, &other)
		if code := a.do(t, "agent", "POST", fmt.Sprintf("/api/v1/cases/%d/replies", c.ID), map[string]any{"text": "hi", "post_id": other.Posts[0].ID}, &e); code != 422 || e.Error.Field != "post_id" {
			t.Fatalf("post of another case: %d %+v", code, e)
		}
		a.do(t, "admin", "GET", "/api/v1/audit?action=outbox.&limit=100", nil, nil)
		a.noSecrets(t, appSecret, token, verify)
	})
}
