package lang

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/kaval-desk/kaval/internal/analyze/devsample"
)

// markersRef is Markers as first written, over the word maps; the hashed
// table must count exactly as it does.
func markersRef(text string) (englishWords, indicWords, words int) {
	var buf [32]byte
	i := 0
	for i < len(text) && words < 400 {
		for i < len(text) && !isASCIILetter(text[i]) {
			i++
		}
		j := i
		for j < len(text) && isASCIILetter(text[j]) {
			j++
		}
		if j == i {
			break
		}
		if j < len(text) && text[j] >= 0x80 {
			r := []rune(text[j:min(len(text), j+4)])
			if len(r) > 0 && unicode.IsLetter(r[0]) {
				i = j + 1
				continue
			}
		}
		words++
		if j-i <= len(buf) {
			w := buf[:0]
			for k := i; k < j; k++ {
				w = append(w, text[k]|0x20)
			}
			if english[string(w)] {
				englishWords++
			} else if indic[string(w)] {
				indicWords++
			}
		}
		i = j
	}
	return
}

func TestMarkersMatchReference(t *testing.T) {
	var vocab []string
	for w := range english {
		vocab = append(vocab, w, strings.ToUpper(w), w+"s")
	}
	for w := range indic {
		vocab = append(vocab, w, strings.ToUpper(w[:1])+w[1:], w[:len(w)-1])
	}
	vocab = append(vocab, "ಕನ್ನಡ", "हिंदी", "😀", "@user", "#tag", "2024", strings.Repeat("a", 40), "é", "xyz", "\xff")
	seps := []string{" ", ", ", "!", "\n", "", "ಕ", "...", "’"}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(30) {
			b.WriteString(vocab[r.IntN(len(vocab))])
			b.WriteString(seps[r.IntN(len(seps))])
		}
		s := b.String()
		e1, i1, w1 := Markers(s)
		e2, i2, w2 := markersRef(s)
		if e1 != e2 || i1 != i2 || w1 != w2 {
			t.Fatalf("%q: Markers %d %d %d, reference %d %d %d", s, e1, i1, w1, e2, i2, w2)
		}
	}
	posts, err := devsample.Posts(2000)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range posts {
		e1, i1, w1 := Markers(s)
		e2, i2, w2 := markersRef(s)
		if e1 != e2 || i1 != i2 || w1 != w2 {
			t.Fatalf("%q: Markers %d %d %d, reference %d %d %d", s, e1, i1, w1, e2, i2, w2)
		}
	}
	if e, i, w := Markers("The traffic hai bahut bad, please help yaar"); e != 5 || i != 3 || w != 8 {
		t.Errorf("counts %d %d %d", e, i, w)
	}
}

func BenchmarkMarkers(b *testing.B) {
	s := "bhai yeh traffic kab khatam hoga Silk Board pe 2 ghante se phase hain kuch karo please help the police"
	for b.Loop() {
		Markers(s)
	}
}

func FuzzMarkersReference(f *testing.F) {
	f.Add("The traffic hai bahut bad, please help yaar ಕನ್ನಡ \xff")
	f.Fuzz(func(t *testing.T, s string) {
		e1, i1, w1 := Markers(s)
		e2, i2, w2 := markersRef(s)
		if e1 != e2 || i1 != i2 || w1 != w2 {
			t.Fatalf("%q: Markers %d %d %d, reference %d %d %d", s, e1, i1, w1, e2, i2, w2)
		}
	})
}
