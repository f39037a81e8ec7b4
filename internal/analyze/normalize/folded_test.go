package normalize

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/textnorm"
)

// lowerASCII is what a caller does to text Folded accepts.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

func checkFolded(t *testing.T, s string) {
	t.Helper()
	if Folded(s) {
		if want := textnorm.Fold(s); lowerASCII(s) != want {
			t.Fatalf("Folded(%q) but Fold gives %q (%+q), lowered %+q", s, want, want, lowerASCII(s))
		}
	}
}

// TestFoldedEveryRune holds Folded to textnorm.Fold for every code point
// alone and after a letter.
func TestFoldedEveryRune(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		checkFolded(t, string(r))
		if r >= 0x80 && r < 0x30000 {
			checkFolded(t, "Ab"+string(r))
		}
	}
}

// TestFoldedPairs: every pair and many random strings over the scripts of
// the desk's posts, with the combining marks, composition pairs and
// invisible characters that make Fold differ.
func TestFoldedPairs(t *testing.T) {
	var pool []rune
	for r := rune(0x0900); r <= 0x0DFF; r++ { // Devanagari … Malayalam
		pool = append(pool, r)
	}
	for _, rg := range [][2]rune{{0x20, 0x7e}, {0xA0, 0x24F}, {0x300, 0x36F}, {0x370, 0x3FF}, {0x1E00, 0x1E9F}, {0x2000, 0x206F}, {0x1F300, 0x1F320}, {0xFE00, 0xFE0F}, {0xFB00, 0xFB06}} {
		for r := rg[0]; r <= rg[1]; r++ {
			pool = append(pool, r)
		}
	}
	pool = append(pool, '\t', '\n', '\r', '\v', 0, 0x7f, 0x1F600, 0x1F64F, 0xAC00, 0x1100, 0x1161, 0x11A8, 0x212B, 0x2126)
	kn := []rune{}
	for r := rune(0x0C80); r <= 0x0CFF; r++ {
		kn = append(kn, r)
	}
	for r := rune(0x0900); r <= 0x097F; r++ {
		kn = append(kn, r)
	}
	for _, a := range kn {
		for _, b := range kn {
			checkFolded(t, string([]rune{a, b}))
			checkFolded(t, string([]rune{'x', a, b}))
		}
	}
	// Latin and Greek letters, precomposed or not, before every combining
	// diacritic, alone and in pairs.
	for a := rune(0x41); a <= 0x3FF; a++ {
		for m := rune(0x300); m <= 0x36F; m++ {
			checkFolded(t, string([]rune{a, m}))
			checkFolded(t, string([]rune{a, m, 0x323}))
			checkFolded(t, string([]rune{a, 0x323, m}))
		}
	}
	for a := rune(0x1E00); a <= 0x1EFF; a++ {
		for m := rune(0x300); m <= 0x36F; m++ {
			checkFolded(t, string([]rune{a, m}))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300000 {
		n := 1 + rng.IntN(6)
		rs := make([]rune, n)
		for i := range rs {
			if rng.IntN(2) == 0 {
				rs[i] = kn[rng.IntN(len(kn))]
			} else {
				rs[i] = pool[rng.IntN(len(pool))]
			}
		}
		checkFolded(t, string(rs))
	}
	checkFolded(t, "a\xffb")
}

// TestFoldedCommonText: the fast path must actually apply to ordinary
// posts in every script the desk sees, or it saves nothing.
func TestFoldedCommonText(t *testing.T) {
	for _, s := range []string{
		"Traffic jam at Silk Board again!! 😡🚗 #BengaluruTraffic",
		"ನಮ್ಮ ಏರಿಯಾದಲ್ಲಿ ತುಂಬಾ ಟ್ರಾಫಿಕ್ ಜಾಮ್ ಆಗಿದೆ, ದಯವಿಟ್ಟು ಯಾರನ್ನಾದರೂ ಕಳುಹಿಸಿ ಸರ್",
		"ಬೆಂಗಳೂರು ಪೊಲೀಸ್ ಕೋರಮಂಗಲದಲ್ಲಿ",
		"मेरे घर के पास चोरी हो गई है कृपया मदद करें",
		"“Thanks” … great work 👍🏽 – really",
		"café résumé naïve",
	} {
		if !Folded(s) {
			t.Errorf("Folded(%q) = false", s)
		}
		checkFolded(t, s)
	}
	for _, s := range []string{"ÉCOLE", "Straße", "ﬁne", "a\u200db", "a\u00a0b", "e\u0301", "ಕೆ\u0cd5", "a\x01b", "\xff"} {
		if Folded(s) {
			t.Errorf("Folded(%q) = true", s)
		}
	}
}

func FuzzFolded(f *testing.F) {
	for _, s := range []string{"a", "ಕೋರಮಂಗಲ", "e\u0301", "ÉCOLE", "क़"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkFolded(t, s) })
}

func BenchmarkFolded(b *testing.B) {
	s := "ನಮ್ಮ ಏರಿಯಾದಲ್ಲಿ ತುಂಬಾ ಟ್ರಾಫಿಕ್ ಜಾಮ್ ಆಗಿದೆ, ದಯವಿಟ್ಟು ಯಾರನ್ನಾದರೂ ಕಳುಹಿಸಿ ಸರ್"
	for b.Loop() {
		Folded(s)
	}
}

func BenchmarkFold(b *testing.B) {
	s := "ನಮ್ಮ ಏರಿಯಾದಲ್ಲಿ ತುಂಬಾ ಟ್ರಾಫಿಕ್ ಜಾಮ್ ಆಗಿದೆ, ದಯವಿಟ್ಟು ಯಾರನ್ನಾದರೂ ಕಳುಹಿಸಿ ಸರ್"
	for b.Loop() {
		textnorm.Fold(s)
	}
}

func BenchmarkFoldTable(b *testing.B) {
	for b.Loop() {
		buildFoldTable()
	}
}
