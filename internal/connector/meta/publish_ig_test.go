package meta_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/post"
)

// images serves /a.jpg and /b.jpg as JPEG and /c.png as PNG, as a public
// media host would.
func images(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".png") {
			w.Write([]byte("\x89PNG\r\n\x1a\n...."))
			return
		}
		w.Write([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestInstagramPublishContainerThenMediaPublish(t *testing.T) {
	ctx := context.Background()
	img := images(t)
	r := newRig(t, post.Instagram, map[string]string{"ig_container_poll": "1ms"})
	r.f.SetIGProcessingPolls(2)
	m := connector.Message{Text: "Traffic advisory: Hosur Road closed 10–12 today #bengalurutraffic", Media: []string{img.URL + "/a.jpg"},
		IdempotencyKey: "publish:1", QueuedAt: r.now}
	res, err := r.c.Publish(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	posts := r.f.IGPosts()
	if len(posts) != 1 || posts[0].Text != m.Text || posts[0].ID != res.ExternalID || !strings.HasPrefix(res.URL, "https://www.instagram.com/p/") {
		t.Fatalf("published %+v, result %+v", posts, res)
	}
	// A carousel of two images is one post.
	if _, err := r.c.Publish(ctx, connector.Message{Text: "Missing child found, reunited with family", Media: []string{img.URL + "/a.jpg", img.URL + "/b.jpg"}}); err != nil {
		t.Fatal(err)
	}
	if n := len(r.f.IGPosts()); n != 2 {
		t.Fatalf("%d posts", n)
	}
	class := func(err error) connector.Class { return connector.ClassOf(err) }
	if _, err := r.c.Publish(ctx, connector.Message{Text: "text only"}); class(err) != connector.Invalid {
		t.Fatalf("no media: %v", err)
	}
	if _, err := r.c.Publish(ctx, connector.Message{Text: strings.Repeat("#tag ", 31), Media: []string{img.URL + "/a.jpg"}}); class(err) != connector.Invalid {
		t.Fatalf("31 hashtags: %v", err)
	}
	_, err = r.c.Publish(ctx, connector.Message{Text: "a png", Media: []string{img.URL + "/c.png"}})
	if class(err) != connector.Permanent || !strings.Contains(err.Error(), "9004/2207052") {
		t.Fatalf("png: %v", err)
	}
	if n := len(r.f.IGPosts()); n != 2 {
		t.Fatalf("%d posts after refusals", n)
	}
	// Facebook and Messenger channels do not take Instagram's path.
	fb := newRig(t, post.Facebook, nil)
	if _, err := fb.c.Reply(ctx, connector.Target{ParentID: "x"}, connector.Message{Text: "hi", Media: []string{img.URL + "/a.jpg"}}); class(err) != connector.Invalid {
		t.Fatalf("reply with media: %v", err)
	}
	res, err = fb.c.Publish(ctx, connector.Message{Text: "Photo from today's road-safety drive", Media: []string{img.URL + "/a.jpg"}})
	if err != nil || !strings.HasPrefix(res.ExternalID, fb.f.PageID()+"_") {
		t.Fatalf("page photo: %+v %v", res, err)
	}
	if s := fb.f.Sent(); len(s) != 1 || s[0].Kind != "photo" {
		t.Fatalf("sent %+v", s)
	}
}

// media_publish publishes but its answer is lost: the connector finds the
// post by caption instead of reporting an unknown outcome, and a later
// retry of the same row finds it too instead of publishing twice.
func TestInstagramPublishLostAnswerIsFoundNotRepeated(t *testing.T) {
	ctx := context.Background()
	img := images(t)
	r := newRig(t, post.Instagram, map[string]string{"ig_container_poll": "1ms"})
	m := connector.Message{Text: "Beware of UPI refund scams: police never ask for your PIN", Media: []string{img.URL + "/a.jpg"},
		IdempotencyKey: "publish:2", QueuedAt: r.now.Add(-time.Minute)}
	r.f.DropNextAnswer("media_publish")
	res, err := r.c.Publish(ctx, m)
	if err != nil {
		t.Fatalf("lost answer: %v", err)
	}
	again, err := r.c.Publish(ctx, m)
	if err != nil || again.ExternalID != res.ExternalID {
		t.Fatalf("retry: %+v %v (first %+v)", again, err, res)
	}
	if n := len(r.f.IGPosts()); n != 1 {
		t.Fatalf("%d posts, want 1", n)
	}
	// The same caption queued later is a new post, not the old one.
	if _, err := r.c.Publish(ctx, connector.Message{Text: m.Text, Media: m.Media, QueuedAt: r.now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n := len(r.f.IGPosts()); n != 2 {
		t.Fatalf("%d posts, want 2", n)
	}
}

var _ = metafake.Version
