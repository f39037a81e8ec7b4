// Package pii finds personal data in a post so the desk can mask it:
// Indian phone numbers, Aadhaar numbers (Verhoeff-checked), PAN, vehicle
// registration numbers, e-mail addresses, URLs and FIR/crime numbers.
//
// Every detector is a hand-written scanner over bytes: a post is
// attacker-controlled and regular expressions with backtracking are a
// denial-of-service risk at 50,000 posts a second. Offsets are bytes into
// the text as given.
package pii

import (
	"sort"
	"strings"

	"github.com/kaval-desk/kaval/internal/post"
)

// Span types.
const (
	Phone   = "phone"
	Aadhaar = "aadhaar"
	PAN     = "pan"
	Vehicle = "vehicle"
	Email   = "email"
	URL     = "url"
	FIR     = "fir"
)

// priority decides overlaps: a URL containing digits is a URL, an FIR
// number is not a phone number.
var priority = map[string]int{URL: 7, Email: 6, FIR: 5, Aadhaar: 4, Phone: 3, Vehicle: 2, PAN: 1}

// Find returns the personal-data spans in text, sorted by start, not
// overlapping.
func Find(text string) []post.Span {
	var out []post.Span
	n := len(text)
	for i := 0; i < n; i++ {
		c := text[i]
		switch byteClass[c] {
		case clsOther:
		case clsAt:
			if s, e, ok := email(text, i); ok {
				out = append(out, post.Span{Type: Email, Start: s, End: e})
				i = e - 1
			}
		case clsDigit, clsPlus:
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
		case clsLetter:
			if !wordStart(text, i) {
				// No detector starts inside a run of letters and digits
				// (wordStart is false at each of its bytes), nor at a
				// letter glued to '_', '@', '/', '.', '-' or '+'.
				i = wordRunEnd(text, i)
				continue
			}
			// Each detector's first letter, tested before it is called:
			// URLs start with h or w, FIR numbers with f or c.
			switch c | 0x20 {
			case 'h', 'w':
				if e, ok := url(text, i); ok {
					out = append(out, post.Span{Type: URL, Start: i, End: e})
					i = e - 1
					continue
				}
			case 'f', 'c':
				if e, ok := fir(text, i); ok {
					out = append(out, post.Span{Type: FIR, Start: i, End: e})
					i = e - 1
					continue
				}
			}
			// A registration mark has its first digits right after the
			// state code, or after one separator: most words need no call.
			if i+3 < n && (isDigit(text[i+2]) || (text[i+2] == ' ' || text[i+2] == '-' || text[i+2] == '.') && isDigit(text[i+3])) {
				if e, ok := vehicle(text, i); ok {
					out = append(out, post.Span{Type: Vehicle, Start: i, End: e})
					i = e - 1
					continue
				}
			}
			// A PAN is a whole run of exactly ten letters and digits.
			r := wordRunEnd(text, i)
			if r-i == 9 {
				if e, ok := pan(text, i); ok {
					out = append(out, post.Span{Type: PAN, Start: i, End: e})
					i = e - 1
					continue
				}
			}
			i = r
		}
	}
	return resolve(out)
}

// Byte classes of Find's scan.
const (
	clsOther  = 0
	clsAt     = 1
	clsPlus   = 2
	clsDigit  = 4
	clsLetter = 8
	clsAlnum  = clsDigit | clsLetter
)

var byteClass = func() (t [256]uint8) {
	for c := range t {
		switch b := byte(c); {
		case b == '@':
			t[c] = clsAt
		case b == '+':
			t[c] = clsPlus
		case isDigit(b):
			t[c] = clsDigit
		case isLetter(b):
			t[c] = clsLetter
		}
	}
	return
}()

// wordRunEnd returns the last index of the letters and digits run at i.
// No detector starts inside a run (wordStart is false there), so Find
// skips it whole once the run's start has been tried.
func wordRunEnd(s string, i int) int {
	for i+1 < len(s) && byteClass[s[i+1]]&clsAlnum != 0 {
		i++
	}
	return i
}

