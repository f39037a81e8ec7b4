// Package pdf writes simple text documents (headings, paragraphs,
// tables) as PDF with Kannada set correctly: every word is shaped by
// go-text/typesetting (a Go port of HarfBuzz), so conjuncts, reph and
// pre-base vowel signs come out as the font designed them, and the
// shaped glyph ids are written as they are through Type0/CIDFontType2
// fonts with Identity-H encoding. The embedded TrueType fonts are
// subset to the glyphs drawn; a ToUnicode CMap and an ActualText span
// on every word keep the text extractable (copy, search, pdftotext).
//
// Citizen text is never written into a PDF string literal: glyphs are
// hex glyph ids and ActualText is hex UTF-16, so no input can end a
// string, an object or a stream early.
package pdf

import (
	"bytes"
	"fmt"
	"strings"
)

// A4 portrait, in points.
const (
	pageW   = 595.28
	pageH   = 841.89
	margin  = 48.0
	bottomY = margin + 20 // room for the footer
)

// Sizes of the text styles.
const (
	SizeTitle   = 18.0
	SizeHeading = 13.0
	SizeBody    = 9.5
	SizeSmall   = 8.0
)

// Doc is a document being laid out, top to bottom. It is not safe for
// concurrent use; make one per document.
type Doc struct {
	sh     *shaper
	pages  []*bytes.Buffer
	page   *bytes.Buffer
	y      float64 // baseline cursor from the bottom of the page
	title  string
	footer string
}

// New starts a document; title goes into the document's properties,
// footer at the foot of every page beside the page number.
func New(title, footer string) (*Doc, error) {
	sh, err := newShaper()
	if err != nil {
		return nil, err
	}
	d := &Doc{sh: sh, title: title, footer: footer}
	d.newPage()
	return d, nil
}

func (d *Doc) newPage() {
	d.page = &bytes.Buffer{}
	d.pages = append(d.pages, d.page)
	d.y = pageH - margin
}

// leading is the distance between baselines: generous, so Kannada's
// stacked conjuncts and vowel signs below the line never touch the line
// under them.
func leading(size float64) float64 { return size * 1.7 }

// room starts a new page unless h points fit above the footer.
func (d *Doc) room(h float64) {
	if d.y-h < bottomY {
		d.newPage()
	}
}

// Title writes the document's title.
func (d *Doc) Title(text string) { d.block(text, SizeTitle, true, 0.12) }

// Heading writes a section heading, kept with at least two lines after it.
func (d *Doc) Heading(text string) {
	d.room(leading(SizeHeading) + 3*leading(SizeBody))
	d.y -= SizeHeading * 0.6
	d.block(text, SizeHeading, true, 0.15)
}

// Paragraph writes wrapped body text; newlines in text start new lines.
func (d *Doc) Paragraph(text string) { d.block(text, SizeBody, false, 0.2) }

// Note writes small grey text.
func (d *Doc) Note(text string) {
	fmt.Fprintf(d.page, "0.35 0.35 0.35 rg\n")
	d.block(text, SizeSmall, false, 0.2)
	fmt.Fprintf(d.page, "0 0 0 rg\n")
}

// block writes text wrapped to the page width, then a gap of after×size.
func (d *Doc) block(text string, size float64, bold bool, after float64) {
	for _, line := range d.wrap(text, size, pageW-2*margin) {
		d.room(leading(size))
		d.y -= leading(size)
		d.drawLine(line, margin, d.y, size, bold)
	}
	d.y -= size * after * 4
}

// Bytes lays out the footers and writes the PDF.
func (d *Doc) Bytes() ([]byte, error) {
	for i, p := range d.pages {
		foot := fmt.Sprintf("%s   %d / %d", d.footer, i+1, len(d.pages))
		fmt.Fprintf(p, "0.35 0.35 0.35 rg\n")
		for _, line := range d.wrap(strings.TrimSpace(foot), SizeSmall, pageW-2*margin) {
			drawLineTo(p, line, margin, margin-10, SizeSmall, false)
			break
		}
		fmt.Fprintf(p, "0 0 0 rg\n")
	}
	return write(d)
}
