package bluesky_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/bluesky"
	"github.com/kaval-desk/kaval/internal/connector/bluesky/bskyfake"
)

// flakyAfterCreate proxies to the PDS but answers 502 UpstreamFailure to
// the first getRecord after each createRecord: the connector can then not
// confirm a write whose answer was lost.
func flakyAfterCreate(t *testing.T, pds string) string {
	t.Helper()
	target, _ := url.Parse(pds)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	armed := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fail := armed && r.URL.Path == "/xrpc/com.atproto.repo.getRecord"
		if fail {
			armed = false
		}
		if r.URL.Path == "/xrpc/com.atproto.repo.createRecord" {
			armed = true
		}
		mu.Unlock()
		if fail {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(502)
			w.Write([]byte(`{"error":"UpstreamFailure","message":"Upstream Failure"}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// The PDS writes the post but the answer is lost. The connector looks the
// record up under the key it derived and reports the post as sent.
func TestPublishLostAnswerIsConfirmedByRecordKey(t *testing.T) {
	w := newWorld(t)
	c := w.conn(t, nil)
	m := connector.Message{Text: "Road closed at Silk Board till 6 pm #traffic", IdempotencyKey: "publish:41", QueuedAt: time.Now()}
	w.fake.DropCreateAnswers(1)
	res, err := c.Publish(context.Background(), m)
	created := w.fake.Created()
	if err != nil || len(created) != 1 || res.ExternalID != created[0].URI {
		t.Fatalf("got %+v %v, %d records", res, err, len(created))
	}
}

// When even the lookup fails, the send is retryable (not unknown), and the
// retry finds the record its key derives instead of posting twice.
func TestPublishRetryAfterLostAnswerDoesNotDoublePost(t *testing.T) {
	w := newWorld(t)
	c := w.conn(t, map[string]string{"pds_url": flakyAfterCreate(t, w.fake.URL())})
	ctx := context.Background()
	m := connector.Message{Text: "Road closed at Silk Board till 6 pm #traffic", IdempotencyKey: "publish:42",
		QueuedAt: time.Date(2026, 8, 20, 9, 30, 0, 0, time.UTC)}
	w.fake.DropCreateAnswers(1)
	_, err := c.Publish(ctx, m)
	if err == nil || connector.ClassOf(err) != connector.Retryable {
		t.Fatalf("first attempt: got %v, want retryable", err)
	}
	if n := len(w.fake.Created()); n != 1 {
		t.Fatalf("%d records after the lost answer, want 1 (it landed)", n)
	}
	res, err := c.Publish(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	created := w.fake.Created()
	if len(created) != 1 {
		t.Fatalf("%d records after the retry, want still 1", len(created))
	}
	if res.ExternalID != created[0].URI {
		t.Fatalf("retry reported %q, the post is %q", res.ExternalID, created[0].URI)
	}
	if rk := bluesky.RecordKey(m.IdempotencyKey, m.QueuedAt); !strings.HasSuffix(res.ExternalID, "/app.bsky.feed.post/"+rk) {
		t.Fatalf("uri %q does not end in the derived key %s", res.ExternalID, rk)
	}
	// A third attempt (say a person pressed Retry on an old row) still
	// finds the same post.
	again, err := c.Publish(ctx, m)
	if err != nil || again.ExternalID != res.ExternalID || len(w.fake.Created()) != 1 {
		t.Fatalf("third attempt: %+v %v, %d records", again, err, len(w.fake.Created()))
	}
	// Another row (another key) is another post.
	if _, err := c.Publish(ctx, connector.Message{Text: "Second notice", IdempotencyKey: "publish:43", QueuedAt: m.QueuedAt}); err != nil {
		t.Fatal(err)
	}
	if n := len(w.fake.Created()); n != 2 {
		t.Fatalf("%d records, want 2", n)
	}
}

// A reply whose answer was lost is retried into the same record too.
func TestReplyRetryIsIdempotent(t *testing.T) {
	w := newWorld(t)
	c := w.conn(t, nil)
	ctx := context.Background()
	uri, _ := w.fake.EmitPost(w.citizen, "@"+handle+" chain snatching near Jayanagar 4th block", bskyfake.PostOpts{})
	m := connector.Message{Text: "Officers are on the way.", IdempotencyKey: "reply:7", QueuedAt: time.Now()}
	c = w.conn(t, map[string]string{"pds_url": flakyAfterCreate(t, w.fake.URL())})
	w.fake.DropCreateAnswers(1)
	if _, err := c.Reply(ctx, connector.Target{ParentID: uri}, m); err == nil || connector.ClassOf(err) != connector.Retryable {
		t.Fatalf("got %v, want retryable", err)
	}
	res, err := c.Reply(ctx, connector.Target{ParentID: uri}, m)
	if err != nil {
		t.Fatal(err)
	}
	var ours int
	for _, cr := range w.fake.Created() {
		if cr.Record.Reply != nil && cr.Record.Reply.Parent.URI == uri {
			ours++
			if cr.URI != res.ExternalID {
				t.Fatalf("reply %s, reported %s", cr.URI, res.ExternalID)
			}
		}
	}
	if ours != 1 {
		t.Fatalf("%d replies, want 1", ours)
	}
}

func TestRecordKeyIsATIDStableAndDistinct(t *testing.T) {
	at := time.Date(2026, 8, 20, 9, 30, 0, 123e6, time.UTC)
	seen := map[string]string{}
	for _, k := range []string{"a", "b", "reply:1", "reply:2", "ಕೀ", ""} {
		rk := bluesky.RecordKey(k, at)
		if !bskyfake.ValidTID(rk) {
			t.Fatalf("%q → %q is not a TID", k, rk)
		}
		if rk != bluesky.RecordKey(k, at) {
			t.Fatal("not deterministic")
		}
		if prev, dup := seen[rk]; dup {
			t.Fatalf("%q and %q share %s", prev, k, rk)
		}
		seen[rk] = k
	}
	// Keys sort by queue time, like the PDS's own TIDs.
	if !(bluesky.RecordKey("x", at) < bluesky.RecordKey("x", at.Add(time.Second))) {
		t.Fatal("later row sorts first")
	}
}
