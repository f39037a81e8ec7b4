package meta_test

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/meta"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/post"
)

// Seeds from the platform notes (meta-facebook-instagram.md).
var metaSeeds = []string{
	`{"object":"page","entry":[{"id":"101112131415161","time":1787217243,"changes":[{"field":"feed","value":{"item":"comment","verb":"add","post_id":"101112131415161_555000111222333","comment_id":"555000111222333_777888999000111","parent_id":"101112131415161_555000111222333","from":{"id":"6020000000000001","name":"Jo Resident"},"message":"Is the road by the school still closed?","created_time":1787217240,"is_hidden":false,"post":{"id":"101112131415161_555000111222333","status_type":"added_photos","is_published":true,"updated_time":"2026-08-20T09:13:58+0000","permalink_url":"https://www.facebook.com/x"}}}]}]}`,
	`{"object":"page","entry":[{"id":"101112131415161","time":1787217300,"changes":[{"field":"mention","value":{"item":"comment","verb":"add","post_id":"202020202020_303030303030","comment_id":"303030303030_404040404040","sender_id":"6020000000000002","sender_name":"Sam Neighbour","message":"@City Police Department thank you!","created_time":1787217300}}]}]}`,
	`{"object":"page","entry":[{"id":"101112131415161","time":1787217301234,"messaging":[{"sender":{"id":"7100000000000001"},"recipient":{"id":"101112131415161"},"timestamp":1787217301000,"message":{"mid":"m_AbCdEf0123456789","text":"Hi, I need to report a lost wallet","reply_to":{"mid":"m_PreviousPageMessage"},"attachments":[{"type":"image","payload":{"url":"https://lookaside.fbsbx.com/x"}}]}}]}]}`,
	`{"object":"instagram","entry":[{"id":"17841400000000001","time":1787217400,"changes":[{"field":"comments","value":{"id":"17900000000000001","parent_id":"17900000000000000","text":"@springfieldpd is the festival route closed?","from":{"id":"17850000000000009","username":"jo.res"},"media":{"id":"17920000000000005","media_product_type":"FEED"}}}]}]}`,
	`{"object":"instagram","entry":[{"id":"17841400000000001","time":1787217400,"changes":[{"field":"mentions","value":{"comment_id":"1","media_id":"2"}}]}]}`,
	`{"object":"page","entry":[{"id":"1","time":"2026-08-20T09:14:00+0000","messaging":[{"delivery":{"mids":["m_1"],"watermark":1787217301000}}]}]}`,
}

func FuzzDecodeMetaWebhook(f *testing.F) {
	for _, s := range metaSeeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{dashboardFeedTest, numericMessenger, oddAttachments, oneBadEntry, messageEdit, unsent, feedEdited, feedRemoved} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := meta.DecodeWebhook(b, time.Unix(0, 0))
		if err != nil {
			return
		}
		for _, p := range d.Posts {
			if p.ExternalID == "" || (p.Platform != post.Facebook && p.Platform != post.Instagram && p.Platform != post.Messenger) {
				t.Fatalf("bad post %+v", p)
			}
			if p.Lat != nil && (*p.Lat < -90 || *p.Lat > 90) {
				t.Fatal("latitude out of range")
			}
		}
		for _, c := range d.Changes {
			if c.ExternalID == "" || (c.Op != post.ChangeEdit && c.Op != post.ChangeDelete) {
				t.Fatalf("bad change %+v", c)
			}
		}
		for _, s := range d.Skipped {
			if s.Field == "" || s.Reason == "" {
				t.Fatalf("skip without field or reason %+v", s)
			}
		}
	})
}

func TestDecodeMetaSeeds(t *testing.T) {
	want := []int{1, 1, 1, 1, 0, 0}
	for i, s := range metaSeeds {
		d, err := meta.DecodeWebhook([]byte(s), time.Now())
		if err != nil || len(d.Posts) != want[i] {
			t.Fatalf("seed %d: %d posts, err %v", i, len(d.Posts), err)
		}
	}
	d, _ := meta.DecodeWebhook([]byte(metaSeeds[0]), time.Now())
	if d.Posts[0].CreatedAt != time.Unix(1787217240, 0).UTC() || d.Posts[0].URL != "https://www.facebook.com/x" {
		t.Fatalf("%+v", d.Posts[0])
	}
	d, _ = meta.DecodeWebhook([]byte(metaSeeds[2]), time.Now())
	if d.Posts[0].CreatedAt != time.UnixMilli(1787217301000).UTC() || d.Posts[0].InReplyTo != "m_PreviousPageMessage" {
		t.Fatalf("%+v", d.Posts[0])
	}
}

// BenchmarkMetaWebhook measures the signed-webhook path: signature check on
// the raw body, decode, normalise, ingest into a no-op sink.
func BenchmarkMetaWebhook(b *testing.B) {
	c, err := meta.New(connector.Channel{ID: 1, Platform: post.Facebook, Config: map[string]string{"page_id": "1"},
		Secrets: map[string]string{"app_secret": appSecret}}, connector.Deps{Sink: conntest.NopSink{}})
	if err != nil {
		b.Fatal(err)
	}
	h := c.Webhook()
	body := []byte(metaSeeds[0])
	sig := metafake.Sign(appSecret, body)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		req := httptest.NewRequest("POST", "/hooks/1", bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature-256", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
