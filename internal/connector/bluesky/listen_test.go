package bluesky_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/bluesky"
	"github.com/kaval-desk/kaval/internal/connector/bluesky/bskyfake"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
)

func (w *world) listenConn(t *testing.T, lq *conntest.Listening, secrets map[string]string) *bluesky.Connector {
	t.Helper()
	c, err := connector.New(connector.Channel{ID: 4, Platform: post.Bluesky, Name: "blr-bsky",
		Config: map[string]string{"pds_url": w.fake.URL(), "jetstream_url": w.fake.JetstreamURL(), "handle": handle,
			"sources": "notifications", "backoff": "10ms", "backoff_max": "50ms"},
		Secrets: secrets}, connector.Deps{Sink: w.sk, Checkpoints: w.cp, Log: quiet, Listening: lq})
	if err != nil {
		t.Fatal(err)
	}
	return c.(*bluesky.Connector)
}

// Listening queries are searchPosts searches with durable since
// checkpoints and cursor paging: history once (newest page), then all
// that is new across pages, nothing twice across a restart; a found post
// that mentions us stays a mention; a 429 is reported and waited out.
func TestListeningSearchPosts(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	ana := w.fake.AddAccount("ana.bsky.social", "y")
	old, _ := w.fake.EmitPost(w.citizen, "Flooded underpass at Bellandur, old news", bskyfake.PostOpts{})
	lq := conntest.NewListening()
	lq.Set(t, 1, `(flooded OR waterlogging) AND bellandur AND NOT archive`)
	lq.Set(t, 2, `#BengaluruRains AND urgency>40`)
	lq.Set(t, 3, `category:theft`)
	c := w.listenConn(t, lq, map[string]string{"app_password": password})
	if err := c.SyncListening(ctx); err != nil {
		t.Fatal(err)
	}
	if p, ok := w.sk.GetID(post.Bluesky, old); !ok || p.Kind != post.KindListening || w.sk.Len() != 1 {
		t.Fatalf("first poll: %v %+v", w.sk.Order(), p)
	}
	for id, want := range map[int64]struct {
		state string
		form  []string
	}{
		1: {query.ListenWidened, []string{"flooded bellandur", "waterlogging bellandur"}},
		2: {query.ListenWidened, []string{"#bengalururains"}},
		3: {query.ListenUnsearchable, nil},
	} {
		r, ok := lq.Report(4, id)
		if !ok || r.State != want.state || !slices.Equal(r.Form, want.form) || r.Error != "" {
			t.Fatalf("query %d: %+v", id, r)
		}
	}

	// 130 new matching posts: more than one page of 100.
	var fresh []string
	for i := range 130 {
		uri, _ := w.fake.EmitPost(ana, fmt.Sprintf("Bellandur waterlogging report %d", i), bskyfake.PostOpts{})
		fresh = append(fresh, uri)
	}
	// One that mentions us, found by the search too.
	mention, _ := w.fake.EmitPost(ana, "@"+handle+" Bellandur flooded, please send help", bskyfake.PostOpts{
		Facets: []bluesky.Facet{{Index: bluesky.ByteSlice{ByteStart: 0, ByteEnd: len(handle) + 1},
			Features: []bluesky.Feature{{Type: bluesky.FeatureMention, DID: w.police}}}}})
	if err := c.SyncListening(ctx); err != nil {
		t.Fatal(err)
	}
	for _, uri := range fresh {
		if p, ok := w.sk.GetID(post.Bluesky, uri); !ok || p.Kind != post.KindListening {
			t.Fatalf("new post %s: %v %+v", uri, ok, p)
		}
	}
	if p, _ := w.sk.GetID(post.Bluesky, mention); p.Kind != post.KindMention {
		t.Fatalf("a found post that mentions us: kind %q", p.Kind)
	}

	// A restart resumes from the durable checkpoints.
	before := w.sk.Len()
	c2 := w.listenConn(t, lq, map[string]string{"app_password": password})
	if err := c2.SyncListening(ctx); err != nil || w.sk.Len() != before {
		t.Fatalf("restart: %v, %d posts (was %d)", err, w.sk.Len(), before)
	}

	// A rate limit is reported on the query and returned with its wait.
	w.fake.FailNext("app.bsky.feed.searchPosts", 429, "RateLimitExceeded", "Rate Limit Exceeded", 7)
	err := c2.SyncListening(ctx)
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Class != connector.RateLimited || ce.RetryAfter.Seconds() != 7 {
		t.Fatalf("rate limit: %v", err)
	}
	if r, _ := lq.Report(4, 1); r.State != query.ListenError || r.Error == "" {
		t.Fatalf("rate limit reported: %+v", r)
	}

	// Without an app password there is no session to search with.
	lq2 := conntest.NewListening()
	lq2.Set(t, 1, `bellandur`)
	c3 := w.listenConn(t, lq2, nil)
	if err := c3.SyncListening(ctx); err != nil {
		t.Fatal(err)
	}
	if r, _ := lq2.Report(4, 1); r.State != query.ListenUnsupported {
		t.Fatalf("without a session: %+v", r)
	}
}
