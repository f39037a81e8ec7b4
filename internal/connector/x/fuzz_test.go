package x_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/x"
	"github.com/kaval-desk/kaval/internal/connector/x/xfake"
	"github.com/kaval-desk/kaval/internal/post"
)

// Seeds follow the shapes in the platform notes (x-twitter.md).
const seedPage = `{"data":[{"id":"1830000000000000002","text":"@CityPoliceHQ there is a car blocking the bus lane on Elm St","edit_history_tweet_ids":["1830000000000000002"],"author_id":"44196397000","created_at":"2026-08-20T09:14:03.000Z","conversation_id":"1830000000000000001","in_reply_to_user_id":"99887766","referenced_tweets":[{"type":"replied_to","id":"1830000000000000001"}],"lang":"en","geo":{"place_id":"01a9a39529b27f36","coordinates":{"type":"Point","coordinates":[77.59,12.97]}},"entities":{"mentions":[{"start":0,"end":13,"username":"CityPoliceHQ","id":"99887766"}],"hashtags":[]}}],"includes":{"users":[{"id":"44196397000","name":"Jo Resident","username":"jo_res","verified":false}]},"meta":{"result_count":1,"newest_id":"1830000000000000002","oldest_id":"1830000000000000002","next_token":"7140dibdnow9c7btw4b1"},"errors":[{"value":"1829999999999999999","detail":"Could not find tweet","title":"Not Found Error","type":"https://api.twitter.com/2/problems/resource-not-found"}]}`

const seedStream = `{"data":{"id":"1830000000000000009","text":"#springfieldpolice thanks for the quick response","author_id":"123","created_at":"2026-08-20T10:01:00.000Z","lang":"en","edit_history_tweet_ids":["1830000000000000009"]},"includes":{"users":[{"id":"123","name":"Sam","username":"sam_s"}]},"matching_rules":[{"id":"1829000000000000100","tag":"mentions"}]}`

const seedDisconnect = `{"errors":[{"title":"operational-disconnect","disconnect_type":"UpstreamOperationalDisconnect","detail":"This stream has been disconnected upstream for operational reasons.","type":"https://api.twitter.com/2/problems/operational-disconnect"}]}`

const seedAAA = `{"for_user_id":"99887766","user_has_blocked":"false","tweet_create_events":[{"created_at":"Thu Aug 20 09:14:03 +0000 2026","id":1830000000000000002,"id_str":"1830000000000000002","text":"@CityPoliceHQ there is a car blocking the bus lane on Elm St","truncated":false,"in_reply_to_status_id_str":"1830000000000000001","in_reply_to_user_id_str":"99887766","in_reply_to_screen_name":"CityPoliceHQ","user":{"id_str":"44196397000","screen_name":"jo_res","name":"Jo Resident"},"coordinates":null,"place":null,"lang":"en","entities":{"user_mentions":[{"id_str":"99887766","screen_name":"CityPoliceHQ","indices":[0,13]}],"hashtags":[]},"timestamp_ms":"1787217243000"}]}`

const seedDM = `{"for_user_id":"99887766","direct_message_events":[{"type":"message_create","id":"1830000000000000500","created_timestamp":"1787217300000","message_create":{"target":{"recipient_id":"99887766"},"sender_id":"44196397000","message_data":{"text":"I want to report something privately","entities":{"hashtags":[],"urls":[],"user_mentions":[],"symbols":[]}}}}],"users":{"44196397000":{"id":"44196397000","name":"Jo Resident","screen_name":"jo_res"}}}`

var me = x.Account{UserID: "99887766", Handle: "CityPoliceHQ"}

func checkPost(t *testing.T, p post.Post) {
	t.Helper()
	if p.Platform != post.X || p.ExternalID == "" {
		t.Fatalf("post without identity: %+v", p)
	}
	if p.Lat != nil && (*p.Lat < -90 || *p.Lat > 90) {
		t.Fatalf("latitude out of range: %v", *p.Lat)
	}
}

