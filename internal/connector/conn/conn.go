// Package conn holds the small pieces every platform connector needs and
// that are easy to get subtly wrong: reading a webhook body once with a size
// cap, HMAC signatures compared in constant time, backoff ladders with
// jitter, rate-limit header parsing, transport-error classification and the
// health bookkeeping behind connector.Health.
//
// It knows no platform's payloads; those stay in the platform packages.
package conn

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
)

// MaxWebhookBody is the default cap on a webhook body. Real deliveries are
// a few kilobytes; anything near this is hostile.
const MaxWebhookBody = 1 << 20

// ErrTooLarge is returned by ReadBody when the body exceeds the cap.
var ErrTooLarge = errors.New("conn: request body too large")

// ReadBody reads the whole request body once, refusing more than max bytes.
// Signatures are computed over exactly these bytes.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, ErrTooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, ErrTooLarge
		}
		return nil, err
	}
	return body, nil
}

// ReadLimited reads at most max bytes of an outbound response body; the
// platform is trusted more than a webhook caller but not unboundedly.
func ReadLimited(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, ErrTooLarge
	}
	return b, nil
}

func mac(secret, msg []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(msg)
	return m.Sum(nil)
}

// SignHex returns "sha256=" + lowercase hex HMAC-SHA256(secret, msg), the
// X-Hub-Signature-256 form used by Meta and WhatsApp.
func SignHex(secret, msg []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, msg))
}

// SignBase64 returns "sha256=" + base64 HMAC-SHA256(secret, msg), the form
// of X's CRC response token and x-twitter-webhooks-signature.
func SignBase64(secret, msg []byte) string {
	return "sha256=" + base64.StdEncoding.EncodeToString(mac(secret, msg))
}

// VerifyHex checks a "sha256=<hex>" header against msg in constant time.
// An empty secret never verifies: a misconfigured channel must not accept
// unsigned input.
func VerifyHex(secret, msg []byte, header string) bool {
	sig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(secret) == 0 {
		return false
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, mac(secret, msg))
}

// VerifyBase64 checks a "sha256=<base64>" header against msg in constant time.
func VerifyBase64(secret, msg []byte, header string) bool {
	sig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(secret) == 0 {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, mac(secret, msg))
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Jitter returns d plus up to 10 % random extra, so many channels that were
// throttled together do not come back in lockstep.
func Jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}

// HubHandshake answers Meta's subscription handshake (GET with hub.mode,
// hub.verify_token, hub.challenge): 200 with the challenge echoed when the
// token matches in constant time, 403 otherwise. Shared by Facebook,
// Instagram, Messenger and WhatsApp.
func HubHandshake(w http.ResponseWriter, r *http.Request, verifyToken string) {
	q := r.URL.Query()
	tok := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || verifyToken == "" ||
		!hmac.Equal([]byte(tok), []byte(verifyToken)) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, q.Get("hub.challenge"))
}

// DoTracked performs req and reports whether the request was fully written
// before an error, so a sender can tell "never sent" (Retryable) from "sent
// but no answer" (Unknown).
func DoTracked(c *http.Client, req *http.Request) (*http.Response, bool, error) {
	var mu sync.Mutex
	wrote := false
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) {
		mu.Lock()
		wrote = true
		mu.Unlock()
	}}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := c.Do(req)
	mu.Lock()
	defer mu.Unlock()
	return resp, wrote, err
}

// NoMedia refuses a message with media on a connector that does not
// attach any: sending the text alone would publish something other than
// what a person approved.
func NoMedia(platform string, m connector.Message) error {
	if len(m.Media) == 0 {
		return nil
	}
	return connector.Refuse(platform, connector.FieldMedia, platform+" messages are text only here: remove media")
}
