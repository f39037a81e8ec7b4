package pdf

import (
	"bytes"
	"embed"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
)

// The faces a report is set in: Noto Sans for Latin script, digits and
// punctuation, Noto Sans Kannada for Kannada (OFL; fonts/OFL.txt).
//
//go:embed fonts/NotoSans-Regular.ttf fonts/NotoSansKannada-Regular.ttf
var fontFiles embed.FS

const (
	faceLatin = iota
	faceKannada
	nFaces
)

var fontNames = [nFaces]string{"NotoSans-Regular", "NotoSansKannada-Regular"}

type parsedFont struct {
	data []byte
	font *font.Font
	bbox [4]int16
}

var (
	fontsOnce sync.Once
	fonts     [nFaces]parsedFont
	fontsErr  error
)

// loadFonts parses the embedded fonts once; a font.Font is safe to share,
// a font.Face (made per document) is not.
func loadFonts() ([nFaces]parsedFont, error) {
	fontsOnce.Do(func() {
		for i, name := range []string{"fonts/NotoSans-Regular.ttf", "fonts/NotoSansKannada-Regular.ttf"} {
			data, err := fontFiles.ReadFile(name)
			if err != nil {
				fontsErr = err
				return
			}
			face, err := font.ParseTTF(bytes.NewReader(data))
			if err != nil {
				fontsErr = fmt.Errorf("pdf: unable to parse %s: %w", name, err)
				return
			}
			fonts[i] = parsedFont{data: data, font: face.Font, bbox: headBBox(data)}
		}
	})
	return fonts, fontsErr
}

// docFont is one face as one document uses it: the glyphs drawn (for
// the subset and the widths) and what text each stands for (ToUnicode).
type docFont struct {
	face *font.Face
	src  parsedFont
	used map[uint16]bool
	text map[uint16]string
}

// kannada reports whether r is set in the Kannada face.
func kannada(r rune) bool { return r >= 0x0C80 && r <= 0x0CFF }

// fontmap picks the face for a rune: Kannada letters and signs in Noto
// Sans Kannada, everything else in Noto Sans (joiners and marks stay
// with their base: the segmenter does not split on them).
type fontmap struct{ faces [nFaces]*font.Face }

func (m fontmap) ResolveFace(r rune) *font.Face {
	if kannada(r) {
		return m.faces[faceKannada]
	}
	return m.faces[faceLatin]
}

// placed is one glyph of a shaped word, relative to the word's origin.
type placed struct {
	face    int
	gid     uint16
	x, y    float64 // points; y up
	cluster int     // index of the first rune of its cluster in the word
}

// word is a shaped run of text without spaces.
type word struct {
	text   string
	glyphs []placed
	width  float64
}

// shaper shapes text for one document.
type shaper struct {
	hb    shaping.HarfbuzzShaper
	seg   shaping.Segmenter
	fonts [nFaces]*docFont
	fmap  fontmap
}

func newShaper() (*shaper, error) {
	pf, err := loadFonts()
	if err != nil {
		return nil, err
	}
	s := &shaper{}
	for i := range pf {
		face := font.NewFace(pf[i].font)
		s.fonts[i] = &docFont{face: face, src: pf[i], used: map[uint16]bool{}, text: map[uint16]string{}}
		s.fmap.faces[i] = face
	}
	return s, nil
}

// shape sets text (one word: no line breaks inside) at size points.
func (s *shaper) shape(text string, size float64) word {
	if !utf8.ValidString(text) {
		text = string([]rune(text)) // invalid bytes become U+FFFD
	}
	runes := []rune(text)
	w := word{text: text}
	if len(runes) == 0 {
		return w
	}
	in := shaping.Input{Text: runes, RunStart: 0, RunEnd: len(runes), Direction: di.DirectionLTR,
		Size: fixed.Int26_6(size * 64), Language: language.NewLanguage("en")}
	x := 0.0
	for _, run := range s.seg.Split(in, s.fmap) {
		fi := faceLatin
		if run.Face == s.fmap.faces[faceKannada] {
			fi = faceKannada
		}
		out := s.hb.Shape(run)
		df := s.fonts[fi]
		prev := -1
		for _, g := range out.Glyphs {
			gid := uint16(g.GlyphID)
			w.glyphs = append(w.glyphs, placed{face: fi, gid: gid, x: x + f26(g.XOffset), y: f26(g.YOffset), cluster: g.ClusterIndex})
			x += f26(g.XAdvance)
			df.used[gid] = true
			if _, ok := df.text[gid]; !ok && g.ClusterIndex != prev {
				// The first cluster a glyph starts names it for text
				// extraction; each word also carries its exact text
				// (ActualText), which readers prefer.
				end := min(g.ClusterIndex+max(g.RuneCount, 1), len(runes))
				df.text[gid] = string(runes[g.ClusterIndex:end])
			}
			prev = g.ClusterIndex
		}
	}
	w.width = x
	return w
}

// width of a space at size, in the Latin face.
func (s *shaper) spaceWidth(size float64) float64 {
	f := s.fonts[faceLatin].face
	gid, ok := f.NominalGlyph(' ')
	if !ok {
		return size / 4
	}
	return float64(f.HorizontalAdvance(gid)) * size / float64(f.Upem())
}

func f26(v fixed.Int26_6) float64 { return float64(v) / 64 }

// headBBox reads the font's bounding box from its head table.
func headBBox(data []byte) [4]int16 {
	var b [4]int16
	if len(data) < 12 {
		return b
	}
	n := int(be16(data[4:]))
	for i := 0; i < n && 12+16*i+16 <= len(data); i++ {
		e := data[12+16*i:]
		if string(e[:4]) == "head" {
			off := int(be32(e[8:]))
			if off+44 <= len(data) {
				for j := range b {
					b[j] = int16(be16(data[off+36+2*j:]))
				}
			}
		}
	}
	return b
}

func be16(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }
func be32(b []byte) uint32 { return uint32(be16(b))<<16 | uint32(be16(b[2:])) }