func FuzzDecodeXPage(f *testing.F) {
	f.Add([]byte(seedPage))
	f.Add([]byte(ownAndMentions))
	f.Add([]byte(`{"data":[{"id":"abc"},{"id":"1"}],"meta":{"newest_id":"99999999999999999999999"}}`))
	f.Add([]byte(`{"meta":{"result_count":0}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		pg, err := x.DecodeMentionsPage(b, me, time.Unix(0, 0))
		if err != nil {
			return
		}
		for _, p := range pg.Posts {
			checkPost(t, p)
		}
	})
}

func FuzzDecodeXStream(f *testing.F) {
	f.Add([]byte(seedStream))
	f.Add([]byte(seedDisconnect))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(ownOnStream))
	f.Add([]byte(`{"error":{"message":"Forced Disconnect","sent":"2026-08-20T10:00:00+00:00"}}`))
	f.Add([]byte(`{"errors":[{"title":"x","status":"429"}],"includes":{"users":"odd"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		it, err := x.DecodeStreamLine(b, me, time.Unix(0, 0))
		if err == nil && it.Post != nil {
			checkPost(t, *it.Post)
		}
	})
}

func FuzzDecodeXWebhook(f *testing.F) {
	f.Add([]byte(seedAAA))
	f.Add([]byte(seedDM))
	f.Add([]byte(deleteEvents))
	f.Add([]byte(`{"for_user_id":"1","favorite_events":[]}`))
	f.Add([]byte(`{"tweet_create_events":[{"id_str":"12","retweeted_status":{}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := x.DecodeWebhook(b, time.Unix(0, 0))
		if err != nil {
			return
		}
		for _, p := range w.Posts {
			checkPost(t, p)
		}
		for _, c := range w.Changes {
			if c.ExternalID == "" || c.Op != post.ChangeDelete {
				t.Fatalf("bad change %+v", c)
			}
		}
	})
}

func TestDecodeSeeds(t *testing.T) {
	pg, err := x.DecodePage([]byte(seedPage), me, time.Now())
	if err != nil || len(pg.Posts) != 1 || len(pg.Partial) != 1 || pg.NextToken == "" {
		t.Fatalf("%+v %v", pg, err)
	}
	p := pg.Posts[0]
	if p.Kind != post.KindReply || p.ThreadID != "1830000000000000001" || p.InReplyTo != "1830000000000000001" ||
		*p.Lat != 12.97 || p.CreatedAt != time.Date(2026, 8, 20, 9, 14, 3, 0, time.UTC) || p.URL != "https://x.com/jo_res/status/1830000000000000002" {
		t.Fatalf("%+v", p)
	}
	w, err := x.DecodeWebhook([]byte(seedAAA), time.Now())
	if err != nil || len(w.Posts) != 1 || w.Posts[0].CreatedAt != time.Date(2026, 8, 20, 9, 14, 3, 0, time.UTC) || w.Posts[0].Kind != post.KindReply {
		t.Fatalf("%+v %v", w, err)
	}
	if !x.IDLess("999", "1000") || x.IDLess("1830000000000000002", "1830000000000000001") || !x.IDLess("", "1") {
		t.Fatal("IDLess")
	}
}

// BenchmarkXWebhook measures the signed-webhook path: signature check on
// the raw body, decode, normalise, ingest into a no-op sink.
func BenchmarkXWebhook(b *testing.B) {
	c, err := x.New(connector.Channel{ID: 1, Platform: post.X, Config: map[string]string{"mode": "webhook"},
		Secrets: map[string]string{"consumer_secret": consumer}}, connector.Deps{Sink: conntest.NopSink{}})
	if err != nil {
		b.Fatal(err)
	}
	h := c.Webhook()
	body := []byte(seedAAA)
	sig := xfake.Sign(consumer, body)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		req := httptest.NewRequest("POST", "/hooks/1", bytes.NewReader(body))
		req.Header.Set("x-twitter-webhooks-signature", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
