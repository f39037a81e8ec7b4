package pdf

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	ot "github.com/go-text/typesetting/font/opentype"
)

// subsetTTF returns a TrueType font with the same glyph ids as src in
// which every glyph not in keep (nor a component of one that is) is
// empty. Ids stay as they are, so the PDF's CIDToGIDMap is Identity and
// the shaper's glyph ids are written as they come; only the outlines a
// report draws are carried (a few kB instead of half a megabyte).
func subsetTTF(src []byte, keep map[uint16]bool) ([]byte, error) {
	ld, err := ot.NewLoader(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("pdf: unable to read font: %w", err)
	}
	raw := func(tag string) []byte {
		b, _ := ld.RawTable(ot.MustNewTag(tag))
		return b
	}
	head, maxp, loca, glyf := raw("head"), raw("maxp"), raw("loca"), raw("glyf")
	if len(head) < 54 || len(maxp) < 6 || loca == nil || glyf == nil {
		return nil, fmt.Errorf("pdf: not a TrueType-outline font")
	}
	n := int(binary.BigEndian.Uint16(maxp[4:]))
	long := binary.BigEndian.Uint16(head[50:]) == 1
	offset := func(i int) int {
		if long {
			if 4*i+4 > len(loca) {
				return len(glyf)
			}
			return int(binary.BigEndian.Uint32(loca[4*i:]))
		}
		if 2*i+2 > len(loca) {
			return len(glyf)
		}
		return 2 * int(binary.BigEndian.Uint16(loca[2*i:]))
	}
	glyph := func(g int) []byte {
		a, b := offset(g), offset(g+1)
		if a >= b || b > len(glyf) {
			return nil
		}
		return glyf[a:b]
	}
	// The closure over composite glyphs' components.
	want := map[int]bool{0: true}
	var todo []int
	for g := range keep {
		todo = append(todo, int(g))
	}
	for len(todo) > 0 {
		g := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if g >= n || want[g] && g != 0 {
			continue
		}
		want[g] = true
		todo = append(todo, components(glyph(g))...)
	}
	newLoca := make([]byte, 4*(n+1))
	var newGlyf []byte
	for g := 0; g < n; g++ {
		binary.BigEndian.PutUint32(newLoca[4*g:], uint32(len(newGlyf)))
		if want[g] {
			newGlyf = append(newGlyf, glyph(g)...)
			for len(newGlyf)%4 != 0 {
				newGlyf = append(newGlyf, 0)
			}
		}
	}
	binary.BigEndian.PutUint32(newLoca[4*n:], uint32(len(newGlyf)))
	newHead := slices.Clone(head)
	binary.BigEndian.PutUint32(newHead[8:], 0) // checkSumAdjustment: not checked by PDF readers
	binary.BigEndian.PutUint16(newHead[50:], 1)
	tables := []ot.Table{{Tag: ot.MustNewTag("head"), Content: newHead}, {Tag: ot.MustNewTag("loca"), Content: newLoca},
		{Tag: ot.MustNewTag("glyf"), Content: newGlyf}}
	for _, tag := range []string{"hhea", "maxp", "hmtx", "cvt ", "fpgm", "prep"} {
		if b := raw(tag); b != nil {
			tables = append(tables, ot.Table{Tag: ot.MustNewTag(tag), Content: b})
		}
	}
	slices.SortFunc(tables, func(a, b ot.Table) int { return cmp.Compare(a.Tag, b.Tag) })
	return ot.WriteTTF(tables), nil
}

// components lists the glyphs a composite glyph is built from.
func components(g []byte) []int {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil
	}
	var out []int
	p := 10
	for p+4 <= len(g) {
		flags := binary.BigEndian.Uint16(g[p:])
		out = append(out, int(binary.BigEndian.Uint16(g[p+2:])))
		p += 4
		if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&0x0008 != 0: // WE_HAVE_A_SCALE
			p += 2
		case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
			p += 4
		case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
			p += 8
		}
		if flags&0x0020 == 0 { // MORE_COMPONENTS
			break
		}
	}
	return out
}
