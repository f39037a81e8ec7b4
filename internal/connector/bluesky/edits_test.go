package bluesky_test

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/connector/bluesky/bskyfake"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/post"
)

// A Jetstream delete commit (operation "delete", no record, per the
// Jetstream event documentation) reaches intake as a deletion of the post
// with that AT-URI, and an update commit as an edit.
func TestJetstreamDeleteAndUpdateCommits(t *testing.T) {
	w := newWorld(t)
	c := w.conn(t, map[string]string{"sources": "jetstream"})
	stop := run(t, c)
	defer stop()
	conntest.WaitFor(t, "subscribed", func() bool { return w.fake.Subscribers() == 1 })
	uri, _ := w.fake.EmitPost(w.citizen, "pothole near Silk Board", bskyfake.PostOpts{})
	conntest.WaitFor(t, "post", func() bool { _, ok := w.sk.Get("bluesky/" + uri); return ok })
	w.fake.EmitDelete(uri)
	conntest.WaitFor(t, "deletion", func() bool { return len(w.sk.Changes()) == 1 })
	if d := w.sk.Changes()[0]; d.Op != post.ChangeDelete || d.ExternalID != uri || d.At.IsZero() {
		t.Fatalf("%+v", d)
	}
}
