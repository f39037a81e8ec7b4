package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

var (
	urlRe     = regexp.MustCompile(`https?://[^\s]+`)
	mentionRe = regexp.MustCompile(`@([A-Za-z0-9_]+)@[A-Za-z0-9.\-]+[A-Za-z0-9]`)
)

// Length counts characters as Mastodon does: every URL is 23 characters
// and a remote mention counts only its local part (@user).
func Length(s string) int {
	s = urlRe.ReplaceAllString(s, strings.Repeat("x", 23))
	s = mentionRe.ReplaceAllString(s, "@$1")
	return utf8.RuneCountInString(s)
}

type statusParams struct {
	Status      string `json:"status"`
	InReplyToID string `json:"in_reply_to_id,omitempty"`
	Visibility  string `json:"visibility"`
	Language    string `json:"language,omitempty"`
}

// Reply answers status t.ParentID in its thread. The parent's visibility
// and author come from t.Extra["visibility"] / t.Extra["acct"], else from
// GET /api/v1/statuses/{id}. The reply is never more visible than the
// parent and starts with @acct of the parent's author.
func (c *Connector) Reply(ctx context.Context, t connector.Target, m connector.Message) (connector.Result, error) {
	if err := conn.NoMedia(post.Mastodon, m); err != nil {
		return connector.Result{}, err
	}
	if t.ParentID == "" || strings.ContainsAny(t.ParentID, "/?#") {
		return connector.Result{}, &connector.Error{Class: connector.Invalid, Platform: post.Mastodon, Message: "bad parent status id " + fmt.Sprintf("%q", t.ParentID)}
	}
	vis, acct := t.Extra["visibility"], t.Extra["acct"]
	if vis == "" || acct == "" {
		var parent Status
		if _, err := c.do(ctx, http.MethodGet, c.api("/api/v1/statuses/"+url.PathEscape(t.ParentID)), nil, nil, &parent); err != nil {
			c.health.Fail(err)
			return connector.Result{}, err
		}
		vis, acct = parent.Visibility, parent.Account.Acct
	}
	if _, ok := visRank[vis]; !ok {
		vis = "direct" // unknown: the narrowest is the safe choice
	}
	if visRank[c.replyVis] > visRank[vis] {
		vis = c.replyVis
	}
	text := strings.TrimSpace(m.Text)
	if acct != "" && !strings.EqualFold(acct, c.account().Acct) && !strings.HasPrefix(strings.ToLower(text), "@"+strings.ToLower(acct)) {
		text = "@" + acct + " " + text
	}
	return c.post(ctx, statusParams{Status: text, InReplyToID: t.ParentID, Visibility: vis}, m.IdempotencyKey)
}

// Publish posts a status on our account.
func (c *Connector) Publish(ctx context.Context, m connector.Message) (connector.Result, error) {
	if err := conn.NoMedia(post.Mastodon, m); err != nil {
		return connector.Result{}, err
	}
	return c.post(ctx, statusParams{Status: strings.TrimSpace(m.Text), Visibility: c.publishVis}, m.IdempotencyKey)
}

func (c *Connector) post(ctx context.Context, p statusParams, key string) (connector.Result, error) {
	if p.Status == "" {
		return connector.Result{}, &connector.Error{Class: connector.Invalid, Platform: post.Mastodon, Message: "text is empty"}
	}
	if n := Length(p.Status); n > c.maxChars {
		return connector.Result{}, &connector.Error{Class: connector.Invalid, Platform: post.Mastodon, Message: fmt.Sprintf("text is %d characters, instance limit %d", n, c.maxChars)}
	}
	body, _ := json.Marshal(p)
	hdr := http.Header{"Content-Type": {"application/json"}}
	if key != "" {
		hdr.Set("Idempotency-Key", key)
	}
	var s Status
	if _, err := c.do(ctx, http.MethodPost, c.api("/api/v1/statuses"), bytes.NewReader(body), hdr, &s); err != nil {
		c.health.Fail(err)
		return connector.Result{}, err
	}
	root := s.ID
	if p.InReplyToID != "" {
		root = p.InReplyToID
		if r := c.threadOf(p.InReplyToID); r != "" {
			root = r
		}
	}
	c.rememberThread(s.ID, root)
	return connector.Result{ExternalID: s.ID, URL: s.URL}, nil
}
