package rumour

import (
	"slices"
	"testing"
)

// The cue file parses, and the cues are found in English, Kannada, Hindi
// and their romanised forms, at word starts only, and capped.
func TestCues(t *testing.T) {
	c := DefaultCues()
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Beware, kidnappers in Hebbal!! Forward this to everyone, police are hiding it", []string{"alarm", "forward_call", "whatsapp_university"}},
		{"BREAKING NEWS: 12 people killed near Majestic, share maximum", []string{"breaking_claim", "casualty_count", "forward_call"}},
		{"death toll is 40 in the riot", []string{"casualty_count"}},
		{"ಎಚ್ಚರಿಕೆ: ಶಿವಾಜಿನಗರದಲ್ಲಿ ಗಲಭೆ, 5 ಜನ ಸಾವು, ಎಲ್ಲರಿಗೂ ಶೇರ್ ಮಾಡಿರಿ", []string{"alarm", "casualty_count", "forward_call"}},
		{"सावधान: 3 लोगों की मौत, सभी ग्रुप में शेयर करें", []string{"alarm", "casualty_count", "forward_call"}},
		{"Jayanagar alli makkala kallara gang idare antha, ella group ge share maadi", []string{"alarm", "forward_call"}},
		{"Bhai 100% sach hai, sab groups mein forward karo", []string{"forward_call", "whatsapp_university"}},
		// Not cues: a word inside another, a plain report.
		{"That was heartbreaking news for the family", nil},
		{"Someone is breaking the lock of my neighbour's gate at Koramangala", nil},
		{"Pothole near 5th block, 2 bikes fell today", nil},
	} {
		got, w := c.Find(tc.text)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: %v, want %v", tc.text, got, tc.want)
		}
		if w > MaxCueWeight || (len(got) > 0) != (w > 0) {
			t.Errorf("%q: weight %v", tc.text, w)
		}
	}
	if _, err := ParseCues([]byte(`{"cues":[{"id":"x","weight":3,"phrases":["a"]}]}`)); err == nil {
		t.Error("a weight above the cap was accepted")
	}
	if _, err := ParseCues([]byte(`{"patterns":[{"id":"x","weight":1,"exprs":["("]}]}`)); err == nil {
		t.Error("a bad expression was accepted")
	}
}
