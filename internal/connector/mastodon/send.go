package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
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

func init() {
	connector.RegisterValidator(post.Mastodon, func(ch connector.Channel) (connector.Validator, error) { return newRules(ch) })
}

// rules are the instance's checks of an outgoing status that need no
// network; the Connector embeds them (connector.Validator).
type rules struct {
	maxChars int // the instance's configuration.statuses.max_characters
}

// newRules reads max_chars (default 500, Mastodon's own default).
func newRules(ch connector.Channel) (rules, error) {
	r := rules{maxChars: 500}
	if v := ch.Config["max_chars"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return r, fmt.Errorf("mastodon: bad max_chars %q", v)
		}
		r.maxChars = n
	}
	return r, nil
}

// checkStatus checks the status text exactly as it will be sent.
func (r rules) checkStatus(status string) error {
	if status == "" {
		return connector.Refuse(post.Mastodon, connector.FieldText, "text is empty")
	}
	if n := Length(status); n > r.maxChars {
		return connector.Refuse(post.Mastodon, connector.FieldText, fmt.Sprintf("text is %d characters (URLs count 23, remote mentions their local part), instance limit %d", n, r.maxChars))
	}
	return nil
}

func validParent(id string) bool { return id != "" && !strings.ContainsAny(id, "/?#") }

// replyText is the status a reply sends: the text, after @acct of the
// parent's author unless that is us (own) or the text starts with it.
func replyText(acct, own, text string) string {
	text = strings.TrimSpace(text)
	if acct != "" && !strings.EqualFold(acct, own) && !strings.HasPrefix(strings.ToLower(text), "@"+strings.ToLower(acct)) {
		text = "@" + acct + " " + text
	}
	return text
}

// ValidateReply checks a reply. The @acct prefix counts when
// t.Extra["acct"] names the parent's author; otherwise it is learned from
// the instance at send time and counted then.
func (r rules) ValidateReply(t connector.Target, m connector.Message) error {
	if err := conn.NoMedia(post.Mastodon, m); err != nil {
		return err
	}
	if !validParent(t.ParentID) {
		return connector.Refuse(post.Mastodon, connector.FieldTarget, fmt.Sprintf("bad parent status id %q", t.ParentID))
	}
	return r.checkStatus(replyText(t.Extra["acct"], "", m.Text))
}

// ValidatePublish checks a status on our account.
func (r rules) ValidatePublish(m connector.Message) error {
	if err := conn.NoMedia(post.Mastodon, m); err != nil {
		return err
	}
	return r.checkStatus(strings.TrimSpace(m.Text))
}

// Reply answers status t.ParentID in its thread. The parent's visibility
// and author come from t.Extra["visibility"] / t.Extra["acct"], else from
// GET /api/v1/statuses/{id}. The reply is never more visible than the
// parent and starts with @acct of the parent's author.
func (c *Connector) Reply(ctx context.Context, t connector.Target, m connector.Message) (connector.Result, error) {
	if err := c.ValidateReply(t, m); err != nil {
		return connector.Result{}, err
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
	return c.post(ctx, statusParams{Status: replyText(acct, c.account().Acct, m.Text), InReplyToID: t.ParentID, Visibility: vis}, m.IdempotencyKey)
}

// Publish posts a status on our account.
func (c *Connector) Publish(ctx context.Context, m connector.Message) (connector.Result, error) {
	if err := c.ValidatePublish(m); err != nil {
		return connector.Result{}, err
	}
	return c.post(ctx, statusParams{Status: strings.TrimSpace(m.Text), Visibility: c.publishVis}, m.IdempotencyKey)
}

// post sends a status, checked again as sent: a reply's @acct prefix may
// only now be known.
func (c *Connector) post(ctx context.Context, p statusParams, key string) (connector.Result, error) {
	if err := c.checkStatus(p.Status); err != nil {
		return connector.Result{}, err
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
