package desk

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"

	"github.com/kaval-desk/kaval/internal/store"
)

// FormatStatusCode prints a case's status code as the citizen is given
// it: two groups of five, "3F9A2-C41B7".
func FormatStatusCode(code string) string {
	if len(code) != 10 {
		return code
	}
	return code[:5] + "-" + code[5:]
}

// NormalizeStatusCode reads a code as a person types it: any case, with
// or without the dash and spaces, O for 0 and I or L for 1 (the code has
// only hex digits, so those letters can only be misread digits). It
// returns "" for anything that cannot be a code.
func NormalizeStatusCode(s string) string {
	if len(s) > 40 {
		return ""
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
		case r == 'O':
			b.WriteByte('0')
		case r == 'I' || r == 'L':
			b.WriteByte('1')
		case r >= '0' && r <= '9' || r >= 'A' && r <= 'F':
			b.WriteRune(r)
		default:
			return ""
		}
	}
	if b.Len() != 10 {
		return ""
	}
	return b.String()
}

// PublicCase finds a case for the public status page: the reference and
// its status code must both match. A wrong code, a malformed one and an
// unknown reference all give store.ErrNotFound, so the answer reveals
// nothing about which references exist.
func (d *Desk) PublicCase(ctx context.Context, ref, code string) (Case, error) {
	code = NormalizeStatusCode(code)
	c, err := d.CaseByRef(ctx, ref, Scope{})
	if errors.Is(err, store.ErrNotFound) || err == nil && (code == "" || c.StatusCode == "" ||
		subtle.ConstantTimeCompare([]byte(code), []byte(c.StatusCode)) != 1) {
		return Case{}, store.ErrNotFound
	}
	return c, err
}
