package lang

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// english are frequent English words that rarely occur as romanised
// Kannada, Hindi, Tamil or Malayalam words.
var english = set(`the is are was were be been this that these those with for from have has had
not you your they their what when where which who why how will would should could can
very good bad please help police sir madam thank thanks thank you road traffic people
movie song super nice best love and but or of in on at my me we our it its there here
all some any just only also about after before because today now time day night
near need needed fire accident ambulance again huge still since stuck hours minutes morning evening
broken water power street area someone urgent immediately`)

// indic are frequent romanised Kannada, Hindi, Tamil and Malayalam function
// words and particles.
var indic = set(`hai hain nahi nahin nhi kya kyu kyun aur bhi toh ko ki ka ke mein mai hum tum
aap yeh ye woh wo kuch bahut abhi jaldi bhai yaar ji acha accha kab karo kar raha rahe tha thi hoga
illa alla idu adu ide ade madi maadi nodi anna guru yenu enu swalpa tumba chennagi nimma namma
bega beku beda agide aagide helri barri ella hege yake yaake ivaga eega
ennada enna romba illai irukku vanakkam thalaiva nalla ethu
aanu alle ente njan ningal oru pinne enthu`)

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// Marker classes in markerTable.
const (
	markerNone uint8 = iota
	markerEnglish
	markerIndic
)

// markerTable finds a word's class by the FNV-1a hash of its lower-cased
// bytes, computed while the word is scanned: open addressing in a table
// of a few kilobytes, the word itself compared only on a hash match.
type markerTable struct {
	hash  []uint64
	class []uint8
	word  []string
	// seen has bit h>>52 set for every marker's hash h: most words of a
	// post are no marker, and one bit test in 512 bytes turns nearly all
	// of them away before the probe.
	seen [4096 / 64]uint64
}

var markers = newMarkerTable()

func newMarkerTable() *markerTable {
	t := &markerTable{hash: make([]uint64, 1024), class: make([]uint8, 1024), word: make([]string, 1024)}
	for w := range english {
		t.add(w, markerEnglish)
	}
	for w := range indic {
		if !english[w] { // English wins a word on both lists, as it always has
			t.add(w, markerIndic)
		}
	}
	return t
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (t *markerTable) add(w string, c uint8) {
	h := uint64(fnvOffset)
	for i := 0; i < len(w); i++ {
		h = (h ^ uint64(w[i])) * fnvPrime
	}
	mask := uint64(len(t.hash) - 1)
	i := h & mask
	for t.class[i] != markerNone {
		i = (i + 1) & mask
	}
	t.hash[i], t.class[i], t.word[i] = h, c, w
	t.seen[h>>58] |= 1 << (h >> 52 & 63)
}

func (t *markerTable) lookup(h uint64, w []byte) uint8 {
	if t.seen[h>>58]&(1<<(h>>52&63)) == 0 {
		return markerNone
	}
	mask := uint64(len(t.hash) - 1)
	for i := h & mask; t.class[i] != markerNone; i = (i + 1) & mask {
		if t.hash[i] == h && t.word[i] == string(w) {
			return t.class[i]
		}
	}
	return markerNone
}

// Markers counts English and romanised Indian-language marker words among
// the Latin words of text, and the Latin words in all. It looks at the
// first 400 words only.
func Markers(text string) (englishWords, indicWords, words int) {
	var buf [32]byte
	i := 0
	for i < len(text) && words < 400 {
		// Find the next ASCII letter run.
		for i < len(text) && !isASCIILetter(text[i]) {
			i++
		}
		j := i
		h := uint64(fnvOffset)
		for j < len(text) && isASCIILetter(text[j]) {
			c := text[j] | 0x20
			if j-i < len(buf) {
				buf[j-i] = c
			}
			h = (h ^ uint64(c)) * fnvPrime
			j++
		}
		if j == i {
			break
		}
		if j < len(text) && text[j] >= 0x80 {
			// A Latin run glued to other letters is not a word of its own.
			if r, _ := utf8.DecodeRuneInString(text[j:]); unicode.IsLetter(r) {
				i = j + 1
				continue
			}
		}
		words++
		if j-i <= len(buf) {
			switch markers.lookup(h, buf[:j-i]) {
			case markerEnglish:
				englishWords++
			case markerIndic:
				indicWords++
			}
		}
		i = j
	}
	return
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
