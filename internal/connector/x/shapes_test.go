package x_test

import (
	"context"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/x"
	"github.com/kaval-desk/kaval/internal/connector/x/xfake"
	"github.com/kaval-desk/kaval/internal/post"
)

// Shapes written from X's API v2 documentation: a mentions timeline
// requested with the default fields (no entities), the force's own post in
// a search page and on the stream, in-stream error objects ("Handling
// disconnections"), and Account Activity tweet_delete_events.
const (
	ownAndMentions = `{"data":[{"id":"1830000000000000100","text":"@CityPoliceHQ signal not working at Hebbal flyover","author_id":"555","edit_history_tweet_ids":["1830000000000000100"]},{"id":"1830000000000000101","text":"Traffic advisory: Hebbal flyover closed tonight","author_id":"99887766","edit_history_tweet_ids":["1830000000000000101"]}],"includes":{"users":[{"id":"555","name":"A","username":"a_citizen"},{"id":"99887766","name":"City Police","username":"CityPoliceHQ"}]},"meta":{"result_count":2,"newest_id":"1830000000000000101"}}`
	ownOnStream    = `{"data":{"id":"1830000000000000102","text":"Stay safe","author_id":"77","created_at":"2026-08-20T10:01:00.000Z"},"includes":{"users":[{"id":"77","name":"Police","username":"cityPOLICEhq"}]}}`
	deleteEvents   = `{"for_user_id":"99887766","tweet_delete_events":[{"status":{"id":"1830000000000000002","user_id":"44196397000"},"timestamp_ms":"1787217900000"}],"tweet_create_events":[{"id_str":"1830000000000000003","text":"ok","user":{"id_str":"44196397000","screen_name":"jo_res"}},{"id_str":1830000000000000004,"text":"odd"}]}`
)

func TestOwnPostsAreNotCitizensPosts(t *testing.T) {
	pg, err := x.DecodeMentionsPage([]byte(ownAndMentions), me, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Posts) != 1 || pg.Own != 1 || pg.Posts[0].ExternalID != "1830000000000000100" {
		t.Fatalf("posts %+v own %d", pg.Posts, pg.Own)
	}
	if pg.NewestID != "1830000000000000101" {
		t.Fatalf("the cursor must still move past our own post: %s", pg.NewestID)
	}
	if pg.Posts[0].Kind != post.KindMention {
		t.Fatalf("mentions-timeline item has kind %q", pg.Posts[0].Kind)
	}
	pg, _ = x.DecodePage([]byte(ownAndMentions), me, time.Now())
	if len(pg.Posts) != 1 || pg.Own != 1 {
		t.Fatalf("search page: %+v", pg)
	}
	it, err := x.DecodeStreamLine([]byte(ownOnStream), x.Account{Handle: "CityPoliceHQ"}, time.Now())
	if err != nil || it.Post != nil || !it.Own {
		t.Fatalf("own post on the stream: %+v %v", it, err)
	}
}

func TestStreamErrorObjectsReconnect(t *testing.T) {
	for _, line := range []string{
		seedDisconnect,
		`{"errors":[{"title":"ConnectionException","detail":"This stream is currently at the maximum allowed connection limit.","connection_issue":"TooManyConnections","type":"https://api.twitter.com/2/problems/streaming-connection","status":"429"}]}`,
		`{"error":{"message":"Forced Disconnect: Too many connections. (Allowed Connections = 1)","sent":"2026-08-20T10:00:00+00:00"}}`,
		`{"error":"stream closed for maintenance"}`,
		`{"errors":"ProvisioningSubscription"}`,
		`{"errors":[{"title":"operational-disconnect"}],"includes":{"users":"odd"}}`,
	} {
		it, err := x.DecodeStreamLine([]byte(line), me, time.Now())
		if err != nil || len(it.Disconnect) == 0 || it.Disconnect[0].String() == "" {
			t.Errorf("%s: %+v %v", line, it, err)
		}
	}
}

func TestWebhookDeletionsAndOddItems(t *testing.T) {
	w, err := x.DecodeWebhook([]byte(deleteEvents), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Changes) != 1 || w.Changes[0].Op != post.ChangeDelete || w.Changes[0].ExternalID != "1830000000000000002" ||
		w.Changes[0].PurgeWithin != x.PurgeDeleted || !w.Changes[0].At.Equal(time.UnixMilli(1787217900000)) {
		t.Fatalf("changes %+v", w.Changes)
	}
	if len(w.Posts) != 1 || len(w.Skipped) != 1 || w.Skipped[0].At != "tweet_create_events[1]" {
		t.Fatalf("posts %+v skipped %+v", w.Posts, w.Skipped)
	}
}

// On the wire: an error object of the older {"error": ...} form, which the
// server sends before closing, starts the reconnect ladder at once instead
// of being counted as a bad or ignored line.
func TestStreamErrorObjectReconnects(t *testing.T) {
	f := newFake(t, xfake.Options{KeepAlive: 10 * time.Millisecond})
	sink, cp := conntest.NewSink(), conntest.NewCheckpoints()
	c := newConn(t, f, sink, cp, map[string]string{"mode": "stream", "query": "#bengalurupolice", "stream_stall": "5s"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	conntest.WaitFor(t, "stream connection", func() bool { return f.StreamConnections() == 1 })
	f.StreamRaw(`{"error":{"message":"Forced Disconnect: Too many connections. (Allowed Connections = 1)","sent":"2026-08-20T10:00:00+00:00"}}`)
	conntest.WaitFor(t, "reconnect", func() bool { return f.StreamConnects() == 2 })
	if c.Counter("bad_stream_lines") != 0 || c.Counter("ignored") != 0 {
		t.Fatalf("error object counted as a bad line (%d) or ignored (%d)", c.Counter("bad_stream_lines"), c.Counter("ignored"))
	}
}
