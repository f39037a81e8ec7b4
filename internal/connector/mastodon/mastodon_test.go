package mastodon_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/mastodon"
	"github.com/kaval-desk/kaval/internal/connector/mastodon/mastofake"
	"github.com/kaval-desk/kaval/internal/post"
)

const (
	token  = "masto-token"
	source = "mastodon:5:notifications"
)

func newConn(t *testing.T, fake *mastofake.Server, cfg map[string]string, sk *conntest.Sink, cp *conntest.Checkpoints) *mastodon.Connector {
	t.Helper()
	conf := map[string]string{"instance_url": fake.URL(), "poll_interval": "1h", "backoff": "10ms", "backoff_max": "50ms", "stream": "none"}
	for k, v := range cfg {
		conf[k] = v
	}
	c, err := connector.New(connector.Channel{ID: 5, Platform: post.Mastodon, Name: "police@blr.social", Config: conf,
		Secrets: map[string]string{"access_token": token}}, connector.Deps{Sink: sk, Checkpoints: cp})
	if err != nil {
		t.Fatal(err)
	}
	return c.(*mastodon.Connector)
}

func run(t *testing.T, c connector.Connector) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not stop")
		}
	}
}

const mentionHTML = `<p><span class="h-card"><a href="https://blr.social/@police" class="u-url mention">@<span>police</span></a></span> car alarm going off for an hour on 80 Feet Rd &amp; 5th Block <a href="https://x.example/tags/bengaluru" class="mention hashtag" rel="tag">#<span>bengaluru</span></a></p><p>second<br>line</p>`

func TestPollFollowsPrevPagesExactlyOnce(t *testing.T) {
	fake := mastofake.New(token)
	defer fake.Close()
	jo := fake.Account("jo", "mastodon.example")
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
	c := newConn(t, fake, nil, sk, cp)
	ctx := context.Background()
	if err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		fake.AddMention(jo, mentionHTML, mastofake.MentionOpts{})
	}
	if err := c.PollNotifications(ctx); err != nil {
		t.Fatal(err)
	}
	if sk.Len() != 3 {
		t.Fatalf("first poll: %d", sk.Len())
	}
	// A burst larger than one page, mixed with notifications we ignore.
	var last string
	for i := range 95 {
		last, _ = fake.AddMention(jo, "<p>burst</p>", mastofake.MentionOpts{})
		if i%10 == 0 {
			fake.AddNotification("favourite", jo)
		}
	}
	if err := c.PollNotifications(ctx); err != nil {
		t.Fatal(err)
	}
	if sk.Len() != 98 {
		t.Fatalf("after burst: %d posts, want 98", sk.Len())
	}
	if got := cp.Get(source, "min_id"); got != last {
		t.Fatalf("checkpoint %q, want %q", got, last)
	}
	// Restart: nothing is fetched again.
	c2 := newConn(t, fake, nil, sk, cp)
	if err := c2.PollNotifications(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range sk.Order() {
		if n := sk.Deliveries(k); n != 1 {
			t.Fatalf("%s delivered %d times", k, n)
		}
	}
	p, _ := sk.Get(sk.Order()[0])
	if p.Text != "@police car alarm going off for an hour on 80 Feet Rd & 5th Block #bengaluru\n\nsecond\nline" ||
		p.Author.Handle != "jo@mastodon.example" || p.Channel != "police" || p.Kind != post.KindMention || p.Lang != "en" || p.Private ||
		p.CreatedAt.IsZero() || p.CreatedAt.Location() != time.UTC || !strings.HasPrefix(p.URL, "https://mastodon.example/@jo/") || len(p.Raw) == 0 {
		t.Errorf("normalised wrong: %+v", p)
	}
}

func TestIntakeFailureDoesNotAdvance(t *testing.T) {
	fake := mastofake.New(token)
	defer fake.Close()
	jo := fake.Account("jo", "mastodon.example")
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
	c := newConn(t, fake, nil, sk, cp)
	fake.AddMention(jo, "<p>one</p>", mastofake.MentionOpts{})
	if err := c.PollNotifications(context.Background()); err != nil {
		t.Fatal(err)
	}
	fake.AddMention(jo, "<p>two</p>", mastofake.MentionOpts{})
	before := cp.Get(source, "min_id")
	sk.FailNext(1)
	if err := c.PollNotifications(context.Background()); err == nil {
		t.Fatal("intake failure not reported")
	}
	if cp.Get(source, "min_id") != before {
		t.Fatal("checkpoint advanced past failed intake")
	}
	if err := c.PollNotifications(context.Background()); err != nil || sk.Len() != 2 {
		t.Fatalf("not recovered: %v %d", err, sk.Len())
	}
}

