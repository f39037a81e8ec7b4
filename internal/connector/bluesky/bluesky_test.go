package bluesky_test

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/bluesky"
	"github.com/kaval-desk/kaval/internal/connector/bluesky/bskyfake"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/post"
)

const (
	handle   = "blrcitypolice.bsky.social"
	password = "abcd-efgh-ijkl-mnop"
	jetSrc   = "bluesky:4:jetstream"
	notifSrc = "bluesky:4:notifications"
)

type world struct {
	fake    *bskyfake.Server
	police  string // our DID
	citizen string
	sk      *conntest.Sink
	cp      *conntest.Checkpoints
}

func newWorld(t *testing.T) *world {
	fake := bskyfake.New()
	t.Cleanup(fake.Close)
	w := &world{fake: fake, sk: conntest.NewSink(), cp: conntest.NewCheckpoints()}
	w.police = fake.AddAccount(handle, password)
	w.citizen = fake.AddAccount("jo.bsky.social", "x")
	return w
}

func (w *world) conn(t *testing.T, cfg map[string]string) *bluesky.Connector {
	t.Helper()
	conf := map[string]string{"pds_url": w.fake.URL(), "jetstream_url": w.fake.JetstreamURL(), "handle": handle,
		"keywords": "pothole, ಕಳ್ಳತನ", "backoff": "10ms", "backoff_max": "50ms", "cursor_every": "10ms", "poll_interval": "1h"}
	for k, v := range cfg {
		conf[k] = v
	}
	c, err := connector.New(connector.Channel{ID: 4, Platform: post.Bluesky, Name: "blr-bsky", Config: conf,
		Secrets: map[string]string{"app_password": password}}, connector.Deps{Sink: w.sk, Checkpoints: w.cp, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return c.(*bluesky.Connector)
}

var quiet = slog.New(slog.DiscardHandler)

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

func mentionFacet(text, did string) []bluesky.Facet {
	i := strings.Index(text, "@"+handle)
	return []bluesky.Facet{{Index: bluesky.ByteSlice{ByteStart: i, ByteEnd: i + 1 + len(handle)}, Features: []bluesky.Feature{{Type: bluesky.FeatureMention, DID: did}}}}
}

func cursorOf(t *testing.T, rawQuery string) int64 {
	q, _ := url.ParseQuery(rawQuery)
	if q.Get("wantedCollections") != bluesky.PostCollection {
		t.Errorf("wantedCollections = %q", q["wantedCollections"])
	}
	n, _ := strconv.ParseInt(q.Get("cursor"), 10, 64)
	return n
}

func TestJetstreamFilterCursorAndRewind(t *testing.T) {
	w := newWorld(t)
	ourPost, ourCID := w.fake.EmitPost(w.police, "Traffic advisory for Sunday", bskyfake.PostOpts{})
	c := w.conn(t, map[string]string{"sources": "jetstream", "rewind": "2s"})
	stop := run(t, c)
	conntest.WaitFor(t, "subscribed", func() bool { return w.fake.Subscribers() == 1 })

	text := "@" + handle + " fireworks in Cubbon Park again"
	mention, _ := w.fake.EmitPost(w.citizen, text, bskyfake.PostOpts{Facets: mentionFacet(text, w.police), Langs: []string{"en"}})
	reply, _ := w.fake.EmitPost(w.citizen, "ಧನ್ಯವಾದಗಳು", bskyfake.PostOpts{Reply: &bluesky.ReplyRef{Root: bluesky.StrongRef{URI: ourPost, CID: ourCID}, Parent: bluesky.StrongRef{URI: ourPost, CID: ourCID}}, Langs: []string{"kn"}})
	keyword, _ := w.fake.EmitPost(w.citizen, "Huge POTHOLE on Outer Ring Road", bskyfake.PostOpts{})
	w.fake.EmitPost(w.citizen, "lovely weather", bskyfake.PostOpts{})
	w.fake.EmitPost(w.police, "our own post mentioning pothole", bskyfake.PostOpts{})
	w.fake.EmitIdentity(w.citizen, "jo.bsky.social")
	w.fake.EmitAccount(w.citizen, false, "deactivated")
	w.fake.EmitDelete(keyword)
	w.fake.EmitRaw([]byte(`{"did":"x","time_us":`))
	w.fake.EmitRaw([]byte(`not json at all`))
	conntest.WaitFor(t, "3 posts", func() bool { return w.sk.Len() == 3 })

	p, _ := w.sk.Get("bluesky/" + mention)
	if p.Kind != post.KindMention || p.Text != text || p.Lang != "en" || p.Author.ExternalID != w.citizen || p.ThreadID != mention ||
		p.Author.Handle != "jo.bsky.social" || p.Author.Name != "jo" || p.Channel != handle ||
		!strings.HasPrefix(p.URL, "https://bsky.app/profile/jo.bsky.social/post/") || p.CreatedAt.IsZero() || len(p.Raw) == 0 {
		t.Errorf("mention %+v", p)
	}
	p, _ = w.sk.Get("bluesky/" + reply)
	if p.Kind != post.KindReply || p.ThreadID != ourPost || p.InReplyTo != ourPost || p.Lang != "kn" {
		t.Errorf("reply %+v", p)
	}
	if p, _ := w.sk.Get("bluesky/" + keyword); p.Kind != post.KindPost || p.Author.Handle != "jo.bsky.social" {
		t.Errorf("keyword %+v", p)
	}

	// The cursor is saved after durable ingest.
	conntest.WaitFor(t, "cursor saved", func() bool { return w.cp.Get(jetSrc, "time_us") != "" })
	saved, _ := strconv.ParseInt(w.cp.Get(jetSrc, "time_us"), 10, 64)

	// The citizen changes handle; then we disconnect, miss a post and
	// reconnect with a rewound cursor.
	w.fake.SetHandle(w.citizen, "jo2.bsky.social")
	w.fake.EmitIdentity(w.citizen, "jo2.bsky.social")
	conntest.WaitFor(t, "identity event handled", func() bool {
		saved2, _ := strconv.ParseInt(w.cp.Get(jetSrc, "time_us"), 10, 64)
		return saved2 > saved
	})
	saved, _ = strconv.ParseInt(w.cp.Get(jetSrc, "time_us"), 10, 64)
	w.fake.DisconnectAll()
	missed, _ := w.fake.EmitPost(w.citizen, "ಮನೆಯಲ್ಲಿ ಕಳ್ಳತನ ಆಗಿದೆ", bskyfake.PostOpts{})
	conntest.WaitFor(t, "missed post via cursor replay", func() bool { _, ok := w.sk.Get("bluesky/" + missed); return ok })
	if p, _ := w.sk.Get("bluesky/" + missed); p.Author.Handle != "jo2.bsky.social" {
		t.Errorf("handle after identity event: %q", p.Author.Handle)
	}
	qs := w.fake.SubscribeQueries()
	if len(qs) < 2 {
		t.Fatalf("subscribe queries %v", qs)
	}
	if got := cursorOf(t, qs[1]); got <= 0 || got > saved-2_000_000+1_000_000 || got < saved-3_000_000 {
		t.Errorf("reconnect cursor %d, saved %d: want a ~2 s rewind", got, saved)
	}
	for _, k := range w.sk.Order() {
		if n := w.sk.Deliveries(k); n != 1 {
			t.Errorf("%s delivered %d times within one process", k, n)
		}
	}
	stop()

	// Restart: resumes from the checkpoint; replays are deduped by intake.
	before := w.sk.Len()
	c2 := w.conn(t, map[string]string{"sources": "jetstream", "rewind": "2s"})
	stop = run(t, c2)
	fresh, _ := w.fake.EmitPost(w.citizen, "another pothole", bskyfake.PostOpts{})
	conntest.WaitFor(t, "post after restart", func() bool { _, ok := w.sk.Get("bluesky/" + fresh); return ok })
	stop()
	qs = w.fake.SubscribeQueries()
	if cursorOf(t, qs[len(qs)-1]) == 0 {
		t.Error("restart did not pass the saved cursor")
	}
	if w.sk.Len() != before+1 {
		t.Errorf("after restart %d posts, want %d", w.sk.Len(), before+1)
	}
}

func TestJetstreamIntakeFailureReplays(t *testing.T) {
	w := newWorld(t)
	c := w.conn(t, map[string]string{"sources": "jetstream"})
	w.sk.FailNext(1)
	stop := run(t, c)
	defer stop()
	conntest.WaitFor(t, "subscribed", func() bool { return w.fake.Subscribers() == 1 })
	uri, _ := w.fake.EmitPost(w.citizen, "pothole near Silk Board", bskyfake.PostOpts{})
	conntest.WaitFor(t, "post after intake recovers", func() bool { _, ok := w.sk.Get("bluesky/" + uri); return ok })
	if len(w.fake.SubscribeQueries()) < 2 {
		t.Error("no reconnect after intake failure")
	}
}

func TestNotificationsPagingRestartAndTokenRefresh(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	c := w.conn(t, map[string]string{"sources": "notifications"})
	m1, _ := w.fake.EmitPost(w.citizen, "@"+handle+" help", bskyfake.PostOpts{})
	w.fake.AddNotification(w.police, m1, "mention")
	liked, _ := w.fake.EmitPost(w.citizen, "liked", bskyfake.PostOpts{})
	w.fake.AddNotification(w.police, liked, "like")
	if err := c.PollNotifications(ctx); err != nil {
		t.Fatal(err)
	}
	if w.sk.Len() != 1 {
		t.Fatalf("got %d", w.sk.Len())
	}
	p, _ := w.sk.Get("bluesky/" + m1)
	if p.Author.Handle != "jo.bsky.social" || p.Kind != post.KindMention || p.URL != "https://bsky.app/profile/jo.bsky.social/post/"+m1[strings.LastIndex(m1, "/")+1:] {
		t.Errorf("notification post %+v", p)
	}
	time.Sleep(2 * time.Millisecond)
	for i := range 120 {
		u, _ := w.fake.EmitPost(w.citizen, "reply "+strconv.Itoa(i), bskyfake.PostOpts{})
		w.fake.AddNotification(w.police, u, "reply")
	}
	// The access token expires: the connector refreshes instead of logging in again.
	w.fake.ExpireTokens()
	if err := c.PollNotifications(ctx); err != nil {
		t.Fatal(err)
	}
	if w.sk.Len() != 121 {
		t.Fatalf("after burst %d posts, want 121", w.sk.Len())
	}
	if n := w.fake.SessionCalls(); n != 1 {
		t.Errorf("createSession called %d times; refreshSession should have been used", n)
	}
	// Refresh token dead too: log in again.
	w.fake.ExpireTokens()
	w.fake.FailNext("com.atproto.server.refreshSession", 400, "ExpiredToken", "Token has expired", 0)
	c2 := w.conn(t, map[string]string{"sources": "notifications"})
	if err := c2.PollNotifications(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range w.sk.Order() {
		if n := w.sk.Deliveries(k); n > 2 {
			t.Errorf("%s delivered %d times", k, n)
		}
	}
	if w.sk.Len() != 121 {
		t.Errorf("restart re-ingested: %d", w.sk.Len())
	}
	if w.cp.Get(notifSrc, "indexed_at") == "" {
		t.Error("no checkpoint")
	}
}

func TestReplyThreadRefsAndFacets(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	root, rootCID := w.fake.EmitPost(w.police, "Road closed near Majestic", bskyfake.PostOpts{})
	parent, parentCID := w.fake.EmitPost(w.citizen, "till when?", bskyfake.PostOpts{Reply: &bluesky.ReplyRef{Root: bluesky.StrongRef{URI: root, CID: rootCID}, Parent: bluesky.StrongRef{URI: root, CID: rootCID}}})
	c := w.conn(t, map[string]string{"sources": "notifications"})
	text := "ನಮಸ್ಕಾರ @jo.bsky.social ವಿವರಗಳು https://btp.gov.in/advisory?id=42. #ಬೆಂಗಳೂರು #traffic #2026"
	res, err := c.Reply(ctx, connector.Target{ParentID: parent}, connector.Message{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	got := w.fake.Created()
	if len(got) != 1 {
		t.Fatalf("created %d", len(got))
	}
	rec := got[0].Record
	if rec.Reply == nil || rec.Reply.Root.URI != root || rec.Reply.Root.CID != rootCID || rec.Reply.Parent.URI != parent || rec.Reply.Parent.CID != parentCID {
		t.Fatalf("reply refs %+v", rec.Reply)
	}
	if res.ExternalID != got[0].URI || got[0].Repo != w.police || !strings.HasPrefix(res.URL, "https://bsky.app/profile/"+handle+"/post/") {
		t.Errorf("result %+v", res)
	}
	want := map[string]string{bluesky.FeatureMention: "@jo.bsky.social", bluesky.FeatureLink: "https://btp.gov.in/advisory?id=42"}
	tags := []string{}
	for _, f := range rec.Facets {
		seg := rec.Text[f.Index.ByteStart:f.Index.ByteEnd]
		ft := f.Features[0]
		switch ft.Type {
		case bluesky.FeatureMention:
			if seg != want[ft.Type] || ft.DID != w.citizen {
				t.Errorf("mention facet %q %+v", seg, ft)
			}
		case bluesky.FeatureLink:
			if seg != want[ft.Type] || ft.URI != seg {
				t.Errorf("link facet %q %+v", seg, ft)
			}
			// Kannada before the link: byte and rune offsets differ, and
			// the lexicon wants bytes.
			if runeStart := utf8.RuneCountInString(rec.Text[:f.Index.ByteStart]); runeStart == f.Index.ByteStart {
				t.Error("test text does not distinguish bytes from runes")
			}
		case bluesky.FeatureTag:
			if seg != "#"+ft.Tag {
				t.Errorf("tag facet %q %+v", seg, ft)
			}
			tags = append(tags, ft.Tag)
		}
	}
	if strings.Join(tags, ",") != "ಬೆಂಗಳೂರು,traffic" {
		t.Errorf("tags %v (pure numbers are not tags)", tags)
	}
	// With strongRefs supplied by the outbox, and a publish.
	if _, err := c.Reply(ctx, connector.Target{ParentID: parent, Extra: map[string]string{"parent_cid": parentCID, "root_uri": root, "root_cid": rootCID}}, connector.Message{Text: "ok"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, connector.Message{Text: "Traffic advisory"}); err != nil {
		t.Fatal(err)
	}
	if got := w.fake.Created(); len(got) != 3 || got[2].Record.Reply != nil || got[1].Record.Reply.Root.URI != root {
		t.Errorf("created %+v", got)
	}
}

func TestReplyLimitsAndErrors(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	parent, _ := w.fake.EmitPost(w.citizen, "x", bskyfake.PostOpts{})
	c := w.conn(t, map[string]string{"sources": "notifications"})
	tgt := connector.Target{ParentID: parent}
	if _, err := c.Reply(ctx, tgt, connector.Message{Text: strings.Repeat("ಕಿ", 300)}); err != nil {
		t.Errorf("300 Kannada graphemes (1800 bytes) must pass: %v", err)
	}
	if _, err := c.Reply(ctx, tgt, connector.Message{Text: strings.Repeat("ಕಿ", 301)}); connector.ClassOf(err) != connector.Invalid {
		t.Errorf("301 graphemes: %v", err)
	}
	if _, err := c.Reply(ctx, tgt, connector.Message{Text: strings.Repeat("👨‍👩‍👧‍👦", 200)}); connector.ClassOf(err) != connector.Invalid || !strings.Contains(err.Error(), "bytes") {
		t.Errorf("200 graphemes over 3000 bytes: %v", err)
	}
	if _, err := c.Reply(ctx, connector.Target{ParentID: "at://did:plc:nobody/app.bsky.feed.post/3zzz"}, connector.Message{Text: "x"}); connector.ClassOf(err) != connector.Permanent {
		t.Errorf("missing parent: %v", err)
	}
	w.fake.FailNext("com.atproto.repo.createRecord", 429, "RateLimitExceeded", "Rate Limit Exceeded", 42)
	_, err := c.Publish(ctx, connector.Message{Text: "x"})
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Class != connector.RateLimited || ce.RetryAfter != 42*time.Second || ce.Code != "RateLimitExceeded" {
		t.Errorf("429: %v", err)
	}
	w.fake.FailNext("com.atproto.repo.createRecord", 502, "UpstreamFailure", "Upstream Failure", 0)
	if _, err := c.Publish(ctx, connector.Message{Text: "x"}); connector.ClassOf(err) != connector.Retryable {
		t.Errorf("502: %v", err)
	}
	w.fake.SetRateLimit(100, time.Minute)
	c.Publish(ctx, connector.Message{Text: "x"})
	if h := c.Health(); h.Rate.Limit != 100 || h.Rate.Remaining != 99 || h.Rate.ResetAt.IsZero() {
		t.Errorf("rate %+v", h.Rate)
	}
	bad, _ := connector.New(connector.Channel{ID: 9, Platform: post.Bluesky, Config: map[string]string{"pds_url": w.fake.URL(), "handle": handle},
		Secrets: map[string]string{"app_password": "wrong"}}, connector.Deps{})
	if err := bad.Check(ctx); connector.ClassOf(err) != connector.AuthExpired {
		t.Errorf("bad password: %v", err)
	}
}
