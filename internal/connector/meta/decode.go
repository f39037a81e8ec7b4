package meta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/conn"
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
	Changes    []post.Change // edits, removals and unsent messages
	Statuses   []Status
	IGMentions []IGMention
	EntryTimes map[string]time.Time // latest entry.time per Page / IG account
	Ignored    int                  // events we do not ingest (reactions, echoes, read receipts, unknown fields)
	Skipped    []conn.Skip          // parts that could not be read; the rest was kept
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

// Every level below the envelope is decoded on its own, from raw JSON, so
// that one entry, change, event or attachment of an odd shape is skipped
// (and logged with its field and reason) while the rest of the delivery is
// kept. Ids are conn.ID: Meta sends them as strings or, in the App
// Dashboard's test events and several documented Messenger shapes, as
// numbers.
type envelope struct {
	Object string            `json:"object"`
	Entry  []json.RawMessage `json:"entry"`
}

type entry struct {
	ID        conn.ID           `json:"id"`
	Time      flexTime          `json:"time"`
	Changes   []json.RawMessage `json:"changes"`
	Messaging []json.RawMessage `json:"messaging"`
}

type change struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

type from struct {
	ID       conn.ID `json:"id"`
	Name     string  `json:"name"`
	Username string  `json:"username"`
}

type feedValue struct {
	Item        string   `json:"item"`
	Verb        string   `json:"verb"`
	PostID      conn.ID  `json:"post_id"`
	CommentID   conn.ID  `json:"comment_id"`
	ParentID    conn.ID  `json:"parent_id"`
	From        *from    `json:"from"`
	SenderID    conn.ID  `json:"sender_id"`
	SenderName  string   `json:"sender_name"`
	Message     string   `json:"message"`
	CreatedTime flexTime `json:"created_time"`
	Post        *struct {
		PermalinkURL string `json:"permalink_url"`
	} `json:"post"`
}

type igCommentValue struct {
	ID       conn.ID `json:"id"`
	ParentID conn.ID `json:"parent_id"`
	Text     string  `json:"text"`
	From     *from   `json:"from"`
	Media    *struct {
		ID conn.ID `json:"id"`
	} `json:"media"`
	CommentID conn.ID `json:"comment_id"` // mentions field
	MediaID   conn.ID `json:"media_id"`   // mentions field
}

type party struct {
	ID conn.ID `json:"id"`
}

type messagingEvent struct {
	Sender    party    `json:"sender"`
	Recipient party    `json:"recipient"`
	Timestamp flexTime `json:"timestamp"`
	Message   *struct {
		MID       string `json:"mid"`
		Text      string `json:"text"`
		IsEcho    bool   `json:"is_echo"`
		IsDeleted bool   `json:"is_deleted"` // "unsent" by the user (Messenger, Instagram)
		ReplyTo   *struct {
			MID string `json:"mid"`
		} `json:"reply_to"`
		Attachments []json.RawMessage `json:"attachments"`
	} `json:"message"`
	MessageEdit *struct {
		MID  string `json:"mid"`
		Text string `json:"text"`
	} `json:"message_edit"`
	Delivery *struct {
		MIDs      []string `json:"mids"`
		Watermark flexTime `json:"watermark"`
	} `json:"delivery"`
}

// attachment is read in two steps: its type first, then a payload object
// only for the types that carry one we use. A legacy "fallback" attachment
// has a string (or null) payload and its title and URL beside it.
type attachment struct {
	Type    string          `json:"type"`
	Title   string          `json:"title"`
	URL     string          `json:"url"`
	Payload json.RawMessage `json:"payload"`
}

type attachmentPayload struct {
	URL         string `json:"url"`
	Title       string `json:"title"`
	Coordinates *struct {
		Lat  float64 `json:"lat"`
		Long float64 `json:"long"`
	} `json:"coordinates"`
}

