package whatsapp

import (
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
)

func TestValidatorRules(t *testing.T) {
	v, err := connector.NewValidator(connector.Channel{Platform: "whatsapp"})
	if err != nil {
		t.Fatal(err)
	}
	to := connector.Target{ThreadID: "1090:919812345678", ParentID: "wamid.X"}
	if err := v.ValidateReply(to, connector.Message{Text: strings.Repeat("ಕ", MaxText)}); err != nil {
		t.Fatal(err)
	}
	conntest.RefusedOn(t, v.ValidateReply(to, connector.Message{Text: strings.Repeat("ಕ", MaxText+1)}), connector.FieldText)
	conntest.RefusedOn(t, v.ValidateReply(connector.Target{ThreadID: "1090:meera"}, connector.Message{Text: "hi"}), connector.FieldTarget)
	// A template may stand in for the text outside the window.
	if err := v.ValidateReply(to, connector.Message{Template: &connector.Template{Name: "case_update", Language: "en"}}); err != nil {
		t.Fatal(err)
	}
	conntest.RefusedOn(t, v.ValidatePublish(connector.Message{Text: "hi"}), "")
}
