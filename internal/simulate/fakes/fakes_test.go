package fakes

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector/bluesky/bskyfake"
	"github.com/kaval-desk/kaval/internal/connector/mastodon/mastofake"
	"github.com/kaval-desk/kaval/internal/connector/rss/rssfake"
	"github.com/kaval-desk/kaval/internal/connector/x/xfake"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
)

func get(t *testing.T, url, token string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

func TestInjectIntoPullFakes(t *testing.T) {
	xs := xfake.New(xfake.Options{})
	defer xs.Close()
	ms := mastofake.New("masto-token")
	defer ms.Close()
	bs := bskyfake.New()
	defer bs.Close()
	ourDID := bs.AddAccount("blrcitypolice.bsky.social", "pw")
	rs := rssfake.New()
	defer rs.Close()

	var mu sync.Mutex
	byPlatform := map[string][]scenario.Event{}
	rep, err := simulate.Run(context.Background(), simulate.Config{Rate: 100000, Count: 200, Seed: 3,
		Inject: map[string]simulate.Injector{
			post.X:        XMentions(xs, false),
			post.Mastodon: Mastodon(ms),
			post.Bluesky:  Bluesky(bs, "blrcitypolice.bsky.social", ourDID, "BlrCityPolice"),
			post.RSS:      RSS(rs, "https://news.example"),
		},
		OnEvent: func(e scenario.Event) {
			mu.Lock()
			byPlatform[e.Platform] = append(byPlatform[e.Platform], e)
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accepted != 200 || rep.Errors != 0 {
		t.Fatalf("%+v %s", rep.Counts, rep.FirstError)
	}
	for _, p := range []string{post.X, post.Mastodon, post.Bluesky, post.RSS} {
		if len(byPlatform[p]) == 0 {
			t.Fatalf("no %s events", p)
		}
	}
	for _, e := range byPlatform[post.X] {
		tw, ok := xs.Tweet(e.ID)
		if !ok || tw.Text != e.Text || tw.AuthorID != e.AuthorID {
			t.Fatalf("tweet %s: %v %+v", e.ID, ok, tw)
		}
	}
	feed := get(t, rs.URL(), "")
	for _, e := range byPlatform[post.RSS] {
		if !strings.Contains(feed, "sim-"+e.ID) {
			t.Fatalf("feed lacks item %s", e.ID)
		}
	}
	var notes []json.RawMessage
	if err := json.Unmarshal([]byte(get(t, ms.URL()+"/api/v1/notifications?limit=80", "masto-token")), &notes); err != nil {
		t.Fatal(err)
	}
	if want := min(80, len(byPlatform[post.Mastodon])); len(notes) != want {
		t.Fatalf("%d notifications, want %d", len(notes), want)
	}
}
