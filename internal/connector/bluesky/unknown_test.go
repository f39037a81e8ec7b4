package bluesky_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/post"
)

// A PDS that logs in fine but drops the connection after reading a
// createRecord: the post may exist, so the outcome is Unknown.
func TestCreateRecordOutcomeUnknown(t *testing.T) {
	w := newWorld(t)
	target, _ := url.Parse(w.fake.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/xrpc/com.atproto.repo.createRecord" {
			io.Copy(io.Discard, r.Body)
			conn, _, err := rw.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		proxy.ServeHTTP(rw, r)
	}))
	defer srv.Close()
	c, err := connector.New(connector.Channel{ID: 4, Platform: post.Bluesky, Config: map[string]string{"pds_url": srv.URL, "handle": handle},
		Secrets: map[string]string{"app_password": password}}, connector.Deps{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(context.Background(), connector.Message{Text: "hello"}); connector.ClassOf(err) != connector.Unknown {
		t.Errorf("got %v, want unknown", err)
	}
}
