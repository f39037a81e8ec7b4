package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Limits on what one post may carry. A post past them is refused whole,
// never truncated into something the citizen did not write.
const (
	MaxText       = 64 << 10 // bytes; the longest platform (Facebook) allows ~63k characters
	MaxRaw        = 1 << 20  // bytes of raw platform payload kept as evidence
	MaxID         = 512      // bytes of an external id
	MaxShortField = 1024     // handles, names, locations, URLs, channels
)

// ValidationError says why a post was refused. Intake returns it per post;
// the API maps it to 400/422 with the field name.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return "ingest: " + e.Field + ": " + e.Message }

// InvalidField names the offending field (the web layer answers 422).
func (e *ValidationError) InvalidField() string { return e.Field }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// IsValidation reports whether err is a ValidationError.
func IsValidation(err error) bool {
	var v *ValidationError
	return errors.As(err, &v)
}

// Normalise checks a post and brings it to its stored form: NFC text
// without control characters, UTC times, trimmed identifiers. It rejects
// rather than repairs invalid UTF-8 because an evidence record must be what
// was received.
func Normalise(p *post.Post, now time.Time) error {
	p.Platform = strings.TrimSpace(p.Platform)
	if p.Platform == "" {
		return invalid("platform", "is required")
	}
	if len(p.Platform) > 32 || strings.IndexFunc(p.Platform, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) >= 0 {
		return invalid("platform", "must be 1–32 characters of a–z, 0–9, _ or -")
	}
	p.ExternalID = strings.TrimSpace(p.ExternalID)
	if p.ExternalID == "" {
		return invalid("external_id", "is required")
	}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{
		{"external_id", &p.ExternalID, MaxID},
		{"kind", &p.Kind, 64},
		{"channel", &p.Channel, MaxShortField},
		{"thread_id", &p.ThreadID, MaxID},
		{"in_reply_to", &p.InReplyTo, MaxID},
		{"author.id", &p.Author.ExternalID, MaxID},
		{"author.handle", &p.Author.Handle, MaxShortField},
		{"author.name", &p.Author.Name, MaxShortField},
		{"author.location", &p.Author.Location, MaxShortField},
		{"author.url", &p.Author.URL, MaxShortField},
		{"lang", &p.Lang, 35},
		{"url", &p.URL, 4096},
		{"text", &p.Text, MaxText},
	} {
		if len(*f.v) > f.max {
			return invalid(f.name, "is %d bytes, more than the limit of %d", len(*f.v), f.max)
		}
		if !utf8.ValidString(*f.v) {
			return invalid(f.name, "is not valid UTF-8")
		}
		if strings.IndexByte(*f.v, 0) >= 0 {
			return invalid(f.name, "contains a NUL byte")
		}
		*f.v = textnorm.Clean(*f.v)
	}
	if p.ChannelID < 0 {
		return invalid("channel_id", "must not be negative")
	}
	if p.Kind == "" {
		p.Kind = post.KindMention
	}
	if strings.TrimSpace(p.Text) == "" && len(p.Raw) == 0 {
		return invalid("text", "is empty")
	}
	if (p.Lat == nil) != (p.Lon == nil) {
		return invalid("lat", "lat and lon come together")
	}
	if p.Lat != nil {
		if math.IsNaN(*p.Lat) || math.IsNaN(*p.Lon) || *p.Lat < -90 || *p.Lat > 90 || *p.Lon < -180 || *p.Lon > 180 {
			return invalid("lat", "coordinates out of range")
		}
	}
	if len(p.Raw) > MaxRaw {
		return invalid("raw", "is %d bytes, more than the limit of %d", len(p.Raw), MaxRaw)
	}
	if len(p.Raw) > 0 {
		if !json.Valid(p.Raw) {
			return invalid("raw", "is not valid JSON")
		}
		// Compact so the stored evidence is canonical in whitespace only.
		var buf bytes.Buffer
		if err := json.Compact(&buf, p.Raw); err == nil {
			p.Raw = buf.Bytes()
		}
	}
	if p.ReceivedAt.IsZero() {
		p.ReceivedAt = now
	}
	p.ReceivedAt = p.ReceivedAt.UTC()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = p.ReceivedAt
	}
	p.CreatedAt = p.CreatedAt.UTC()
	if y := p.CreatedAt.Year(); y < 2000 || p.CreatedAt.After(now.Add(24*time.Hour)) {
		return invalid("created_at", "%s is not a plausible time", p.CreatedAt.Format(time.RFC3339))
	}
	p.ID, p.CaseID, p.Analysis = 0, 0, nil
	return nil
}
