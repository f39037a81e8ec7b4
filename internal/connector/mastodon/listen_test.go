package mastodon_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/mastodon"
	"github.com/kaval-desk/kaval/internal/connector/mastodon/mastofake"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
)

func listenConn(t *testing.T, fake *mastofake.Server, sk *conntest.Sink, cp *conntest.Checkpoints, lq *conntest.Listening) *mastodon.Connector {
	t.Helper()
	c, err := connector.New(connector.Channel{ID: 5, Platform: post.Mastodon, Name: "police@blr.social",
		Config:  map[string]string{"instance_url": fake.URL(), "poll_interval": "off", "stream": "none", "backoff": "10ms", "backoff_max": "50ms"},
		Secrets: map[string]string{"access_token": token}}, connector.Deps{Sink: sk, Checkpoints: cp, Listening: lq})
	if err != nil {
		t.Fatal(err)
	}
	return c.(*mastodon.Connector)
}

// Listening queries poll the tag timeline (all[]/none[]) or full-text
// search, from durable min_id checkpoints: history once, then only what
// is new, across a restart; found statuses are listening material unless
// they mention us (the same post the notifications bring, deduped).
func TestListeningSearches(t *testing.T) {
	ctx := context.Background()
	fake := mastofake.New(token)
	defer fake.Close()
	jo, ana := fake.Account("jo", "mastodon.example"), fake.Account("ana", "sigmoid.social")
	old := fake.AddStatus(jo, "<p>Old flood photo</p>", "bengalururains")
	fake.AddStatus(jo, "<p>Old flood but archived</p>", "bengalururains", "archive")
	sk, cp, lq := conntest.NewSink(), conntest.NewCheckpoints(), conntest.NewListening()
	lq.Set(t, 1, `#BengaluruRains AND NOT #archive AND (flood OR waterlogging)`)
	lq.Set(t, 2, `"chain snatching" jayanagar`)
	lq.Set(t, 3, `category:theft`)
	lq.Set(t, 4, `flood AND platform:x`)
	c := listenConn(t, fake, sk, cp, lq)
	if err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.SyncListening(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := sk.GetID(post.Mastodon, old); !ok || sk.Len() != 1 {
		t.Fatalf("first run: the newest page of the tag, without the excluded tag: %v", sk.Order())
	}
	for id, want := range map[int64]struct {
		state string
		form  []string
	}{
		1: {query.ListenWidened, []string{"#bengalururains -#archive"}},
		2: {query.ListenPartial, []string{`search: "chain snatching" jayanagar`}},
		3: {query.ListenUnsearchable, nil},
		4: {query.ListenNever, nil},
	} {
		r, ok := lq.Report(5, id)
		if !ok || r.State != want.state || !slices.Equal(r.Form, want.form) || r.Error != "" {
			t.Fatalf("query %d: %+v", id, r)
		}
	}
	if r, _ := lq.Report(5, 2); !slices.Contains(r.Reasons, query.ReasonIndexedOnly) {
		t.Fatalf("search is reported as finding indexed posts only: %+v", r)
	}

	// New posts: a tagged one, one that mentions us, and 45 the search
	// finds (more than one page of 40).
	tagged := fake.AddStatus(ana, "<p>Silk Board waterlogging, avoid</p>", "BengaluruRains")
	_, mentioned := fake.AddMention(jo, `<p><span class="h-card"><a href="https://blr.social/@police" class="u-url mention">@<span>police</span></a></span> chain snatching in Jayanagar just now</p>`, mastofake.MentionOpts{})
	var searched []string
	for i := range 45 {
		searched = append(searched, fake.AddStatus(ana, fmt.Sprintf("<p>Chain snatching near Jayanagar metro, report %d</p>", i)))
	}
	if err := c.SyncListening(ctx); err != nil {
		t.Fatal(err)
	}
	p, ok := sk.GetID(post.Mastodon, tagged)
	if !ok || p.Kind != post.KindListening {
		t.Fatalf("tagged status: %+v", p)
	}
	for _, id := range searched {
		if p, ok := sk.GetID(post.Mastodon, id); !ok || p.Kind != post.KindListening {
			t.Fatalf("searched status %s: %v %+v", id, ok, p)
		}
	}
	// AddMention does not put the mention in the public timeline the fake
	// searches; the notification brings it, as a mention.
	if _, ok := sk.GetID(post.Mastodon, mentioned); ok {
		t.Fatal("a direct mention came through search")
	}

	// A restart resumes from the checkpoints: nothing is delivered twice.
	before := sk.Len()
	c2 := listenConn(t, fake, sk, cp, lq)
	if err := c2.SyncListening(ctx); err != nil || sk.Len() != before || sk.Dupes() != 0 {
		t.Fatalf("restart: %v, %d posts (was %d), %d duplicates", err, sk.Len(), before, sk.Dupes())
	}

	// A public status mentioning us found by the tag stays a mention.
	both := fake.AddStatus(jo, `<p>@police flood at Hebbal</p>`, "bengalururains")
	fake.SetMentions(both, fake.Me())
	if err := c2.SyncListening(ctx); err != nil {
		t.Fatal(err)
	}
	if p, _ := sk.GetID(post.Mastodon, both); p.Kind != post.KindMention {
		t.Fatalf("a found status that mentions us: kind %q", p.Kind)
	}

	// A rate limit is reported on the query and returned to wait.
	fake.FailNext("/api/v1/timelines/tag/bengalururains", 429, "Too many requests")
	err := c2.SyncListening(ctx)
	if connector.ClassOf(err) != connector.RateLimited {
		t.Fatalf("rate limit: %v", err)
	}
	if r, _ := lq.Report(5, 1); r.State != query.ListenError || r.Error == "" {
		t.Fatalf("rate limit reported: %+v", r)
	}
	if err := c2.SyncListening(ctx); err != nil {
		t.Fatal(err)
	}
	if r, _ := lq.Report(5, 1); r.State != query.ListenWidened || r.Error != "" {
		t.Fatalf("after the wait: %+v", r)
	}
}