func TestStreamingHeartbeatsDisconnectsAndBackfill(t *testing.T) {
	fake := mastofake.New(token)
	defer fake.Close()
	fake.HeartbeatEvery = 20 * time.Millisecond
	jo := fake.Account("jo", "mastodon.example")
	_, early := fake.AddMention(jo, "<p>before we connected</p>", mastofake.MentionOpts{})
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
	c := newConn(t, fake, map[string]string{"stream": "user:notification", "stream_idle": "300ms"}, sk, cp)
	stop := run(t, c)
	defer stop()
	conntest.WaitFor(t, "backfill on connect", func() bool { _, ok := sk.Get("mastodon/" + early); return ok })
	conntest.WaitFor(t, "stream connected", func() bool { return fake.Streams() == 1 })
	_, live := fake.AddMention(jo, "<p>live</p>", mastofake.MentionOpts{Visibility: "direct"})
	conntest.WaitFor(t, "streamed mention", func() bool { _, ok := sk.Get("mastodon/" + live); return ok })
	if p, _ := sk.Get("mastodon/" + live); !p.Private || p.Kind != post.KindDirectMessage {
		t.Errorf("direct mention: %+v", p)
	}
	// Heartbeats keep an otherwise silent stream alive past stream_idle.
	time.Sleep(700 * time.Millisecond)
	if n := fake.Requests("/api/v1/streaming/user/notification"); n != 1 {
		t.Fatalf("stream reconnected %d times despite heartbeats", n-1)
	}
	if !c.Health().Connected {
		t.Error("health not connected")
	}
	// Garbage events do not break the stream.
	fake.SendRaw("notification", "{not json")
	fake.SendRaw("delete", "110000000000000123")
	// Disconnect; what arrives while we are away comes back via backfill.
	fake.DropStreams()
	_, missed := fake.AddMention(jo, "<p>while disconnected</p>", mastofake.MentionOpts{})
	conntest.WaitFor(t, "missed mention", func() bool { _, ok := sk.Get("mastodon/" + missed); return ok })
	conntest.WaitFor(t, "reconnect", func() bool { return fake.Streams() == 1 })
	for _, k := range sk.Order() {
		if n := sk.Deliveries(k); n > 2 {
			t.Errorf("%s delivered %d times", k, n)
		}
	}
	if sk.Len() != 3 {
		t.Errorf("got %d posts", sk.Len())
	}
}

func TestSilentStreamIsReconnected(t *testing.T) {
	fake := mastofake.New(token)
	defer fake.Close()
	fake.HeartbeatEvery = 0 // a dead proxy: connection open, nothing flows
	c := newConn(t, fake, map[string]string{"stream": "user:notification", "stream_idle": "100ms"}, conntest.NewSink(), conntest.NewCheckpoints())
	stop := run(t, c)
	conntest.WaitFor(t, "idle reconnects", func() bool { return fake.Requests("/api/v1/streaming/user/notification") >= 3 })
	stop()
	h := c.Health()
	if len(h.Errors) == 0 || !strings.Contains(h.Errors[0], "idle") {
		t.Errorf("health errors %v", h.Errors)
	}
}

func TestHashtagStreamAndThreads(t *testing.T) {
	fake := mastofake.New(token)
	defer fake.Close()
	fake.HeartbeatEvery = 0
	jo := fake.Account("jo", "mastodon.example")
	sk := conntest.NewSink()
	c := newConn(t, fake, map[string]string{"stream": "hashtag:bengaluru,user:notification"}, sk, conntest.NewCheckpoints())
	stop := run(t, c)
	defer stop()
	conntest.WaitFor(t, "streams", func() bool { return fake.Streams() == 2 })
	id := fake.AddTagStatus("bengaluru", jo, "<p>Signal not working at Silk Board <a href=\"x\">#<span>bengaluru</span></a></p>")
	fake.AddTagStatus("mumbai", jo, "<p>not ours</p>")
	conntest.WaitFor(t, "tag post", func() bool { _, ok := sk.Get("mastodon/" + id); return ok })
	if p, _ := sk.Get("mastodon/" + id); p.Kind != post.KindPost || p.Text != "Signal not working at Silk Board #bengaluru" || p.ThreadID != id {
		t.Errorf("tag post %+v", p)
	}
	// A reply chain: the conversation root is carried down.
	_, r1 := fake.AddMention(jo, "<p>reply 1</p>", mastofake.MentionOpts{InReplyToID: id})
	_, r2 := fake.AddMention(jo, "<p>reply 2</p>", mastofake.MentionOpts{InReplyToID: r1})
	conntest.WaitFor(t, "replies", func() bool { _, ok := sk.Get("mastodon/" + r2); return ok })
	if p, _ := sk.Get("mastodon/" + r2); p.ThreadID != id || p.InReplyTo != r1 {
		t.Errorf("thread: %+v", p)
	}
	if sk.Len() != 3 {
		t.Errorf("got %d posts", sk.Len())
	}
}

