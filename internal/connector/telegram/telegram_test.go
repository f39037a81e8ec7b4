package telegram_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/telegram"
	"github.com/kaval-desk/kaval/internal/connector/telegram/tgfake"
	"github.com/kaval-desk/kaval/internal/post"
)

const token = "123456:TEST-token"

var (
	group   = telegram.Chat{ID: -1001234567890, Type: "supergroup", Title: "Koramangala Watch", Username: "kora_watch", IsForum: true}
	private = telegram.Chat{ID: 5123456789, Type: "private"}
	citizen = &telegram.User{ID: 5123456789, FirstName: "Jo", LastName: "Resident", Username: "jo_res", LanguageCode: "kn"}
)

func newConn(t *testing.T, fake *tgfake.Server, cfg map[string]string, sk *conntest.Sink, cp *conntest.Checkpoints) connector.Connector {
	t.Helper()
	conf := map[string]string{"api_url": fake.URL(), "poll_timeout": "1s", "backoff": "10ms", "backoff_max": "50ms"}
	for k, v := range cfg {
		conf[k] = v
	}
	c, err := connector.New(connector.Channel{ID: 7, Platform: post.Telegram, Name: "blr_police_bot", Config: conf,
		Secrets: map[string]string{"bot_token": token, "webhook_secret": "s3cret-Token_1"}},
		connector.Deps{Sink: sk, Checkpoints: cp})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func run(t *testing.T, c connector.Connector) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not stop")
		}
	}
}

func TestPollingExactlyOnceAcrossRestart(t *testing.T) {
	fake := tgfake.New(token)
	defer fake.Close()
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()

	fake.PushMessage(telegram.Message{Chat: private, From: citizen, Text: "ನಮ್ಮ ಬೀದಿಯಲ್ಲಿ ಕಳ್ಳತನ ಆಗಿದೆ", Date: 1787217600})
	root := fake.PushMessage(telegram.Message{MessageID: 2230, Chat: group, From: citizen, Text: "topic root"})
	_ = root
	fake.PushMessage(telegram.Message{MessageID: 2241, MessageThreadID: 2230, IsTopicMessage: true, Chat: group, From: citizen,
		Text: "@KavalPoliceBot streetlight out at 5th Block", ReplyTo: &telegram.Message{MessageID: 2230, Chat: group}})
	lat, lon := 12.9352, 77.6245
	last := fake.PushMessage(telegram.Message{Chat: private, From: citizen, Location: &telegram.Location{Latitude: lat, Longitude: lon}})

	c := newConn(t, fake, nil, sk, cp)
	stop := run(t, c)
	conntest.WaitFor(t, "4 posts", func() bool { return sk.Len() == 4 })
	conntest.WaitFor(t, "checkpoint", func() bool { return cp.Get("telegram:7:updates", "offset") == strconv.FormatInt(last+1, 10) })
	stop()

	dm, ok := sk.Get("telegram/5123456789:1001")
	if !ok {
		t.Fatalf("DM missing: %v", sk.Order())
	}
	if !dm.Private || dm.Kind != post.KindDirectMessage || dm.ThreadID != "5123456789" || dm.Author.Handle != "jo_res" ||
		dm.Author.Name != "Jo Resident" || dm.Text != "ನಮ್ಮ ಬೀದಿಯಲ್ಲಿ ಕಳ್ಳತನ ಆಗಿದೆ" || !dm.CreatedAt.Equal(time.Unix(1787217600, 0)) ||
		dm.CreatedAt.Location() != time.UTC || dm.Channel != "KavalPoliceBot" || len(dm.Raw) == 0 {
		t.Errorf("DM normalised wrong: %+v", dm)
	}
	g, ok := sk.Get("telegram/-1001234567890:2241")
	if !ok {
		t.Fatalf("group message missing: %v", sk.Order())
	}
	if g.Private || g.ThreadID != "-1001234567890:2230" || g.InReplyTo != "-1001234567890:2230" || g.URL != "https://t.me/kora_watch/2241" || g.Kind != post.KindMention {
		t.Errorf("group message normalised wrong: %+v", g)
	}
	loc, ok := sk.Get("telegram/5123456789:1002")
	if !ok || loc.Lat == nil || *loc.Lat != lat || *loc.Lon != lon {
		t.Errorf("location message wrong: %+v", loc)
	}

	// Restart: the offset survives, nothing is redelivered, new updates flow.
	fake.PushMessage(telegram.Message{Chat: private, From: citizen, Text: "any update?"})
	c2 := newConn(t, fake, nil, sk, cp)
	stop = run(t, c2)
	conntest.WaitFor(t, "5th post", func() bool { return sk.Len() == 5 })
	stop()
	for _, k := range sk.Order() {
		if n := sk.Deliveries(k); n != 1 {
			t.Errorf("%s delivered %d times", k, n)
		}
	}
	if fake.Pending() != 0 {
		// the next poll after the last batch confirms it
		c3 := newConn(t, fake, nil, sk, cp)
		stop = run(t, c3)
		conntest.WaitFor(t, "confirmation", func() bool { return fake.Pending() == 0 })
		stop()
	}
}