// DecodeWebhook decodes a Page or Instagram webhook POST (object "page" or
// "instagram") into posts, edits and deletions, delivery statuses and
// Instagram mentions still to be resolved. A body that is not a JSON
// object is an error (answer 400); within one, parts that cannot be read
// are skipped (Skipped) and unknown objects, fields, items and verbs are
// counted in Ignored, and everything else is kept.
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
	for i, raw := range env.Entry {
		at := fmt.Sprintf("entry[%d]", i)
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			d.Skipped = append(d.Skipped, conn.SkipErr("entry", at, err))
			continue
		}
		if e.ID == "" {
			d.Ignored++
			continue
		}
		if !e.Time.t.IsZero() && e.Time.t.After(d.EntryTimes[string(e.ID)]) {
			d.EntryTimes[string(e.ID)] = e.Time.t
		}
		for j, raw := range e.Changes {
			var ch change
			if err := json.Unmarshal(raw, &ch); err != nil {
				d.Skipped = append(d.Skipped, conn.SkipErr("entry.changes", fmt.Sprintf("%s.changes[%d]", at, j), err))
				continue
			}
			if err := d.change(env.Object, e, ch, received); err != nil {
				d.Skipped = append(d.Skipped, conn.SkipErr("entry.changes."+ch.Field, fmt.Sprintf("%s.changes[%d]", at, j), err))
			}
		}
		for j, raw := range e.Messaging {
			d.messaging(env.Object, e, raw, fmt.Sprintf("%s.messaging[%d]", at, j), received)
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
	page := string(e.ID)
	switch {
	case object == "page" && (ch.Field == "feed" || ch.Field == "mention"):
		var v feedValue
		if err := json.Unmarshal(ch.Value, &v); err != nil {
			return err
		}
		p := post.Post{
			Platform:   post.Facebook,
			Channel:    page,
			ThreadID:   string(v.PostID),
			Text:       v.Message,
			CreatedAt:  or(v.CreatedTime.t, or(e.Time.t, received)),
			ReceivedAt: received,
			Raw:        append(json.RawMessage(nil), ch.Value...),
		}
		if v.From != nil {
			p.Author = post.Author{ExternalID: string(v.From.ID), Name: v.From.Name}
		} else if v.SenderID != "" {
			p.Author = post.Author{ExternalID: string(v.SenderID), Name: v.SenderName}
		}
		if p.Author.ExternalID != "" {
			p.Author.URL = "https://www.facebook.com/" + p.Author.ExternalID
		}
		if p.Author.ExternalID == page {
			d.Ignored++ // our own Page's post or comment
			return nil
		}
		switch {
		case v.Item == "comment" && v.CommentID != "":
			p.ExternalID, p.Kind = string(v.CommentID), post.KindComment
			p.InReplyTo = string(v.ParentID)
			if p.InReplyTo == "" {
				p.InReplyTo = string(v.PostID)
			}
		case (v.Item == "status" || v.Item == "post" || v.Item == "photo" || v.Item == "video" || v.Item == "share") && v.PostID != "":
			p.ExternalID, p.Kind = string(v.PostID), post.KindPost
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
			p.URL = "https://www.facebook.com/" + string(v.PostID)
		}
		switch v.Verb {
		case "", "add":
			d.Posts = append(d.Posts, p)
		case "edited", "edit":
			// The webhook carries the whole edited item; the edit time
			// is the entry's, created_time stays the original's.
			d.Changes = append(d.Changes, post.Change{Platform: post.Facebook, ExternalID: p.ExternalID, Op: post.ChangeEdit,
				Text: p.Text, At: or(e.Time.t, received), Raw: p.Raw, Post: &p})
		case "remove", "delete":
			d.Changes = append(d.Changes, post.Change{Platform: post.Facebook, ExternalID: p.ExternalID, Op: post.ChangeDelete,
				At: or(e.Time.t, received), Raw: p.Raw})
		default:
			d.Ignored++ // hide, unhide, block…: moderation of ours, not the citizen's
		}
	case object == "instagram" && (ch.Field == "comments" || ch.Field == "live_comments"):
		var v igCommentValue
		if err := json.Unmarshal(ch.Value, &v); err != nil {
			return err
		}
		if v.ID == "" || (v.From != nil && v.From.ID == e.ID) {
			d.Ignored++
			return nil
		}
		p := post.Post{
			Platform:   post.Instagram,
			ExternalID: string(v.ID),
			Kind:       post.KindComment,
			Channel:    page,
			InReplyTo:  string(v.ParentID),
			Text:       v.Text,
			CreatedAt:  or(e.Time.t, received),
			ReceivedAt: received,
			Raw:        append(json.RawMessage(nil), ch.Value...),
		}
		if v.From != nil {
			p.Author = post.Author{ExternalID: string(v.From.ID), Handle: v.From.Username}
			if v.From.Username != "" {
				p.Author.URL = "https://www.instagram.com/" + v.From.Username
			}
		}
		if v.Media != nil {
			p.ThreadID = string(v.Media.ID)
			if p.InReplyTo == "" {
				p.InReplyTo = string(v.Media.ID)
			}
		}
		d.Posts = append(d.Posts, p)
	case object == "instagram" && ch.Field == "mentions":
		var v igCommentValue
		if err := json.Unmarshal(ch.Value, &v); err != nil {
			return err
		}
		if v.MediaID == "" && v.CommentID == "" {
			d.Ignored++
			return nil
		}
		d.IGMentions = append(d.IGMentions, IGMention{IGUserID: page, CommentID: string(v.CommentID), MediaID: string(v.MediaID),
			At: or(e.Time.t, received), Raw: append(json.RawMessage(nil), ch.Value...)})
	default:
		d.Ignored++
	}
	return nil
}

