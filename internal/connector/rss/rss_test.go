package rss_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/rss"
	"github.com/kaval-desk/kaval/internal/connector/rss/rssfake"
	"github.com/kaval-desk/kaval/internal/post"
)

const source = "rss:3"

func newConn(t *testing.T, url string, cfg map[string]string, sk *conntest.Sink, cp *conntest.Checkpoints) *rss.Connector {
	t.Helper()
	conf := map[string]string{"feed_url": url, "interval": "20ms", "backoff": "10ms", "backoff_max": "20ms"}
	for k, v := range cfg {
		conf[k] = v
	}
	c, err := connector.New(connector.Channel{ID: 3, Platform: post.RSS, Name: "deccan-local", Config: conf}, connector.Deps{Sink: sk, Checkpoints: cp})
	if err != nil {
		t.Fatal(err)
	}
	return c.(*rss.Connector)
}

func poll(t *testing.T, c *rss.Connector) {
	t.Helper()
	if _, err := c.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
}

var pub = time.Date(2026, 8, 20, 9, 30, 0, 0, time.UTC)

func TestConditionalGetExactlyOnceAcrossRestart(t *testing.T) {
	fake := rssfake.New()
	defer fake.Close()
	fake.AddItem(rssfake.Item{GUID: "gazette-1", Title: "Road closures for Saturday festival", Link: "https://news.test/1",
		Description: "<p>Police say <b>Elm St</b> will be closed &amp; diverted.</p><script>alert(1)</script>", Author: "A. Reporter", Published: pub, Point: "12.9716 77.5946"})
	fake.AddItem(rssfake.Item{GUID: "gazette-2", Title: "ಕೋರಮಂಗಲದಲ್ಲಿ ಸಂಚಾರ ದಟ್ಟಣೆ", Link: "https://news.test/2", Published: pub.Add(time.Hour)})
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
	c := newConn(t, fake.URL(), nil, sk, cp)
	poll(t, c)
	if sk.Len() != 2 {
		t.Fatalf("got %d posts", sk.Len())
	}
	p, _ := sk.Get("rss/gazette-1")
	if p.Kind != post.KindNews || p.Text != "Road closures for Saturday festival\n\nPolice say Elm St will be closed & diverted." ||
		p.URL != "https://news.test/1" || !p.CreatedAt.Equal(pub) || p.Author.Name != "A. Reporter" || p.Lang != "en-in" ||
		p.Lat == nil || *p.Lat != 12.9716 || *p.Lon != 77.5946 || p.Channel != fake.URL() || len(p.Raw) == 0 {
		t.Errorf("normalised wrong: %+v", p)
	}
	poll(t, c)
	reqs := fake.Requests()
	if last := reqs[len(reqs)-1]; last.Status != 304 || last.IfNoneMatch == "" || !strings.HasPrefix(last.IfNoneMatch, `W/"`) || last.IfModifiedSince == "" {
		t.Fatalf("second poll not conditional: %+v", last)
	}
	if !strings.HasPrefix(reqs[0].UserAgent, "Kaval/") {
		t.Errorf("user agent %q", reqs[0].UserAgent)
	}
	fake.AddItem(rssfake.Item{GUID: "gazette-3", Title: "Third", Link: "https://news.test/3", Published: pub.Add(2 * time.Hour)})
	// Restart: validators and seen ids come back from the checkpoint.
	c2 := newConn(t, fake.URL(), nil, sk, cp)
	poll(t, c2)
	poll(t, c2)
	if sk.Len() != 3 {
		t.Fatalf("got %d posts after restart", sk.Len())
	}
	for _, k := range sk.Order() {
		if n := sk.Deliveries(k); n != 1 {
			t.Errorf("%s delivered %d times", k, n)
		}
	}
	if reqs := fake.Requests(); reqs[len(reqs)-1].Status != 304 {
		t.Errorf("restarted connector did not send validators: %+v", reqs[len(reqs)-1])
	}
}

