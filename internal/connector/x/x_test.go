package x_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/x"
	"github.com/kaval-desk/kaval/internal/connector/x/xfake"
	"github.com/kaval-desk/kaval/internal/post"
)

const (
	bearer   = "app-bearer"
	userTok  = "user-token"
	consumer = "consumer-secret"
)

func newFake(t *testing.T, o xfake.Options) *xfake.Server {
	t.Helper()
	o.BearerToken, o.UserToken, o.ConsumerSecret = bearer, userTok, consumer
	f := xfake.New(o)
	t.Cleanup(f.Close)
	return f
}

func newConn(t *testing.T, f *xfake.Server, sink connector.Sink, cp connector.Checkpoints, cfg map[string]string) *x.Connector {
	t.Helper()
	config := map[string]string{
		"base_url": f.URL(), "user_id": f.UserID(), "handle": f.Handle(),
		"rate_min_wait": "5ms", "stream_net_step": "1ms", "stream_http_base": "2ms", "stream_429_base": "3ms",
	}
	for k, v := range cfg {
		config[k] = v
	}
	c, err := connector.New(connector.Channel{ID: 7, Platform: post.X, Config: config,
		Secrets: map[string]string{"bearer_token": bearer, "user_access_token": userTok, "consumer_secret": consumer}},
		connector.Deps{Sink: sink, Checkpoints: cp})
	if err != nil {
		t.Fatal(err)
	}
	return c.(*x.Connector)
}

func mention(f *xfake.Server, text string) xfake.Tweet {
	return f.AddTweet(xfake.Tweet{Text: "@" + f.Handle() + " " + text, AuthorID: "44196397000", Username: "jo_res", Name: "Jo", Lang: "en"})
}

func TestPollMentionsPagesOnceAndSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, xfake.Options{})
	sink, cp := conntest.NewSink(), conntest.NewCheckpoints()
	for i := range 7 {
		mention(f, fmt.Sprintf("old report %d", i))
	}
	cfg := map[string]string{"page_size": "5"}
	c := newConn(t, f, sink, cp, cfg)
	if err := c.PollOnce(ctx, "mentions"); err != nil {
		t.Fatal(err)
	}
	// First run takes one page of recent history only.
	if sink.Len() != 5 {
		t.Fatalf("first run ingested %d, want 5", sink.Len())
	}
	first := cp.Get("x:7:mentions", "since_id")
	if first == "" {
		t.Fatal("no since_id saved")
	}

	// Restart: a new connector with the same checkpoints sees only new posts,
	// walking all pages (12 new = 3 pages of 5).
	var fresh []string
	for i := range 12 {
		fresh = append(fresh, mention(f, fmt.Sprintf("new report %d", i)).ID)
	}
	c2 := newConn(t, f, sink, cp, cfg)
	before := f.Requests("GET /2/users/" + f.UserID() + "/mentions")
	if err := c2.PollOnce(ctx, "mentions"); err != nil {
		t.Fatal(err)
	}
	if got := f.Requests("GET /2/users/"+f.UserID()+"/mentions") - before; got != 3 {
		t.Fatalf("walked %d pages, want 3", got)
	}
	if sink.Len() != 17 || sink.Dupes() != 0 {
		t.Fatalf("have %d posts, %d duplicates; want 17, 0", sink.Len(), sink.Dupes())
	}
	for _, id := range fresh {
		p, ok := sink.GetID(post.X, id)
		if !ok {
			t.Fatalf("post %s missing", id)
		}
		if p.Kind != post.KindMention || p.Channel != f.UserID() || p.ThreadID != id || p.Author.Handle != "jo_res" || len(p.Raw) == 0 {
			t.Fatalf("bad normalisation: %+v", p)
		}
	}
	if got := cp.Get("x:7:mentions", "since_id"); got != fresh[len(fresh)-1] {
		t.Fatalf("since_id %s, want newest %s", got, fresh[len(fresh)-1])
	}
	// Nothing new: nothing ingested again.
	if err := c2.PollOnce(ctx, "mentions"); err != nil {
		t.Fatal(err)
	}
	if sink.Dupes() != 0 {
		t.Fatalf("%d duplicates after an empty poll", sink.Dupes())
	}
}

