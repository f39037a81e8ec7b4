package privacy

import (
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
)

func TestTextAndIdentities(t *testing.T) {
	v := Viewer{}
	for _, c := range []struct {
		in    string
		names []string
		want  string
	}{
		{"call 9876543210 now", nil, "call [phone] now"},
		{"My name is Lakshmi Narayan from HSR", []string{"Lakshmi Narayan"}, "My name is [name] from HSR"},
		{"lakshmi said so; Lakshminarayan is someone else", []string{"Lakshmi"}, "[name] said so; Lakshminarayan is someone else"},
		{"ಸುರೇಶ್ ಇಲ್ಲಿ", []string{"ಸುರೇಶ್"}, "[name] ಇಲ್ಲಿ"},
		{"no names here", []string{"Al"}, "no names here"}, // too short to cut safely
	} {
		if got := v.Text(c.in, c.names...); got != c.want {
			t.Errorf("Text(%q, %q) = %q, want %q", c.in, c.names, got, c.want)
		}
	}
	if got := (Viewer{PII: true}).Text("call 9876543210"); got != "call 9876543210" {
		t.Errorf("pii:view sees %q", got)
	}

	wa := post.Post{Platform: post.WhatsApp, Private: true, ThreadID: "1065:919845012345", Raw: []byte(`{}`),
		Author: post.Author{ExternalID: "919845012345", Name: "Suresh Gowda"}, Text: "Suresh here, 9845012345"}
	v.Post(&wa)
	if wa.Author.ExternalID != Hidden || wa.Author.Name != Hidden || strings.Contains(wa.ThreadID, "9845012345") ||
		wa.Raw != nil || strings.Contains(wa.Text, "Suresh") || strings.Contains(wa.Text, "9845012345") {
		t.Errorf("private post: %+v", wa)
	}
	x := post.Post{Platform: post.X, Author: post.Author{ExternalID: "42", Handle: "meera_blr", Name: "Meera"}, Text: "Meera here"}
	v.Post(&x)
	if x.Author.Handle != "meera_blr" || x.Text != "Meera here" {
		t.Errorf("a public identity is published by its owner: %+v", x)
	}
	c := desk.Case{Platform: post.WebForm, Private: true, AuthorName: "Lakshmi Narayan", Subject: "I am Lakshmi, 9876543210"}
	v.Case(&c)
	if c.AuthorName != Hidden || c.Subject != "I am [name], [phone]" {
		t.Errorf("private case: %+v", c)
	}
}

// A station's published number is not personal data: it is left in texts;
// a citizen's number beside it is still masked.
func TestPublicNumbersStay(t *testing.T) {
	SetPublicNumbers([]string{"9480801625, 080-22942570"})
	defer SetPublicNumbers(nil)
	got := (Viewer{}).Text("call Koramangala PS on 9480801625 or 08022942570; I am on 9845012345")
	if got != "call Koramangala PS on 9480801625 or 08022942570; I am on [phone]" {
		t.Fatalf("%q", got)
	}
}
