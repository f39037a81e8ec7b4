package whatsapp

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

// Status is a delivery status of a message we sent.
type Status struct {
	ID          string // wamid of our message
	Status      string // sent, delivered, read, failed
	At          time.Time
	RecipientID string
	Detail      string // "131047 Re-engagement message: …" for failures
}

// Delivery is one decoded webhook POST.
type Delivery struct {
	Posts      []post.Post
	Statuses   []Status
	EntryTimes map[string]time.Time
	Ignored    int
	Skipped    []conn.Skip // parts that could not be read; the rest was kept
}

type waMedia struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type waMessage struct {
	From string `json:"from"` // the user's phone number (wa_id); may be absent
	// FromUserID is the business-scoped user id (BSUID, "CC.digits"),
	// sent with every message since 2026 and instead of from when a user
	// with a username does not share their number.
	FromUserID string `json:"from_user_id"`
	ID         string `json:"id"`
	Timestamp  string `json:"timestamp"`
	Type       string `json:"type"`
	Text       *struct {
		Body string `json:"body"`
	} `json:"text"`
	Context *struct {
		ID string `json:"id"`
	} `json:"context"`
	Location *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
	} `json:"location"`
	Image       *waMedia `json:"image"`
	Video       *waMedia `json:"video"`
	Audio       *waMedia `json:"audio"`
	Document    *waMedia `json:"document"`
	Sticker     *waMedia `json:"sticker"`
	Interactive *struct {
		Type        string                      `json:"type"`
		ButtonReply *struct{ ID, Title string } `json:"button_reply"`
		ListReply   *struct{ ID, Title string } `json:"list_reply"`
	} `json:"interactive"`
	Button *struct {
		Text    string `json:"text"`
		Payload string `json:"payload"`
	} `json:"button"`
	Errors []struct {
		Code  int    `json:"code"`
		Title string `json:"title"`
	} `json:"errors"` // on "unsupported" messages: why WhatsApp could not pass it on
}

type waValue struct {
	MessagingProduct string `json:"messaging_product"`
	Metadata         struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []struct {
		Profile struct {
			Name     string `json:"name"`
			Username string `json:"username"`
		} `json:"profile"`
		WaID   string `json:"wa_id"`   // omitted when the user's number is not shared
		UserID string `json:"user_id"` // BSUID
	} `json:"contacts"`
	Messages []json.RawMessage `json:"messages"`
	Statuses []struct {
		ID          string `json:"id"`
		Status      string `json:"status"`
		Timestamp   string `json:"timestamp"`
		RecipientID string `json:"recipient_id"`
		Errors      []struct {
			Code      int    `json:"code"`
			Title     string `json:"title"`
			Message   string `json:"message"`
			ErrorData struct {
				Details string `json:"details"`
			} `json:"error_data"`
		} `json:"errors"`
	} `json:"statuses"`
}

// Each level below the envelope is decoded on its own, so one odd entry,
// change or message is skipped (with its field and reason) and the rest
// of the delivery is kept.
type waEnvelope struct {
	Object string            `json:"object"`
	Entry  []json.RawMessage `json:"entry"`
}

type waEntry struct {
	ID      conn.ID           `json:"id"`
	Changes []json.RawMessage `json:"changes"`
}

type waChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// contact is what the contacts array says about a sender.
type contact struct{ name, username, waID, userID string }

func unixString(s string, def time.Time) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return def
	}
	return time.Unix(n, 0).UTC()
}