func TestPollingOffsetOnlyAfterDurableIngest(t *testing.T) {
	fake := tgfake.New(token)
	defer fake.Close()
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
	sk.FailNext(3)
	id := fake.PushMessage(telegram.Message{Chat: private, From: citizen, Text: "help"})
	c := newConn(t, fake, nil, sk, cp)
	stop := run(t, c)
	conntest.WaitFor(t, "post after intake recovers", func() bool { return sk.Len() == 1 })
	stop()
	if got := cp.Get("telegram:7:updates", "offset"); got != strconv.FormatInt(id+1, 10) {
		t.Fatalf("offset = %q, want %d", got, id+1)
	}
	if n := fake.Calls("getUpdates"); n < 4 {
		t.Errorf("getUpdates called %d times; the batch should have been refetched after each intake failure", n)
	}
	if h := c.Health(); len(h.Errors) == 0 || !strings.Contains(h.Errors[len(h.Errors)-1], "intake") {
		t.Errorf("health errors = %v", h.Errors)
	}
}

func TestPollingWaitsOutFloodControl(t *testing.T) {
	fake := tgfake.New(token)
	defer fake.Close()
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
	fake.FailNext("getUpdates", tgfake.Failure{Status: 429, Description: "Too Many Requests: retry after 1", RetryAfter: 1})
	fake.PushMessage(telegram.Message{Chat: private, From: citizen, Text: "help"})
	c := newConn(t, fake, nil, sk, cp)
	start := time.Now()
	stop := run(t, c)
	conntest.WaitFor(t, "post", func() bool { return sk.Len() == 1 })
	stop()
	if time.Since(start) < time.Second {
		t.Errorf("retry_after of 1 s was not respected")
	}
	if h := c.Health(); h.Rate.RetryAfter != "1s" {
		t.Errorf("health rate = %+v", h.Rate)
	}
}

func TestGetUpdatesConflictWhileWebhookSet(t *testing.T) {
	fake := tgfake.New(token)
	defer fake.Close()
	fake.SetWebhook("https://example.invalid/hook", "x")
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
	fake.PushMessage(telegram.Message{Chat: private, From: citizen, Text: "help"})
	c := newConn(t, fake, nil, sk, cp)
	stop := run(t, c)
	conntest.WaitFor(t, "conflict recorded", func() bool {
		h := c.Health()
		return len(h.Errors) > 0 && strings.Contains(h.Errors[0], "409")
	})
	stop()
	if sk.Len() != 0 {
		t.Fatal("ingested while webhook active")
	}
}

func webhookSetup(t *testing.T) (*tgfake.Server, *conntest.Sink, connector.Connector, *httptest.Server, func()) {
	fake := tgfake.New(token)
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
	var c connector.Connector
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.Webhook().ServeHTTP(w, r) }))
	c = newConn(t, fake, map[string]string{"mode": "webhook", "webhook_url": hook.URL + "/hooks/7"}, sk, cp)
	stop := run(t, c)
	conntest.WaitFor(t, "setWebhook", func() bool { u, _ := fake.Webhook(); return u != "" })
	return fake, sk, c, hook, func() { stop(); hook.Close(); fake.Close() }
}

func TestWebhookSecretAndDelivery(t *testing.T) {
	fake, sk, _, hook, done := webhookSetup(t)
	defer done()
	if _, sec := fake.Webhook(); sec != "s3cret-Token_1" {
		t.Fatalf("setWebhook secret_token = %q", sec)
	}
	fake.PushMessage(telegram.Message{Chat: private, From: citizen, Text: "via webhook"})
	st, err := fake.DeliverPending(context.Background())
	if err != nil || len(st) != 1 || st[0] != 200 {
		t.Fatalf("delivery statuses %v, %v", st, err)
	}
	if sk.Len() != 1 {
		t.Fatal("not ingested")
	}

	// A wrong secret is refused (403) and nothing is ingested; Telegram
	// retries and the update stays pending.
	fake.SetWebhook(hook.URL+"/hooks/7", "wrong-secret")
	fake.PushMessage(telegram.Message{Chat: private, From: citizen, Text: "forged"})
	st, _ = fake.DeliverPending(context.Background())
	if len(st) != 3 || st[0] != 403 || fake.Pending() != 1 || sk.Len() != 1 {
		t.Fatalf("forged delivery: statuses %v pending %d ingested %d", st, fake.Pending(), sk.Len())
	}
	// No header at all: 401.
	resp, err := http.Post(hook.URL, "application/json", strings.NewReader(`{"update_id":1,"message":{"message_id":1,"chat":{"id":1,"type":"private"},"date":1,"text":"x"}}`))
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("no secret: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if sk.Len() != 1 {
		t.Fatal("ingested without secret")
	}
}

