package telegram

import (
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
)

func TestValidatorCountsUTF16(t *testing.T) {
	v, err := connector.NewValidator(connector.Channel{Platform: "telegram", Config: map[string]string{"publish_chat": "@blrcitypolice"}})
	if err != nil {
		t.Fatal(err)
	}
	parent := connector.Target{ParentID: "-100123:77"}
	// Kannada is one UTF-16 unit a code point; an emoji outside the BMP two.
	for _, text := range []string{strings.Repeat("ಕ", MaxText), strings.Repeat("🚓", MaxText/2)} {
		if err := v.ValidateReply(parent, connector.Message{Text: text}); err != nil {
			t.Fatal(err)
		}
		conntest.RefusedOn(t, v.ValidatePublish(connector.Message{Text: text + "ಕ"}), connector.FieldText)
	}
	conntest.RefusedOn(t, v.ValidateReply(connector.Target{ParentID: "77"}, connector.Message{Text: "hi"}), connector.FieldTarget)
	noChat, _ := connector.NewValidator(connector.Channel{Platform: "telegram"})
	conntest.RefusedOn(t, noChat.ValidatePublish(connector.Message{Text: "hi"}), "")
}
