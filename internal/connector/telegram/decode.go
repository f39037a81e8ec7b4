package telegram

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Update is the subset of the Bot API Update the desk reads. Unknown fields
// and update types are ignored.
type Update struct {
	UpdateID              int64    `json:"update_id"`
	Message               *Message `json:"message,omitempty"`
	EditedMessage         *Message `json:"edited_message,omitempty"`
	ChannelPost           *Message `json:"channel_post,omitempty"`
	EditedChannelPost     *Message `json:"edited_channel_post,omitempty"`
	BusinessMessage       *Message `json:"business_message,omitempty"`
	EditedBusinessMessage *Message `json:"edited_business_message,omitempty"`
	// DeletedBusinessMessages is the one deletion the Bot API reports:
	// messages deleted from a connected business account's chat.
	DeletedBusinessMessages *struct {
		Chat       Chat    `json:"chat"`
		MessageIDs []int64 `json:"message_ids"`
	} `json:"deleted_business_messages,omitempty"`
}

// Message is a Bot API Message (trimmed).
type Message struct {
	MessageID       int64     `json:"message_id"`
	MessageThreadID int64     `json:"message_thread_id,omitempty"`
	From            *User     `json:"from,omitempty"`
	SenderChat      *Chat     `json:"sender_chat,omitempty"`
	Chat            Chat      `json:"chat"`
	Date            int64     `json:"date"`
	Text            string    `json:"text,omitempty"`
	Caption         string    `json:"caption,omitempty"`
	ReplyTo         *Message  `json:"reply_to_message,omitempty"`
	Location        *Location `json:"location,omitempty"`
	Venue           *struct {
		Location Location `json:"location"`
		Title    string   `json:"title"`
		Address  string   `json:"address"`
	} `json:"venue,omitempty"`
	IsTopicMessage bool  `json:"is_topic_message,omitempty"`
	EditDate       int64 `json:"edit_date,omitempty"`

	// Media and other content without text: kept as a visible marker
	// (evidence photos matter), with the caption when there is one.
	Photo     []File          `json:"photo,omitempty"` // sizes of one photo, largest last
	Sticker   *File           `json:"sticker,omitempty"`
	Video     *File           `json:"video,omitempty"`
	VideoNote *File           `json:"video_note,omitempty"`
	Voice     *File           `json:"voice,omitempty"`
	Audio     *File           `json:"audio,omitempty"`
	Document  *File           `json:"document,omitempty"`
	Animation *File           `json:"animation,omitempty"`
	Contact   *struct{}       `json:"contact,omitempty"`
	Poll      *struct{}       `json:"poll,omitempty"`
	Forward   json.RawMessage `json:"forward_origin,omitempty"` // Bot API 7.0+
	// forward_from / forward_from_chat / forward_date: before 7.0
	ForwardDate int64 `json:"forward_date,omitempty"`
}

// File is the part of a Bot API media object the desk keeps: its id (to
// fetch it with getFile as evidence), name, and a sticker's emoji.
type File struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name,omitempty"`
	Emoji    string `json:"emoji,omitempty"`
}

// User is a Telegram user or bot.
type User struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// Chat is a private chat, group, supergroup or channel. Group ids are
// negative and exceed 32 bits.
type Chat struct {
	ID       int64  `json:"id"`
	Type     string `json:"type"`
	Title    string `json:"title,omitempty"`
	Username string `json:"username,omitempty"`
	IsForum  bool   `json:"is_forum,omitempty"`
}

// Location is a shared point.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// maxUpdateBytes caps one webhook body: Telegram messages are at most a few
// KB of JSON; anything near this is hostile.
const maxUpdateBytes = 1 << 20

// DecodeUpdate parses one Update. It fails on invalid JSON and on a missing
// update_id, never panics.
// update_id 0 is a valid id (the first update of a new bot can carry
// it); only a missing one is refused.
func DecodeUpdate(b []byte) (Update, error) {
	var u Update
	if err := json.Unmarshal(b, &u); err != nil {
		return Update{}, fmt.Errorf("telegram: unable to decode update: %w", err)
	}
	var probe struct {
		UpdateID *int64 `json:"update_id"`
	}
	if json.Unmarshal(b, &probe) != nil || probe.UpdateID == nil {
		return Update{}, errors.New("telegram: update without update_id")
	}
	return u, nil
}

// IsEdit reports whether the update is an edit of an earlier message.
func (u Update) IsEdit() bool {
	return u.EditedMessage != nil || u.EditedChannelPost != nil || u.EditedBusinessMessage != nil
}

// Edit turns the post Normalize made of an edited message into the edit
// of the stored one: new text, the edit's time, and the whole post in
// case the original never reached us.
func Edit(u Update, p post.Post) post.Change {
	m, _ := u.message()
	at := p.CreatedAt
	if m != nil && m.EditDate > 0 {
		at = time.Unix(m.EditDate, 0).UTC()
	}
	return post.Change{Platform: post.Telegram, ExternalID: p.ExternalID, Op: post.ChangeEdit, Text: p.Text, At: at, Raw: p.Raw, Post: &p}
}

// Deletions are the deletions an update reports (business chats only).
func Deletions(u Update, raw []byte, received time.Time) []post.Change {
	d := u.DeletedBusinessMessages
	if d == nil || d.Chat.ID == 0 {
		return nil
	}
	out := make([]post.Change, 0, len(d.MessageIDs))
	for _, id := range d.MessageIDs {
		if id != 0 {
			out = append(out, post.Change{Platform: post.Telegram, ExternalID: msgID(d.Chat.ID, id), Op: post.ChangeDelete, At: received, Raw: json.RawMessage(raw)})
		}
	}
	return out
}

