package x

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
)

// noNetwork fails any request: the checks must refuse before sending.
type noNetwork struct{ t *testing.T }

func (n noNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	n.t.Errorf("network I/O during a refused send: %s %s", r.Method, r.URL)
	return nil, errors.New("no network in this test")
}

func TestValidatorCountsAsXDoes(t *testing.T) {
	v, err := connector.NewValidator(connector.Channel{Platform: "x"})
	if err != nil {
		t.Fatal(err)
	}
	reply := connector.Target{ParentID: "1790000000000000001"}
	link := "https://btp.karnataka.gov.in/traffic-advisories/2026/silk-board-junction-signal-maintenance-diversions"
	for _, c := range []struct {
		name, text string
	}{
		// Each weighs exactly 280.
		{"Latin", strings.Repeat("a", 280)},
		{"a link of any length counts 23", strings.Repeat("a", 256) + " " + link},
		{"two links", strings.Repeat("a", 232) + " " + link + " " + link},
		// Kannada is below U+10FF: every code point counts 1, so the
		// conjunct ನ್ನ (ನ ್ ನ) is 3 and ಕನ್ನಡ is 5.
		{"Kannada", strings.Repeat("ಕನ್ನಡ", 56)},
		{"Devanagari", strings.Repeat("क्ष", 93) + "a"},
		{"CJK counts 2", strings.Repeat("交", 140)},
		{"emoji count 2", strings.Repeat("🚓", 140)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := v.ValidateReply(reply, connector.Message{Text: c.text}); err != nil {
				t.Fatalf("at the limit: %v", err)
			}
			if err := v.ValidatePublish(connector.Message{Text: c.text}); err != nil {
				t.Fatalf("publish at the limit: %v", err)
			}
			over := "x" + c.text // 281
			err := v.ValidateReply(reply, connector.Message{Text: over})
			conntest.RefusedOn(t, err, connector.FieldText)
			if !strings.Contains(err.Error(), "limit 280") {
				t.Fatalf("the refusal must name the rule: %v", err)
			}
		})
	}
	conntest.RefusedOn(t, v.ValidateReply(reply, connector.Message{Text: "  "}), connector.FieldText)
	conntest.RefusedOn(t, v.ValidateReply(connector.Target{ParentID: "at://did:plc:x/app.bsky.feed.post/1"}, connector.Message{Text: "hi"}), connector.FieldTarget)
	conntest.RefusedOn(t, v.ValidateReply(reply, connector.Message{Text: "hi", Media: []string{"https://cdn.example/a.jpg"}}), connector.FieldMedia)
	// Direct messages take 10,000.
	dm := connector.Target{Recipient: "42"}
	if err := v.ValidateReply(dm, connector.Message{Text: strings.Repeat("a", MaxDM)}); err != nil {
		t.Fatal(err)
	}
	conntest.RefusedOn(t, v.ValidateReply(dm, connector.Message{Text: strings.Repeat("a", MaxDM+1)}), connector.FieldText)
	conntest.RefusedOn(t, v.ValidateReply(connector.Target{Recipient: "@meera"}, connector.Message{Text: "hi"}), connector.FieldTarget)
}

// The connector refuses at send time with the same checks, before any
// request.
func TestSendRunsTheSameChecks(t *testing.T) {
	c, err := New(connector.Channel{Platform: "x", Config: map[string]string{"mode": "webhook"},
		Secrets: map[string]string{"consumer_secret": "s", "user_access_token": "u"}}, connector.Deps{HTTP: &http.Client{Transport: noNetwork{t}}})
	if err != nil {
		t.Fatal(err)
	}
	var _ connector.Validator = c
	long := strings.Repeat("交", 141)
	_, err = c.Reply(context.Background(), connector.Target{ParentID: "1790000000000000001"}, connector.Message{Text: long})
	conntest.RefusedOn(t, err, connector.FieldText)
	_, err = c.Publish(context.Background(), connector.Message{Text: long})
	conntest.RefusedOn(t, err, connector.FieldText)
}
