package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode/utf16"
)

var httpClient = &http.Client{Timeout: sendTimeout}

// sendTelegram posts the notification with the Bot API's sendMessage
// (plain text, no link previews). 429 waits parameters.retry_after; 400,
// 401, 403 and 404 (no such chat, bad token, blocked bot) are permanent.
func (n *Notifier) sendTelegram(ctx context.Context, d Delivery, m Notification) error {
	c := n.cfg.Telegram
	if c.Token == "" {
		return permanent{fmt.Errorf("telegram is not configured")}
	}
	_, text := n.plain(m)
	if m.Severity == Critical {
		text = "‼ " + text
	}
	text = truncateUTF16(text, 4096)
	var chat any = d.Target
	if id, err := strconv.ParseInt(d.Target, 10, 64); err == nil {
		chat = id
	}
	req, _ := json.Marshal(map[string]any{"chat_id": chat, "text": text,
		"link_preview_options": map[string]bool{"is_disabled": true}})
	hr, err := http.NewRequestWithContext(ctx, "POST", c.APIURL+"/bot"+c.Token+"/sendMessage", bytes.NewReader(req))
	if err != nil {
		return permanent{err}
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(hr)
	if err != nil {
		return fmt.Errorf("telegram: %s", redactToken(err.Error(), c.Token))
	}
	defer resp.Body.Close()
	var out struct {
		OK          bool   `json:"ok"`
		Description string `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out)
	if resp.StatusCode == http.StatusOK && out.OK {
		return nil
	}
	e := fmt.Errorf("telegram: %d %s", resp.StatusCode, out.Description)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return retryAfter{e, time.Duration(out.Parameters.RetryAfter) * time.Second}
	case resp.StatusCode == 400, resp.StatusCode == 401, resp.StatusCode == 403, resp.StatusCode == 404:
		return permanent{e}
	}
	return e
}

func truncateUTF16(s string, max int) string {
	if len(utf16.Encode([]rune(s))) <= max {
		return s
	}
	units := 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > max-1 { // room for the ellipsis
			return s[:i] + "…"
		}
	}
	return s
}

func redactToken(s, token string) string {
	if token == "" {
		return s
	}
	return string(bytes.ReplaceAll([]byte(s), []byte(token), []byte("<token>")))
}
