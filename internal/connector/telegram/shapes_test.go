package telegram_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/telegram"
	"github.com/kaval-desk/kaval/internal/post"
)

// Updates written from the Bot API reference (Update, Message, PhotoSize,
// Sticker, Voice, Document, MessageOrigin, edited_message with edit_date,
// BusinessMessagesDeleted): media without a caption, forwarded media,
// update_id 0, edits and deletions.
var tgMedia = map[string]string{
	"[photo id=AgAD-big]":   `{"update_id":10,"message":{"message_id":20,"from":{"id":5123456789,"is_bot":false,"first_name":"Jo"},"chat":{"id":5123456789,"type":"private"},"date":1787217600,"photo":[{"file_id":"AgAD-small","file_unique_id":"s","width":90,"height":90},{"file_id":"AgAD-big","file_unique_id":"b","width":1280,"height":960,"file_size":120000}]}}`,
	"[sticker 😡 id=CAAC-1]": `{"update_id":11,"message":{"message_id":21,"from":{"id":5123456789,"is_bot":false,"first_name":"Jo"},"chat":{"id":5123456789,"type":"private"},"date":1787217601,"sticker":{"file_id":"CAAC-1","file_unique_id":"u","type":"regular","width":512,"height":512,"is_animated":false,"is_video":false,"emoji":"😡"}}}`,
	"[voice id=AwAD-v]":     `{"update_id":12,"message":{"message_id":22,"from":{"id":5123456789,"is_bot":false,"first_name":"Jo"},"chat":{"id":5123456789,"type":"private"},"date":1787217602,"voice":{"file_id":"AwAD-v","file_unique_id":"v","duration":7,"mime_type":"audio/ogg"}}}`,
	"[video id=BAAD-1]":     `{"update_id":13,"message":{"message_id":23,"from":{"id":5123456789,"is_bot":false,"first_name":"Jo"},"chat":{"id":5123456789,"type":"private"},"date":1787217603,"video":{"file_id":"BAAD-1","file_unique_id":"w","width":640,"height":480,"duration":12}}}`,
	"[forwarded] [document id=BQAD-d filename=fir_copy.pdf]": `{"update_id":14,"message":{"message_id":24,"from":{"id":5123456789,"is_bot":false,"first_name":"Jo"},"chat":{"id":5123456789,"type":"private"},"date":1787217604,"forward_origin":{"type":"user","date":1787200000,"sender_user":{"id":42,"is_bot":false,"first_name":"Ann"}},"document":{"file_id":"BQAD-d","file_unique_id":"d","file_name":"fir_copy.pdf","mime_type":"application/pdf"}}}`,
	"[photo id=p2] vehicle KA01AB1234 hit and ran":           `{"update_id":15,"message":{"message_id":25,"from":{"id":5123456789,"is_bot":false,"first_name":"Jo"},"chat":{"id":5123456789,"type":"private"},"date":1787217605,"photo":[{"file_id":"p2","file_unique_id":"p","width":10,"height":10}],"caption":"vehicle KA01AB1234 hit and ran"}}`,
}

func TestMediaWithoutCaptionIsKept(t *testing.T) {
	for want, raw := range tgMedia {
		u, err := telegram.DecodeUpdate([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		p, ok := telegram.Normalize(u, []byte(raw), "bot", 0)
		if !ok || p.Text != want {
			t.Errorf("got %q (kept %v), want %q", p.Text, ok, want)
		}
	}
}

const (
	tgUpdateZero = `{"update_id":0,"message":{"message_id":1,"from":{"id":77,"is_bot":false,"first_name":"A"},"chat":{"id":77,"type":"private"},"date":1787217600,"text":"first message to the bot"}}`
	tgEdited     = `{"update_id":16,"edited_message":{"message_id":20,"from":{"id":5123456789,"is_bot":false,"first_name":"Jo"},"chat":{"id":5123456789,"type":"private"},"date":1787217600,"edit_date":1787217700,"text":"correction: it was Koramangala 5th block"}}`
	tgDeleted    = `{"update_id":17,"deleted_business_messages":{"business_connection_id":"bc1","chat":{"id":5123456789,"type":"private"},"message_ids":[20,21]}}`
)

func TestUpdateIDZeroAccepted(t *testing.T) {
	if _, err := telegram.DecodeUpdate([]byte(tgUpdateZero)); err != nil {
		t.Fatalf("update_id 0 refused: %v", err)
	}
	if _, err := telegram.DecodeUpdate([]byte(`{"message":{"message_id":1,"chat":{"id":1,"type":"private"},"date":1,"text":"x"}}`)); err == nil {
		t.Fatal("update without update_id accepted")
	}
	_, sk, _, hook, done := webhookSetup(t)
	defer done()
	req, _ := http.NewRequest(http.MethodPost, hook.URL, strings.NewReader(tgUpdateZero))
	req.Header.Set(telegram.SecretHeader, "s3cret-Token_1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || sk.Len() != 1 {
		t.Fatalf("update_id 0 over the webhook: HTTP %d, %d stored", resp.StatusCode, sk.Len())
	}
}

func TestEditsAndDeletionsOverTheWebhook(t *testing.T) {
	_, sk, _, hook, done := webhookSetup(t)
	defer done()
	for _, body := range []string{tgMedia["[photo id=AgAD-big]"], tgEdited, tgDeleted} {
		req, _ := http.NewRequest(http.MethodPost, hook.URL, strings.NewReader(body))
		req.Header.Set(telegram.SecretHeader, "s3cret-Token_1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("HTTP %d", resp.StatusCode)
		}
	}
	if sk.Len() != 1 {
		t.Fatalf("an edit became a post: %d posts", sk.Len())
	}
	cs := sk.Changes()
	if len(cs) != 3 {
		t.Fatalf("changes %+v", cs)
	}
	e := cs[0]
	if e.Op != post.ChangeEdit || e.ExternalID != "5123456789:20" || e.Text != "correction: it was Koramangala 5th block" ||
		!e.At.Equal(time.Unix(1787217700, 0)) || e.Post == nil || !e.Post.CreatedAt.Equal(time.Unix(1787217600, 0)) {
		t.Fatalf("edit %+v", e)
	}
	if cs[1].Op != post.ChangeDelete || cs[1].ExternalID != "5123456789:20" || cs[2].ExternalID != "5123456789:21" {
		t.Fatalf("deletions %+v", cs[1:])
	}
}
