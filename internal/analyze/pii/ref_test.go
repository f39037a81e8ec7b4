package pii

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze/devsample"
	"github.com/kaval-desk/kaval/internal/post"
)

// findRef is Find as first written (no run skipping, states in a map);
// Find must agree with it on every input.
func findRef(text string) []post.Span {
	var out []post.Span
	n := len(text)
	for i := 0; i < n; i++ {
		c := text[i]
		switch {
		case c == '@':
			if s, e, ok := email(text, i); ok {
				out = append(out, post.Span{Type: Email, Start: s, End: e})
				i = e - 1
			}
		case (c == 'h' || c == 'H' || c == 'w' || c == 'W') && wordStart(text, i):
			if e, ok := url(text, i); ok {
				out = append(out, post.Span{Type: URL, Start: i, End: e})
				i = e - 1
			} else if e, ok := vehicleRef(text, i); ok {
				out = append(out, post.Span{Type: Vehicle, Start: i, End: e})
				i = e - 1
			} else if e, ok := pan(text, i); ok {
				out = append(out, post.Span{Type: PAN, Start: i, End: e})
				i = e - 1
			}
		case isDigit(c) || c == '+':
			if !wordStart(text, i) {
				// Skip the rest of this alphanumeric run.
				for i+1 < n && isAlnum(text[i+1]) {
					i++
				}
				continue
			}
			if e, ok := bharat(text, i); ok {
				out = append(out, post.Span{Type: Vehicle, Start: i, End: e})
				i = e - 1
				continue
			}
			if typ, e, ok := number(text, i); ok {
				out = append(out, post.Span{Type: typ, Start: i, End: e})
				i = e - 1
				continue
			}
			for i+1 < n && (isDigit(text[i+1]) || text[i+1] == ' ' && i+2 < n && isDigit(text[i+2]) || text[i+1] == '-') {
				i++ // do not re-scan inside a number we rejected
			}
		case isLetter(c) && wordStart(text, i):
			if e, ok := firRef(text, i); ok {
				out = append(out, post.Span{Type: FIR, Start: i, End: e})
				i = e - 1
			} else if e, ok := vehicleRef(text, i); ok {
				out = append(out, post.Span{Type: Vehicle, Start: i, End: e})
				i = e - 1
			} else if e, ok := pan(text, i); ok {
				out = append(out, post.Span{Type: PAN, Start: i, End: e})
				i = e - 1
			}
		}
	}
	return resolve(out)
}

var statesRef = map[string]bool{}

func init() {
	for _, s := range strings.Fields("AN AP AR AS BR CH CG DD DL DN GA GJ HR HP JK JH KA KL LA LD MP MH MN ML MZ NL OD OR PB PY RJ SK TN TS TG TR UP UK UA WB") {
		statesRef[s] = true
	}
}

func vehicleRef(s string, i int) (int, bool) {
	if len(s)-i < 6 || !isLetter(s[i]) || !isLetter(s[i+1]) {
		return 0, false
	}
	st := string([]byte{s[i] &^ 0x20, s[i+1] &^ 0x20})
	if !statesRef[st] {
		return 0, false
	}
	upper := isUpper(s[i]) && isUpper(s[i+1])
	seps := 0
	j := i + 2
	k := sep(s, j)
	seps += k - j
	j = k
	nd := 0
	for j < len(s) && isDigit(s[j]) && nd < 2 {
		j++
		nd++
	}
	if nd == 0 {
		return 0, false
	}
	k = sep(s, j)
	seps += k - j
	j = k
	nl := 0
	for j < len(s) && isLetter(s[j]) && nl < 3 {
		if !isUpper(s[j]) {
			upper = false
		}
		j++
		nl++
	}
	if nl == 0 {
		return 0, false
	}
	k = sep(s, j)
	seps += k - j
	j = k
	nn := 0
	for j < len(s) && isDigit(s[j]) && nn < 4 {
		j++
		nn++
	}
	if nn == 0 || !wordEnd(s, j) {
		return 0, false
	}
	if !upper && seps > 0 {
		return 0, false
	}
	if nn < 4 && seps == 0 && !upper {
		return 0, false
	}
	return j, true
}

func firRef(s string, i int) (int, bool) {
	j := i
	switch {
	case hasPrefixFold(s, j, "f.i.r."):
		j += 6
	case hasPrefixFold(s, j, "f.i.r"):
		j += 5
	case hasPrefixFold(s, j, "fir"):
		j += 3
	case hasPrefixFold(s, j, "crime"):
		j += 5
	case hasPrefixFold(s, j, "cr.") || hasPrefixFold(s, j, "cr "):
		j += 3
	default:
		return 0, false
	}
	if j < len(s) && isAlnum(s[j]) && !isDigit(s[j]) {
		return 0, false // "firm", "crimes"
	}
	skip := func() {
		for j < len(s) && (s[j] == ' ' || s[j] == ':' || s[j] == '#' || s[j] == '.' || s[j] == '-') {
			j++
		}
	}
	skip()
	if hasPrefixFold(s, j, "number") {
		j += 6
	} else if hasPrefixFold(s, j, "no") {
		j += 2
	}
	skip()
	nd := 0
	for j < len(s) && isDigit(s[j]) && nd < 7 {
		j++
		nd++
	}
	if nd == 0 || j >= len(s) || s[j] != '/' {
		return 0, false
	}
	j++
	ny := 0
	for j < len(s) && isDigit(s[j]) && ny < 4 {
		j++
		ny++
	}
	if (ny != 2 && ny != 4) || !wordEnd(s, j) {
		return 0, false
	}
	return j, true
}

func TestFindMatchesReference(t *testing.T) {
	pieces := []string{"KA 01 AB 1234", "ka01ab1234", "KA-05-M-1234", "22 BH 1234 AB", "ABCPE1234F", "abcpe1234f", "FIR No. 123/2024",
		"f.i.r 45/23", "Cr. No. 45/2023", "crime no: 12/2022", "firm", "9845012345", "+91 98450 12345", "1234 5678 9012", "x@y.in",
		"http://a.b/c", "www.x.org", "hello", "wHAT", "abc_def", "a-b", "2pm", "ಕೋರಮಂಗಲ", "😀", "@user", "#tag", ".", ",", "/", "+", "-"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
			if r.IntN(4) > 0 {
				b.WriteByte(" ,./-_@+"[r.IntN(8)])
			}
		}
		check(t, b.String())
	}
	// Real posts of every language in the benchmark's sample, and words
	// that start like a registration mark, a PAN or an FIR number.
	posts, err := devsample.Posts(2000)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(posts, "KA.01.AB.1234", "ka 01", "as 2 pm 5", "an-1 x", "ABCPE1234FG", "x ABCPE1234F", "cr-12/2023",
		"firm 12/2023", "hi there www", "H", "ka0", "KA 1") {
		check(t, s)
	}
}

func check(t *testing.T, s string) {
	t.Helper()
	got, want := Find(s), findRef(s)
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: %v, reference %v", s, got, want)
	}
}

func FuzzFindReference(f *testing.F) {
	f.Add("KA 01 AB 1234 FIR No. 123/2024 call 9845012345")
	f.Fuzz(func(t *testing.T, s string) { check(t, s) })
}
