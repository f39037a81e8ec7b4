package bluesky

import (
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
)

func TestValidatorCountsGraphemes(t *testing.T) {
	v, err := connector.NewValidator(connector.Channel{Platform: "bluesky"})
	if err != nil {
		t.Fatal(err)
	}
	parent := connector.Target{ParentID: "at://did:plc:abc/app.bsky.feed.post/3l2s5xxv2ze2c"}
	for _, c := range []struct {
		name, unit string
		graphemes  int // of unit
	}{
		{"Latin", "a", 1},
		// A consonant and its vowel sign are one grapheme (2 code points).
		{"Kannada syllable", "ಕಾ", 1},
		// ಬೆಂ ಗ ಳೂ ರು: 8 code points, 4 graphemes.
		{"Kannada word", "ಬೆಂಗಳೂರು", 4},
		// The conjunct ನ್ನ counts 2 here (Unicode 15.0 segmentation; 15.1
		// joins it): the count errs high, never low.
		{"Kannada conjunct", "ಕನ್ನಡ", 4},
		{"flag", "🇮🇳", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := MaxGraphemes / c.graphemes
			at := strings.Repeat(c.unit, n) + strings.Repeat("a", MaxGraphemes-n*c.graphemes)
			if len(at) > MaxBytes {
				t.Skip("over the byte limit first")
			}
			if err := v.ValidateReply(parent, connector.Message{Text: at}); err != nil {
				t.Fatalf("300 graphemes: %v", err)
			}
			err := v.ValidatePublish(connector.Message{Text: at + c.unit})
			conntest.RefusedOn(t, err, connector.FieldText)
			if !strings.Contains(err.Error(), "graphemes, limit 300") {
				t.Fatalf("the refusal must name the rule: %v", err)
			}
		})
	}
	// A ZWJ sequence is one grapheme: 100 families (1,800 bytes) and 200
	// letters are 300.
	family := strings.Repeat("👨‍👩‍👧", 100) + strings.Repeat("a", 200)
	if err := v.ValidatePublish(connector.Message{Text: family}); err != nil {
		t.Fatalf("100 family emoji and 200 letters: %v", err)
	}
	conntest.RefusedOn(t, v.ValidatePublish(connector.Message{Text: family + "👨‍👩‍👧"}), connector.FieldText)
	// 3000 bytes bind before 300 graphemes for long clusters: 200 family
	// emoji are 200 graphemes but 3,600 bytes.
	conntest.RefusedOn(t, v.ValidatePublish(connector.Message{Text: strings.Repeat("👨‍👩‍👧", 200)}), connector.FieldText)
	conntest.RefusedOn(t, v.ValidateReply(connector.Target{ParentID: "1790000000000000001"}, connector.Message{Text: "hi"}), connector.FieldTarget)
	conntest.RefusedOn(t, v.ValidatePublish(connector.Message{Text: "hi", Media: []string{"https://cdn.example/a.jpg"}}), connector.FieldMedia)
	conntest.RefusedOn(t, v.ValidatePublish(connector.Message{Text: " \n"}), connector.FieldText)
}
