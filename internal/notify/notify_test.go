package notify

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/connector/telegram"
	"github.com/kaval-desk/kaval/internal/connector/telegram/tgfake"
	"github.com/kaval-desk/kaval/internal/notify/smtpfake"
	"github.com/kaval-desk/kaval/internal/store"
)

const secret = "a webhook secret of some length"

// hook is a webhook receiver that checks every signature and counts
// deliveries by id; fail makes it answer 500 that many times first.
type hook struct {
	t     *testing.T
	mu    sync.Mutex
	got   map[int64]int
	last  WebhookPayload
	fail  atomic.Int32
	srv   *httptest.Server
	clock func() time.Time
}

func newHook(t *testing.T, clock func() time.Time) *hook {
	h := &hook{t: t, got: map[int64]int{}, clock: clock}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := Verify(secret, r.Header, body, h.clock(), 5*time.Minute); err != nil {
			t.Errorf("webhook: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if h.fail.Add(-1) >= 0 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		var p WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		id, _ := strconv.ParseInt(r.Header.Get(HeaderDelivery), 10, 64)
		h.mu.Lock()
		h.got[id]++
		h.last = p
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

type env struct {
	t       *testing.T
	db      *store.DB
	n       *Notifier
	now     time.Time
	mu      sync.Mutex
	smtp    *smtpfake.Server
	tg      *tgfake.Server
	hook    *hook
	cfg     Config
	sup     *auth.User
	agent   *auth.User
	live    [][]int64
	chatID  int64
	liveErr error
}

func (e *env) clock() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }
func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

func setup(t *testing.T, db *store.DB) *env {
	ctx := context.Background()
	e := &env{t: t, db: db, now: time.Now().Truncate(time.Second), chatID: -1002000000001}
	var err error
	if e.smtp, err = smtpfake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.smtp.Close)
	e.tg = tgfake.New("123:abc")
	t.Cleanup(e.tg.Close)
	e.tg.Know(telegram.Chat{ID: e.chatID, Type: "supergroup", Title: "Supervisors"}, 1)
	e.tg.Know(telegram.Chat{ID: 555, Type: "private"}, 1)
	e.hook = newHook(t, e.clock)
	e.cfg = Config{BaseURL: "https://desk.example.org",
		SMTP:     SMTPConfig{Addr: e.smtp.Addr(), From: "kaval@desk.example.org"},
		Telegram: TelegramConfig{Token: "123:abc", ChatID: strconv.FormatInt(e.chatID, 10), APIURL: e.tg.URL()},
		Webhook:  WebhookConfig{URL: e.hook.srv.URL + "/hook", Secret: secret}}
	if err := e.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	svc := auth.New(db, auth.Config{Hash: auth.TestHashParams})
	if e.sup, _, err = svc.CreateUser(ctx, auth.NewUser{Username: "sup", Role: auth.RoleSupervisor, Password: "a long enough password 1"}); err != nil {
		t.Fatal(err)
	}
	if e.agent, _, err = svc.CreateUser(ctx, auth.NewUser{Username: "asha", Role: auth.RoleAgent, Password: "a long enough password 1"}); err != nil {
		t.Fatal(err)
	}
	e.n = e.notifier()
	if _, err := e.n.SetContact(ctx, e.sup.ID, Contact{Email: "Sup <sup@example.org>", TelegramChat: "555"}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) notifier() *Notifier {
	return New(e.db, e.cfg, Options{Now: e.clock, Live: func(ctx context.Context, ids []int64) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.live = append(e.live, ids)
		return e.liveErr
	}})
}

func breach(key string) Notification {
	return Notification{Kind: "sla.breach", Severity: Critical, Link: "/desk/cases/12", Key: key,
		Text: map[string]Text{"en": {Subject: "Case 12 breached its first response", Body: "Nobody answered in 15 minutes."},
			"kn": {Subject: "ಪ್ರಕರಣ 12 ಮೊದಲ ಪ್ರತಿಕ್ರಿಯೆಯ ಗಡುವು ಮೀರಿದೆ", Body: "15 ನಿಮಿಷಗಳಲ್ಲಿ ಯಾರೂ ಉತ್ತರಿಸಲಿಲ್ಲ."}}}
}

func (e *env) deliver() int {
	e.t.Helper()
	k, err := e.n.DeliverDue(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return k
}

func TestSendEverywhere(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		id, fresh, err := e.n.Send(ctx, breach("sla.breach:12:first"), Audience{Roles: []auth.Role{auth.RoleSupervisor}, Users: []int64{e.agent.ID},
			Emails: []string{"duty@example.org"}, Broadcast: true})
		if err != nil || !fresh || id == 0 {
			t.Fatalf("send: %d %v %v", id, fresh, err)
		}
		// The same key again (a retry, another replica): nothing new.
		if id2, fresh, err := e.n.Send(ctx, breach("sla.breach:12:first"), Audience{Roles: []auth.Role{auth.RoleSupervisor}, Broadcast: true}); err != nil || fresh || id2 != id {
			t.Fatalf("dedupe: %d %v %v", id2, fresh, err)
		}
		// In the desk at once, before any delivery.
		for _, u := range []int64{e.sup.ID, e.agent.ID} {
			if k, _ := e.n.Unread(ctx, u); k != 1 {
				t.Fatalf("user %d unread %d", u, k)
			}
		}
		// live, e-mail ×2 (supervisor, duty), telegram ×2 (supervisor's own chat, the desk's chat), webhook.
		if k := e.deliver(); k != 6 {
			t.Fatalf("delivered %d, want 6", k)
		}
		if k := e.deliver(); k != 0 {
			t.Fatalf("second round delivered %d", k)
		}
		if len(e.live) != 1 || len(e.live[0]) != 2 {
			t.Fatalf("live pushes %v", e.live)
		}
		msgs := e.smtp.Messages()
		if len(msgs) != 2 {
			t.Fatalf("mails %d", len(msgs))
		}
		to := map[string]bool{}
		for _, m := range msgs {
			to[m.To[0]] = true
			h := m.Header()
			subj, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
			if err != nil || !strings.Contains(subj, "Case 12 breached") || !strings.Contains(subj, "ಪ್ರಕರಣ 12") {
				t.Errorf("subject %q %v", subj, err)
			}
			body, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m.Data[strings.Index(m.Data, "\r\n\r\n")+4:])))
			if !strings.Contains(string(body), "15 ನಿಮಿಷಗಳಲ್ಲಿ") || !strings.Contains(string(body), "https://desk.example.org/desk/cases/12") {
				t.Errorf("body %q", body)
			}
		}
		if !to["sup@example.org"] || !to["duty@example.org"] {
			t.Errorf("mail recipients %v", to)
		}
		sent := e.tg.Sent()
		if len(sent) != 2 {
			t.Fatalf("telegram %d", len(sent))
		}
		chats := map[int64]bool{}
		for _, s := range sent {
			chats[s.ChatID] = true
			if !strings.Contains(s.Text, "ಗಡುವು ಮೀರಿದೆ") {
				t.Errorf("telegram text %q", s.Text)
			}
		}
		if !chats[e.chatID] || !chats[555] {
			t.Errorf("telegram chats %v", chats)
		}
		if len(e.hook.got) != 1 || e.hook.last.Kind != "sla.breach" || e.hook.last.Link != "https://desk.example.org/desk/cases/12" || e.hook.last.Text["kn"].Subject == "" {
			t.Errorf("webhook %v %+v", e.hook.got, e.hook.last)
		}
		// Mark read.
		items, err := e.n.List(ctx, e.sup.ID, true, 0, 10)
		if err != nil || len(items) != 1 || items[0].In("kn").Subject != breach("").Text["kn"].Subject {
			t.Fatalf("list %+v %v", items, err)
		}
		if err := e.n.MarkRead(ctx, e.agent.ID+1000, id); err != store.ErrNotFound {
			t.Fatalf("someone else's: %v", err)
		}
		if err := e.n.MarkRead(ctx, e.sup.ID, id); err != nil {
			t.Fatal(err)
		}
		if k, _ := e.n.Unread(ctx, e.sup.ID); k != 0 {
			t.Fatalf("unread after read %d", k)
		}
		if k, _ := e.n.Unread(ctx, e.agent.ID); k != 1 {
			t.Fatalf("agent's unread touched: %d", k)
		}
		if k, _ := e.n.MarkAllRead(ctx, e.agent.ID); k != 1 {
			t.Fatalf("mark all %d", k)
		}
	})
}

