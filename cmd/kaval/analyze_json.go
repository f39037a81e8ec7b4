package main

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseAnalyzeLine reads the common shape of a `kaval analyze` input line
// (an object of "id", "text", "platform", "author_location", "lat", "lon"
// with string and number values) without reflection. It returns false for
// anything else: another key, a null, a surrogate escape, invalid UTF-8,
// invalid JSON... and the caller then uses encoding/json, so every line
// still means what encoding/json says it means (FuzzParseAnalyzeLine holds
// the two to the same result wherever this one accepts).
func parseAnalyzeLine(line []byte, in *analyzeLine) bool {
	p := jsonParser{b: line}
	p.ws()
	if !p.byte('{') {
		return false
	}
	p.ws()
	if p.byte('}') {
		p.ws()
		return p.i == len(p.b)
	}
	for {
		p.ws()
		key, ok := p.plainKey()
		if !ok {
			return false
		}
		p.ws()
		if !p.byte(':') {
			return false
		}
		p.ws()
		switch key {
		case "":
			// A key the line carries for others (a platform payload's
			// "created_at", "user"...): skipped, as encoding/json does.
			if !p.skipValue(0) {
				return false
			}
		case "id":
			start := p.i
			if p.i < len(p.b) && p.b[p.i] == '"' {
				if _, ok := p.str(); !ok {
					return false
				}
			} else if !p.number() {
				return false
			} else if _, err := strconv.ParseFloat(string(line[start:p.i]), 64); err != nil {
				return false // 1e400: encoding/json refuses it as an id
			}
			in.ID = line[start:p.i:p.i]
		case "text", "platform", "author_location":
			s, ok := p.str()
			if !ok {
				return false
			}
			switch key {
			case "text":
				in.Text = &s
			case "platform":
				in.Platform = s
			default:
				in.AuthorLocation = s
			}
		case "lat", "lon":
			start := p.i
			if !p.number() {
				return false
			}
			f, err := strconv.ParseFloat(string(line[start:p.i]), 64)
			if err != nil {
				return false
			}
			if key == "lat" {
				in.Lat = &f
			} else {
				in.Lon = &f
			}
		default:
			return false
		}
		p.ws()
		if p.byte(',') {
			continue
		}
		if !p.byte('}') {
			return false
		}
		p.ws()
		return p.i == len(p.b)
	}
}

type jsonParser struct {
	b   []byte
	i   int
	buf []byte
}

func (p *jsonParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) byte(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// plainKey reads a key: one of ours written exactly, or "" for another
// key of plain ASCII that is none of ours in any case (encoding/json
// matches keys case-insensitively, so "Text" goes to the slow path, and so
// does a key with escapes or other bytes, which Unicode case folding
// could turn into one of ours).
func (p *jsonParser) plainKey() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			k := p.b[start:p.i]
			p.i++
			switch string(k) { // no allocation: the compiler compares in place
			case "id":
				return "id", true
			case "text":
				return "text", true
			case "platform":
				return "platform", true
			case "author_location":
				return "author_location", true
			case "lat":
				return "lat", true
			case "lon":
				return "lon", true
			}
			for _, known := range [...]string{"id", "text", "platform", "author_location", "lat", "lon"} {
				if len(k) == len(known) && strings.EqualFold(string(k), known) {
					return "", false
				}
			}
			return "", true
		}
		if c < 0x20 || c >= utf8.RuneSelf || c == '\\' {
			return "", false
		}
		p.i++
	}
	return "", false
}

// skipValue steps over one JSON value, checking its grammar (strings by
// str's rules, so an escape or byte str refuses sends the line to the
// slow path).
func (p *jsonParser) skipValue(depth int) bool {
	if p.i >= len(p.b) || depth > 64 {
		return false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		_, ok := p.str()
		return ok
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case c == '[':
		p.i++
		p.ws()
		if p.byte(']') {
			return true
		}
		for {
			p.ws()
			if !p.skipValue(depth + 1) {
				return false
			}
			p.ws()
			if p.byte(']') {
				return true
			}
			if !p.byte(',') {
				return false
			}
		}
	case c == '{':
		p.i++
		p.ws()
		if p.byte('}') {
			return true
		}
		for {
			p.ws()
			if _, ok := p.str(); !ok {
				return false
			}
			p.ws()
			if !p.byte(':') {
				return false
			}
			p.ws()
			if !p.skipValue(depth + 1) {
				return false
			}
			p.ws()
			if p.byte('}') {
				return true
			}
			if !p.byte(',') {
				return false
			}
		}
	}
	return false
}

func (p *jsonParser) literal(w string) bool {
	if len(p.b)-p.i >= len(w) && string(p.b[p.i:p.i+len(w)]) == w {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a JSON string: control characters, invalid UTF-8 and
// surrogate escapes (which encoding/json replaces or pairs) are refused.
func (p *jsonParser) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	// Fast scan: no escapes, ASCII or valid UTF-8.
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			return string(s), true
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, n := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && n == 1 {
				return "", false
			}
			p.i += n
		}
	}
	return "", false
}

// escaped continues a string from its first backslash.
func (p *jsonParser) escaped(start int) (string, bool) {
	buf := append(p.buf[:0], p.b[start:p.i]...)
	defer func() { p.buf = buf }()
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), true
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return "", false
			}
			e := p.b[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				if p.i+4 > len(p.b) {
					return "", false
				}
				r := rune(0)
				for _, h := range p.b[p.i : p.i+4] {
					switch {
					case h >= '0' && h <= '9':
						r = r<<4 | rune(h-'0')
					case h >= 'a' && h <= 'f':
						r = r<<4 | rune(h-'a'+10)
					case h >= 'A' && h <= 'F':
						r = r<<4 | rune(h-'A'+10)
					default:
						return "", false
					}
				}
				if r >= 0xD800 && r < 0xE000 {
					return "", false
				}
				p.i += 4
				buf = utf8.AppendRune(buf, r)
			default:
				return "", false
			}
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.i++
		default:
			r, n := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && n == 1 {
				return "", false
			}
			buf = append(buf, p.b[p.i:p.i+n]...)
			p.i += n
		}
	}
	return "", false
}

// number reads a JSON number (the grammar exactly: no leading zeros, no
// bare dot, no plus sign).
func (p *jsonParser) number() bool {
	b, i := p.b, p.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	p.i = i
	return true
}

// appendRawID writes an id token (a JSON string or number, no whitespace
// inside) as encoding/json writes a json.RawMessage: <, >, & and U+2028/9
// escaped.
func appendRawID(dst, id []byte) []byte {
	start := 0
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c == '<' || c == '>' || c == '&' {
			dst = append(dst, id[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xF])
			start = i + 1
		}
		if c == 0xE2 && i+2 < len(id) && id[i+1] == 0x80 && id[i+2]&^1 == 0xA8 {
			dst = append(dst, id[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', "0123456789abcdef"[id[i+2]&0xF])
			start = i + 3
		}
	}
	return append(dst, id[start:]...)
}