func TestServersIgnoringValidators(t *testing.T) {
	for _, v := range []rssfake.Validators{rssfake.Ignore, rssfake.Rotate} {
		fake := rssfake.New()
		fake.SetValidators(v)
		fake.AddItem(rssfake.Item{Title: "no guid", Link: "https://news.test/a"})
		fake.AddItem(rssfake.Item{Title: "no guid nor link", Description: "body", Published: pub})
		sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
		c := newConn(t, fake.URL(), nil, sk, cp)
		for range 3 {
			poll(t, c)
		}
		fake.Close()
		if sk.Len() != 2 {
			t.Fatalf("validators %d: %d posts", v, sk.Len())
		}
		for _, k := range sk.Order() {
			if n := sk.Deliveries(k); n != 1 {
				t.Errorf("validators %d: %s delivered %d times", v, k, n)
			}
		}
		if _, ok := sk.Get("rss/https://news.test/a"); !ok {
			t.Errorf("link fallback id missing: %v", sk.Order())
		}
		if !strings.HasPrefix(sk.Order()[0], "rss/sha256:") && !strings.HasPrefix(sk.Order()[1], "rss/sha256:") {
			t.Errorf("hash fallback id missing: %v", sk.Order())
		}
	}
}

func TestAtomAndJSONFeed(t *testing.T) {
	for _, f := range []rssfake.Format{rssfake.Atom, rssfake.JSONFeed} {
		fake := rssfake.New()
		fake.SetFormat(f)
		fake.SetLanguage("kn")
		fake.AddItem(rssfake.Item{GUID: "tag:news.test,2026:1187", Title: "Statement on Maple Ave incident", Link: "https://news.test/1187",
			Description: "Officers &lt;responded&gt; <br/>quickly", Author: "Communications Office", Published: pub})
		sk := conntest.NewSink()
		poll(t, newConn(t, fake.URL(), nil, sk, conntest.NewCheckpoints()))
		fake.Close()
		p, ok := sk.Get("rss/tag:news.test,2026:1187")
		if !ok {
			t.Fatalf("format %d: %v", f, sk.Order())
		}
		if p.Text != "Statement on Maple Ave incident\n\nOfficers <responded>\nquickly" || p.Lang != "kn" || p.Author.Name != "Communications Office" || !p.CreatedAt.Equal(pub) || p.URL != "https://news.test/1187" {
			t.Errorf("format %d: %+v", f, p)
		}
	}
}

func TestMalformedFeedIsAnErrorNotAPanic(t *testing.T) {
	fake := rssfake.New()
	defer fake.Close()
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
	c := newConn(t, fake.URL(), nil, sk, cp)
	for _, body := range []string{`<rss version="2.0"><channel><item><title>broken`, `<html><body>502 Bad Gateway</body></html>`, "\x00\xff\xfe"} {
		fake.SetRaw(body, "")
		_, err := c.Poll(context.Background())
		var ce *connector.Error
		if !errors.As(err, &ce) || ce.Class != connector.Permanent {
			t.Errorf("%q: %v", body, err)
		}
		if cp.Get(source, "etag") != "" {
			t.Error("validators saved for an unparsed body")
		}
	}
	fake.ClearRaw()
	fake.AddItem(rssfake.Item{GUID: "ok", Title: "fine"})
	poll(t, c)
	if sk.Len() != 1 {
		t.Fatal("did not recover")
	}
	big := newConn(t, fake.URL(), map[string]string{"max_bytes": "100"}, sk, conntest.NewCheckpoints())
	if _, err := big.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("oversized body: %v", err)
	}
}

func TestRetryAfterBothForms(t *testing.T) {
	fake := rssfake.New()
	defer fake.Close()
	c := newConn(t, fake.URL(), nil, conntest.NewSink(), conntest.NewCheckpoints())
	fake.FailNext(rssfake.Failure{Status: 429, RetryAfter: "120"})
	wait, err := c.Poll(context.Background())
	if connector.ClassOf(err) != connector.RateLimited || wait != 120*time.Second {
		t.Errorf("429: %v %v", wait, err)
	}
	fake.FailNext(rssfake.Failure{Status: 503, RetryAfter: time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)})
	wait, err = c.Poll(context.Background())
	if connector.ClassOf(err) != connector.RateLimited || wait < 80*time.Second || wait > 91*time.Second {
		t.Errorf("503 with date: %v %v", wait, err)
	}
}

