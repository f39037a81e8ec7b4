package meta_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/meta"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/post"
)

// Webhooks that never arrived are found by polling, across Graph's cursor
// pages; what did arrive by webhook is the same post (same platform and
// id), so intake keeps one of each.
func TestReconcileFindsMissedWebhooksExactlyOnce(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, post.Facebook, map[string]string{"reconcile_lookback": "2h"})
	r.now = time.Date(2026, 8, 20, 9, 0, 0, 0, time.UTC)

	delivered, dc := r.f.FeedComment(metafake.Comment{FromID: "6020000000000001", FromName: "Jo", Message: "Is the road by the school still closed?", Time: r.now.Add(-30 * time.Minute)})
	if code := r.deliver(t, metafake.Payload(delivered)); code != 200 {
		t.Fatal(code)
	}
	// Missed: a reply under the same post, 60 comments on another post
	// (more than one page), a visitor post, a Messenger DM and an
	// Instagram comment with a reply.
	missedReply, mr := r.f.FeedComment(metafake.Comment{PostID: dc.PostID, ParentID: dc.ID, FromID: "6020000000000002", Message: "Still closed at 8.", Time: r.now.Add(-20 * time.Minute)})
	var many []metafake.Comment
	_, first := r.f.FeedComment(metafake.Comment{FromID: "603", Message: "comment 0", Time: r.now.Add(-59 * time.Minute)})
	many = append(many, first)
	for i := 1; i < 60; i++ {
		_, c := r.f.FeedComment(metafake.Comment{PostID: first.PostID, FromID: "603" + strconv.Itoa(i), Message: fmt.Sprintf("comment %d", i), Time: r.now.Add(time.Duration(i-60) * time.Minute)})
		many = append(many, c)
	}
	visitorID := r.f.PageID() + "_901"
	r.f.VisitorPost(visitorID, "6020000000000003", "Ravi", "Streetlight out on 5th cross", r.now.Add(-10*time.Minute))
	dmEntry, dm := r.f.MessengerMessage(metafake.Message{PSID: "7100000000000009", Text: "My phone was snatched near the bus stand", Time: r.now.Add(-5 * time.Minute)})
	_, ig := r.f.IGComment(metafake.IGCommentIn{FromID: "178", Username: "jo.res", Text: "@blrcitypolice is the festival route closed?", Time: r.now.Add(-15 * time.Minute)})
	_, igReply := r.f.IGComment(metafake.IGCommentIn{MediaID: ig.MediaID, ParentID: ig.ID, FromID: "179", Username: "sam", Text: "same question", Time: r.now.Add(-14 * time.Minute)})
	// Our own reply is not a citizen's post.
	if _, err := r.c.Reply(ctx, connector.Target{ParentID: dc.ID}, connector.Message{Text: "Yes, until 6 pm."}); err != nil {
		t.Fatal(err)
	}

	if err := r.c.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		post.Facebook + "/" + dc.ID:       post.KindComment,
		post.Facebook + "/" + mr.ID:       post.KindComment,
		post.Facebook + "/" + visitorID:   post.KindPost,
		post.Messenger + "/" + dm.MID:     post.KindDirectMessage,
		post.Instagram + "/" + ig.ID:      post.KindComment,
		post.Instagram + "/" + igReply.ID: post.KindComment,
	}
	for _, c := range many {
		want[post.Facebook+"/"+c.ID] = post.KindComment
	}
	if r.sink.Len() != len(want) {
		t.Fatalf("%d posts, want %d: %v", r.sink.Len(), len(want), r.sink.Order())
	}
	for k, kind := range want {
		p, ok := r.sink.Get(k)
		if !ok || p.Kind != kind {
			t.Fatalf("%s: %+v %v", k, p, ok)
		}
	}
	if p, _ := r.sink.GetID(post.Facebook, mr.ID); p.InReplyTo != dc.ID || p.ThreadID != dc.PostID || p.Author.ExternalID != "6020000000000002" {
		t.Fatalf("reply threading: %+v", p)
	}
	if p, _ := r.sink.GetID(post.Messenger, dm.MID); p.ThreadID != r.f.PageID()+":7100000000000009" || !p.Private {
		t.Fatalf("dm: %+v", p)
	}
	if p, _ := r.sink.GetID(post.Instagram, igReply.ID); p.InReplyTo != ig.ID || p.ThreadID != ig.MediaID || p.Author.Handle != "sam" {
		t.Fatalf("ig reply: %+v", p)
	}
	if got := r.cp.Get("meta:3:reconcile", "since"); got != strconv.FormatInt(r.now.Unix(), 10) {
		t.Fatalf("checkpoint since=%q", got)
	}

	// The late webhooks for what polling found are duplicates, as is a
	// second pass.
	n := r.sink.Len()
	r.deliver(t, metafake.Payload(missedReply))
	r.deliver(t, metafake.Payload(dmEntry))
	r.now = r.now.Add(15 * time.Minute)
	if err := r.c.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if r.sink.Len() != n {
		t.Fatalf("%d posts after redeliveries and a second pass, want %d", r.sink.Len(), n)
	}
}

