package xfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/conn"
)

// Sign returns the x-twitter-webhooks-signature value for body:
// "sha256=" + base64 HMAC-SHA256(consumer secret, body).
func Sign(consumerSecret string, body []byte) string {
	return conn.SignBase64([]byte(consumerSecret), body)
}

// CRCResponse is the response_token X expects for crc_token.
func CRCResponse(consumerSecret, crcToken string) string {
	return conn.SignBase64([]byte(consumerSecret), []byte(crcToken))
}

// SignedRequest builds an Account Activity POST to url signed like X does.
func SignedRequest(consumerSecret, url string, body []byte) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("x-twitter-webhooks-signature", Sign(consumerSecret, body))
	return r
}

// CRCCheck plays X's challenge-response check against webhookURL and
// verifies the response token with the fake's consumer secret.
func (s *Server) CRCCheck(ctx context.Context, webhookURL string) error {
	tok := strconv.FormatInt(time.Now().UnixNano(), 36)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, webhookURL+"?crc_token="+url.QueryEscape(tok), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct {
		ResponseToken string `json:"response_token"`
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("xfake: CRC answered HTTP %d", resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&out); err != nil {
		return fmt.Errorf("xfake: CRC response: %w", err)
	}
	if out.ResponseToken != CRCResponse(s.o.ConsumerSecret, tok) {
		return fmt.Errorf("xfake: CRC response token mismatch")
	}
	return nil
}

// Deliver POSTs a signed Account Activity event to webhookURL and returns
// the HTTP status.
func (s *Server) Deliver(ctx context.Context, webhookURL string, body []byte) (int, error) {
	req := SignedRequest(s.o.ConsumerSecret, webhookURL, body).WithContext(ctx)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// MentionEvent is a tweet_create_events delivery for forUserID carrying t
// as a v1.1 post object (as AAA does). t is also stored in the fake so
// replies to it are accepted.
func (s *Server) MentionEvent(t Tweet) []byte {
	t = s.AddTweet(t)
	v1 := map[string]any{
		"created_at":                t.CreatedAt.UTC().Format(time.RubyDate),
		"id":                        json.Number(t.ID),
		"id_str":                    t.ID,
		"text":                      t.Text,
		"truncated":                 false,
		"user":                      map[string]string{"id_str": t.AuthorID, "screen_name": t.Username, "name": t.Name, "location": t.Location},
		"lang":                      t.Lang,
		"timestamp_ms":              strconv.FormatInt(t.CreatedAt.UnixMilli(), 10),
		"entities":                  map[string]any{"user_mentions": []map[string]any{{"id_str": s.o.UserID, "screen_name": s.o.Handle}}, "hashtags": []any{}},
		"in_reply_to_status_id_str": nil,
	}
	if t.InReplyToID != "" {
		v1["in_reply_to_status_id_str"] = t.InReplyToID
		v1["in_reply_to_user_id_str"] = t.InReplyToUserID
	}
	if t.Lat != nil && t.Lon != nil {
		v1["coordinates"] = map[string]any{"type": "Point", "coordinates": []float64{*t.Lon, *t.Lat}}
	}
	b, _ := json.Marshal(map[string]any{"for_user_id": s.o.UserID, "user_has_blocked": "false", "tweet_create_events": []any{v1}})
	return b
}

// DM is an inbound direct message.
type DM struct {
	ID       string
	SenderID string
	Name     string
	Username string
	Text     string
	At       time.Time
}

// DMEvent is a direct_message_events delivery of dm to our account.
func (s *Server) DMEvent(dm DM) []byte {
	if dm.ID == "" {
		s.mu.Lock()
		s.nextID++
		dm.ID = strconv.FormatInt(s.nextID, 10)
		s.mu.Unlock()
	}
	if dm.At.IsZero() {
		dm.At = s.o.Now()
	}
	ev := map[string]any{
		"type": "message_create", "id": dm.ID, "created_timestamp": strconv.FormatInt(dm.At.UnixMilli(), 10),
		"message_create": map[string]any{"target": map[string]string{"recipient_id": s.o.UserID}, "sender_id": dm.SenderID,
			"message_data": map[string]any{"text": dm.Text, "entities": map[string]any{"hashtags": []any{}, "urls": []any{}, "user_mentions": []any{}, "symbols": []any{}}}},
	}
	b, _ := json.Marshal(map[string]any{"for_user_id": s.o.UserID, "direct_message_events": []any{ev},
		"users": map[string]any{dm.SenderID: map[string]string{"id": dm.SenderID, "name": dm.Name, "screen_name": dm.Username}}})
	return b
}
