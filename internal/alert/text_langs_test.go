package alert

import "testing"

// Each language is named once, and a shorter name is not lost inside a
// longer one ("Kannada" after "Kannada in Latin letters").
func TestLangListNamesEachLanguage(t *testing.T) {
	if got := langList("en", []string{"kn-Latn", "kn", "en", "kn"}); got != "Kannada in Latin letters, Kannada, English" {
		t.Fatalf("got %q", got)
	}
}