// Intake down: the pass fails and the checkpoint stays, so the next pass
// reads the same window again.
func TestReconcileCheckpointOnlyAfterIntake(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, post.Instagram, nil)
	r.f.IGComment(metafake.IGCommentIn{FromID: "178", Username: "jo", Text: "route?", Time: r.now.Add(-time.Minute)})
	r.cp.SaveCheckpoint(ctx, "meta:3:reconcile", map[string]string{"since": strconv.FormatInt(r.now.Add(-time.Hour).Unix(), 10)})
	r.sink.FailNext(1)
	if err := r.c.Reconcile(ctx); err == nil {
		t.Fatal("pass succeeded with intake down")
	}
	if got := r.cp.Get("meta:3:reconcile", "since"); got != strconv.FormatInt(r.now.Add(-time.Hour).Unix(), 10) {
		t.Fatalf("checkpoint moved to %s", got)
	}
	if err := r.c.Reconcile(ctx); err != nil || r.sink.Len() != 1 {
		t.Fatalf("retry: %v, %d posts", err, r.sink.Len())
	}
}

// Run reconciles at once on start and then on its interval.
func TestRunReconciles(t *testing.T) {
	r := newRig(t, post.Facebook, map[string]string{"reconcile_every": "20ms"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.c.Run(ctx) }()
	r.f.VisitorPost(r.f.PageID()+"_77", "60201", "Asha", "Water logging near Silk Board", r.now.Add(-time.Minute))
	conntest.WaitFor(t, "the visitor post", func() bool { return r.sink.Len() == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// One failing Graph read fails only its own source: the others' posts are
// stored and their cursors move; the failing one is in health with Graph's
// error, keeps its cursor, and is read again (and found) next pass.
func TestReconcileSourcesAdvanceIndependently(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, post.Facebook, map[string]string{"reconcile_lookback": "2h", "reconcile_margin": "1m"})
	pass1 := r.now
	_, broken := r.f.FeedComment(metafake.Comment{FromID: "6020000000000001", Message: "Is the Hosur Road underpass flooded?", Time: r.now.Add(-30 * time.Minute)})
	_, fine := r.f.FeedComment(metafake.Comment{FromID: "6020000000000002", Message: "Signal out at Silk Board", Time: r.now.Add(-25 * time.Minute)})
	_, dm := r.f.MessengerMessage(metafake.Message{PSID: "7100000000000009", Text: "My phone was snatched near the bus stand", Time: r.now.Add(-5 * time.Minute)})
	_, ig := r.f.IGComment(metafake.IGCommentIn{FromID: "178", Username: "jo.res", Text: "is the festival route closed?", Time: r.now.Add(-15 * time.Minute)})

	// Graph error code 2 (temporary service issue) on one post's comments,
	// and a bare 500 on the Instagram media's comments.
	r.f.FailOn("GET", broken.PostID, "comments", -1, metafake.Error{HTTPStatus: 500, Code: 2, Type: "OAuthException", Message: "An unexpected error has occurred. Please retry your request later.", Transient: true})
	r.f.FailOn("GET", ig.MediaID, "comments", -1, metafake.Error{HTTPStatus: 500})

	err := r.c.Reconcile(ctx)
	var se *meta.SourceError
	if err == nil || !errors.As(err, &se) {
		t.Fatalf("a pass with failing sources: %v", err)
	}
	for _, k := range []string{post.Facebook + "/" + fine.ID, post.Messenger + "/" + dm.MID} {
		if _, ok := r.sink.Get(k); !ok {
			t.Fatalf("%s not stored although its source worked: %v", k, r.sink.Order())
		}
	}
	if r.sink.Len() != 2 {
		t.Fatalf("%d posts after the first pass, want 2: %v", r.sink.Len(), r.sink.Order())
	}
	cp := func(key string) string { return r.cp.Get("meta:3:reconcile", key) }
	at := func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
	for key, want := range map[string]string{
		"feed": at(pass1), "conversations": at(pass1), "ig_media": at(pass1), "fb_comments:" + fine.PostID: at(pass1),
		// Failing sources without a cursor keep where they read from
		// (the lookback) plus the margin, so the next pass reads it again.
		"fb_comments:" + broken.PostID: at(pass1.Add(-2*time.Hour + time.Minute)),
		"ig_comments:" + ig.MediaID:    at(pass1.Add(-2*time.Hour + time.Minute)),
		"since":                        "", // not every source succeeded
	} {
		if got := cp(key); got != want {
			t.Errorf("cursor %s = %q, want %q", key, got, want)
		}
	}
	h := strings.Join(r.c.Health().Errors, "\n")
	if !strings.Contains(h, "fb_comments:"+broken.PostID) || !strings.Contains(h, "An unexpected error has occurred") ||
		!strings.Contains(h, "ig_comments:"+ig.MediaID) || !strings.Contains(h, "HTTP 500") {
		t.Fatalf("health must name each failing source with the platform's error:\n%s", h)
	}

	// Next pass: Graph has recovered. The failed sources are read from
	// their old cursors and their posts found; the others read from this
	// pass's start and add nothing twice.
	r.f.FailOn("GET", broken.PostID, "comments", 0, metafake.Error{})
	r.f.FailOn("GET", ig.MediaID, "comments", 0, metafake.Error{})
	r.now = r.now.Add(15 * time.Minute)
	if err := r.c.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{post.Facebook + "/" + broken.ID, post.Instagram + "/" + ig.ID} {
		if _, ok := r.sink.Get(k); !ok {
			t.Fatalf("%s not found on the retry: %v", k, r.sink.Order())
		}
	}
	if r.sink.Len() != 4 {
		t.Fatalf("%d posts after the retry, want 4: %v", r.sink.Len(), r.sink.Order())
	}
	for _, key := range []string{"since", "feed", "fb_comments:" + broken.PostID, "ig_comments:" + ig.MediaID} {
		if got := cp(key); got != at(r.now) {
			t.Errorf("cursor %s = %q after a clean pass, want %q", key, got, at(r.now))
		}
	}

	// A failing listing keeps every cursor it names: with the feed down,
	// no post's comments can be read and none of their cursors moves.
	before := cp("fb_comments:" + fine.PostID)
	r.f.FailOn("GET", r.f.PageID(), "feed", 1, metafake.Error{Code: 1, Message: "An unknown error occurred"})
	r.now = r.now.Add(15 * time.Minute)
	if err := r.c.Reconcile(ctx); err == nil {
		t.Fatal("feed down: the pass must report it")
	}
	if got := cp("fb_comments:" + fine.PostID); got != before {
		t.Fatalf("a post's comment cursor moved while the feed was down: %s → %s", before, got)
	}
	if got := cp("conversations"); got != at(r.now) {
		t.Fatalf("conversations did not advance while the feed was down: %s", got)
	}
}
