package outbox_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/bluesky/bskyfake"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"

	_ "github.com/kaval-desk/kaval/internal/connector/bluesky"
	_ "github.com/kaval-desk/kaval/internal/connector/meta"
)

// addChannel stores a channel row for platform and registers a live
// connector for it with the env's senders.
func (e *env) addChannel(t *testing.T, platform string, cfg, secrets map[string]string) int64 {
	t.Helper()
	var id int64
	if err := e.db.Write.QueryRow(`INSERT INTO channels (platform, name, config, created_at, updated_at) VALUES ($1, $1, '{}', 1, 1) RETURNING id`,
		platform).Scan(&id); err != nil {
		t.Fatal(err)
	}
	c, err := connector.New(connector.Channel{ID: id, Platform: platform, Name: platform, Config: cfg, Secrets: secrets},
		connector.Deps{Now: e.clk.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), HTTP: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	e.s.mu.Lock()
	e.s.conns[id] = c
	e.s.mu.Unlock()
	return id
}

// flakyAfterCreate proxies to a PDS but answers 502 to the first
// getRecord after each createRecord, so a connector cannot confirm a write
// whose answer was lost.
func flakyAfterCreate(t *testing.T, pds string) string {
	t.Helper()
	target, _ := url.Parse(pds)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	armed := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fail := armed && r.URL.Path == "/xrpc/com.atproto.repo.getRecord"
		armed = (armed && !fail) || r.URL.Path == "/xrpc/com.atproto.repo.createRecord"
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

// Bluesky through the outbox: the PDS stores the post, the answer is lost
// and cannot be confirmed at once; the row goes back to pending (not
// unknown) and the next attempt, with the same queue time and key, finds
// the post instead of writing a second one.
func TestBlueskyPublishRetriedAfterLostAnswerPostsOnce(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := setup(t, db)
		pds := bskyfake.New()
		t.Cleanup(pds.Close)
		pds.AddAccount("blrcitypolice.bsky.social", "app-pw")
		ch := e.addChannel(t, post.Bluesky, map[string]string{"pds_url": flakyAfterCreate(t, pds.URL()), "handle": "blrcitypolice.bsky.social", "sources": "notifications", "poll_interval": "1h"},
			map[string]string{"app_password": "app-pw"})
		id, err := e.o.Enqueue(ctx, outbox.Item{IdempotencyKey: "publish-advisory-1", ChannelID: ch, Kind: outbox.Publish,
			Text: "Advisory: heavy rain, avoid Silk Board underpass"})
		if err != nil {
			t.Fatal(err)
		}
		w := e.worker(outbox.WorkerOptions{BaseBackoff: time.Second})
		pds.DropCreateAnswers(1)
		runOnce(t, w)
		if it := e.get(t, id); it.State != outbox.Pending || it.ErrorClass != "retryable" {
			t.Fatalf("after the lost answer: %+v", it)
		}
		e.clk.Add(time.Minute)
		runOnce(t, w)
		it := e.get(t, id)
		created := pds.Created()
		if it.State != outbox.Sent || len(created) != 1 || it.ExternalID != created[0].URI {
			t.Fatalf("row %+v, %d records", it, len(created))
		}
	})
}

// Instagram through the outbox: media travel with the row to the
// connector, which publishes container then media_publish.
func TestInstagramPublishThroughTheOutbox(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := setup(t, db)
		img := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'})
		}))
		t.Cleanup(img.Close)
		g := metafake.New(metafake.Options{AppSecret: "as", PageToken: "pt", IGProcessingPolls: 1, Now: e.clk.Now})
		t.Cleanup(g.Close)
		ch := e.addChannel(t, post.Instagram, map[string]string{"graph_url": g.GraphURL(), "ig_user_id": g.IGUserID(), "ig_container_poll": "1ms"},
			map[string]string{"app_secret": "as", "page_token": "pt"})
		if _, err := e.o.Enqueue(ctx, outbox.Item{IdempotencyKey: "ig-1", ChannelID: ch, Kind: outbox.Publish, Text: "No media"}); err != nil {
			t.Fatal(err) // accepted by the outbox; the connector refuses it
		}
		id, err := e.o.Enqueue(ctx, outbox.Item{IdempotencyKey: "ig-2", ChannelID: ch, Kind: outbox.Publish,
			Text: "Lost and found: a child's bicycle at Jayanagar PS", Media: []string{img.URL + "/bike.jpg"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.o.Enqueue(ctx, outbox.Item{IdempotencyKey: "ig-2", ChannelID: ch, Kind: outbox.Publish,
			Text: "Lost and found: a child's bicycle at Jayanagar PS", Media: []string{img.URL + "/other.jpg"}}); err == nil {
			t.Fatal("same key with other media accepted")
		}
		if _, err := e.o.Enqueue(ctx, outbox.Item{IdempotencyKey: "ig-3", ChannelID: ch, Kind: outbox.Publish, Text: "x",
			Media: []string{"file:///etc/passwd"}}); err == nil {
			t.Fatal("non-http media accepted")
		}
		runOnce(t, e.worker(outbox.WorkerOptions{}))
		it := e.get(t, id)
		posts := g.IGPosts()
		if it.State != outbox.Sent || len(posts) != 1 || it.ExternalID != posts[0].ID || len(it.Media) != 1 {
			t.Fatalf("row %+v, posts %+v", it, posts)
		}
		rows, _ := e.o.List(ctx, outbox.Filter{States: []outbox.State{outbox.Failed}})
		if len(rows) != 1 || rows[0].ErrorClass != "invalid" {
			t.Fatalf("text-only Instagram row: %+v", rows)
		}
	})
}
