package meta_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/post"
)

// The bad-input list against the Meta webhook: each is refused
// (or ignored) with its status, counted in kaval_webhook_refused_total /
// kaval_webhook_ignored_total, and nothing is stored.
func TestWebhookBadInputRefusedCountedNothingStored(t *testing.T) {
	r := newRig(t, post.Facebook, nil)
	entry, _ := r.f.FeedComment(metafake.Comment{FromID: "60201", Message: "valid comment"})
	good := metafake.Payload(entry)
	metric := func(reason string) float64 {
		return testutil.ToFloat64(conn.RefusedCounter(post.Facebook, reason))
	}
	cases := []struct {
		name, reason string
		body         []byte
		sig          string
		want         int
	}{
		{"missing signature", conn.ReasonMissingSignature, good, "", 401},
		{"wrong signature", conn.ReasonBadSignature, good, metafake.Sign("not-the-app-secret", good), 403},
		{"signature of other bytes", conn.ReasonBadSignature, good, metafake.Sign(appSecret, append(good, ' ')), 403},
		{"truncated JSON", conn.ReasonMalformed, good[:len(good)/2], metafake.Sign(appSecret, good[:len(good)/2]), 400},
		{"10 MB body", conn.ReasonTooLarge, bytes.Repeat([]byte("a"), 10<<20), "sha256=00", 413},
	}
	for _, tc := range cases {
		before := metric(tc.reason)
		if code := rawPost(t, r.hook.URL, tc.body, tc.sig); code != tc.want {
			t.Errorf("%s: HTTP %d, want %d", tc.name, code, tc.want)
		}
		if metric(tc.reason) != before+1 {
			t.Errorf("%s: metric %s not counted", tc.name, tc.reason)
		}
	}
	if r.sink.Len() != 0 {
		t.Fatalf("stored %d posts from bad input", r.sink.Len())
	}

	// Unknown object and field: accepted (Meta must not retry them) but
	// ignored and counted.
	ignored := testutil.ToFloat64(conn.IgnoredCounter(post.Facebook))
	unk := []byte(`{"object":"page","entry":[{"id":"1","time":1,"changes":[{"field":"ratings","value":{"x":1}}]}]}`)
	if code := rawPost(t, r.hook.URL, unk, metafake.Sign(appSecret, unk)); code != 200 {
		t.Fatalf("unknown field: %d", code)
	}
	if testutil.ToFloat64(conn.IgnoredCounter(post.Facebook)) != ignored+1 || r.sink.Len() != 0 {
		t.Fatal("unknown field not ignored and counted")
	}

	// A replayed delivery is stored once.
	for range 3 {
		if code := r.deliver(t, good); code != 200 {
			t.Fatal(code)
		}
	}
	if r.sink.Len() != 1 || r.sink.Dupes() != 2 {
		t.Fatalf("replays: %d posts, %d dupes", r.sink.Len(), r.sink.Dupes())
	}
}

// A client that trickles its body is cut off with 408 well before the
// server's read timeout, counted, with nothing stored.
func TestWebhookSlowBodyIsCutOff(t *testing.T) {
	old := conn.WebhookBodyTimeout
	conn.WebhookBodyTimeout = 300 * time.Millisecond
	t.Cleanup(func() { conn.WebhookBodyTimeout = old })
	r := newRig(t, post.Facebook, nil)
	before := testutil.ToFloat64(conn.RefusedCounter(post.Facebook, conn.ReasonSlowBody))
	c, err := net.Dial("tcp", strings.TrimPrefix(r.hook.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Hub-Signature-256: sha256=00\r\nContent-Length: 1000\r\n\r\n{")
	start := time.Now()
	go func() {
		for range 50 {
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	c.SetReadDeadline(time.Now().Add(4 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a trickling client: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("HTTP %d, want 408", resp.StatusCode)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("cut off after %s", d)
	}
	if testutil.ToFloat64(conn.RefusedCounter(post.Facebook, conn.ReasonSlowBody)) != before+1 || r.sink.Len() != 0 {
		t.Fatal("slow body not counted, or something stored")
	}
}
