package rss

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
)

// xmlDecl matches the encoding pseudo-attribute of an XML declaration.
var xmlDecl = regexp.MustCompile(`^(\s*<\?xml[^>]*?\bencoding\s*=\s*)(["'])[^"']*(["'])`)

// toUTF8 brings a feed body to UTF-8 before it is parsed. The charset of
// the HTTP Content-Type wins over the XML declaration (RFC 7303 §3.2), so
// a Latin-1 feed served as "application/rss+xml; charset=ISO-8859-1" whose
// XML says nothing is read as Latin-1 instead of failing every poll as
// invalid UTF-8; the declaration is then rewritten to UTF-8 so the parser
// does not decode the bytes a second time. A body with no charset anywhere
// that is not UTF-8 is read as windows-1252, the web's default for
// undeclared legacy text (a superset of Latin-1's printable characters).
// A body declared UTF-8 is never touched: invalid bytes in it stay an
// error, as they are.
func toUTF8(body []byte, contentType string) []byte {
	label := ""
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		label = strings.TrimSpace(params["charset"])
	}
	if label == "" {
		if utf8.Valid(body) || declaresEncoding(body) || isUTF16(body) {
			// UTF-8, or left to the parser's reading of the XML
			// declaration and byte order mark.
			return body
		}
		out, err := charmap.Windows1252.NewDecoder().Bytes(body)
		if err != nil {
			return body
		}
		return out
	}
	enc, name := charset.Lookup(label)
	if enc == nil || name == "utf-8" {
		return body
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return xmlDecl.ReplaceAll(out, []byte("${1}${2}UTF-8${3}"))
}

// declaresEncoding reports whether the body starts with an XML declaration
// naming an encoding.
func declaresEncoding(body []byte) bool {
	head := body
	if len(head) > 256 {
		head = head[:256]
	}
	return xmlDecl.Match(bytes.TrimLeft(head, "\ufeff"))
}

func isUTF16(body []byte) bool {
	return bytes.HasPrefix(body, []byte{0xFE, 0xFF}) || bytes.HasPrefix(body, []byte{0xFF, 0xFE})
}