// DecodeWebhook decodes a whatsapp_business_account webhook POST:
// messages become private posts (threaded per phone_number_id and the
// user's wa_id, or their business-scoped user id when no number is
// shared), statuses become delivery statuses. A message of a type the desk
// cannot read is kept with a visible "[unsupported content]" marker;
// reactions and system notices are counted in Ignored, unreadable parts in
// Skipped.
func DecodeWebhook(body []byte, received time.Time) (Delivery, error) {
	var env waEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Delivery{}, fmt.Errorf("whatsapp: unable to decode webhook: %w", err)
	}
	d := Delivery{EntryTimes: map[string]time.Time{}}
	if env.Object != "whatsapp_business_account" {
		d.Ignored += max(len(env.Entry), 1)
		return d, nil
	}
	for i, raw := range env.Entry {
		at := fmt.Sprintf("entry[%d]", i)
		var e waEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			d.Skipped = append(d.Skipped, conn.SkipErr("entry", at, err))
			continue
		}
		for j, raw := range e.Changes {
			at := fmt.Sprintf("%s.changes[%d]", at, j)
			var ch waChange
			if err := json.Unmarshal(raw, &ch); err != nil {
				d.Skipped = append(d.Skipped, conn.SkipErr("entry.changes", at, err))
				continue
			}
			if ch.Field != "messages" {
				d.Ignored++
				continue
			}
			d.value(string(e.ID), ch.Value, at+".value", received)
		}
	}
	return d, nil
}

func (d *Delivery) value(entryID string, raw json.RawMessage, at string, received time.Time) {
	var v waValue
	if err := json.Unmarshal(raw, &v); err != nil {
		d.Skipped = append(d.Skipped, conn.SkipErr("entry.changes.value", at, err))
		return
	}
	// Contacts name the senders of the messages beside them, by wa_id or
	// (for a user who shares no number) by BSUID.
	contacts := map[string]contact{}
	for _, c := range v.Contacts {
		ct := contact{name: c.Profile.Name, username: c.Profile.Username, waID: c.WaID, userID: c.UserID}
		for _, k := range []string{c.WaID, c.UserID} {
			if k != "" {
				contacts[k] = ct
			}
		}
	}
	var lone *contact
	if len(v.Contacts) == 1 {
		c := contacts[v.Contacts[0].WaID]
		if c.waID == "" {
			c = contacts[v.Contacts[0].UserID]
		}
		lone = &c
	}
	phone := v.Metadata.PhoneNumberID
	for k, raw := range v.Messages {
		p, ok, err := normalise(raw, phone, contacts, lone, received)
		if err != nil {
			d.Skipped = append(d.Skipped, conn.SkipErr("entry.changes.value.messages", fmt.Sprintf("%s.messages[%d]", at, k), err))
			continue
		}
		if !ok {
			d.Ignored++
			continue
		}
		if p.CreatedAt.After(d.EntryTimes[entryID]) {
			d.EntryTimes[entryID] = p.CreatedAt
		}
		d.Posts = append(d.Posts, p)
	}
	for _, s := range v.Statuses {
		if s.ID == "" || s.Status == "" {
			d.Ignored++
			continue
		}
		st := Status{ID: s.ID, Status: s.Status, At: unixString(s.Timestamp, received), RecipientID: s.RecipientID}
		var parts []string
		for _, er := range s.Errors {
			msg := strconv.Itoa(er.Code) + " " + er.Title
			if er.ErrorData.Details != "" {
				msg += ": " + er.ErrorData.Details
			}
			parts = append(parts, msg)
		}
		st.Detail = strings.Join(parts, "; ")
		d.Statuses = append(d.Statuses, st)
	}
}