// resolve sorts spans and drops the lower-priority one of any overlap
// (an e-mail found at '@' starts before spans found earlier in the scan).
func resolve(sp []post.Span) []post.Span {
	if len(sp) < 2 {
		return sp
	}
	sort.SliceStable(sp, func(i, j int) bool { return sp[i].Start < sp[j].Start })
	out := sp[:0]
	for _, s := range sp {
		if k := len(out) - 1; k >= 0 && s.Start < out[k].End {
			if priority[s.Type] > priority[out[k].Type] {
				out[k] = s
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// Redact replaces each span with its type in brackets ("[phone]").
// Spans out of range, inverted or overlapping an earlier one are ignored.
func Redact(text string, spans []post.Span) string {
	if len(spans) == 0 {
		return text
	}
	sp := append([]post.Span(nil), spans...)
	sort.SliceStable(sp, func(i, j int) bool { return sp[i].Start < sp[j].Start })
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, s := range sp {
		if s.Start < last || s.End > len(text) || s.Start >= s.End {
			continue
		}
		b.WriteString(text[last:s.Start])
		b.WriteByte('[')
		b.WriteString(s.Type)
		b.WriteByte(']')
		last = s.End
	}
	b.WriteString(text[last:])
	return b.String()
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }

// wordStart: position i begins a token (not preceded by a letter, digit
// or a joining character of a longer token).
func wordStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	p := s[i-1]
	return !isAlnum(p) && p != '_' && p != '@' && p != '/' && p != '.' && p != '-' && p != '+'
}

// wordEnd: position e ends a token.
func wordEnd(s string, e int) bool {
	if e >= len(s) {
		return true
	}
	c := s[e]
	return !isAlnum(c) && c != '_' && c != '@'
}

func hasPrefixFold(s string, i int, p string) bool {
	if len(s)-i < len(p) {
		return false
	}
	for k := 0; k < len(p); k++ {
		c := s[i+k]
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		if c != p[k] {
			return false
		}
	}
	return true
}

// url matches http://, https:// and www. up to white space, trimming
// trailing punctuation that belongs to the sentence.
func url(s string, i int) (int, bool) {
	var body int
	switch {
	case hasPrefixFold(s, i, "https://"):
		body = i + 8
	case hasPrefixFold(s, i, "http://"):
		body = i + 7
	case hasPrefixFold(s, i, "www."):
		body = i + 4
	default:
		return 0, false
	}
	e := body
	for e < len(s) && s[e] > ' ' && s[e] != '<' && s[e] != '>' && s[e] != '"' && s[e] < 0x80 {
		e++
	}
	for e > body && strings.IndexByte(".,;:!?)]}'", s[e-1]) >= 0 {
		e--
	}
	if e-body < 3 {
		return 0, false
	}
	return e, true
}

func isLocal(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}
func isDomain(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

// email expands around the '@' at i.
func email(s string, at int) (int, int, bool) {
	st := at
	for st > 0 && isLocal(s[st-1]) && at-st < 64 {
		st--
	}
	for st < at && (s[st] == '.' || s[st] == '-') {
		st++
	}
	if st == at {
		return 0, 0, false
	}
	e := at + 1
	for e < len(s) && isDomain(s[e]) && e-at < 255 {
		e++
	}
	for e > at+1 && (s[e-1] == '.' || s[e-1] == '-') {
		e--
	}
	dom := s[at+1 : e]
	dot := strings.LastIndexByte(dom, '.')
	if dot <= 0 || len(dom)-dot-1 < 2 || strings.Contains(dom, "..") {
		return 0, 0, false
	}
	for k := dot + 1; k < len(dom); k++ {
		if !isLetter(dom[k]) {
			return 0, 0, false
		}
	}
	return st, e, true
}

// number reads a digit group sequence starting at i ("+91 98450-12345",
// "2345 6789 0123") and classifies it as a phone or Aadhaar number.
func number(s string, i int) (string, int, bool) {
	var d [16]byte
	nd := 0
	plus := false
	j := i
	if s[j] == '+' {
		plus = true
		j++
		if j >= len(s) || !isDigit(s[j]) {
			return "", 0, false
		}
	}
	var groups [8]int
	ng := 0
	end := j
	for j < len(s) {
		if !isDigit(s[j]) {
			return "", 0, false
		}
		st := j
		for j < len(s) && isDigit(s[j]) {
			if nd == len(d) {
				return "", 0, false // too long for anything we know
			}
			d[nd] = s[j]
			nd++
			j++
		}
		if ng == len(groups) {
			return "", 0, false
		}
		groups[ng] = j - st
		ng++
		end = j
		// One separator (space, dash, or ") " after an area code) joins
		// the next group.
		if j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && isDigit(s[j+1]) {
			j++
			continue
		}
		break
	}
	if !wordEnd(s, end) {
		return "", 0, false
	}
	ds := d[:nd]
	// Aadhaar: 12 digits, first not 0/1, as one group or 4-4-4, Verhoeff.
	if nd == 12 && !plus && ds[0] >= '2' && (ng == 1 || ng == 3 && groups[0] == 4 && groups[1] == 4) && verhoeff(ds) {
		if !(ng == 1 && ds[0] == '9' && ds[1] == '1' && ds[2] >= '6') { // 91XXXXXXXXXX is a phone
			return Aadhaar, end, true
		}
	}
	switch {
	case nd == 10 && ds[0] >= '6' && !plus:
		return Phone, end, true
	case nd == 11 && ds[0] == '0' && ds[1] >= '1' && !plus:
		return Phone, end, true // 0 + mobile, or 0 + STD code + landline
	case nd == 12 && ds[0] == '9' && ds[1] == '1' && (ds[2] >= '6' || plus && ds[2] >= '2'):
		return Phone, end, true
	case nd == 13 && plus && ds[0] == '9' && ds[1] == '1' && ds[2] == '0':
		return Phone, end, true // +91 0XX…
	}
	return "", 0, false
}

// Verhoeff tables.
var (
	vd = [10][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
		{3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
		{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}}
	vp = [8][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
		{8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}}
)

// verhoeff reports whether the ASCII digits (check digit last) verify.
func verhoeff(ds []byte) bool {
	c := byte(0)
	for i := 0; i < len(ds); i++ {
		c = vd[c][vp[i%8][ds[len(ds)-1-i]-'0']]
	}
	return c == 0
}

// states marks the state codes of Indian registration marks (old and
// new), indexed by their two upper-case letters: a table, not a map,
// since every word of a post that starts with two letters asks.
var states [26][26]bool

func init() {
	for _, s := range strings.Fields("AN AP AR AS BR CH CG DD DL DN GA GJ HR HP JK JH KA KL LA LD MP MH MN ML MZ NL OD OR PB PY RJ SK TN TS TG TR UP UK UA WB") {
		states[s[0]-'A'][s[1]-'A'] = true
	}
}

func sep(s string, j int) int {
	if j < len(s) && (s[j] == ' ' || s[j] == '-' || s[j] == '.') {
		return j + 1
	}
	return j
}

// vehicle matches KA 01 AB 1234, KA-01-AB-1234, KA01AB1234, KA 05 M 1234.
// Letters must be upper-case unless the mark is written without
// separators, so "as 2 pm 5" in running text is not a registration.
func vehicle(s string, i int) (int, bool) {
	if len(s)-i < 6 || !isLetter(s[i]) || !isLetter(s[i+1]) {
		return 0, false
	}
	if !states[s[i]&^0x20-'A'][s[i+1]&^0x20-'A'] {
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

// bharat matches the BH series: 22 BH 1234 AB.
func bharat(s string, i int) (int, bool) {
	j := i
	if len(s)-j < 9 || !isDigit(s[j]) || !isDigit(s[j+1]) {
		return 0, false
	}
	j = sep(s, j+2)
	if j+2 > len(s) || s[j]|0x20 != 'b' || s[j+1]|0x20 != 'h' {
		return 0, false
	}
	j = sep(s, j+2)
	nn := 0
	for j < len(s) && isDigit(s[j]) && nn < 4 {
		j++
		nn++
	}
	if nn != 4 {
		return 0, false
	}
	j = sep(s, j)
	nl := 0
	for j < len(s) && isLetter(s[j]) && nl < 2 {
		j++
		nl++
	}
	if nl == 0 || !wordEnd(s, j) {
		return 0, false
	}
	return j, true
}

// pan matches AAAAA9999A whose fourth letter is a valid holder type
// (P person, C company, H HUF, F firm, A AOP, T trust, B BOI, L local
// authority, J artificial juridical person, G government).
func pan(s string, i int) (int, bool) {
	if len(s)-i < 10 || !wordEnd(s, i+10) {
		return 0, false
	}
	upper := isUpper(s[i])
	for k := 0; k < 10; k++ {
		c := s[i+k]
		want := k < 5 || k == 9
		if want {
			if !isLetter(c) || isUpper(c) != upper {
				return 0, false
			}
		} else if !isDigit(c) {
			return 0, false
		}
	}
	if strings.IndexByte("PCHFATBLJG", s[i+3]&^0x20) < 0 {
		return 0, false
	}
	return i + 10, true
}

// fir matches "FIR No. 123/2024", "F.I.R. 45/23", "Cr. No. 45/2023",
// "Crime No: 12/2022".
func fir(s string, i int) (int, bool) {
	if c := s[i] | 0x20; c != 'f' && c != 'c' {
		return 0, false
	}
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
