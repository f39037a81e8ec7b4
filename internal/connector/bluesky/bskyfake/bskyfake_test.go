package bskyfake_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kaval-desk/kaval/internal/connector/bluesky"
	"github.com/kaval-desk/kaval/internal/connector/bluesky/bskyfake"
)

func read(t *testing.T, c *websocket.Conn) bluesky.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var e bluesky.Event
	json.Unmarshal(b, &e)
	return e
}

func TestJetstreamFiltersAndCursor(t *testing.T) {
	s := bskyfake.New()
	defer s.Close()
	did := s.AddAccount("a.test", "pw")
	s.EmitPost(did, "first", bskyfake.PostOpts{})
	s.EmitIdentity(did, "b.test")
	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, s.JetstreamURL()+"?wantedCollections=app.bsky.feed.*&cursor=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	// Replay from a cursor older than everything: clamped to the oldest.
	if e := read(t, c); e.Kind != "commit" || e.Commit.Record == nil {
		t.Fatalf("replay 1: %+v", e)
	}
	if e := read(t, c); e.Kind != "identity" {
		t.Fatalf("identity events are always delivered: %+v", e)
	}
	// options_update narrows to another collection: posts stop coming.
	c.Write(ctx, websocket.MessageText, []byte(`{"type":"options_update","payload":{"wantedCollections":["app.bsky.graph.follow"]}}`))
	time.Sleep(50 * time.Millisecond)
	s.EmitPost(did, "filtered out", bskyfake.PostOpts{})
	s.EmitAccount(did, false, "suspended")
	if e := read(t, c); e.Kind != "account" {
		t.Fatalf("want the account event only, got %+v", e)
	}
}
