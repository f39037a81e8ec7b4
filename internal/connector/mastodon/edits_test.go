package mastodon_test

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/mastodon/mastofake"
	"github.com/kaval-desk/kaval/internal/post"
)

// The streaming API's status.update event (the whole edited Status, with
// edited_at) and delete event (the bare id), as the Mastodon streaming
// documentation gives them, reach intake as an edit and a deletion instead
// of being swallowed.
func TestStreamEditsAndDeletions(t *testing.T) {
	fake := mastofake.New(token)
	defer fake.Close()
	fake.HeartbeatEvery = 0
	jo := fake.Account("jo", "mastodon.example")
	sk := conntest.NewSink()
	c := newConn(t, fake, map[string]string{"stream": "hashtag:bengaluru"}, sk, conntest.NewCheckpoints())
	stop := run(t, c)
	defer stop()
	conntest.WaitFor(t, "stream", func() bool { return fake.Streams() == 1 })
	id := fake.AddTagStatus("bengaluru", jo, "<p>Tree fell on 80ft road #bengaluru</p>")
	conntest.WaitFor(t, "post", func() bool { _, ok := sk.Get("mastodon/" + id); return ok })
	fake.SendRaw("status.update", `{"id":"`+id+`","created_at":"2026-08-20T09:19:58.000Z","edited_at":"2026-08-20T09:25:00.000Z","visibility":"public","content":"<p>Tree fell on 80ft road, Koramangala 4th block #bengaluru</p>","account":{"id":"`+jo.ID+`","acct":"jo@mastodon.example"},"mentions":[],"tags":[]}`)
	fake.Delete(id)
	conntest.WaitFor(t, "edit and deletion", func() bool { return len(sk.Changes()) == 2 })
	cs := sk.Changes()
	if e := cs[0]; e.Op != post.ChangeEdit || e.ExternalID != id || e.Text != "Tree fell on 80ft road, Koramangala 4th block #bengaluru" ||
		e.At.Format("15:04") != "09:25" || e.Post == nil {
		t.Fatalf("edit %+v", e)
	}
	if d := cs[1]; d.Op != post.ChangeDelete || d.ExternalID != id {
		t.Fatalf("deletion %+v", d)
	}
	if sk.Len() != 1 {
		t.Fatalf("%d posts", sk.Len())
	}
}