func TestReplyVisibilityMentionAndIdempotency(t *testing.T) {
	fake := mastofake.New(token)
	defer fake.Close()
	jo := fake.Account("jo", "mastodon.example")
	_, dm := fake.AddMention(jo, "<p>@police someone broke my car window</p>", mastofake.MentionOpts{Visibility: "direct"})
	_, pub := fake.AddMention(jo, "<p>@police thanks</p>", mastofake.MentionOpts{})
	c := newConn(t, fake, map[string]string{"reply_visibility": "unlisted"}, conntest.NewSink(), conntest.NewCheckpoints())
	ctx := context.Background()
	c.Check(ctx)
	msg := connector.Message{Text: "Please file a complaint at https://ksp.gov.in/complaint?ref=1234567890", IdempotencyKey: "outbox-41"}
	res, err := c.Reply(ctx, connector.Target{ParentID: dm}, msg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Reply(ctx, connector.Target{ParentID: dm}, msg)
	if err != nil || again.ExternalID != res.ExternalID {
		t.Fatalf("retry with same key: %v %+v", err, again)
	}
	if _, err := c.Reply(ctx, connector.Target{ParentID: pub, Extra: map[string]string{"visibility": "public", "acct": "jo@mastodon.example"}}, connector.Message{Text: "@jo@mastodon.example welcome"}); err != nil {
		t.Fatal(err)
	}
	posted := fake.Posted()
	if len(posted) != 2 || posted[0].Replayed != 1 || posted[0].IdempotencyKey != "outbox-41" {
		t.Fatalf("posted %+v", posted)
	}
	s := posted[0].Status
	if s.InReplyToID != dm || s.Visibility != "direct" || !strings.Contains(s.Content, "@jo@mastodon.example Please file") {
		t.Errorf("dm reply %+v", s)
	}
	s = posted[1].Status
	if s.Visibility != "unlisted" || strings.Count(s.Content, "@jo@") != 1 || s.InReplyToID != pub {
		t.Errorf("public reply %+v", s)
	}
	if res, err := c.Publish(ctx, connector.Message{Text: "Traffic advisory for Sunday"}); err != nil || res.ExternalID == "" {
		t.Errorf("publish %v %+v", err, res)
	}
}

func TestReplyErrors(t *testing.T) {
	fake := mastofake.New(token)
	defer fake.Close()
	jo := fake.Account("jo", "mastodon.example")
	_, id := fake.AddMention(jo, "<p>x</p>", mastofake.MentionOpts{})
	c := newConn(t, fake, nil, conntest.NewSink(), conntest.NewCheckpoints())
	ctx := context.Background()
	tgt := connector.Target{ParentID: id}
	// URLs count 23: 480 chars of text + a long URL fits.
	if _, err := c.Reply(ctx, tgt, connector.Message{Text: strings.Repeat("a", 440) + " https://example.com/" + strings.Repeat("p", 200)}); err != nil {
		t.Errorf("URL should count 23: %v", err)
	}
	if _, err := c.Reply(ctx, tgt, connector.Message{Text: strings.Repeat("ಕ", 501)}); connector.ClassOf(err) != connector.Invalid {
		t.Errorf("too long: %v", err)
	}
	fake.MaxChars = 100 // instance limit lower than configured: the server says 422
	_, err := c.Reply(ctx, tgt, connector.Message{Text: strings.Repeat("b", 200)})
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Class != connector.Permanent || ce.Status != 422 || !strings.Contains(ce.Message, "character limit") {
		t.Errorf("422: %v", err)
	}
	fake.MaxChars = 500
	if _, err := c.Reply(ctx, connector.Target{ParentID: "999"}, connector.Message{Text: "x"}); connector.ClassOf(err) != connector.Permanent {
		t.Errorf("missing parent: %v", err)
	}
	fake.FailNext("/api/v1/statuses", 503, "Remote server unavailable")
	if _, err := c.Publish(ctx, connector.Message{Text: "x"}); connector.ClassOf(err) != connector.Retryable {
		t.Errorf("503: %v", err)
	}
	fake.SetRateLimit(1, 2*time.Second)
	c.Publish(ctx, connector.Message{Text: "uses the budget"})
	_, err = c.Publish(ctx, connector.Message{Text: "x"})
	if !errors.As(err, &ce) || ce.Class != connector.RateLimited || ce.RetryAfter <= 0 || ce.RetryAfter > 2*time.Second || ce.Message != "Too many requests" {
		t.Errorf("429: %v", err)
	}
	if h := c.Health(); h.Rate.Limit != 1 || h.Rate.Remaining != 0 || h.Rate.ResetAt.IsZero() {
		t.Errorf("rate headroom %+v", h.Rate)
	}
	bad, _ := connector.New(connector.Channel{ID: 9, Platform: post.Mastodon, Config: map[string]string{"instance_url": fake.URL()}, Secrets: map[string]string{"access_token": "nope"}}, connector.Deps{})
	if err := bad.Check(ctx); connector.ClassOf(err) != connector.AuthExpired {
		t.Errorf("401: %v", err)
	}
}

func TestPollWaitsOutRateLimit(t *testing.T) {
	fake := mastofake.New(token)
	defer fake.Close()
	jo := fake.Account("jo", "mastodon.example")
	fake.AddMention(jo, "<p>x</p>", mastofake.MentionOpts{})
	fake.SetRateLimit(1, 700*time.Millisecond) // verify_credentials uses it up
	sk := conntest.NewSink()
	c := newConn(t, fake, nil, sk, conntest.NewCheckpoints())
	stop := run(t, c)
	defer stop()
	conntest.WaitFor(t, "post after the window resets", func() bool { return sk.Len() == 1 })
	if h := c.Health(); h.Rate.RetryAfter == "" {
		t.Errorf("no retry-after recorded: %+v", h)
	}
}

func TestHashtagStreamBackfillsAfterDisconnectAndRestart(t *testing.T) {
	fake := mastofake.New(token)
	defer fake.Close()
	fake.HeartbeatEvery = 0
	jo := fake.Account("jo", "mastodon.example")
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
	first := fake.AddTagStatusQuietly("bengaluru", jo, "<p>before the desk existed</p>")
	c := newConn(t, fake, map[string]string{"stream": "hashtag:bengaluru"}, sk, cp)
	stop := run(t, c)
	conntest.WaitFor(t, "initial page", func() bool { _, ok := sk.Get("mastodon/" + first); return ok })
	conntest.WaitFor(t, "stream", func() bool { return fake.Streams() == 1 })
	live := fake.AddTagStatus("bengaluru", jo, "<p>live</p>")
	conntest.WaitFor(t, "live", func() bool { _, ok := sk.Get("mastodon/" + live); return ok })
	// The checkpoint is written after the sink takes the post, so wait for
	// it rather than read it at once (a loaded machine reads in between).
	conntest.WaitFor(t, "stream checkpoint at the live post", func() bool {
		return cp.Get("mastodon:5:stream:hashtag:bengaluru", "min_id") == live
	})
	// Missed while disconnected, and intake down for the first streamed one.
	fake.DropStreams()
	missed := fake.AddTagStatusQuietly("bengaluru", jo, "<p>missed</p>")
	fake.AddTagStatusQuietly("mumbai", jo, "<p>other tag</p>")
	conntest.WaitFor(t, "backfilled", func() bool { _, ok := sk.Get("mastodon/" + missed); return ok })
	conntest.WaitFor(t, "stream back", func() bool { return fake.Streams() == 1 })
	sk.FailNext(1)
	lost := fake.AddTagStatus("bengaluru", jo, "<p>intake was down</p>")
	conntest.WaitFor(t, "recovered after intake failure", func() bool { _, ok := sk.Get("mastodon/" + lost); return ok })
	stop()
	if sk.Len() != 4 {
		t.Errorf("got %d posts, want 4", sk.Len())
	}
	// Restart: the checkpoint prevents re-reading the timeline.
	c2 := newConn(t, fake, map[string]string{"stream": "hashtag:bengaluru"}, sk, cp)
	stop = run(t, c2)
	conntest.WaitFor(t, "stream", func() bool { return fake.Streams() == 1 })
	stop()
	for _, k := range sk.Order() {
		if n := sk.Deliveries(k); n > 2 {
			t.Errorf("%s delivered %d times", k, n)
		}
	}
	if sk.Len() != 4 {
		t.Errorf("after restart %d posts", sk.Len())
	}
}
