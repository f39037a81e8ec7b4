package conn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// ID is a platform identifier that arrives as a JSON string or a JSON
// number: Meta documents page, sender and recipient ids as strings but its
// App Dashboard "Test" button and several documented Messenger shapes send
// numbers. The digits are kept as written, never through a float (ids
// exceed 2^53). null and an absent field are "".
type ID string

// UnmarshalJSON implements json.Unmarshaler.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*id = ""
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ID(s)
		return nil
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		s := n.String()
		// 1.0e15 style numbers are ids written by a float encoder;
		// anything that is not an integer is not an id.
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			if _, uerr := strconv.ParseUint(s, 10, 64); uerr != nil {
				return fmt.Errorf("conn: id %s is not an integer", s)
			}
		}
		*id = ID(s)
		return nil
	default:
		return errors.New("conn: id is neither a string nor a number")
	}
}

// Skip is one part of an accepted delivery that could not be read and was
// left out while the rest was kept: one odd field must never lose a whole
// delivery, every entry in it. Field names the part without indexes (it
// is a metric label: "entry.messaging.message.attachments"), At says
// which one ("entry[0].messaging[2]"), Reason why (a decoder error, which
// names types and offsets but carries no payload text).
type Skip struct {
	Field  string
	At     string
	Reason string
}

// SkipErr builds a Skip from a decoding error, naming the Go field the
// decoder stopped at when it says so.
func SkipErr(field, at string, err error) Skip {
	return Skip{Field: field, At: at, Reason: DecodeReason(err)}
}

// DecodeReason says why JSON could not be read in terms a person can act
// on: the field and the type found for a type mismatch, the byte offset of
// a syntax error. It never quotes the payload.
func DecodeReason(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		f := te.Field
		if f == "" {
			f = "value"
		}
		return fmt.Sprintf("%s is a JSON %s, want %s", f, te.Value, te.Type)
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case err == nil:
		return ""
	default:
		s := err.Error()
		if len(s) > 200 {
			s = s[:200]
		}
		return s
	}
}

var skippedTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "kaval_webhook_skipped_total",
	Help: "Parts of accepted deliveries that could not be read and were left out (the rest was kept), by platform and field.",
}, []string{"platform", "field"})

// SkippedCounter is the kaval_webhook_skipped_total child for platform
// and field (tests read it).
func SkippedCounter(platform, field string) prometheus.Counter {
	return skippedTotal.WithLabelValues(platform, field)
}

// maxSkipLogs bounds the log lines of one delivery: a hostile body of a
// megabyte of odd entries must not become thousands of lines.
const maxSkipLogs = 5

// Skipped logs each skipped part with its field and reason (the first
// few of a delivery, then how many more) and counts every one in the
// health counters and kaval_webhook_skipped_total.
func Skipped(log *slog.Logger, h *Health, platform string, skips []Skip) {
	for i, s := range skips {
		if h != nil {
			h.Count("skipped", 1)
		}
		skippedTotal.WithLabelValues(platform, s.Field).Inc()
		if log != nil && i < maxSkipLogs {
			log.Warn("webhook: part of a delivery skipped, the rest kept", "field", s.Field, "at", s.At, "reason", s.Reason)
		}
	}
	if log != nil && len(skips) > maxSkipLogs {
		log.Warn("webhook: more parts of the delivery skipped", "more", len(skips)-maxSkipLogs)
	}
}

// RefuseMalformed answers a delivery that is not JSON at all (400) and
// logs which field broke and why, besides the reason code.
func RefuseMalformed(w http.ResponseWriter, r *http.Request, log *slog.Logger, h *Health, platform string, err error) {
	if log != nil {
		log = log.With("detail", DecodeReason(err))
	}
	Refuse(w, r, log, h, platform, ReasonMalformed, http.StatusBadRequest, "malformed payload")
}
