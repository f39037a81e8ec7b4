package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Webhook headers. The signature is "sha256=" and the hex HMAC-SHA256,
// keyed with the shared secret, of the timestamp, a dot and the body, so a
// receiver can refuse a replayed or altered request (see Verify).
const (
	HeaderSignature = "X-Kaval-Signature"
	HeaderTimestamp = "X-Kaval-Timestamp" // Unix seconds
	HeaderDelivery  = "X-Kaval-Delivery"  // the same on every retry: receivers dedupe on it
	HeaderEvent     = "X-Kaval-Event"     // the notification's kind
)

// WebhookPayload is the JSON body a webhook receives.
type WebhookPayload struct {
	Delivery     int64           `json:"delivery"`
	Notification int64           `json:"notification"`
	Kind         string          `json:"kind"`
	Severity     string          `json:"severity"`
	Text         map[string]Text `json:"text"`
	Link         string          `json:"link,omitempty"` // absolute when the desk knows its URL
	CaseID       int64           `json:"case_id,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
}

// Sign is the signature header's value for body sent at ts.
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10) + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a received webhook: the signature matches and the
// timestamp is within tolerance of now.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("notify: missing or bad %s", HeaderTimestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("notify: timestamp outside tolerance")
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(h.Get(HeaderSignature))) {
		return fmt.Errorf("notify: bad signature")
	}
	return nil
}

// sendWebhook posts the payload; any 2xx is success, anything else is
// retried with backoff until MaxAttempts (a receiver briefly down or
// misdeployed should not lose alerts).
func (n *Notifier) sendWebhook(ctx context.Context, d Delivery, m Notification) error {
	c := n.cfg.Webhook
	if c.URL == "" || d.Target != c.URL {
		return permanent{fmt.Errorf("webhook %s is no longer configured", redactURL(d.Target))}
	}
	p := WebhookPayload{Delivery: d.ID, Notification: m.ID, Kind: m.Kind, Severity: m.Severity, Text: m.Text,
		CaseID: m.CaseID, CreatedAt: m.CreatedAt.UTC()}
	if m.Link != "" && n.cfg.BaseURL != "" {
		p.Link = n.cfg.BaseURL + m.Link
	}
	body, _ := json.Marshal(p)
	ts := n.now().Unix()
	req, err := http.NewRequestWithContext(ctx, "POST", c.URL, bytes.NewReader(body))
	if err != nil {
		return permanent{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Kaval-Notify/1")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(c.Secret, ts, body))
	req.Header.Set(HeaderDelivery, strconv.FormatInt(d.ID, 10))
	req.Header.Set(HeaderEvent, m.Kind)
	resp, err := httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return nil
	}
	e := fmt.Errorf("webhook: HTTP %d", resp.StatusCode)
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		return retryAfter{e, time.Duration(s) * time.Second}
	}
	return e
}

// redactURL drops a URL's user info and query, where receivers tend to
// keep their own secrets.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
