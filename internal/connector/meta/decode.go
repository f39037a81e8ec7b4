package meta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
)

// Status is a delivery event for something we sent (Messenger delivery).
type Status struct {
	Platform   string
	ExternalID string
	Status     string
	At         time.Time
}

// IGMention is an Instagram @mention whose text must be fetched from the
// Graph API (the webhook carries only ids).
type IGMention struct {
	IGUserID  string
	CommentID string // empty for caption mentions
	MediaID   string
	At        time.Time
	Raw       json.RawMessage
}

// Delivery is one decoded webhook POST.
type Delivery struct {
	Posts      []post.Post
	Statuses   []Status
	IGMentions []IGMention
	EntryTimes map[string]time.Time // latest entry.time per Page / IG account
	Ignored    int                  // events we do not ingest (reactions, edits, echoes, read receipts, unknown fields)
}

// flexTime accepts Unix seconds or milliseconds as a number or a string,
// and Graph's "2006-01-02T15:04:05-0700".
type flexTime struct{ t time.Time }

func (f *flexTime) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		return nil
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		f.t = unixAuto(int64(n))
		return nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			f.t = t.UTC()
			return nil
		}
	}
	return nil // unknown format: leave zero, the caller falls back
}

// unixAuto reads seconds or milliseconds (Meta mixes both).
func unixAuto(n int64) time.Time {
	switch {
	case n <= 0 || n > 1<<52:
		return time.Time{}
	case n > 1e12:
		return time.UnixMilli(n).UTC()
	default:
		return time.Unix(n, 0).UTC()
	}
}

type envelope struct {
	Object string  `json:"object"`
	Entry  []entry `json:"entry"`
}

type entry struct {
	ID        string            `json:"id"`
	Time      flexTime          `json:"time"`
	Changes   []change          `json:"changes"`
	Messaging []json.RawMessage `json:"messaging"`
}

type change struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

type from struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

type feedValue struct {
	Item        string   `json:"item"`
	Verb        string   `json:"verb"`
	PostID      string   `json:"post_id"`
	CommentID   string   `json:"comment_id"`
	ParentID    string   `json:"parent_id"`
	From        *from    `json:"from"`
	SenderID    string   `json:"sender_id"`
	SenderName  string   `json:"sender_name"`
	Message     string   `json:"message"`
	CreatedTime flexTime `json:"created_time"`
	Post        *struct {
		PermalinkURL string `json:"permalink_url"`
	} `json:"post"`
}

type igCommentValue struct {
	ID       string `json:"id"`
	ParentID string `json:"parent_id"`
	Text     string `json:"text"`
	From     *from  `json:"from"`
	Media    *struct {
		ID string `json:"id"`
	} `json:"media"`
	CommentID string `json:"comment_id"` // mentions field
	MediaID   string `json:"media_id"`   // mentions field
}

type messagingEvent struct {
	Sender    struct{ ID string } `json:"sender"`
	Recipient struct{ ID string } `json:"recipient"`
	Timestamp flexTime            `json:"timestamp"`
	Message   *struct {
		MID     string `json:"mid"`
		Text    string `json:"text"`
		IsEcho  bool   `json:"is_echo"`
		ReplyTo *struct {
			MID string `json:"mid"`
		} `json:"reply_to"`
		Attachments []struct {
			Type    string `json:"type"`
			Payload struct {
				URL         string `json:"url"`
				Coordinates *struct {
					Lat  float64 `json:"lat"`
					Long float64 `json:"long"`
				} `json:"coordinates"`
			} `json:"payload"`
		} `json:"attachments"`
	} `json:"message"`
	Delivery *struct {
		MIDs      []string `json:"mids"`
		Watermark flexTime `json:"watermark"`
	} `json:"delivery"`
}

// DecodeWebhook decodes a Page or Instagram webhook POST (object "page" or
// "instagram") into posts, delivery statuses and Instagram mentions still
// to be resolved. Malformed JSON is an error (answer 400); unknown objects,
// fields, items and verbs are counted in Ignored.
func DecodeWebhook(body []byte, received time.Time) (Delivery, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Delivery{}, fmt.Errorf("meta: unable to decode webhook: %w", err)
	}
	d := Delivery{EntryTimes: map[string]time.Time{}}
	if env.Object != "page" && env.Object != "instagram" {
		d.Ignored += max(len(env.Entry), 1)
		return d, nil
	}
	for _, e := range env.Entry {
		if e.ID == "" {
			d.Ignored++
			continue
		}
		if !e.Time.t.IsZero() && e.Time.t.After(d.EntryTimes[e.ID]) {
			d.EntryTimes[e.ID] = e.Time.t
		}
		for _, ch := range e.Changes {
			if err := d.change(env.Object, e, ch, received); err != nil {
				return Delivery{}, err
			}
		}
		for _, raw := range e.Messaging {
			if err := d.messaging(env.Object, e, raw, received); err != nil {
				return Delivery{}, err
			}
		}
	}
	return d, nil
}