func TestWebhookBodyLimitsAndIntakeFailure(t *testing.T) {
	fake, sk, _, hook, done := webhookSetup(t)
	defer done()
	post := func(body string) int {
		req, _ := http.NewRequest(http.MethodPost, hook.URL, strings.NewReader(body))
		req.Header.Set(telegram.SecretHeader, "s3cret-Token_1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := post(`{"update_id":5,"message":{"message_id":1,"chat":{"id":1`); s != 400 {
		t.Errorf("truncated JSON: %d", s)
	}
	big := `{"update_id":6,"message":{"message_id":1,"chat":{"id":1,"type":"private"},"date":1,"text":"` + strings.Repeat("a", 1<<20) + `"}}`
	if s := post(big); s != 413 {
		t.Errorf("oversized body: %d", s)
	}
	if sk.Len() != 0 {
		t.Fatal("bad bodies ingested")
	}
	sk.FailNext(1)
	fake.PushMessage(telegram.Message{Chat: private, From: citizen, Text: "retry me"})
	st, _ := fake.DeliverPending(context.Background())
	if len(st) != 2 || st[0] != 503 || st[1] != 200 || sk.Len() != 1 {
		t.Fatalf("intake failure should give 5xx then succeed on redelivery: %v", st)
	}
}

func TestReplyLandsInThread(t *testing.T) {
	fake := tgfake.New(token)
	defer fake.Close()
	fake.PushMessage(telegram.Message{MessageID: 2241, MessageThreadID: 2230, IsTopicMessage: true, Chat: group, From: citizen, Text: "@bot help"})
	c := newConn(t, fake, map[string]string{"publish_chat": "@blr_police"}, conntest.NewSink(), conntest.NewCheckpoints())
	res, err := c.Reply(context.Background(), connector.Target{ParentID: "-1001234567890:2241", ThreadID: "-1001234567890:2230"}, connector.Message{Text: "ಪೊಲೀಸರು ಬರುತ್ತಿದ್ದಾರೆ"})
	if err != nil {
		t.Fatal(err)
	}
	sent := fake.Sent()
	if len(sent) != 1 || sent[0].ChatID != group.ID || sent[0].ReplyTo != 2241 || sent[0].MessageThreadID != 2230 || sent[0].Text != "ಪೊಲೀಸರು ಬರುತ್ತಿದ್ದಾರೆ" {
		t.Fatalf("sent = %+v", sent)
	}
	if res.ExternalID != "-1001234567890:"+strconv.FormatInt(sent[0].MessageID, 10) || res.URL == "" {
		t.Errorf("result = %+v", res)
	}
	if _, err := c.Publish(context.Background(), connector.Message{Text: "Traffic advisory"}); err != nil {
		t.Fatal(err)
	}
	if s := fake.Sent(); len(s) != 2 || s[1].ChatRef != "@blr_police" {
		t.Errorf("publish sent %+v", s)
	}
}

func TestReplyErrors(t *testing.T) {
	fake := tgfake.New(token)
	defer fake.Close()
	fake.PushMessage(telegram.Message{MessageID: 10, Chat: private, From: citizen, Text: "hi"})
	c := newConn(t, fake, nil, conntest.NewSink(), conntest.NewCheckpoints())
	target := connector.Target{ParentID: "5123456789:10"}
	ctx := context.Background()
	class := func(err error) connector.Class { return connector.ClassOf(err) }

	if _, err := c.Reply(ctx, target, connector.Message{Text: strings.Repeat("ಕ", 4097)}); class(err) != connector.Invalid {
		t.Errorf("too long: %v", err)
	}
	if _, err := c.Reply(ctx, target, connector.Message{Text: "  "}); class(err) != connector.Invalid {
		t.Errorf("empty: %v", err)
	}
	fake.FailNext("sendMessage", tgfake.Failure{Status: 429, Description: "Too Many Requests: retry after 35", RetryAfter: 35})
	_, err := c.Reply(ctx, target, connector.Message{Text: "ok"})
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Class != connector.RateLimited || ce.RetryAfter != 35*time.Second || ce.Code != "429" {
		t.Errorf("429: %v", err)
	}
	fake.FailNext("sendMessage", tgfake.Failure{Status: 502, Description: "Bad Gateway"})
	if _, err := c.Reply(ctx, target, connector.Message{Text: "ok"}); class(err) != connector.Retryable {
		t.Errorf("502: %v", err)
	}
	fake.Block(private.ID)
	_, err = c.Reply(ctx, target, connector.Message{Text: "ok"})
	if !errors.As(err, &ce) || ce.Class != connector.Permanent || ce.Status != 403 || !strings.Contains(ce.Message, "blocked") {
		t.Errorf("blocked: %v", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Error("token leaked in error")
	}
	if len(fake.Sent()) != 0 {
		t.Errorf("fake recorded sends: %+v", fake.Sent())
	}
	bad := newConnToken(t, fake.URL(), "999:wrong")
	if _, err := bad.Reply(ctx, target, connector.Message{Text: "ok"}); class(err) != connector.AuthExpired {
		t.Errorf("bad token: %v", err)
	}
}

func newConnToken(t *testing.T, url, tok string) connector.Connector {
	c, err := connector.New(connector.Channel{ID: 8, Platform: post.Telegram, Config: map[string]string{"api_url": url},
		Secrets: map[string]string{"bot_token": tok}}, connector.Deps{Sink: conntest.NewSink(), Checkpoints: conntest.NewCheckpoints()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A server that reads the request and hangs up without answering: the
// message may have been sent, so the outcome is Unknown, never Retryable.
func TestReplyOutcomeUnknown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			br := bufio.NewReader(conn)
			req, err := http.ReadRequest(br)
			if err == nil {
				buf := make([]byte, req.ContentLength)
				br.Read(buf)
			}
			conn.Close()
		}
	}()
	c := newConnToken(t, "http://"+ln.Addr().String(), token)
	_, err = c.Reply(context.Background(), connector.Target{ParentID: "1:2"}, connector.Message{Text: "hello"})
	if connector.ClassOf(err) != connector.Unknown {
		t.Fatalf("got %v, want unknown", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Error("token leaked in error")
	}
}

func TestCheckAndRegistration(t *testing.T) {
	fake := tgfake.New(token)
	defer fake.Close()
	c := newConn(t, fake, nil, conntest.NewSink(), conntest.NewCheckpoints())
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := newConnToken(t, fake.URL(), "1:bad").Check(context.Background()); connector.ClassOf(err) != connector.AuthExpired {
		t.Errorf("bad token check: %v", err)
	}
	if _, err := connector.New(connector.Channel{Platform: post.Telegram, Config: map[string]string{"mode": "webhook"}, Secrets: map[string]string{"bot_token": "x"}}, connector.Deps{}); err == nil {
		t.Error("webhook mode without secret accepted")
	}
}

func TestReplyToOurBotIsKindReply(t *testing.T) {
	fake := tgfake.New(token)
	defer fake.Close()
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
	bot := fake.Bot()
	other := telegram.User{ID: 42, IsBot: true, FirstName: "Other bot"}
	fake.PushMessage(telegram.Message{MessageID: 50, Chat: group, From: citizen, Text: "to us", ReplyTo: &telegram.Message{MessageID: 49, From: &bot, Chat: group}})
	fake.PushMessage(telegram.Message{MessageID: 51, Chat: group, From: citizen, Text: "to another bot", ReplyTo: &telegram.Message{MessageID: 48, From: &other, Chat: group}})
	c := newConn(t, fake, nil, sk, cp)
	stop := run(t, c)
	conntest.WaitFor(t, "2 posts", func() bool { return sk.Len() == 2 })
	stop()
	if p, _ := sk.Get("telegram/-1001234567890:50"); p.Kind != post.KindReply {
		t.Errorf("reply to our bot: %s", p.Kind)
	}
	if p, _ := sk.Get("telegram/-1001234567890:51"); p.Kind != post.KindMention {
		t.Errorf("reply to another bot: %s", p.Kind)
	}
}

func TestWebhookAutoDelivery(t *testing.T) {
	fake, sk, _, _, done := webhookSetup(t)
	defer done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sk.FailNext(1) // the first delivery is refused with 503 and retried
	fake.AutoDeliver(ctx, 20*time.Millisecond)
	for i := range 5 {
		fake.PushMessage(telegram.Message{Chat: private, From: citizen, Text: "auto " + strconv.Itoa(i)})
	}
	conntest.WaitFor(t, "5 posts", func() bool { return sk.Len() == 5 })
	conntest.WaitFor(t, "queue drained", func() bool { return fake.Pending() == 0 })
}
