package meta_test

import (
	"context"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/post"
)

// A reply to an @mention in another account's comment goes through the
// mentions edge with the media and the comment; as a plain comment reply
// (/{comment}/replies) Graph refuses it.
func TestMentionReplyUsesTheMentionsEdge(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, post.Instagram, nil)
	const media, comment = "17920000000000005", "17900000000000077"
	if code := r.deliver(t, metafake.Payload(r.f.IGMention(comment, media, "asha.k", "@blrcitypolice bike stolen", time.Time{}))); code != 200 {
		t.Fatal(code)
	}
	p, ok := r.sink.GetID(post.Instagram, comment)
	if !ok || p.Kind != post.KindMention {
		t.Fatalf("mention %+v", p)
	}
	target := connector.Target{Channel: p.Channel, ParentID: p.ExternalID, ThreadID: p.ThreadID}
	if _, err := r.c.Reply(ctx, target, connector.Message{Text: "Please file an e-FIR."}); connector.ClassOf(err) != connector.Permanent {
		t.Fatalf("a comment reply on another account's media must be refused by Graph: %v", err)
	}
	target.Extra = map[string]string{"kind": p.Kind}
	res, err := r.c.Reply(ctx, target, connector.Message{Text: "Please file an e-FIR."})
	if err != nil {
		t.Fatal(err)
	}
	sent := r.f.Sent()
	if len(sent) != 1 || sent[0].Kind != "ig_mention_reply" || sent[0].Parent != comment || sent[0].Media != media || sent[0].ID != res.ExternalID {
		t.Fatalf("sent %+v, result %+v", sent, res)
	}
	// A mention reply on media that did not mention us is Graph's error.
	target.ThreadID = "17920000000000999"
	if _, err := r.c.Reply(ctx, target, connector.Message{Text: "hi"}); connector.ClassOf(err) != connector.Permanent {
		t.Fatalf("mismatched media: %v", err)
	}
}