func TestRunWaitsOutRetryAfter(t *testing.T) {
	fake := rssfake.New()
	defer fake.Close()
	fake.AddItem(rssfake.Item{GUID: "a", Title: "a"})
	fake.FailNext(rssfake.Failure{Status: 429, RetryAfter: "1"})
	sk := conntest.NewSink()
	c := newConn(t, fake.URL(), nil, sk, conntest.NewCheckpoints())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- c.Run(ctx) }()
	conntest.WaitFor(t, "post", func() bool { return sk.Len() == 1 })
	if time.Since(start) < time.Second {
		t.Error("Retry-After: 1 not respected")
	}
	if h := c.Health(); h.Rate.RetryAfter != "1s" || len(h.Errors) == 0 {
		t.Errorf("health %+v", h)
	}
	// Gone ends Run with a permanent error.
	fake.Gone()
	select {
	case err := <-done:
		var ce *connector.Error
		if !errors.As(err, &ce) || ce.Status != 410 || ce.Class != connector.Permanent {
			t.Errorf("410: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run kept polling a gone feed")
	}
	cancel()
}

func TestPermanentRedirectRemembered(t *testing.T) {
	fake := rssfake.New()
	defer fake.Close()
	fake.AddItem(rssfake.Item{GUID: "a", Title: "a"})
	fake.MovePermanently()
	cp := conntest.NewCheckpoints()
	c := newConn(t, fake.URL(), nil, conntest.NewSink(), cp)
	poll(t, c)
	poll(t, c)
	reqs := fake.Requests()
	if reqs[0].Path != "/feed" || reqs[1].Path != "/moved" || reqs[2].Path != "/moved" || reqs[2].Status != 304 {
		t.Errorf("requests %+v", reqs)
	}
}

func TestIntakeFailureKeepsItemsUnseen(t *testing.T) {
	fake := rssfake.New()
	defer fake.Close()
	fake.AddItem(rssfake.Item{GUID: "a", Title: "a"})
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
	sk.FailNext(1)
	c := newConn(t, fake.URL(), nil, sk, cp)
	if _, err := c.Poll(context.Background()); err == nil {
		t.Fatal("intake failure not reported")
	}
	if cp.Get(source, "etag") != "" || cp.Get(source, "seen") != "" {
		t.Fatal("checkpoint advanced past a failed intake")
	}
	poll(t, c)
	if sk.Len() != 1 {
		t.Fatal("item lost after intake failure")
	}
}

func TestSeenSetBounded(t *testing.T) {
	fake := rssfake.New()
	defer fake.Close()
	fake.SetValidators(rssfake.Ignore)
	sk, cp := conntest.NewSink(), conntest.NewCheckpoints()
	c := newConn(t, fake.URL(), map[string]string{"max_seen": "3"}, sk, cp)
	for i := range 6 {
		fake.AddItem(rssfake.Item{GUID: string(rune('a' + i)), Title: "t"})
		if i >= 2 {
			fake.RemoveOldest() // a sliding window of 2 items
		}
		poll(t, c)
	}
	if n := len(strings.Split(cp.Get(source, "seen"), "\n")); n != 3 {
		t.Errorf("seen set has %d ids, want 3: %q", n, cp.Get(source, "seen"))
	}
	if sk.Len() != 6 {
		t.Errorf("got %d posts", sk.Len())
	}
	for _, k := range sk.Order() {
		if n := sk.Deliveries(k); n != 1 {
			t.Errorf("%s delivered %d times", k, n)
		}
	}
}

func TestReadOnlyAndConfig(t *testing.T) {
	fake := rssfake.New()
	defer fake.Close()
	c := newConn(t, fake.URL(), nil, conntest.NewSink(), conntest.NewCheckpoints())
	if _, err := c.Reply(context.Background(), connector.Target{}, connector.Message{Text: "x"}); connector.ClassOf(err) != connector.Invalid {
		t.Error(err)
	}
	if err := c.Check(context.Background()); err != nil {
		t.Error(err)
	}
	if _, err := connector.New(connector.Channel{Platform: post.RSS, Config: map[string]string{"feed_url": "file:///etc/passwd"}}, connector.Deps{}); err == nil {
		t.Error("non-http feed_url accepted")
	}
}