func TestRetriesWithBackoff(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		e.smtp.RefuseNext("451 4.3.0 try again later")
		e.tg.FailNext("sendMessage", tgfake.Failure{Status: 429, Description: "Too Many Requests: retry after 35", RetryAfter: 35})
		e.hook.fail.Store(2)
		if _, _, err := e.n.Send(ctx, breach(""), Audience{Users: []int64{e.sup.ID}, Broadcast: true, Channels: []Channel{ChannelEmail, ChannelTelegram, ChannelWebhook}}); err != nil {
			t.Fatal(err)
		}
		e.deliver()
		pending, _ := e.n.Deliveries(ctx, "pending", 10)
		// e-mail, the one Telegram message that got 429 (the other went
		// through), the webhook.
		if len(pending) != 3 {
			t.Fatalf("pending after first round: %+v", pending)
		}
		for _, d := range pending {
			if d.Attempts != 1 || d.LastError == "" || !d.NextAt.After(e.clock()) {
				t.Errorf("not rescheduled: %+v", d)
			}
			if d.Channel == ChannelTelegram && d.NextAt.Sub(e.clock()) != 35*time.Second {
				t.Errorf("telegram retry_after not honoured: %v", d.NextAt.Sub(e.clock()))
			}
			if d.Channel == ChannelWebhook && strings.Contains(d.Target, "?") {
				t.Errorf("webhook target not redacted")
			}
		}
		if k := e.deliver(); k != 0 {
			t.Fatalf("retried before due: %d", k)
		}
		e.advance(time.Minute)
		e.deliver() // mail and telegram through; webhook fails a second time
		e.advance(time.Minute)
		e.deliver()
		if p, _ := e.n.Deliveries(ctx, "pending", 10); len(p) != 0 {
			t.Fatalf("still pending: %+v", p)
		}
		if len(e.smtp.Messages()) != 1 || len(e.tg.Sent()) != 2 || len(e.hook.got) != 1 {
			t.Fatalf("mail %d telegram %d webhook %v", len(e.smtp.Messages()), len(e.tg.Sent()), e.hook.got)
		}
	})
}