func or(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

func (d *Delivery) change(object string, e entry, ch change, received time.Time) error {
	switch {
	case object == "page" && (ch.Field == "feed" || ch.Field == "mention"):
		var v feedValue
		if err := json.Unmarshal(ch.Value, &v); err != nil {
			return fmt.Errorf("meta: unable to decode %s change: %w", ch.Field, err)
		}
		if v.Verb != "" && v.Verb != "add" {
			d.Ignored++ // edits, removals, hides: not new items
			return nil
		}
		p := post.Post{
			Platform:   post.Facebook,
			Channel:    e.ID,
			ThreadID:   v.PostID,
			Text:       v.Message,
			CreatedAt:  or(v.CreatedTime.t, or(e.Time.t, received)),
			ReceivedAt: received,
			Raw:        append(json.RawMessage(nil), ch.Value...),
		}
		if v.From != nil {
			p.Author = post.Author{ExternalID: v.From.ID, Name: v.From.Name}
		} else if v.SenderID != "" {
			p.Author = post.Author{ExternalID: v.SenderID, Name: v.SenderName}
		}
		if p.Author.ExternalID != "" {
			p.Author.URL = "https://www.facebook.com/" + p.Author.ExternalID
		}
		if p.Author.ExternalID == e.ID {
			d.Ignored++ // our own Page's post or comment
			return nil
		}
		switch {
		case v.Item == "comment" && v.CommentID != "":
			p.ExternalID, p.Kind = v.CommentID, post.KindComment
			p.InReplyTo = v.ParentID
			if p.InReplyTo == "" {
				p.InReplyTo = v.PostID
			}
		case (v.Item == "status" || v.Item == "post" || v.Item == "photo" || v.Item == "video" || v.Item == "share") && v.PostID != "":
			p.ExternalID, p.Kind = v.PostID, post.KindPost
		default:
			d.Ignored++ // reactions, likes, unknown items
			return nil
		}
		if ch.Field == "mention" {
			p.Kind = post.KindMention
		}
		if v.Post != nil && strings.HasPrefix(v.Post.PermalinkURL, "https://") {
			p.URL = v.Post.PermalinkURL
		} else if v.PostID != "" {
			p.URL = "https://www.facebook.com/" + v.PostID
		}
		d.Posts = append(d.Posts, p)
	case object == "instagram" && (ch.Field == "comments" || ch.Field == "live_comments"):
		var v igCommentValue
		if err := json.Unmarshal(ch.Value, &v); err != nil {
			return fmt.Errorf("meta: unable to decode instagram comment: %w", err)
		}
		if v.ID == "" || (v.From != nil && v.From.ID == e.ID) {
			d.Ignored++
			return nil
		}
		p := post.Post{
			Platform:   post.Instagram,
			ExternalID: v.ID,
			Kind:       post.KindComment,
			Channel:    e.ID,
			InReplyTo:  v.ParentID,
			Text:       v.Text,
			CreatedAt:  or(e.Time.t, received),
			ReceivedAt: received,
			Raw:        append(json.RawMessage(nil), ch.Value...),
		}
		if v.From != nil {
			p.Author = post.Author{ExternalID: v.From.ID, Handle: v.From.Username}
			if v.From.Username != "" {
				p.Author.URL = "https://www.instagram.com/" + v.From.Username
			}
		}
		if v.Media != nil {
			p.ThreadID = v.Media.ID
			if p.InReplyTo == "" {
				p.InReplyTo = v.Media.ID
			}
		}
		d.Posts = append(d.Posts, p)
	case object == "instagram" && ch.Field == "mentions":
		var v igCommentValue
		if err := json.Unmarshal(ch.Value, &v); err != nil {
			return fmt.Errorf("meta: unable to decode instagram mention: %w", err)
		}
		if v.MediaID == "" && v.CommentID == "" {
			d.Ignored++
			return nil
		}
		d.IGMentions = append(d.IGMentions, IGMention{IGUserID: e.ID, CommentID: v.CommentID, MediaID: v.MediaID,
			At: or(e.Time.t, received), Raw: append(json.RawMessage(nil), ch.Value...)})
	default:
		d.Ignored++
	}
	return nil
}

func (d *Delivery) messaging(object string, e entry, raw json.RawMessage, received time.Time) error {
	var m messagingEvent
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("meta: unable to decode messaging event: %w", err)
	}
	platform := post.Messenger
	if object == "instagram" {
		platform = post.Instagram
	}
	switch {
	case m.Message != nil:
		msg := m.Message
		if msg.IsEcho || msg.MID == "" || m.Sender.ID == "" || m.Sender.ID == e.ID {
			d.Ignored++
			return nil
		}
		page := m.Recipient.ID
		if page == "" {
			page = e.ID
		}
		p := post.Post{
			Platform:   platform,
			ExternalID: msg.MID,
			Kind:       post.KindDirectMessage,
			Channel:    page,
			ThreadID:   page + ":" + m.Sender.ID,
			Author:     post.Author{ExternalID: m.Sender.ID},
			Text:       msg.Text,
			Private:    true,
			CreatedAt:  or(m.Timestamp.t, received),
			ReceivedAt: received,
			Raw:        append(json.RawMessage(nil), raw...),
		}
		if msg.ReplyTo != nil {
			p.InReplyTo = msg.ReplyTo.MID
		}
		var parts []string
		if p.Text != "" {
			parts = append(parts, p.Text)
		}
		for _, a := range msg.Attachments {
			if c := a.Payload.Coordinates; a.Type == "location" && c != nil && c.Lat >= -90 && c.Lat <= 90 && c.Long >= -180 && c.Long <= 180 {
				lat, lon := c.Lat, c.Long
				p.Lat, p.Lon = &lat, &lon
			}
			parts = append(parts, "["+a.Type+"]")
		}
		p.Text = strings.Join(parts, " ")
		d.Posts = append(d.Posts, p)
	case m.Delivery != nil:
		for _, mid := range m.Delivery.MIDs {
			d.Statuses = append(d.Statuses, Status{Platform: platform, ExternalID: mid, Status: "delivered", At: or(m.Delivery.Watermark.t, received)})
		}
		if len(m.Delivery.MIDs) == 0 {
			d.Ignored++
		}
	default:
		d.Ignored++ // read receipts, reactions, postbacks, edits
	}
	return nil
}
