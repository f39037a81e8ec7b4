package mastodon

import (
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
)

func TestValidatorUsesTheInstanceLimit(t *testing.T) {
	v, err := connector.NewValidator(connector.Channel{Platform: "mastodon"})
	if err != nil {
		t.Fatal(err)
	}
	// 500 by default; a URL counts 23, a remote mention its local part.
	at := strings.Repeat("ಕ", 460) + " https://btp.karnataka.gov.in/a/very/long/advisory/link/for/tonight @meera@mastodon.social"
	if n := Length(at); n != 460+1+23+1+6 {
		t.Fatalf("Length = %d", n)
	}
	if err := v.ValidatePublish(connector.Message{Text: at}); err != nil {
		t.Fatal(err)
	}
	conntest.RefusedOn(t, v.ValidatePublish(connector.Message{Text: strings.Repeat("a", 501)}), connector.FieldText)
	// The reply's @acct prefix counts when the target names the author.
	parent := connector.Target{ParentID: "110000000000000001"}
	if err := v.ValidateReply(parent, connector.Message{Text: strings.Repeat("a", 500)}); err != nil {
		t.Fatal(err)
	}
	parent.Extra = map[string]string{"acct": "meera"}
	conntest.RefusedOn(t, v.ValidateReply(parent, connector.Message{Text: strings.Repeat("a", 500)}), connector.FieldText)
	conntest.RefusedOn(t, v.ValidateReply(connector.Target{ParentID: "../admin"}, connector.Message{Text: "hi"}), connector.FieldTarget)

	small, err := connector.NewValidator(connector.Channel{Platform: "mastodon", Config: map[string]string{"max_chars": "100"}})
	if err != nil {
		t.Fatal(err)
	}
	conntest.RefusedOn(t, small.ValidatePublish(connector.Message{Text: strings.Repeat("a", 101)}), connector.FieldText)
	if _, err := connector.NewValidator(connector.Channel{Platform: "mastodon", Config: map[string]string{"max_chars": "lots"}}); err == nil {
		t.Fatal("a bad max_chars must be refused as the connector refuses it")
	}
}