// normalise reads one message. ok is false for what is not a citizen's
// message (reactions, system notices, a message without id or sender).
func normalise(raw json.RawMessage, phone string, contacts map[string]contact, lone *contact, received time.Time) (post.Post, bool, error) {
	var m waMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return post.Post{}, false, err
	}
	// The phone number stays the author id when WhatsApp gives it, so a
	// citizen's earlier conversations still thread; a user who shares
	// only a business-scoped id is known by that.
	author := m.From
	if author == "" {
		author = m.FromUserID
	}
	ct := contacts[author]
	if author == "" && lone != nil {
		// Neither on the message: the one contact of the notification
		// names its sender.
		ct = *lone
		author = ct.waID
		if author == "" {
			author = ct.userID
		}
	}
	if m.ID == "" || author == "" {
		return post.Post{}, false, nil
	}
	switch m.Type {
	case "reaction", "system":
		return post.Post{}, false, nil
	}
	p := post.Post{
		Platform:   post.WhatsApp,
		ExternalID: m.ID,
		Kind:       post.KindDirectMessage,
		Channel:    phone,
		ThreadID:   phone + ":" + author,
		Author:     post.Author{ExternalID: author, Name: ct.name, Handle: ct.username},
		Private:    true,
		CreatedAt:  unixString(m.Timestamp, received),
		ReceivedAt: received,
		Raw:        append(json.RawMessage(nil), raw...),
	}
	if m.Context != nil {
		p.InReplyTo = m.Context.ID
	}
	media := func(kind string, md *waMedia) string {
		s := "[" + kind + " id=" + md.ID
		if md.Filename != "" {
			s += " filename=" + md.Filename
		}
		s += "]"
		if md.Caption != "" {
			s += " " + md.Caption
		}
		return s
	}
	// The type says what the message is; when it is missing (a location
	// shared from some clients) the object present says it.
	kind := m.Type
	if kind == "" {
		kind = presentKind(&m)
	}
	switch {
	case kind == "text" && m.Text != nil:
		p.Text = m.Text.Body
	case kind == "location" && m.Location != nil:
		l := m.Location
		if l.Latitude >= -90 && l.Latitude <= 90 && l.Longitude >= -180 && l.Longitude <= 180 && (l.Latitude != 0 || l.Longitude != 0) {
			lat, lon := l.Latitude, l.Longitude
			p.Lat, p.Lon = &lat, &lon
		}
		p.Text = strings.TrimSpace("[location] " + strings.TrimSpace(l.Name+" "+l.Address))
	case kind == "image" && m.Image != nil:
		p.Text = media("image", m.Image)
	case kind == "video" && m.Video != nil:
		p.Text = media("video", m.Video)
	case kind == "audio" && m.Audio != nil:
		p.Text = media("audio", m.Audio)
	case kind == "document" && m.Document != nil:
		p.Text = media("document", m.Document)
	case kind == "sticker" && m.Sticker != nil:
		p.Text = media("sticker", m.Sticker)
	case kind == "interactive" && m.Interactive != nil && m.Interactive.ButtonReply != nil:
		p.Text = m.Interactive.ButtonReply.Title
	case kind == "interactive" && m.Interactive != nil && m.Interactive.ListReply != nil:
		p.Text = m.Interactive.ListReply.Title
	case kind == "button" && m.Button != nil:
		p.Text = m.Button.Text
	case kind == "contacts":
		p.Text = "[contacts]"
	default:
		// "unsupported", order, a type newer than this code, or a type
		// whose object is missing: a citizen wrote something, so it is
		// kept with what can be read, never acknowledged and dropped.
		p.Text = unsupported(&m, kind)
	}
	return p, true, nil
}

// presentKind names the content object a message without a type carries.
func presentKind(m *waMessage) string {
	switch {
	case m.Text != nil:
		return "text"
	case m.Location != nil:
		return "location"
	case m.Image != nil:
		return "image"
	case m.Video != nil:
		return "video"
	case m.Audio != nil:
		return "audio"
	case m.Document != nil:
		return "document"
	case m.Sticker != nil:
		return "sticker"
	}
	return ""
}

// unsupported is the visible marker of content the desk cannot show: the
// type, WhatsApp's own reason when it gives one, and any text or caption
// that can still be read.
func unsupported(m *waMessage, kind string) string {
	var b strings.Builder
	b.WriteString("[unsupported content")
	if kind != "" && len(kind) <= 32 && !strings.ContainsAny(kind, "[]\n") {
		b.WriteString(": " + kind)
	}
	for _, e := range m.Errors {
		if e.Title != "" && len(e.Title) <= 200 {
			b.WriteString("; " + strings.ReplaceAll(e.Title, "]", ")"))
		}
	}
	b.WriteString("]")
	if m.Text != nil && m.Text.Body != "" {
		b.WriteString(" " + m.Text.Body)
	}
	for _, md := range []*waMedia{m.Image, m.Video, m.Document} {
		if md != nil && md.Caption != "" {
			b.WriteString(" " + md.Caption)
		}
	}
	return b.String()
}