func TestPermanentFailureAndRetry(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		e.tg.FailNext("sendMessage", tgfake.Failure{Status: 400, Description: "Bad Request: chat not found"})
		if _, _, err := e.n.Send(ctx, breach(""), Audience{Broadcast: true, Channels: []Channel{ChannelTelegram}}); err != nil {
			t.Fatal(err)
		}
		e.deliver()
		failed, _ := e.n.Deliveries(ctx, "failed", 10)
		if len(failed) != 1 || !strings.Contains(failed[0].LastError, "chat not found") || strings.Contains(failed[0].LastError, "123:abc") {
			t.Fatalf("failed %+v", failed)
		}
		if err := e.n.Retry(ctx, failed[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := e.n.Retry(ctx, failed[0].ID); err != store.ErrNotFound {
			t.Fatalf("retry of a pending delivery: %v", err)
		}
		e.deliver()
		if len(e.tg.Sent()) != 1 {
			t.Fatalf("not sent after retry")
		}
		// Attempts run out: failed for good.
		e.n.opt.MaxAttempts = 2
		e.hook.fail.Store(10)
		e.n.Send(ctx, breach(""), Audience{Broadcast: true, Channels: []Channel{ChannelWebhook}})
		e.deliver()
		e.advance(time.Hour)
		e.deliver()
		if f, _ := e.n.Deliveries(ctx, "failed", 10); len(f) != 1 || f[0].Channel != ChannelWebhook || f[0].Attempts != 2 {
			t.Fatalf("after max attempts: %+v", f)
		}
	})
}

