package meta_test

import (
	"context"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/post"
)

// Facebook: reactions, comments and shares from the post's fields (shares
// left out by Graph when nobody shared is 0, not unknown), reach from its
// insights when the Page has them; a post deleted since is left out
// (Graph fails the whole ?ids= read for it).
func TestFacebookPostMetrics(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, post.Facebook, nil)
	var ids []string
	for _, text := range []string{"Dasara: Mysuru Road closed 4-10 pm", "Elders Helpline 1090", "Children's Helpline 1098"} {
		res, err := r.c.Publish(ctx, connector.Message{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.ExternalID)
	}
	r.f.SetPostMetrics(ids[0], 120, 14, 9, 5400)
	r.f.SetPostMetrics(ids[1], 3, 0, 0, 210)
	mr := connector.Connector(r.c).(connector.MetricsReader)
	got, err := mr.PostMetrics(ctx, append([]string{"101112131415161_999"}, ids[:2]...))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]connector.Metrics{
		ids[0]: {Likes: 120, Replies: 14, Reposts: 9, Quotes: -1, Reach: 5400, Impressions: -1},
		ids[1]: {Likes: 3, Replies: 0, Reposts: 0, Quotes: -1, Reach: 210, Impressions: -1},
	}
	if len(got) != 2 || got[ids[0]] != want[ids[0]] || got[ids[1]] != want[ids[1]] {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// A Page without insights: the counts stand, reach is not offered.
	r.f.SetPostMetrics(ids[2], 7, 1, 0, -1)
	got, err = mr.PostMetrics(ctx, ids)
	if err != nil || got[ids[2]] != (connector.Metrics{Likes: 7, Replies: 1, Quotes: -1, Reach: -1, Impressions: -1}) || got[ids[0]].Reach != -1 {
		t.Fatalf("without insights: %+v %v", got, err)
	}
	// Throttling is an error to retry later, not "not offered".
	r.f.FailNext(1, metafake.Error{Code: 4, Message: "(#4) Application request limit reached"})
	if _, err := mr.PostMetrics(ctx, ids); connector.ClassOf(err) != connector.RateLimited {
		t.Fatalf("throttled: %v", err)
	}
}

// Instagram: like_count (left out when the account hides likes: not
// offered) and comments_count from the media, reach and shares from its
// insights, or not offered when Meta has too few viewers to show them.
func TestInstagramMediaMetrics(t *testing.T) {
	ctx := context.Background()
	img := images(t)
	r := newRig(t, post.Instagram, map[string]string{"ig_container_poll": "1ms"})
	var ids []string
	for _, text := range []string{"Makkala Sahayavani 1098", "Vanitha Sahayavani 1091", "Cyber crime 1930"} {
		res, err := r.c.Publish(ctx, connector.Message{Text: text, Media: []string{img.URL + "/a.jpg"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.ExternalID)
	}
	r.f.SetIGMetrics(ids[0], 340, 12, 8800, 41, false)
	r.f.SetIGMetrics(ids[1], 55, 2, 900, 0, true)
	r.f.SetIGMetrics(ids[2], 4, 0, -1, 0, false)
	got, err := connector.Connector(r.c).(connector.MetricsReader).PostMetrics(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	want := []connector.Metrics{
		{Likes: 340, Replies: 12, Reposts: 41, Quotes: -1, Reach: 8800, Impressions: -1},
		{Likes: -1, Replies: 2, Reposts: 0, Quotes: -1, Reach: 900, Impressions: -1},
		{Likes: 4, Replies: 0, Reposts: -1, Quotes: -1, Reach: -1, Impressions: -1},
	}
	for i, id := range ids {
		if got[id] != want[i] {
			t.Errorf("media %d: %+v, want %+v", i, got[id], want[i])
		}
	}
}
