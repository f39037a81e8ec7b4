package whatsapp_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/whatsapp"
)

// Shapes written from Meta's WhatsApp "messages" webhook reference: the
// 2026 business-scoped user ids (contacts[].user_id, messages[].from_user_id,
// from and wa_id omitted when a user with a username shares no number), a
// location without its type, the "unsupported" type with its errors array,
// and a type newer than this code.
const (
	waBSUIDOnly        = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Asha","username":"@asha.k"},"user_id":"IN.13491208655302741918"}],"messages":[{"from_user_id":"IN.13491208655302741918","id":"wamid.BSUID1","timestamp":"1787217500","type":"text","text":{"body":"someone is following me near Lalbagh west gate"}}]}}]}]}`
	waBSUIDContactOnly = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Ravi"},"user_id":"IN.99"}],"messages":[{"id":"wamid.BSUID2","timestamp":"1787217501","type":"text","text":{"body":"help"}}]}}]}]}`
	waLocationNoType   = `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Jo"},"wa_id":"919800000001"}],"messages":[{"from":"919800000001","id":"wamid.LOC","timestamp":"1787217502","location":{"latitude":12.9716,"longitude":77.5946,"name":"MG Road metro"}}]}}]}]}`
	waUnsupported      = `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"106540352242922"},"messages":[{"from":"919800000002","id":"wamid.UNS","timestamp":"1787217503","type":"unsupported","errors":[{"code":131051,"title":"Message type unknown","message":"Message type unknown","error_data":{"details":"Message type is currently not supported."}}]},{"from":"919800000002","id":"wamid.NEW","timestamp":"1787217504","type":"hologram","hologram":{"caption":"?"}},{"from":"919800000002","id":"wamid.BAD","timestamp":"1787217505","type":"text","text":"not an object"},{"from":"919800000002","id":"wamid.OK","timestamp":"1787217506","type":"text","text":{"body":"still here"}}]}}]}]}`
)

func waDecode(t *testing.T, body string) whatsapp.Delivery {
	t.Helper()
	d, err := whatsapp.DecodeWebhook([]byte(body), time.Unix(1787217999, 0))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDecodeBusinessScopedUserID(t *testing.T) {
	d := waDecode(t, waBSUIDOnly)
	if len(d.Posts) != 1 {
		t.Fatalf("message without from lost: %+v", d)
	}
	p := d.Posts[0]
	if p.Author.ExternalID != "IN.13491208655302741918" || p.Author.Name != "Asha" || p.Author.Handle != "@asha.k" ||
		p.ThreadID != "106540352242922:IN.13491208655302741918" || p.Text != "someone is following me near Lalbagh west gate" {
		t.Fatalf("%+v", p)
	}
	d = waDecode(t, waBSUIDContactOnly)
	if len(d.Posts) != 1 || d.Posts[0].Author.ExternalID != "IN.99" || d.Posts[0].Author.Name != "Ravi" {
		t.Fatalf("contact-only sender lost: %+v", d)
	}
}

func TestDecodeLocationWithoutType(t *testing.T) {
	d := waDecode(t, waLocationNoType)
	if len(d.Posts) != 1 || d.Posts[0].Lat == nil || *d.Posts[0].Lat != 12.9716 || d.Posts[0].Text != "[location] MG Road metro" {
		t.Fatalf("%+v", d)
	}
}

func TestDecodeUnsupportedKeptWithMarker(t *testing.T) {
	d := waDecode(t, waUnsupported)
	if len(d.Posts) != 3 {
		t.Fatalf("%d posts, want 3 (skipped %+v)", len(d.Posts), d.Skipped)
	}
	if got := d.Posts[0].Text; got != "[unsupported content: unsupported; Message type unknown]" {
		t.Fatalf("unsupported: %q", got)
	}
	if got := d.Posts[1].Text; !strings.HasPrefix(got, "[unsupported content: hologram]") {
		t.Fatalf("unknown type: %q", got)
	}
	if d.Posts[2].Text != "still here" {
		t.Fatalf("%+v", d.Posts[2])
	}
	if len(d.Skipped) != 1 || d.Skipped[0].Field != "entry.changes.value.messages" || d.Skipped[0].At != "entry[0].changes[0].value.messages[2]" {
		t.Fatalf("skipped %+v", d.Skipped)
	}
}
