package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"
)

// line is shaped words laid on one line, each at its x offset.
type line struct {
	words []word
	xs    []float64
	width float64
}

// maxWordRunes bounds the text shaped as one word: a hostile post of a
// million letters without a space is cut into pieces first.
const maxWordRunes = 200

// wrap breaks text into lines of at most width points: at spaces, and
// inside a word only when the word alone is wider than a line (a long
// link), then between glyph clusters so no conjunct is split.
func (d *Doc) wrap(text string, size, width float64) []line {
	space := d.sh.spaceWidth(size)
	var out []line
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		cur := line{}
		flush := func() {
			out = append(out, cur)
			cur = line{}
		}
		for _, f := range strings.Fields(para) {
			for _, w := range d.pieces(f, size, width) {
				x := cur.width
				if len(cur.words) > 0 {
					x += space
				}
				if len(cur.words) > 0 && x+w.width > width {
					flush()
					x = 0
				}
				cur.words = append(cur.words, w)
				cur.xs = append(cur.xs, x)
				cur.width = x + w.width
			}
		}
		flush()
	}
	return out
}

// pieces shapes a word, cut between clusters where it is wider than width.
func (d *Doc) pieces(text string, size, width float64) []word {
	runes := []rune(text)
	var out []word
	for len(runes) > maxWordRunes {
		cut := maxWordRunes
		for cut > maxWordRunes/2 && isMark(runes[cut]) {
			cut--
		}
		out = append(out, d.pieces(string(runes[:cut]), size, width)...)
		runes = runes[cut:]
	}
	w := d.sh.shape(string(runes), size)
	if w.width <= width || len(runes) < 2 {
		return append(out, w)
	}
	// Cut before the first cluster that ends past the width.
	cut := 0
	for _, g := range w.glyphs {
		if g.x > width*0.98 && g.cluster > 0 {
			cut = g.cluster
			break
		}
	}
	if cut <= 0 || cut >= len(runes) {
		return append(out, w)
	}
	out = append(out, d.sh.shape(string(runes[:cut]), size))
	return append(out, d.pieces(string(runes[cut:]), size, width)...)
}

// isMark reports whether r joins the letter before it (a vowel sign, a
// virama, a joiner): a cut never goes before one.
func isMark(r rune) bool {
	switch {
	case r == 0x200C || r == 0x200D:
		return true
	case r >= 0x0C80 && r <= 0x0CFF:
		return r >= 0x0CBC && r <= 0x0CD6 || r == 0x0C81 || r == 0x0C82 || r == 0x0C83
	case r >= 0x0300 && r <= 0x036F:
		return true
	}
	return false
}

// drawLine writes a line's glyphs to the current page with its left end
// at (x, y). Bold is the fill-and-stroke text mode: one face per script
// is embedded, not two.
func (d *Doc) drawLine(l line, x, y, size float64, bold bool) {
	drawLineTo(d.page, l, x, y, size, bold)
}

func drawLineTo(buf *bytes.Buffer, l line, x, y, size float64, bold bool) {
	if len(l.words) == 0 {
		return
	}
	buf.WriteString("BT\n")
	if bold {
		fmt.Fprintf(buf, "2 Tr %.2f w\n", size*0.035)
	}
	cur := -1
	for i, w := range l.words {
		fmt.Fprintf(buf, "/Span <</ActualText %s>> BDC\n", utf16Hex(w.text))
		for _, g := range w.glyphs {
			if g.face != cur {
				fmt.Fprintf(buf, "/F%d %.2f Tf\n", g.face+1, size)
				cur = g.face
			}
			fmt.Fprintf(buf, "1 0 0 1 %.2f %.2f Tm <%04X> Tj\n", x+l.xs[i]+g.x, y+g.y, g.gid)
		}
		buf.WriteString("EMC\n")
	}
	if bold {
		buf.WriteString("0 Tr\n")
	}
	buf.WriteString("ET\n")
}

// utf16Hex is s as a PDF hex text string (UTF-16BE with a byte-order
// mark): the only form citizen text takes in the file.
func utf16Hex(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}
