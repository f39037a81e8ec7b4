package whatsapp_test

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/connector/whatsapp"
	"github.com/kaval-desk/kaval/internal/post"
)

// Seeds from the platform notes (whatsapp-cloud.md).
var waSeeds = []string{
	`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Jo Resident"},"wa_id":"15557654321"}],"messages":[{"from":"15557654321","id":"wamid.HBgLMTU1NTc2NTQzMjEVAgASGBQzQUI2RjVERTk4QTQ1QjQ0OTc2NQA=","timestamp":"1787217500","type":"text","text":{"body":"My bike was stolen outside the library"},"context":{"from":"15550001111","id":"wamid.HBgLMTU1NTAwMDExMTEVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"106540352242922"},"messages":[{"from":"15557654321","id":"wamid.L","timestamp":"1787217500","type":"location","location":{"latitude":39.78,"longitude":-89.65,"name":"Library","address":"Main St"}},{"from":"15557654321","id":"wamid.I","timestamp":"1787217501","type":"image","image":{"id":"media1","mime_type":"image/jpeg","sha256":"x","caption":"here"}}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.HBgLMTU1NTc2NTQzMjEVAgARGBI3RjE2QkE3M0YxQzM4M0RGRjIA","status":"failed","timestamp":"1787300000","recipient_id":"15557654321","errors":[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message","error_data":{"details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}]}]}}]}]}`,
	`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"w","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"b1","title":"Yes"}}},{"from":"1","id":"r","type":"reaction","reaction":{"message_id":"w","emoji":"👍"}}]}}]}]}`,
}

func FuzzDecodeWhatsAppWebhook(f *testing.F) {
	for _, s := range append(waSeeds, waBSUIDOnly, waBSUIDContactOnly, waLocationNoType, waUnsupported) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := whatsapp.DecodeWebhook(b, time.Unix(0, 0))
		if err != nil {
			return
		}
		for _, p := range d.Posts {
			if p.Platform != post.WhatsApp || p.ExternalID == "" || !p.Private {
				t.Fatalf("bad post %+v", p)
			}
			if p.Lat != nil && (*p.Lat < -90 || *p.Lat > 90 || *p.Lon < -180 || *p.Lon > 180) {
				t.Fatal("coordinates out of range")
			}
		}
	})
}

func TestDecodeWhatsAppSeeds(t *testing.T) {
	d, err := whatsapp.DecodeWebhook([]byte(waSeeds[0]), time.Now())
	if err != nil || len(d.Posts) != 1 || d.Posts[0].CreatedAt != time.Unix(1787217500, 0).UTC() || d.Posts[0].Author.Name != "Jo Resident" {
		t.Fatalf("%+v %v", d, err)
	}
	d, _ = whatsapp.DecodeWebhook([]byte(waSeeds[1]), time.Now())
	if len(d.Posts) != 2 || *d.Posts[0].Lon != -89.65 || d.Posts[1].Text != "[image id=media1] here" {
		t.Fatalf("%+v", d.Posts)
	}
	d, _ = whatsapp.DecodeWebhook([]byte(waSeeds[2]), time.Now())
	if len(d.Statuses) != 1 || d.Statuses[0].Status != "failed" || d.Statuses[0].Detail[:6] != "131047" {
		t.Fatalf("%+v", d.Statuses)
	}
	d, _ = whatsapp.DecodeWebhook([]byte(waSeeds[3]), time.Now())
	if len(d.Posts) != 1 || d.Posts[0].Text != "Yes" || d.Ignored != 1 {
		t.Fatalf("%+v", d)
	}
}

// BenchmarkWhatsAppWebhook measures the signed-webhook path: signature
// check on the raw body, decode, normalise, ingest into a no-op sink.
func BenchmarkWhatsAppWebhook(b *testing.B) {
	c, err := whatsapp.New(connector.Channel{ID: 1, Platform: post.WhatsApp, Config: map[string]string{"phone_number_id": "106540352242922"},
		Secrets: map[string]string{"app_secret": appSecret}}, connector.Deps{Sink: conntest.NopSink{}})
	if err != nil {
		b.Fatal(err)
	}
	h := c.Webhook()
	body := []byte(waSeeds[0])
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
