package meta_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/connector/meta"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/post"
)

// Shapes written from Meta's documentation (Webhooks for Pages, Messenger
// Platform webhook events reference: messages, message_edits, message
// unsends) and from what the App Dashboard's "Test" button sends: ids as
// JSON numbers, legacy fallback attachments, unknown attachment types,
// edits, removals and unsent messages.
const (
	// The App Dashboard's feed test: entry id 0 and a numeric time.
	dashboardFeedTest = `{"object":"page","entry":[{"id":0,"time":1787217243,"changes":[{"field":"feed","value":{"item":"status","post_id":"44444444_444444444","verb":"add","published":1,"created_time":1787217243,"message":"Example post content.","from":{"name":"Test Page","id":1067280970047460}}}]}]}`
	// Messenger message with numeric sender, recipient and entry ids.
	numericMessenger = `{"object":"page","entry":[{"id":101112131415161,"time":1787217301234,"messaging":[{"sender":{"id":7100000000000001},"recipient":{"id":101112131415161},"timestamp":1787217301000,"message":{"mid":"m_num1","text":"chain snatched near Jayanagar 4th block"}}]}]}`
	// A legacy fallback attachment (string payload, title and URL beside
	// it) and an attachment type the desk has never heard of.
	oddAttachments = `{"object":"page","entry":[{"id":"101112131415161","time":1787217301234,"messaging":[{"sender":{"id":"7100000000000002"},"recipient":{"id":"101112131415161"},"timestamp":1787217301000,"message":{"mid":"m_odd1","text":"see this","attachments":[{"type":"fallback","payload":"legacy","title":"Road closed","URL":"https://example.org/x"},{"type":"ig_story_mention","payload":["?"]},"not an attachment",{"type":"location","payload":{"coordinates":{"lat":12.93,"long":77.58}}}]}}]}]}`
	// One entry of three has a field of the wrong type: the other two
	// are kept.
	oneBadEntry = `{"object":"page","entry":[{"id":"1","time":1787217301,"messaging":[{"sender":{"id":"71"},"recipient":{"id":"1"},"timestamp":1787217301000,"message":{"mid":"m_a","text":"first"}}]},{"id":"1","time":"soon","changes":"not a list"},{"id":"1","time":1787217302,"messaging":[{"sender":{"id":"72"},"recipient":{"id":"1"},"timestamp":1787217302000,"message":{"mid":"m_b","text":{"nested":true}}},{"sender":{"id":"73"},"recipient":{"id":"1"},"timestamp":1787217303000,"message":{"mid":"m_c","text":"third"}}]}]}`
	messageEdit = `{"object":"page","entry":[{"id":"101112131415161","time":1787217400000,"messaging":[{"sender":{"id":"7100000000000001"},"recipient":{"id":"101112131415161"},"timestamp":1787217400000,"message_edit":{"mid":"m_num1","text":"chain snatched near Jayanagar 4th block, man on red bike","num_edit":1}}]}]}`
	unsent      = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1787217500000,"messaging":[{"sender":{"id":"17850000000000009"},"recipient":{"id":"17841400000000001"},"timestamp":1787217500000,"message":{"mid":"aWdfZAG1faXRlbTox","is_deleted":true}}]}]}`
	feedEdited  = `{"object":"page","entry":[{"id":"101112131415161","time":1787217600,"changes":[{"field":"feed","value":{"item":"comment","verb":"edited","post_id":"101112131415161_555","comment_id":"555_777","parent_id":"101112131415161_555","from":{"id":"6020000000000001","name":"Jo Resident"},"message":"Road by the school still closed, since 7am","created_time":1787217240}}]}]}`
	feedRemoved = `{"object":"page","entry":[{"id":"101112131415161","time":1787217700,"changes":[{"field":"feed","value":{"item":"comment","verb":"remove","post_id":"101112131415161_555","comment_id":"555_777","parent_id":"101112131415161_555","from":{"id":"6020000000000001","name":"Jo Resident"},"created_time":1787217700}}]}]}`
)

func decode(t *testing.T, body string) meta.Delivery {
	t.Helper()
	d, err := meta.DecodeWebhook([]byte(body), time.Unix(1787217999, 0).UTC())
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	return d
}

func TestDecodeNumericIDs(t *testing.T) {
	d := decode(t, dashboardFeedTest)
	if len(d.Posts) != 1 || d.Posts[0].Author.ExternalID != "1067280970047460" || d.Posts[0].Channel != "0" {
		t.Fatalf("dashboard test: %+v", d.Posts)
	}
	d = decode(t, numericMessenger)
	if len(d.Posts) != 1 {
		t.Fatalf("numeric messenger: %d posts, skipped %+v", len(d.Posts), d.Skipped)
	}
	p := d.Posts[0]
	if p.Author.ExternalID != "7100000000000001" || p.Channel != "101112131415161" || p.ThreadID != "101112131415161:7100000000000001" {
		t.Fatalf("ids: %+v", p)
	}
}

func TestDecodeOddAttachmentsKeepTheMessage(t *testing.T) {
	d := decode(t, oddAttachments)
	if len(d.Posts) != 1 {
		t.Fatalf("%d posts, skipped %+v", len(d.Posts), d.Skipped)
	}
	p := d.Posts[0]
	want := "see this [fallback: Road closed https://example.org/x] [ig_story_mention] [attachment] [location]"
	if p.Text != want {
		t.Fatalf("text %q, want %q", p.Text, want)
	}
	if p.Lat == nil || *p.Lat != 12.93 {
		t.Fatalf("location lost: %+v", p)
	}
	if len(d.Skipped) != 1 || d.Skipped[0].Field != "entry.messaging.message.attachments" || d.Skipped[0].At != "entry[0].messaging[0].message.attachments[2]" || d.Skipped[0].Reason == "" {
		t.Fatalf("skipped %+v", d.Skipped)
	}
}

func TestDecodeOneBadEntryKeepsTheRest(t *testing.T) {
	d := decode(t, oneBadEntry)
	if len(d.Posts) != 2 || d.Posts[0].ExternalID != "m_a" || d.Posts[1].ExternalID != "m_c" {
		t.Fatalf("posts %+v", d.Posts)
	}
	if len(d.Skipped) != 2 || d.Skipped[0].Field != "entry" || d.Skipped[1].Field != "entry.messaging" || d.Skipped[1].At != "entry[2].messaging[0]" {
		t.Fatalf("skipped %+v", d.Skipped)
	}
	for _, s := range d.Skipped {
		if s.Reason == "" {
			t.Fatalf("no reason: %+v", s)
		}
	}
}

func TestDecodeEditsDeletionsUnsent(t *testing.T) {
	d := decode(t, messageEdit)
	if len(d.Posts) != 0 || len(d.Changes) != 1 {
		t.Fatalf("message_edit: %+v", d)
	}
	c := d.Changes[0]
	if c.Op != post.ChangeEdit || c.Platform != post.Messenger || c.ExternalID != "m_num1" || c.Post == nil || c.Post.Author.ExternalID != "7100000000000001" ||
		c.Text != "chain snatched near Jayanagar 4th block, man on red bike" || !c.At.Equal(time.UnixMilli(1787217400000)) {
		t.Fatalf("edit %+v", c)
	}
	d = decode(t, unsent)
	if len(d.Posts) != 0 || len(d.Changes) != 1 || d.Changes[0].Op != post.ChangeDelete || d.Changes[0].Platform != post.Instagram || d.Changes[0].ExternalID != "aWdfZAG1faXRlbTox" {
		t.Fatalf("unsent became %+v / %+v", d.Posts, d.Changes)
	}
	d = decode(t, feedEdited)
	if len(d.Posts) != 0 || len(d.Changes) != 1 || d.Changes[0].Op != post.ChangeEdit || d.Changes[0].ExternalID != "555_777" || d.Changes[0].Post == nil ||
		!d.Changes[0].Post.CreatedAt.Equal(time.Unix(1787217240, 0)) || !d.Changes[0].At.Equal(time.Unix(1787217600, 0)) {
		t.Fatalf("feed edited: %+v", d.Changes)
	}
	d = decode(t, feedRemoved)
	if len(d.Posts) != 0 || len(d.Changes) != 1 || d.Changes[0].Op != post.ChangeDelete || d.Changes[0].ExternalID != "555_777" {
		t.Fatalf("feed remove: %+v", d.Changes)
	}
}

// Through the signed webhook: numeric ids are stored, the unreadable part
// is logged and counted by field, and an unsent message stores nothing.
func TestWebhookKeepsWhatItCanRead(t *testing.T) {
	r := newRig(t, post.Messenger, nil)
	skipped := testutil.ToFloat64(conn.SkippedCounter(post.Messenger, "entry.messaging"))
	for _, body := range []string{numericMessenger, oneBadEntry, unsent, messageEdit} {
		b := []byte(body)
		if code := rawPost(t, r.hook.URL, b, metafake.Sign(appSecret, b)); code != 200 {
			t.Fatalf("HTTP %d for %s", code, body[:60])
		}
	}
	if r.sink.Len() != 3 {
		t.Fatalf("stored %d posts, want 3", r.sink.Len())
	}
	if got := testutil.ToFloat64(conn.SkippedCounter(post.Messenger, "entry.messaging")); got != skipped+1 {
		t.Fatalf("skipped counter %v, want %v", got, skipped+1)
	}
	if cs := r.sink.Changes(); len(cs) != 2 || cs[0].Op != post.ChangeDelete || cs[1].Op != post.ChangeEdit {
		t.Fatalf("changes %+v", cs)
	}
}
