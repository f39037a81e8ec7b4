package simhash

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze/normalize"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

var rumour = "Child kidnapping gang spotted near Majestic bus stand, they are carrying sweets and taking kids in a white van. Share with all parents in Bengaluru!"

func TestNearDuplicates(t *testing.T) {
	base := Of(rumour)
	near := []string{
		"RT @someone: " + rumour,
		rumour + " https://t.co/xyz123",
		"Child kidnapping gang spotted near Majestic bus stand, they are carrying sweets and taking kids in a white van!! Share with all parents in Bengaluru 🙏🙏",
		"child kidnapping gang spotted near majestic bus stand they are carrying sweets and taking kids in a white van share with all parents in bengaluru",
		"@BlrCityPolice Child kidnapping gang spotted near Majestic bus stand, they are carrying sweets and taking kids in a white van. Share with all parents in Bengaluru!",
	}
	for _, n := range near {
		if d := Distance(base, Of(n)); d > 3 {
			t.Errorf("distance %d to near-duplicate %q", d, n)
		}
	}
	// An edited word is a real change: SimHash moves by about
	// 64·arccos(1−k/N)/π bits (≈5 for one word in 25), so the desk's
	// near-duplicate threshold is 8, not 3.
	edited := []string{
		"Child kidnapping gang spotted near Majestic bus stand, they are carrying chocolates and taking kids in a white van. Share with all parents in Bengaluru!",
		"Child kidnaping gang spotted near Majestic bus stand, they are carrying sweets and taking kids in a white van. Share with all parents in Bengaluru!",
		"URGENT: Child kidnapping gang spotted near Majestic bus stand, they are carrying sweets and taking kids in a white van. Share with all parents in Bengaluru!",
	}
	for _, n := range edited {
		if d := Distance(base, Of(n)); d > 8 {
			t.Errorf("distance %d to edited copy %q", d, n)
		}
	}
	kn := "ಮಕ್ಕಳ ಅಪಹರಣ ಗ್ಯಾಂಗ್ ಮೆಜೆಸ್ಟಿಕ್ ಬಸ್ ನಿಲ್ದಾಣದ ಬಳಿ ಕಂಡುಬಂದಿದೆ, ಎಲ್ಲಾ ಪೋಷಕರಿಗೆ ಹಂಚಿಕೊಳ್ಳಿ"
	if d := Distance(Of(kn), Of("RT @a: "+kn+" \u200b")); d > 3 {
		t.Errorf("Kannada copy distance %d", d)
	}
	unrelated := []string{
		"Heavy traffic jam at Silk Board junction since 8am, no traffic police in sight. Please send someone.",
		"Thank you Koramangala police for the quick response last night, very professional team.",
		"My phone was stolen in the metro at MG Road station, how do I file a complaint online?",
		kn,
	}
	for _, u := range unrelated {
		if d := Distance(base, Of(u)); d < 16 {
			t.Errorf("distance %d to unrelated %q", d, u)
		}
	}
	for i := range unrelated {
		for j := i + 1; j < len(unrelated); j++ {
			if d := Distance(Of(unrelated[i]), Of(unrelated[j])); d < 16 {
				t.Errorf("distance %d between unrelated %d and %d", d, i, j)
			}
		}
	}
	if Of("") != 0 || Of("🙏🙏 !!! https://x.y") != 0 {
		t.Error("feature-less text must hash to 0")
	}
}

// TestFoldedSkipsFold: text that is already folded (normalize.Folded)
// skips textnorm.Fold and must hash exactly as its folded copy does.
func TestFoldedSkipsFold(t *testing.T) {
	for _, s := range foldCases {
		if got, want := Of(s), Of(textnorm.Fold(s)); got != want {
			t.Errorf("%q: %016x, folded copy %016x", s, got, want)
		}
	}
}

var foldCases = []string{
	"ಮಕ್ಕಳ ಅಪಹರಣ ಗ್ಯಾಂಗ್ ಮೆಜೆಸ್ಟಿಕ್ ಬಸ್ ನಿಲ್ದಾಣದ ಬಳಿ ಕಂಡುಬಂದಿದೆ, RT ಎಲ್ಲಾ ಪೋಷಕರಿಗೆ ಹಂಚಿಕೊಳ್ಳಿ",
	"RT @x: Traffic JAM at Silk Board 😡🚗\n\nagain… “really”", "मेरे घर के पास चोरी हो गई है कृपया मदद करें",
	"ಬೆಂಗಳೂರು  ಪೊಲೀಸ್\tಕೋರಮಂಗಲದಲ್ಲಿ", "Café RÉSUMÉ ÉCOLE Straße", "a\u200db ಜಯ\u200cನಗರ", "e\u0301 ಕೆ\u0cc2", "Rt ” retweeted", "rT: ಕೋರಮಂಗಲ",
}

func FuzzOf(f *testing.F) {
	f.Add(rumour)
	f.Add("RT @x: \xff\xfe ಕೋರಮಂಗಲ")
	for _, s := range foldCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if Of(s) != Of(s) {
			t.Fatal("not deterministic")
		}
		if !isASCII(s) && normalize.Folded(s) && Of(s) != Of(textnorm.Fold(s)) {
			t.Fatalf("%q hashes unlike its folded copy", s)
		}
	})
}

func BenchmarkOf(b *testing.B) {
	b.SetBytes(int64(len(rumour)))
	for i := 0; i < b.N; i++ {
		Of(rumour)
	}
}
