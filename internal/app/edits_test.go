package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/telegram/tgfake"
	"github.com/kaval-desk/kaval/internal/store"
)

// A Telegram edit and a business-chat deletion through the desk's own
// webhook, on both stores: the connector reports them, the channel stamps
// them, intake applies them and the pipeline puts them on the case's
// timeline; the analyst sees the post as edited, then as deleted without
// its text; the supervisor still sees the evidence.
func TestTelegramEditAndDeletionEndToEnd(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newRecordedApp(t, db)
		const botToken, hookSecret = "7000000001:AAHk3v-SecretBotToken_42x", "hook-secret-Zq81nW"
		fake := tgfake.New(botToken)
		defer fake.Close()
		var ch channelJSON
		if code := a.do(t, "admin", "POST", "/api/v1/channels", map[string]any{"platform": "telegram", "name": "bot",
			"config":  map[string]string{"api_url": fake.URL(), "mode": "webhook"},
			"secrets": map[string]string{"bot_token": botToken, "webhook_secret": hookSecret}}, &ch); code != 201 {
			t.Fatalf("create: %d", code)
		}
		hook := func(body string) {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); ; {
				req, _ := http.NewRequest("POST", a.srv.URL+ch.WebhookPath, strings.NewReader(body))
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hookSecret)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return
				}
				if resp.StatusCode != 503 || time.Now().After(deadline) { // 503 while the channel starts
					t.Fatalf("webhook: HTTP %d", resp.StatusCode)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		now := time.Now().Unix()
		hook(fmt.Sprintf(`{"update_id":0,"business_message":{"message_id":7,"from":{"id":4242,"is_bot":false,"first_name":"Asha"},"chat":{"id":4242,"type":"private"},"date":%d,"text":"Street light broken on 9th cross"}}`, now))
		c := a.waitCase(t, "telegram")
		hook(fmt.Sprintf(`{"update_id":1,"edited_business_message":{"message_id":7,"from":{"id":4242,"is_bot":false,"first_name":"Asha"},"chat":{"id":4242,"type":"private"},"date":%d,"edit_date":%d,"text":"Street light broken on 9th cross, Jayanagar, women feel unsafe"}}`, now, now+60))
		var d struct {
			Posts []struct {
				ID        int64
				Text      string
				EditedAt  *time.Time `json:"edited_at"`
				DeletedAt *time.Time `json:"deleted_at"`
			}
			Timeline []struct{ Kind string }
		}
		wait := func(what string, ok func() bool) {
			t.Helper()
			for deadline := time.Now().Add(15 * time.Second); !ok(); time.Sleep(30 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("timed out waiting for %s: %+v", what, d)
				}
			}
		}
		has := func(kind string) bool {
			for _, e := range d.Timeline {
				if e.Kind == kind {
					return true
				}
			}
			return false
		}
		wait("the edit on the timeline", func() bool {
			a.do(t, "analyst", "GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, &d)
			return has("post_edited")
		})
		if len(d.Posts) != 1 || d.Posts[0].EditedAt == nil || !strings.Contains(d.Posts[0].Text, "women feel unsafe") {
			t.Fatalf("edited post: %+v", d.Posts)
		}
		hook(`{"update_id":2,"deleted_business_messages":{"business_connection_id":"b","chat":{"id":4242,"type":"private"},"message_ids":[7]}}`)
		wait("the deletion on the timeline", func() bool {
			a.do(t, "analyst", "GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, &d)
			return has("post_deleted")
		})
		if d.Posts[0].DeletedAt == nil || strings.Contains(d.Posts[0].Text, "Street light") {
			t.Fatalf("the analyst sees a deleted post's text: %+v", d.Posts)
		}
		// The supervisor opens the post (audited) and sees the evidence.
		var ev struct{ Text string }
		a.do(t, "supervisor", "POST", fmt.Sprintf("/api/v1/posts/%d/unmask", d.Posts[0].ID), nil, &ev)
		if !strings.Contains(ev.Text, "women feel unsafe") {
			t.Fatalf("the supervisor lost the evidence: %+v", ev)
		}
	})
}

func TestDeletedRetentionSetting(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 90 * 24 * time.Hour, "30d": 30 * 24 * time.Hour, "36h": 36 * time.Hour} {
		got, err := deletedRetention(Config{Getenv: func(string) string { return v }})
		if err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"0d", "-1h", "forever", "0"} {
		if _, err := deletedRetention(Config{Getenv: func(string) string { return v }}); err == nil {
			t.Errorf("%q accepted", v)
		}
	}
}