func TestPollCheckpointOnlyAfterIngest(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, xfake.Options{})
	sink, cp := conntest.NewSink(), conntest.NewCheckpoints()
	c := newConn(t, f, sink, cp, nil)
	mention(f, "one")
	if err := c.PollOnce(ctx, "mentions"); err != nil {
		t.Fatal(err)
	}
	before := cp.Get("x:7:mentions", "since_id")
	p := mention(f, "two")
	sink.SetFail(errors.New("disk full"))
	if err := c.PollOnce(ctx, "mentions"); err == nil {
		t.Fatal("poll succeeded although intake failed")
	}
	if cp.Get("x:7:mentions", "since_id") != before {
		t.Fatal("cursor advanced past a batch intake refused")
	}
	sink.SetFail(nil)
	if err := c.PollOnce(ctx, "mentions"); err != nil {
		t.Fatal(err)
	}
	if _, ok := sink.GetID(post.X, p.ID); !ok {
		t.Fatal("post lost after intake recovered")
	}
}

func TestPollWaitsOut429AndKeepsPartialResults(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, xfake.Options{PartialErrors: true})
	sink, cp := conntest.NewSink(), conntest.NewCheckpoints()
	c := newConn(t, f, sink, cp, map[string]string{"query": "#bengaluru"})
	f.AddTweet(xfake.Tweet{Text: "potholes #Bengaluru", AuthorID: "5"})
	f.RateLimitNext("GET /2/tweets/search/recent", 2, 0)
	if err := c.PollOnce(ctx, "search"); err != nil {
		t.Fatal(err)
	}
	if n := f.Requests("GET /2/tweets/search/recent"); n != 3 {
		t.Fatalf("%d requests, want 2 refused + 1 served", n)
	}
	if sink.Len() != 1 || c.Counter("partial_errors") != 1 {
		t.Fatalf("posts %d partial %d", sink.Len(), c.Counter("partial_errors"))
	}
	if h := c.Health(); h.Rate.Limit != 450 || h.Rate.Remaining < 0 || h.LastEventAt.IsZero() {
		t.Fatalf("health %+v", h)
	}
	// A usage cap is not waited out.
	f.UsageCapNext("GET /2/tweets/search/recent")
	err := c.PollOnce(ctx, "search")
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Code != "https://api.twitter.com/2/problems/usage-capped" {
		t.Fatalf("usage cap: %v", err)
	}
}

