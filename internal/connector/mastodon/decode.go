package mastodon

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Account is a Mastodon account (trimmed).
type Account struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Acct        string `json:"acct"`
	DisplayName string `json:"display_name"`
	URL         string `json:"url"`
	Bot         bool   `json:"bot"`
}

// Mention is an entry of Status.mentions.
type Mention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Acct     string `json:"acct"`
	URL      string `json:"url"`
}

// Tag is an entry of Status.tags.
type Tag struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Status is a Mastodon status (trimmed). Nullable strings decode as "".
type Status struct {
	ID                 string    `json:"id"`
	URI                string    `json:"uri"`
	URL                string    `json:"url"`
	CreatedAt          string    `json:"created_at"`
	InReplyToID        string    `json:"in_reply_to_id"`
	InReplyToAccountID string    `json:"in_reply_to_account_id"`
	Visibility         string    `json:"visibility"`
	Language           string    `json:"language"`
	Sensitive          bool      `json:"sensitive"`
	SpoilerText        string    `json:"spoiler_text"`
	Content            string    `json:"content"`
	Account            Account   `json:"account"`
	Mentions           []Mention `json:"mentions"`
	Tags               []Tag     `json:"tags"`
	Reblog             *Status   `json:"reblog"`
	EditedAt           string    `json:"edited_at"` // RFC 3339, null until first edited
	RepliesCount       int64     `json:"replies_count"`
	ReblogsCount       int64     `json:"reblogs_count"`
	FavouritesCount    int64     `json:"favourites_count"`
}

// Notification is a Mastodon notification.
type Notification struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	CreatedAt string  `json:"created_at"`
	Account   Account `json:"account"`
	Status    *Status `json:"status"`
}

// maxEntityBytes caps one status or notification: real ones are a few KB.
const maxEntityBytes = 1 << 20

// DecodeStatus parses a Status entity.
func DecodeStatus(b []byte) (Status, error) {
	if len(b) > maxEntityBytes {
		return Status{}, errors.New("mastodon: status too large")
	}
	var s Status
	if err := json.Unmarshal(b, &s); err != nil {
		return Status{}, fmt.Errorf("mastodon: unable to decode status: %w", err)
	}
	if s.ID == "" {
		return Status{}, errors.New("mastodon: status without id")
	}
	return s, nil
}

// DecodeNotification parses a Notification entity.
func DecodeNotification(b []byte) (Notification, error) {
	if len(b) > maxEntityBytes {
		return Notification{}, errors.New("mastodon: notification too large")
	}
	var n Notification
	if err := json.Unmarshal(b, &n); err != nil {
		return Notification{}, fmt.Errorf("mastodon: unable to decode notification: %w", err)
	}
	if n.ID == "" {
		return Notification{}, errors.New("mastodon: notification without id")
	}
	return n, nil
}

// Normalize maps a status to a post. kind is the kind the status arrived
// as (mention for notifications, post for hashtag/public streams); direct
// visibility and replies to ourAccount refine it. threadOf resolves a
// status id to its conversation root when known (may be nil).
func Normalize(s Status, raw []byte, channel, kind, ourAccount string, threadOf func(string) string) (post.Post, bool) {
	if s.Reblog != nil {
		s = *s.Reblog // a boost: the boosted status is the content
	}
	if s.ID == "" {
		return post.Post{}, false
	}
	text := conn.HTMLText(s.Content)
	if s.SpoilerText != "" {
		text = textnorm.Clean(s.SpoilerText) + "\n\n" + text
	}
	p := post.Post{
		Platform:   post.Mastodon,
		ExternalID: s.ID,
		Kind:       kind,
		Channel:    channel,
		InReplyTo:  s.InReplyToID,
		Author: post.Author{
			ExternalID: s.Account.ID,
			Handle:     s.Account.Acct,
			Name:       textnorm.Clean(s.Account.DisplayName),
			URL:        s.Account.URL,
		},
		Text:    text,
		Lang:    s.Language,
		URL:     s.URL,
		Private: s.Visibility == "direct",
		Raw:     json.RawMessage(raw),
	}
	if p.URL == "" {
		p.URL = s.URI
	}
	if t, err := time.Parse(time.RFC3339Nano, s.CreatedAt); err == nil {
		p.CreatedAt = t.UTC()
	}
	switch {
	case p.Private:
		p.Kind = post.KindDirectMessage
	case ourAccount != "" && s.InReplyToAccountID == ourAccount:
		p.Kind = post.KindReply
	}
	p.ThreadID = s.ID
	if s.InReplyToID != "" {
		p.ThreadID = s.InReplyToID
		if threadOf != nil {
			if root := threadOf(s.InReplyToID); root != "" {
				p.ThreadID = root
			}
		}
	}
	return p, true
}

// Edit turns an edited status (a status.update event) into the edit of
// the stored post. The whole post rides along only when keep is set (the
// status is one the desk listens to), so an edit of a home-timeline status
// the desk never stored is not taken in as a new post.
func Edit(s Status, p post.Post, keep bool) post.Change {
	at := p.ReceivedAt
	if t, err := time.Parse(time.RFC3339Nano, s.EditedAt); err == nil {
		at = t.UTC()
	}
	c := post.Change{Platform: post.Mastodon, ExternalID: p.ExternalID, Op: post.ChangeEdit, Text: p.Text, At: at, Raw: p.Raw}
	if keep {
		c.Post = &p
	}
	return c
}

// Deletion reads a delete event, whose payload is the bare status id
// (quoted or not).
func Deletion(data []byte, received time.Time) (post.Change, bool) {
	id := strings.TrimSpace(string(data))
	if uq, err := strconv.Unquote(id); err == nil {
		id = uq
	}
	if id == "" || len(id) > 128 || strings.ContainsAny(id, " \t\n\"") {
		return post.Change{}, false
	}
	raw, _ := json.Marshal(map[string]string{"event": "delete", "id": id})
	return post.Change{Platform: post.Mastodon, ExternalID: id, Op: post.ChangeDelete, At: received, Raw: raw}, true
}

// mentions reports whether s mentions the account with id.
func mentions(s Status, id string) bool {
	for _, m := range s.Mentions {
		if id != "" && m.ID == id {
			return true
		}
	}
	return false
}
