package bskyfake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
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

// Like the PDS: a caller-chosen key must be a TID, and a repo holds one
// record per key.
func TestCreateRecordKeys(t *testing.T) {
	s := bskyfake.New()
	defer s.Close()
	did := s.AddAccount("a.test", "pw")
	var sess struct{ AccessJwt string }
	if code, out := xrpcPost(t, s, "", "com.atproto.server.createSession", map[string]string{"identifier": "a.test", "password": "pw"}); code != 200 {
		t.Fatalf("login: %d %s", code, out)
	} else {
		json.Unmarshal([]byte(out), &sess)
	}
	rec := map[string]any{"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2026-08-20T09:00:00.000Z"}
	body := func(rkey string) map[string]any {
		return map[string]any{"repo": did, "collection": "app.bsky.feed.post", "rkey": rkey, "record": rec}
	}
	if code, out := xrpcPost(t, s, sess.AccessJwt, "com.atproto.repo.createRecord", body("3lxyzab7tqs2a")); code != 200 {
		t.Fatalf("first: %d %s", code, out)
	}
	if code, out := xrpcPost(t, s, sess.AccessJwt, "com.atproto.repo.createRecord", body("3lxyzab7tqs2a")); code != 500 || !strings.Contains(out, "InternalServerError") {
		t.Fatalf("taken key: %d %s", code, out)
	}
	if code, out := xrpcPost(t, s, sess.AccessJwt, "com.atproto.repo.createRecord", body("not-a-tid")); code != 400 || !strings.Contains(out, "InvalidRequest") {
		t.Fatalf("bad key: %d %s", code, out)
	}
	if n := len(s.Created()); n != 1 {
		t.Fatalf("%d records", n)
	}
}

func xrpcPost(t *testing.T, s *bskyfake.Server, tok, nsid string, body any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.URL()+"/xrpc/"+nsid, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}