func TestStreamKeepAlivesDisconnectsAndDuplicates(t *testing.T) {
	f := newFake(t, xfake.Options{KeepAlive: 10 * time.Millisecond})
	sink, cp := conntest.NewSink(), conntest.NewCheckpoints()
	c := newConn(t, f, sink, cp, map[string]string{"mode": "stream", "query": "#bengalurupolice", "stream_stall": "2s"})
	// The first connection attempt is refused as over the connection limit.
	f.FailNext("GET /2/tweets/search/stream", 1, 429, `{"title":"ConnectionException","detail":"This stream is currently at the maximum allowed connection limit.","connection_issue":"TooManyConnections","type":"https://api.twitter.com/2/problems/streaming-connection"}`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()

	conntest.WaitFor(t, "stream connection", func() bool { return f.StreamConnections() == 1 })
	rules := f.Rules()
	if len(rules) != 1 || rules[0].Value != "#bengalurupolice" || rules[0].Tag != "kaval:7" {
		t.Fatalf("rules %+v", rules)
	}
	conntest.WaitFor(t, "keep-alives", func() bool { return c.Counter("keepalives") >= 2 })
	tw, _ := f.StreamPost(xfake.Tweet{Text: "thanks #bengalurupolice", AuthorID: "123", Username: "sam"})
	f.StreamPost(tw) // duplicate delivery
	conntest.WaitFor(t, "first post", func() bool { return sink.Len() == 1 })

	// A post the stream missed (posted while we were about to be cut off)
	// is found by the recent-search catch-up after reconnecting.
	missed := f.AddTweet(xfake.Tweet{Text: "missed #bengalurupolice", AuthorID: "125"})
	f.DisconnectStreams(true) // in-stream operational-disconnect error, then close
	conntest.WaitFor(t, "reconnect", func() bool { return f.StreamConnects() == 2 && f.StreamConnections() == 1 })
	f.StreamRaw(`{"some_new_message_type":{}}`)
	tw2, _ := f.StreamPost(xfake.Tweet{Text: "signal broken #bengalurupolice", AuthorID: "124"})
	conntest.WaitFor(t, "post after reconnect", func() bool { return sink.Len() == 3 })
	if _, ok := sink.GetID(post.X, missed.ID); !ok {
		t.Fatal("catch-up did not fetch the missed post")
	}
	if cp.Get("x:7:stream", "last_id") != tw2.ID {
		t.Fatalf("stream cursor %q, want %s", cp.Get("x:7:stream", "last_id"), tw2.ID)
	}
	if f.Requests("POST /2/tweets/search/stream/rules") != 1 {
		t.Fatal("rule added more than once")
	}
	p, _ := sink.GetID(post.X, tw.ID)
	if p.Kind != post.KindPost || p.Author.Handle != "sam" {
		t.Fatalf("%+v", p)
	}
}

func TestStreamStallReconnects(t *testing.T) {
	// Keep-alives far apart: the connector must treat silence as death.
	f := newFake(t, xfake.Options{KeepAlive: time.Hour})
	c := newConn(t, f, conntest.NewSink(), conntest.NewCheckpoints(), map[string]string{"mode": "stream", "stream_stall": "50ms"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()
	conntest.WaitFor(t, "reconnects after stalls", func() bool { return f.StreamConnects() >= 3 })
	cancel()
	<-done
}

func webhookServer(t *testing.T, c *x.Connector) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(c.Webhook())
	t.Cleanup(s.Close)
	return s
}

func post2(t *testing.T, url string, body []byte, sig string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	if sig != "" {
		req.Header.Set("x-twitter-webhooks-signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestWebhookAccountActivity(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, xfake.Options{})
	sink := conntest.NewSink()
	c := newConn(t, f, sink, conntest.NewCheckpoints(), map[string]string{"mode": "webhook"})
	srv := webhookServer(t, c)

	if err := f.CRCCheck(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	lat, lon := 12.9716, 77.5946
	ev := f.MentionEvent(xfake.Tweet{Text: "@CityPoliceHQ chain snatching near MG Road", AuthorID: "55", Username: "asha", Lat: &lat, Lon: &lon})
	// Bad and missing signatures are refused with nothing stored.
	if code := post2(t, srv.URL, ev, xfake.Sign("wrong", ev)); code != 403 {
		t.Fatalf("bad signature: %d", code)
	}
	if code := post2(t, srv.URL, ev, ""); code != 401 {
		t.Fatalf("missing signature: %d", code)
	}
	if sink.Len() != 0 {
		t.Fatal("unsigned delivery stored")
	}
	for range 2 { // replayed delivery
		if code, err := f.Deliver(ctx, srv.URL, ev); err != nil || code != 200 {
			t.Fatalf("deliver: %d %v", code, err)
		}
	}
	if sink.Len() != 1 || sink.Dupes() != 1 {
		t.Fatalf("posts %d dupes %d", sink.Len(), sink.Dupes())
	}
	p := sink.All()[0]
	if p.Kind != post.KindMention || p.Lat == nil || *p.Lat != lat || *p.Lon != lon || p.Author.Handle != "asha" || p.CreatedAt.IsZero() {
		t.Fatalf("%+v", p)
	}
	dm := f.DMEvent(xfake.DM{SenderID: "55", Name: "Asha", Username: "asha", Text: "I want to report privately"})
	if code, _ := f.Deliver(ctx, srv.URL, dm); code != 200 {
		t.Fatal(code)
	}
	var got post.Post
	for _, p := range sink.All() {
		if p.Kind == post.KindDirectMessage {
			got = p
		}
	}
	if !got.Private || got.ThreadID != "55-"+f.UserID() || got.Author.Name != "Asha" {
		t.Fatalf("dm %+v", got)
	}
	// Unknown event types are acknowledged and counted.
	fav := []byte(`{"for_user_id":"99887766","favorite_events":[{"id":"1"}]}`)
	if code, _ := f.Deliver(ctx, srv.URL, fav); code != 200 || c.Counter("ignored") != 1 {
		t.Fatalf("unknown event: %d ignored=%d", code, c.Counter("ignored"))
	}
	// Truncated JSON, correctly signed.
	if code, _ := f.Deliver(ctx, srv.URL, ev[:len(ev)/2]); code != 400 {
		t.Fatalf("truncated: %d", code)
	}
	// 10 MB body.
	big := bytes.Repeat([]byte("a"), 10<<20)
	if code := post2(t, srv.URL, big, xfake.Sign(consumer, big)); code != 413 {
		t.Fatalf("10 MB: %d", code)
	}
	// Intake failing: not acknowledged.
	sink.SetFail(errors.New("db down"))
	ev2 := f.MentionEvent(xfake.Tweet{Text: "@CityPoliceHQ another", AuthorID: "56"})
	if code, _ := f.Deliver(ctx, srv.URL, ev2); code != 503 {
		t.Fatalf("ingest failure acknowledged with %d", code)
	}
	if sink.Len() != 2 {
		t.Fatal("stored while failing")
	}
}

func TestReplyLandsInThread(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, xfake.Options{})
	sink := conntest.NewSink()
	c := newConn(t, f, sink, conntest.NewCheckpoints(), nil)
	root := f.AddTweet(xfake.Tweet{Text: "traffic jam at Silk Board", AuthorID: "70"})
	m := f.AddTweet(xfake.Tweet{Text: "@CityPoliceHQ please help", AuthorID: "71", InReplyToID: root.ID})
	if err := c.PollOnce(ctx, "mentions"); err != nil {
		t.Fatal(err)
	}
	p, ok := sink.GetID(post.X, m.ID)
	if !ok || p.ThreadID != root.ID || p.InReplyTo != root.ID {
		t.Fatalf("%+v", p)
	}
	res, err := c.Reply(ctx, connector.Target{Channel: p.Channel, ParentID: p.ExternalID, ThreadID: p.ThreadID}, connector.Message{Text: "An officer is on the way."})
	if err != nil {
		t.Fatal(err)
	}
	sent := f.Sent()
	if len(sent) != 1 || sent[0].InReplyTo != m.ID || sent[0].Token != userTok || sent[0].ID != res.ExternalID {
		t.Fatalf("sent %+v", sent)
	}
	if tw, _ := f.Tweet(res.ExternalID); tw.ConversationID != root.ID {
		t.Fatalf("reply not in the thread: %+v", tw)
	}
	if !strings.HasSuffix(res.URL, "/status/"+res.ExternalID) {
		t.Fatal(res.URL)
	}

	class := func(err error) connector.Class { return connector.ClassOf(err) }
	_, err = c.Reply(ctx, connector.Target{ParentID: m.ID}, connector.Message{Text: "An officer is on the way."})
	if class(err) != connector.Duplicate {
		t.Fatalf("duplicate: %v", err)
	}
	_, err = c.Publish(ctx, connector.Message{Text: strings.Repeat("ಕ", 281)})
	if class(err) != connector.Invalid {
		t.Fatalf("too long: %v", err)
	}
	if _, err = c.Publish(ctx, connector.Message{Text: strings.Repeat("ಕ", 280)}); err != nil {
		t.Fatalf("280 Kannada characters must fit: %v", err)
	}
	if _, err = c.Publish(ctx, connector.Message{Text: strings.Repeat("東", 141)}); class(err) != connector.Invalid {
		t.Fatalf("141 CJK characters weigh 282: %v", err)
	}
	f.RateLimitNext("POST /2/tweets", 1, 90*time.Second)
	_, err = c.Publish(ctx, connector.Message{Text: "rate limited"})
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Class != connector.RateLimited || ce.RetryAfter < 60*time.Second {
		t.Fatalf("429: %v", err)
	}
	f.FailNext("POST /2/tweets", 1, 401, "")
	if _, err = c.Publish(ctx, connector.Message{Text: "x1"}); class(err) != connector.AuthExpired {
		t.Fatalf("401: %v", err)
	}
	f.FailNext("POST /2/tweets", 1, 503, "")
	if _, err = c.Publish(ctx, connector.Message{Text: "x2"}); class(err) != connector.Retryable {
		t.Fatalf("503: %v", err)
	}
	if _, err := c.Reply(ctx, connector.Target{Recipient: "55"}, connector.Message{Text: "Please share the location"}); err != nil {
		t.Fatal(err)
	}
	if s := f.Sent(); s[len(s)-1].DMTo != "55" {
		t.Fatalf("%+v", s[len(s)-1])
	}
	if err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if len(c.Health().Errors) == 0 {
		t.Fatal("send errors not in health")
	}
}

func TestReplyTransportErrors(t *testing.T) {
	f := newFake(t, xfake.Options{})
	c := newConn(t, f, conntest.NewSink(), conntest.NewCheckpoints(), nil)
	f.Close() // nothing listening: the request never left
	_, err := c.Publish(context.Background(), connector.Message{Text: "hello"})
	if connector.ClassOf(err) != connector.Retryable {
		t.Fatalf("refused connection: %v", err)
	}
	// A server that takes the request and hangs up without answering.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj, _ := w.(http.Hijacker)
		cn, _, _ := hj.Hijack()
		cn.Close()
	}))
	defer hang.Close()
	c2, _ := x.New(connector.Channel{ID: 1, Platform: post.X, Config: map[string]string{"base_url": hang.URL, "mode": "webhook"},
		Secrets: map[string]string{"user_access_token": "t", "consumer_secret": "c"}}, connector.Deps{})
	_, err = c2.Publish(context.Background(), connector.Message{Text: "hello"})
	if connector.ClassOf(err) != connector.Unknown {
		t.Fatalf("hang-up after send: %v", err)
	}
}