// Two replicas' workers deliver the same queue: each delivery goes out once.
func TestTwoWorkersDeliverOnce(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		for i := 0; i < 30; i++ {
			if _, _, err := e.n.Send(ctx, breach(""), Audience{Broadcast: true, Channels: []Channel{ChannelWebhook}}); err != nil {
				t.Fatal(err)
			}
		}
		other := e.notifier()
		var wg sync.WaitGroup
		var total atomic.Int64
		for _, n := range []*Notifier{e.n, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := n.DeliverDue(ctx)
				if err != nil {
					t.Error(err)
				}
				total.Add(int64(k))
			}()
		}
		wg.Wait()
		if total.Load() != 30 || len(e.hook.got) != 30 {
			t.Fatalf("attempted %d, received %d", total.Load(), len(e.hook.got))
		}
		for id, k := range e.hook.got {
			if k != 1 {
				t.Errorf("delivery %d received %d times", id, k)
			}
		}
	})
}

func TestValidation(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		bad := []Notification{
			{Kind: "", Text: map[string]Text{"en": {Subject: "x"}}},
			{Kind: "k", Text: map[string]Text{"kn": {Subject: "x"}}},
			{Kind: "k", Severity: "loud", Text: map[string]Text{"en": {Subject: "x"}}},
			{Kind: "k", Link: "https://evil.example/", Text: map[string]Text{"en": {Subject: "x"}}},
			{Kind: "k", Text: map[string]Text{"en": {Subject: "x"}, "xx": {Subject: "y"}}},
		}
		for i, m := range bad {
			if _, _, err := e.n.Send(ctx, m, Audience{Users: []int64{e.sup.ID}}); err == nil {
				t.Errorf("%d: accepted %+v", i, m)
			}
		}
		if _, _, err := e.n.Send(ctx, breach(""), Audience{Emails: []string{"not an address\r\nBcc: x@y"}}); err == nil {
			t.Error("bad address accepted")
		}
		if k, _ := e.n.Unread(ctx, e.sup.ID); k != 0 {
			t.Fatalf("a refused notification was stored")
		}
		for _, c := range []Contact{{Email: "nope"}, {TelegramChat: "12a"}, {TelegramChat: "@a"}, {TelegramChat: "-"}} {
			if _, err := e.n.SetContact(ctx, e.sup.ID, c); err == nil {
				t.Errorf("contact %+v accepted", c)
			}
		}
		if c, _ := e.n.ContactOf(ctx, e.sup.ID); c.Email != "sup@example.org" || c.TelegramChat != "555" {
			t.Errorf("contact changed: %+v", c)
		}
	})
}

func TestSignature(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"kind":"sla.breach"}`)
	h := http.Header{}
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(HeaderSignature, Sign(secret, now.Unix(), body))
	if err := Verify(secret, h, body, now, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := Verify(secret, h, []byte(`{"kind":"sla.breach "}`), now, time.Minute); err == nil {
		t.Error("altered body verified")
	}
	if err := Verify("another secret entirely", h, body, now, time.Minute); err == nil {
		t.Error("wrong secret verified")
	}
	if err := Verify(secret, h, body, now.Add(10*time.Minute), time.Minute); err == nil {
		t.Error("replay verified")
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{"KAVAL_TELEGRAM_BOT_TOKEN": "1:x"}
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }, ""); err == nil || !strings.Contains(err.Error(), "KAVAL_TELEGRAM_CHAT_ID") {
		t.Errorf("missing chat: %v", err)
	}
	env = map[string]string{"KAVAL_NOTIFY_WEBHOOK_URL": "https://h.example/x", "KAVAL_NOTIFY_WEBHOOK_SECRET": "short"}
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }, ""); err == nil {
		t.Error("short secret accepted")
	}
	env = map[string]string{"KAVAL_SMTP_ADDR": "mail.example.org:587", "KAVAL_SMTP_FROM": "desk@example.org", "KAVAL_TELEGRAM_BOT_TOKEN": "1:x", "KAVAL_TELEGRAM_CHAT_ID": "-100123"}
	c, err := ConfigFromEnv(func(k string) string { return env[k] }, "https://d.example/")
	if err != nil || c.Telegram.APIURL != "https://api.telegram.org" || c.BaseURL != "https://d.example" {
		t.Errorf("%+v %v", c, err)
	}
}
