package webform

import (
	"errors"
	"math"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Limits on every field, in characters (runes) for text and bytes for the
// whole body. They are generous for a citizen and small for a spammer.
type Limits struct {
	Concern int // 3000
	Place   int // 200
	Name    int // 100
	Phone   int // 20
	Email   int // 254 (RFC 5321 path limit)
	Links   int // web links allowed across all fields; 2
	Body    int64
}

// DefaultLimits are the limits used when Options.Limits is zero.
var DefaultLimits = Limits{Concern: 3000, Place: 200, Name: 100, Phone: 20, Email: 254, Links: 2, Body: 32 << 10}

const minConcern = 10

// fields is what a citizen filled in, cleaned. It is both re-rendered into
// the form after an error and the source of the post.
type fields struct {
	Concern, Place, Name, Phone, Email string
	Lat, Lon                           string // as typed, for re-rendering
	lat, lon                           *float64
	Token, Lang, Honeypot              string
}

// formError is a refusal with the key of the message shown to the citizen.
type formError struct {
	key    string
	status int
}

func (e *formError) Error() string { return "webform: " + e.key }

var (
	errUTF8     = &formError{"err_utf8", 400}
	errRepeated = &formError{"err_fields", 400}
)

// known lists the form's fields; anything else is ignored (browsers and
// extensions add fields), but a known field sent twice is refused because
// it can only come from a crafted request.
var known = []string{"concern", "place", "name", "phone", "email", "lat", "lon", "token", "lang", "website"}

// parseFields validates the submitted values. Every error is a *formError.
// It never panics on any input (it is fuzzed).
func parseFields(v url.Values, lim Limits) (fields, error) {
	var f fields
	for key, vals := range v {
		for _, s := range vals {
			if !utf8.ValidString(key) || !utf8.ValidString(s) {
				return f, errUTF8
			}
		}
	}
	get := func(key string) (string, error) {
		vals := v[key]
		if len(vals) > 1 {
			return "", errRepeated
		}
		if len(vals) == 0 {
			return "", nil
		}
		return strings.TrimSpace(textnorm.Clean(vals[0])), nil
	}
	var err error
	ptrs := []*string{&f.Concern, &f.Place, &f.Name, &f.Phone, &f.Email, &f.Lat, &f.Lon, &f.Token, &f.Lang, &f.Honeypot}
	for i, key := range known {
		if *ptrs[i], err = get(key); err != nil {
			return f, err
		}
	}
	// Single-line fields must stay single-line: a newline in a name could
	// forge a "Place:" line in the text we build.
	for _, p := range []*string{&f.Place, &f.Name, &f.Phone, &f.Email, &f.Lat, &f.Lon} {
		*p = strings.Join(strings.Fields(*p), " ")
	}
	if f.Lang != "en" && f.Lang != "kn" {
		f.Lang = ""
	}
	n := utf8.RuneCountInString
	switch {
	case n(f.Concern) < minConcern:
		return f, &formError{"err_concern_required", 400}
	case n(f.Concern) > lim.Concern:
		return f, &formError{"err_concern_long", 413}
	case n(f.Place) > lim.Place:
		return f, &formError{"err_place_long", 413}
	case n(f.Name) > lim.Name:
		return f, &formError{"err_name_long", 413}
	case len(f.Phone) > lim.Phone || f.Phone != "" && !validPhone(f.Phone):
		return f, &formError{"err_phone", 400}
	case len(f.Email) > lim.Email || f.Email != "" && !validEmail(f.Email):
		return f, &formError{"err_email", 400}
	case len(f.Token) > 128 || len(f.Honeypot) > 1000:
		return f, &formError{"err_generic", 400}
	}
	if links(f.Concern)+links(f.Place)+links(f.Name) > lim.Links {
		return f, &formError{"err_links", 400}
	}
	if f.Lat != "" || f.Lon != "" {
		lat, err1 := parseCoord(f.Lat, 90)
		lon, err2 := parseCoord(f.Lon, 180)
		if err1 != nil || err2 != nil {
			return f, &formError{"err_latlon", 400}
		}
		f.lat, f.lon = &lat, &lon
	}
	return f, nil
}

func parseCoord(s string, max float64) (float64, error) {
	if s == "" || len(s) > 24 {
		return 0, errors.New("webform: bad coordinate")
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < -max || x > max {
		return 0, errors.New("webform: bad coordinate")
	}
	return x, nil
}

// validPhone accepts what people type: an optional +, digits, spaces,
// hyphens and parentheses, with 7 to 15 digits (E.164's maximum).
func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

// validEmail accepts a bare address (no display name, no comments).
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".")
}

// links counts web links the way spam carries them: scheme URLs and bare
// www. hosts.
func links(s string) int {
	l := strings.ToLower(s)
	return strings.Count(l, "http://") + strings.Count(l, "https://") + strings.Count(l, "www.")
}

// contactKey is the normalised contact used to recognise a repeat reporter:
// the last 10 digits of the phone (Indian numbers with or without +91/0),
// else the lower-cased e-mail.
func (f fields) contactKey() string {
	if f.Phone != "" {
		var d []byte
		for i := 0; i < len(f.Phone); i++ {
			if c := f.Phone[i]; c >= '0' && c <= '9' {
				d = append(d, c)
			}
		}
		if len(d) > 10 {
			d = d[len(d)-10:]
		}
		return "tel:" + string(d)
	}
	if f.Email != "" {
		return "mailto:" + strings.ToLower(f.Email)
	}
	return ""
}