func (d *Delivery) messaging(object string, e entry, raw json.RawMessage, at string, received time.Time) {
	var m messagingEvent
	if err := json.Unmarshal(raw, &m); err != nil {
		d.Skipped = append(d.Skipped, conn.SkipErr("entry.messaging", at, err))
		return
	}
	platform := post.Messenger
	if object == "instagram" {
		platform = post.Instagram
	}
	page := string(m.Recipient.ID)
	if page == "" {
		page = string(e.ID)
	}
	sender := string(m.Sender.ID)
	dm := func(mid, text string) post.Post {
		return post.Post{
			Platform:   platform,
			ExternalID: mid,
			Kind:       post.KindDirectMessage,
			Channel:    page,
			ThreadID:   page + ":" + sender,
			Author:     post.Author{ExternalID: sender},
			Text:       text,
			Private:    true,
			CreatedAt:  or(m.Timestamp.t, received),
			ReceivedAt: received,
			Raw:        append(json.RawMessage(nil), raw...),
		}
	}
	switch {
	case m.Message != nil:
		msg := m.Message
		if msg.IsEcho || msg.MID == "" || sender == "" || m.Sender.ID == e.ID {
			d.Ignored++
			return
		}
		if msg.IsDeleted {
			// The citizen unsent it: a deletion of the stored message,
			// never a new empty post that would open a case.
			d.Changes = append(d.Changes, post.Change{Platform: platform, ExternalID: msg.MID, Op: post.ChangeDelete,
				At: or(m.Timestamp.t, received), Raw: append(json.RawMessage(nil), raw...)})
			return
		}
		p := dm(msg.MID, msg.Text)
		if msg.ReplyTo != nil {
			p.InReplyTo = msg.ReplyTo.MID
		}
		var parts []string
		if p.Text != "" {
			parts = append(parts, p.Text)
		}
		for k, ra := range msg.Attachments {
			marker, lat, lon, err := readAttachment(ra)
			if err != nil {
				d.Skipped = append(d.Skipped, conn.SkipErr("entry.messaging.message.attachments", fmt.Sprintf("%s.message.attachments[%d]", at, k), err))
				marker = "[attachment]"
			}
			if lat != nil {
				p.Lat, p.Lon = lat, lon
			}
			parts = append(parts, marker)
		}
		p.Text = strings.Join(parts, " ")
		if p.Text == "" {
			p.Text = "[empty message]"
		}
		d.Posts = append(d.Posts, p)
	case m.MessageEdit != nil:
		ed := m.MessageEdit
		if ed.MID == "" || sender == "" || m.Sender.ID == e.ID {
			d.Ignored++
			return
		}
		p := dm(ed.MID, ed.Text)
		d.Changes = append(d.Changes, post.Change{Platform: platform, ExternalID: ed.MID, Op: post.ChangeEdit, Text: ed.Text,
			At: or(m.Timestamp.t, received), Raw: p.Raw, Post: &p})
	case m.Delivery != nil:
		for _, mid := range m.Delivery.MIDs {
			d.Statuses = append(d.Statuses, Status{Platform: platform, ExternalID: mid, Status: "delivered", At: or(m.Delivery.Watermark.t, received)})
		}
		if len(m.Delivery.MIDs) == 0 {
			d.Ignored++
		}
	default:
		d.Ignored++ // read receipts, reactions, postbacks
	}
}

// readAttachment returns the marker an attachment leaves in the text
// ("[image]", "[fallback: title url]") and a shared location's
// coordinates. An attachment whose payload is not the object its type
// documents still leaves its marker; only one that is not even an object
// with a type is an error (the caller skips it and marks "[attachment]").
func readAttachment(raw json.RawMessage) (marker string, lat, lon *float64, err error) {
	var a attachment
	if err := json.Unmarshal(raw, &a); err != nil {
		return "", nil, nil, err
	}
	kind := a.Type
	if kind == "" || len(kind) > 32 || strings.ContainsAny(kind, "[] \n") {
		kind = "attachment"
	}
	var pl attachmentPayload
	if len(a.Payload) > 0 && a.Payload[0] == '{' {
		// Unknown or odd fields inside the payload only cost what they
		// would have told us.
		_ = json.Unmarshal(a.Payload, &pl)
	}
	if c := pl.Coordinates; kind == "location" && c != nil && c.Lat >= -90 && c.Lat <= 90 && c.Long >= -180 && c.Long <= 180 {
		la, lo := c.Lat, c.Long
		lat, lon = &la, &lo
	}
	if kind == "fallback" {
		title := strings.TrimSpace(a.Title + " " + pl.Title)
		link := a.URL
		if link == "" {
			link = pl.URL
		}
		if s := strings.TrimSpace(title + " " + link); s != "" {
			return "[fallback: " + s + "]", lat, lon, nil
		}
	}
	return "[" + kind + "]", lat, lon, nil
}