// message picks the message-like payload of an update; nil for update
// types the desk does not read (reactions, callbacks, member changes…).
func (u Update) message() (*Message, bool) {
	switch {
	case u.Message != nil:
		return u.Message, false
	case u.BusinessMessage != nil:
		return u.BusinessMessage, false
	case u.EditedMessage != nil:
		return u.EditedMessage, false
	case u.ChannelPost != nil:
		return u.ChannelPost, true
	case u.EditedChannelPost != nil:
		return u.EditedChannelPost, true
	case u.EditedBusinessMessage != nil:
		return u.EditedBusinessMessage, false
	}
	return nil, false
}

// msgID is the global key of a message: message ids are unique per chat
// only.
func msgID(chat, msg int64) string {
	return strconv.FormatInt(chat, 10) + ":" + strconv.FormatInt(msg, 10)
}

// Normalize turns an update into a post. ok is false for updates that carry
// no message with content. botID (0 if unknown) tells replies to the bot
// apart from plain mentions. raw is kept as evidence.
func Normalize(u Update, raw []byte, channel string, botID int64) (post.Post, bool) {
	m, isChannel := u.message()
	if m == nil || m.Chat.ID == 0 || m.MessageID == 0 {
		return post.Post{}, false
	}
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	p := post.Post{
		Platform:   post.Telegram,
		ExternalID: msgID(m.Chat.ID, m.MessageID),
		Channel:    channel,
		Text:       textnorm.Clean(text),
		CreatedAt:  time.Unix(m.Date, 0).UTC(),
		Raw:        json.RawMessage(raw),
	}
	var lat, lon float64
	hasLoc := false
	if m.Location != nil {
		lat, lon, hasLoc = m.Location.Latitude, m.Location.Longitude, true
	} else if m.Venue != nil {
		lat, lon, hasLoc = m.Venue.Location.Latitude, m.Venue.Location.Longitude, true
		if p.Text == "" {
			p.Text = textnorm.Clean(strings.TrimSpace(m.Venue.Title + "\n" + m.Venue.Address))
		}
	}
	if hasLoc && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
		p.Lat, p.Lon = &lat, &lon
	}
	if marker := mediaMarker(m); marker != "" {
		p.Text = strings.TrimSpace(marker + " " + p.Text)
	}
	if p.Text == "" && p.Lat == nil {
		return post.Post{}, false // joins, pins, service messages
	}
	switch {
	case m.From != nil:
		name := strings.TrimSpace(m.From.FirstName + " " + m.From.LastName)
		p.Author = post.Author{ExternalID: strconv.FormatInt(m.From.ID, 10), Handle: m.From.Username, Name: textnorm.Clean(name)}
		if m.From.Username != "" {
			p.Author.URL = "https://t.me/" + m.From.Username
		}
	case m.SenderChat != nil:
		p.Author = post.Author{ExternalID: strconv.FormatInt(m.SenderChat.ID, 10), Handle: m.SenderChat.Username, Name: textnorm.Clean(m.SenderChat.Title)}
	}
	// from.language_code is the user's app UI language, not the message's:
	// leave Lang empty and let analysis detect it.
	chat := strconv.FormatInt(m.Chat.ID, 10)
	switch {
	case m.Chat.Type == "private":
		p.Private = true
		p.Kind = post.KindDirectMessage
		p.ThreadID = chat
	case m.MessageThreadID != 0 && (m.IsTopicMessage || m.Chat.IsForum):
		p.ThreadID = chat + ":" + strconv.FormatInt(m.MessageThreadID, 10)
	default:
		p.ThreadID = chat
	}
	if m.ReplyTo != nil && m.ReplyTo.MessageID != 0 {
		p.InReplyTo = msgID(m.Chat.ID, m.ReplyTo.MessageID)
	}
	if p.Kind == "" {
		switch {
		case isChannel:
			p.Kind = post.KindPost
		case m.ReplyTo != nil && m.ReplyTo.From != nil && (m.ReplyTo.From.ID == botID || (botID == 0 && m.ReplyTo.From.IsBot)):
			p.Kind = post.KindReply
		default:
			p.Kind = post.KindMention
		}
	}
	if m.Chat.Username != "" && m.Chat.Type != "private" {
		p.URL = "https://t.me/" + m.Chat.Username + "/" + strconv.FormatInt(m.MessageID, 10)
	}
	return p, true
}

// mediaMarker says what content a message carries besides text, the way
// WhatsApp media are marked: "[photo id=…]", "[sticker 😀]",
// "[forwarded]"… It is "" for a plain text message.
func mediaMarker(m *Message) string {
	var parts []string
	if len(m.Forward) > 0 && string(m.Forward) != "null" || m.ForwardDate != 0 {
		parts = append(parts, "[forwarded]")
	}
	file := func(kind string, f *File) {
		if f == nil {
			return
		}
		s := "[" + kind
		if f.Emoji != "" {
			s += " " + f.Emoji
		}
		if f.FileID != "" {
			s += " id=" + f.FileID
		}
		if f.FileName != "" {
			s += " filename=" + f.FileName
		}
		parts = append(parts, textnorm.Clean(strings.NewReplacer("]", ")", "\n", " ").Replace(s))+"]")
	}
	if n := len(m.Photo); n > 0 {
		file("photo", &m.Photo[n-1])
	}
	file("sticker", m.Sticker)
	file("video", m.Video)
	file("video note", m.VideoNote)
	file("voice", m.Voice)
	file("audio", m.Audio)
	file("document", m.Document)
	file("animation", m.Animation)
	if m.Contact != nil {
		parts = append(parts, "[contact]")
	}
	if m.Poll != nil {
		parts = append(parts, "[poll]")
	}
	return strings.Join(parts, " ")
}
