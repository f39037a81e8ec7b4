package ui

import "testing"

// TestShiftNamesThroughCatalogue: the default shift names read in the
// page's language; names an admin wrote are left as written.
func TestShiftNamesThroughCatalogue(t *testing.T) {
	cat, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	en, kn := translator{lang: "en", msgs: cat["en"]}, translator{lang: "kn", msgs: cat["kn"]}
	for name, want := range map[string]string{"Morning": "ಬೆಳಗ್ಗೆ", "Afternoon": "ಮಧ್ಯಾಹ್ನ", "Night": "ರಾತ್ರಿ"} {
		if got := shiftName(kn, name); got != want {
			t.Errorf("kn %s: %q, want %q", name, got, want)
		}
		if got := shiftName(en, name); got != name {
			t.Errorf("en %s: %q", name, got)
		}
	}
	for _, name := range []string{"Early", "night", "ಬೆಳಗ್ಗೆ", "Festival duty"} {
		if got := shiftName(kn, name); got != name {
			t.Errorf("an admin's name %q became %q", name, got)
		}
	}
}
