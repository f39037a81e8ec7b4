package pdf

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const kannadaLine = "ಕೋರಮಂಗಲದಲ್ಲಿ ಕಳ್ಳತನ ಆಗಿದೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ. ಶ್ರೀ ಕ್ಷೇತ್ರ ಸ್ತ್ರೀ ಪ್ರಜ್ಞೆ ಕಾರ್ಯ"

// The shaper, not a character-by-character mapping, chooses the glyphs:
// a conjunct comes out as the font's conjunct glyphs, not as the three
// nominal glyphs of consonant, virama, consonant.
func TestConjunctsAreShaped(t *testing.T) {
	sh, err := newShaper()
	if err != nil {
		t.Fatal(err)
	}
	face := sh.fonts[faceKannada].face
	for _, c := range []string{"ಕ್ಷ", "ಸ್ತ್ರೀ", "ಪ್ರ", "ಲ್ಲಿ", "ರ್ಯ"} {
		w := sh.shape(c, 10)
		var nominal []uint16
		for _, r := range c {
			g, _ := face.NominalGlyph(r)
			nominal = append(nominal, uint16(g))
		}
		var got []uint16
		for _, g := range w.glyphs {
			if g.face != faceKannada || g.gid == 0 {
				t.Fatalf("%s: glyph %+v not a Kannada glyph", c, g)
			}
			got = append(got, g.gid)
		}
		if len(got) == len(nominal) && equal(got, nominal) {
			t.Errorf("%s: glyphs %v are the nominal ones: not shaped", c, got)
		}
		t.Logf("%s: nominal %v, shaped %v", c, nominal, got)
	}
	// The virama never shows as a glyph of its own in a conjunct.
	virama, _ := face.NominalGlyph('್')
	for _, g := range sh.shape("ಕ್ಷ", 10).glyphs {
		if g.gid == uint16(virama) {
			t.Errorf("ಕ್ಷ drew a visible virama (glyph %d)", virama)
		}
	}
}

func equal(a, b []uint16) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sample writes a document with English, Kannada and hostile text.
func sample(t *testing.T, extra ...string) []byte {
	t.Helper()
	d, err := New("Daily brief ಸಾರಾಂಶ", "Kaval · Adugodi PS")
	if err != nil {
		t.Fatal(err)
	}
	d.Title("Daily brief — Adugodi PS")
	d.Heading("ದೈನಂದಿನ ವರದಿ")
	d.Paragraph(kannadaLine)
	for _, e := range extra {
		d.Paragraph(e)
	}
	d.Table([]Column{{"Category", 0.5, false}, {"ವರ್ಗ", 0.3, false}, {"Posts", 0.2, true}},
		[][]string{{"theft", "ಕಳ್ಳತನ", "1,234"}, {"traffic", "ಸಂಚಾರ", "56"}})
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tool(t *testing.T, name string) {
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (poppler-utils)", name)
		}
		t.Skipf("%s not installed (poppler-utils)", name)
	}
}

func pdftotext(t *testing.T, pdf []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "r.pdf")
	os.WriteFile(p, pdf, 0o644)
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", p, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	return string(out)
}

// Text put in comes out of pdftotext the same: Kannada clusters, the
// order of vowel signs and all.
func TestTextRoundTrip(t *testing.T) {
	tool(t, "pdftotext")
	got := pdftotext(t, sample(t))
	for _, want := range []string{kannadaLine, "Daily brief — Adugodi PS", "ದೈನಂದಿನ ವರದಿ", "ಕಳ್ಳತನ", "1,234"} {
		if !strings.Contains(got, want) {
			t.Errorf("pdftotext lost %q; got:\n%s", want, got)
		}
	}
}

// Citizen text cannot end a string, an object or a stream, and a word
// of a hundred thousand letters is wrapped, not run off the page.
func TestHostileText(t *testing.T) {
	tool(t, "pdftotext")
	hostile := []string{
		") Tj ET endstream endobj %%EOF trailer << /Root 1 0 R >> \\ ( <FEFF> ",
		"\x00\x01\xff\xfe invalid utf8 \xc3\x28 and a BOM \ufeff and RTL مرحبا and emoji 🚓",
		strings.Repeat("ಕ್ಷ", 30000),
		strings.Repeat("x", 100000),
	}
	pdf := sample(t, hostile...)
	got := pdftotext(t, pdf)
	if !strings.Contains(got, ") Tj ET endstream endobj %%EOF trailer") || !strings.Contains(got, kannadaLine) {
		t.Errorf("hostile text not written as text; got:\n%.2000s", got)
	}
	if n := strings.Count(got, "ಕ್ಷ"); n < 29000 {
		t.Errorf("the long Kannada word lost letters: %d of 30000 conjuncts", n)
	}
	p := filepath.Join(t.TempDir(), "h.pdf")
	os.WriteFile(p, pdf, 0o644)
	if out, err := exec.Command("pdfinfo", p).CombinedOutput(); err != nil || !strings.Contains(string(out), "Pages:") {
		t.Fatalf("pdfinfo: %v %s", err, out)
	}
}

// The page renders (pdftoppm) with ink where the Kannada line is, and
// no glyph drawn is the font's .notdef box.
func TestRenders(t *testing.T) {
	tool(t, "pdftoppm")
	dir := t.TempDir()
	p := filepath.Join(dir, "r.pdf")
	os.WriteFile(p, sample(t), 0o644)
	if out, err := exec.Command("pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", p, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	f, err := os.ReadFile(filepath.Join(dir, "page-1.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	dark := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				dark++
			}
		}
	}
	if dark < 2000 {
		t.Errorf("page nearly blank: %d dark pixels", dark)
	}
	if out := os.Getenv("KAVAL_PDF_OUT"); out != "" {
		os.WriteFile(filepath.Join(out, "sample.png"), f, 0o644)
	}
	sh, _ := newShaper()
	for _, g := range sh.shape(kannadaLine, 10).glyphs {
		if g.gid == 0 {
			t.Errorf("a .notdef glyph in the Kannada line: %+v", g)
		}
	}
}
