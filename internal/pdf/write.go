package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"github.com/go-text/typesetting/font"
	"slices"
	"strings"
	"unicode/utf16"
)

// writer numbers objects and remembers where each starts (the xref).
type writer struct {
	buf     bytes.Buffer
	offsets []int // by object number - 1
}

// reserve allocates an object number to write later.
func (w *writer) reserve() int {
	w.offsets = append(w.offsets, 0)
	return len(w.offsets)
}

func (w *writer) object(n int, body string) {
	w.offsets[n-1] = w.buf.Len()
	fmt.Fprintf(&w.buf, "%d 0 obj\n%s\nendobj\n", n, body)
}

// stream writes a Flate-compressed stream object with extra dictionary
// entries.
func (w *writer) stream(n int, dict string, data []byte) {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(data)
	zw.Close()
	w.offsets[n-1] = w.buf.Len()
	fmt.Fprintf(&w.buf, "%d 0 obj\n<< /Length %d /Filter /FlateDecode %s >>\nstream\n", n, z.Len(), dict)
	w.buf.Write(z.Bytes())
	w.buf.WriteString("\nendstream\nendobj\n")
}

func write(d *Doc) ([]byte, error) {
	w := &writer{}
	w.buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	catalog, pagesObj, info := w.reserve(), w.reserve(), w.reserve()
	var fontRes []string
	for i, f := range d.sh.fonts {
		if len(f.used) == 0 {
			continue
		}
		ref, err := writeFont(w, f, i)
		if err != nil {
			return nil, err
		}
		fontRes = append(fontRes, fmt.Sprintf("/F%d %d 0 R", i+1, ref))
	}
	resources := "<< /Font << " + strings.Join(fontRes, " ") + " >> >>"
	var kids []string
	for _, p := range d.pages {
		page, content := w.reserve(), w.reserve()
		w.stream(content, "", p.Bytes())
		w.object(page, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources %s /Contents %d 0 R >>",
			pagesObj, pageW, pageH, resources, content))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	w.object(pagesObj, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	w.object(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R /MarkInfo << /Marked true >> >>", pagesObj))
	w.object(info, fmt.Sprintf("<< /Title %s /Producer (Kaval) >>", utf16Hex(d.title)))
	xref := w.buf.Len()
	fmt.Fprintf(&w.buf, "xref\n0 %d\n0000000000 65535 f \n", len(w.offsets)+1)
	for _, off := range w.offsets {
		fmt.Fprintf(&w.buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&w.buf, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(w.offsets)+1, catalog, info, xref)
	return w.buf.Bytes(), nil
}

// writeFont writes one face as a Type0 font over a CIDFontType2 with the
// subset TrueType embedded, glyph ids as CIDs (Identity-H, Identity
// CIDToGIDMap), and returns the Type0 font's object number.
func writeFont(w *writer, f *docFont, i int) (int, error) {
	sub, err := subsetTTF(f.src.data, f.used)
	if err != nil {
		return 0, err
	}
	type0, cid, desc, file, tounicode := w.reserve(), w.reserve(), w.reserve(), w.reserve(), w.reserve()
	// The subset tag is six capitals, derived from the face's index and
	// glyph count so each document's subset is named apart.
	tag := []byte("KAVAL" + string(rune('A'+i)))
	tag[4] = byte('A' + len(f.used)%26)
	name := string(tag) + "+" + fontNames[i]
	upem := float64(f.face.Upem())
	scale := func(v float64) int { return int(v * 1000 / upem) }
	gids := make([]uint16, 0, len(f.used))
	for g := range f.used {
		gids = append(gids, g)
	}
	slices.Sort(gids)
	var widths strings.Builder
	for _, g := range gids {
		fmt.Fprintf(&widths, "%d [%d] ", g, scale(float64(f.face.HorizontalAdvance(font.GID(g)))))
	}
	ext, _ := f.face.FontHExtents()
	b := f.src.bbox
	w.stream(file, fmt.Sprintf("/Length1 %d", len(sub)), sub)
	w.object(desc, fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 4 /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>",
		name, scale(float64(b[0])), scale(float64(b[1])), scale(float64(b[2])), scale(float64(b[3])),
		scale(float64(ext.Ascender)), scale(float64(ext.Descender)), scale(float64(ext.Ascender)*0.7), file))
	w.object(cid, fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 0 /W [%s] /CIDToGIDMap /Identity >>",
		name, desc, widths.String()))
	w.stream(tounicode, "", toUnicode(f.text))
	w.object(type0, fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>",
		name, cid, tounicode))
	return type0, nil
}

// toUnicode is the CMap from glyph ids to the text each stands for.
func toUnicode(text map[uint16]string) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	gids := make([]uint16, 0, len(text))
	for g, s := range text {
		if s != "" {
			gids = append(gids, g)
		}
	}
	slices.Sort(gids)
	for lo := 0; lo < len(gids); lo += 100 {
		chunk := gids[lo:min(lo+100, len(gids))]
		fmt.Fprintf(&b, "%d beginbfchar\n", len(chunk))
		for _, g := range chunk {
			fmt.Fprintf(&b, "<%04X> <", g)
			for _, u := range utf16.Encode([]rune(text[g])) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}
