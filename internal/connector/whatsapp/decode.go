package whatsapp

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

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
}

type waMedia struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type waMessage struct {
	From      string `json:"from"`
	ID        string `json:"id"`
	Timestamp string `json:"timestamp"`
	Type      string `json:"type"`
	Text      *struct {
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
}

type waValue struct {
	MessagingProduct string `json:"messaging_product"`
	Metadata         struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []struct {
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
		WaID string `json:"wa_id"`
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

type waEnvelope struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Changes []struct {
			Field string          `json:"field"`
			Value json.RawMessage `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

func unixString(s string, def time.Time) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return def
	}
	return time.Unix(n, 0).UTC()
}

// DecodeWebhook decodes a whatsapp_business_account webhook POST:
// messages become private posts (threaded per phone_number_id:wa_id),
// statuses become delivery statuses. Reactions, system and unsupported
// messages, other fields and objects are counted in Ignored.
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
	for _, e := range env.Entry {
		for _, ch := range e.Changes {
			if ch.Field != "messages" {
				d.Ignored++
				continue
			}
			var v waValue
			if err := json.Unmarshal(ch.Value, &v); err != nil {
				return Delivery{}, fmt.Errorf("whatsapp: unable to decode value: %w", err)
			}
			names := map[string]string{}
			for _, c := range v.Contacts {
				names[c.WaID] = c.Profile.Name
			}
			phone := v.Metadata.PhoneNumberID
			for _, raw := range v.Messages {
				p, ok, err := normalise(raw, phone, names, received)
				if err != nil {
					return Delivery{}, err
				}
				if !ok {
					d.Ignored++
					continue
				}
				if p.CreatedAt.After(d.EntryTimes[e.ID]) {
					d.EntryTimes[e.ID] = p.CreatedAt
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
	}
	return d, nil
}

func normalise(raw json.RawMessage, phone string, names map[string]string, received time.Time) (post.Post, bool, error) {
	var m waMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return post.Post{}, false, fmt.Errorf("whatsapp: unable to decode message: %w", err)
	}
	if m.ID == "" || m.From == "" {
		return post.Post{}, false, nil
	}
	p := post.Post{
		Platform:   post.WhatsApp,
		ExternalID: m.ID,
		Kind:       post.KindDirectMessage,
		Channel:    phone,
		ThreadID:   phone + ":" + m.From,
		Author:     post.Author{ExternalID: m.From, Name: names[m.From]},
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
	switch {
	case m.Type == "text" && m.Text != nil:
		p.Text = m.Text.Body
	case m.Type == "location" && m.Location != nil:
		l := m.Location
		if l.Latitude >= -90 && l.Latitude <= 90 && l.Longitude >= -180 && l.Longitude <= 180 {
			lat, lon := l.Latitude, l.Longitude
			p.Lat, p.Lon = &lat, &lon
		}
		p.Text = strings.TrimSpace("[location] " + strings.TrimSpace(l.Name+" "+l.Address))
	case m.Type == "image" && m.Image != nil:
		p.Text = media("image", m.Image)
	case m.Type == "video" && m.Video != nil:
		p.Text = media("video", m.Video)
	case m.Type == "audio" && m.Audio != nil:
		p.Text = media("audio", m.Audio)
	case m.Type == "document" && m.Document != nil:
		p.Text = media("document", m.Document)
	case m.Type == "sticker" && m.Sticker != nil:
		p.Text = media("sticker", m.Sticker)
	case m.Type == "interactive" && m.Interactive != nil:
		switch {
		case m.Interactive.ButtonReply != nil:
			p.Text = m.Interactive.ButtonReply.Title
		case m.Interactive.ListReply != nil:
			p.Text = m.Interactive.ListReply.Title
		default:
			return post.Post{}, false, nil
		}
	case m.Type == "button" && m.Button != nil:
		p.Text = m.Button.Text
	case m.Type == "contacts":
		p.Text = "[contacts]"
	default:
		// reaction, system, unsupported, order, unknown types
		return post.Post{}, false, nil
	}
	return p, true, nil
}
