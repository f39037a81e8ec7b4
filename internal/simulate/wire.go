package simulate

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
)

// Channel says where one platform's webhooks go and how they are signed.
// Several platforms may share a channel (one Meta Page channel receives
// Facebook, Messenger and Instagram deliveries).
type Channel struct {
	ChannelID string `json:"channel_id"`       // the desk's channel id: deliveries go to {target}/hooks/{id}
	URL       string `json:"url,omitempty"`    // full webhook URL, overriding target and channel id
	Secret    string `json:"secret,omitempty"` // X consumer secret, Meta app secret, Telegram secret_token
	// AccountID is our side's id on the platform: X user id (for_user_id),
	// Facebook Page id, Instagram business account id, WhatsApp Business
	// Account id, Telegram group chat id. Defaults are invented.
	AccountID     string `json:"account_id,omitempty"`
	Handle        string `json:"handle,omitempty"`          // X screen name, Telegram bot username
	PhoneNumberID string `json:"phone_number_id,omitempty"` // WhatsApp
	DisplayPhone  string `json:"display_phone,omitempty"`   // WhatsApp
}

// request is one HTTP delivery, built before it is sent so that building
// (JSON, HMAC) happens on the workers.
type request struct {
	platform string
	url      string
	body     []byte
	header   http.Header
	item     *Item // what the delivery makes exist on the platform
}

// Item is what one simulated event made exist on its platform, under the
// ids the webhook delivery names: what a reply to it will address. A
// real platform knows its own posts; the local fakes the desk replies
// through only know what they are told, so `kaval demo` passes each Item
// to the matching fake (Config.OnItem) before the desk hears of it.
type Item struct {
	Platform     string
	Kind         string // post.KindPost, KindComment, KindReply, KindDirectMessage…
	ID           string // tweet id, Facebook post or comment id, Instagram comment id, Messenger mid, wamid, Telegram message_id
	ParentID     string // the item it answers, if any
	ThreadID     string // Instagram media, Facebook post
	ChatID       string // Telegram chat
	ChatType     string // Telegram chat type
	ChatTitle    string
	AuthorID     string // X user id, PSID / IGSID, wa_id, Telegram user id
	AuthorHandle string
	AuthorName   string
	Text         string
	At           time.Time
}

func newItem(e scenario.Event, id string) *Item {
	return &Item{Platform: e.Platform, Kind: e.Kind, ID: id, AuthorID: e.AuthorID, AuthorHandle: e.AuthorHandle,
		AuthorName: e.AuthorName, Text: e.Text, At: e.At}
}

// emitter turns an event into the platform's webhook deliveries.
type emitter interface {
	build(e scenario.Event) []request
}

func hookURL(target string, ch Channel) string {
	if ch.URL != "" {
		return ch.URL
	}
	return strings.TrimRight(target, "/") + "/hooks/" + ch.ChannelID
}

// signBase64 is X's scheme: sha256=<base64 HMAC-SHA256(secret, body)>.
func signBase64(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// signHex is Meta's scheme: sha256=<hex HMAC-SHA256(app secret, body)>.
func signHex(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func signSHA1(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("simulate: unable to encode payload: " + err.Error()) // only our own maps are encoded
	}
	return b
}

// asciiJSON escapes every non-ASCII character as \uXXXX (surrogate pairs
// above the BMP) and "/" as "\/", as Meta's webhook bodies do. Receivers
// must verify the signature on these exact bytes, never on a re-encoding.
func asciiJSON(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/2)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == '/':
			out.WriteString(`\/`)
		case r < utf8.RuneSelf:
			out.WriteByte(byte(r))
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			writeU(&out, r1)
			writeU(&out, r2)
		default:
			writeU(&out, r)
		}
		b = b[n:]
	}
	return out.Bytes()
}

func writeU(b *bytes.Buffer, r rune) {
	const digits = "0123456789abcdef"
	b.WriteString(`\u`)
	b.WriteByte(digits[r>>12&0xF])
	b.WriteByte(digits[r>>8&0xF])
	b.WriteByte(digits[r>>4&0xF])
	b.WriteByte(digits[r&0xF])
}

// idSuffix returns the last n digits of a decimal id.
func idSuffix(id string, n int) string {
	if len(id) <= n {
		return id
	}
	return id[len(id)-n:]
}

func seqOf(id string) int64 {
	n, _ := strconv.ParseInt(idSuffix(id, 9), 10, 64)
	return n
}

// recentIDs remembers the platform ids given to recent events so replies
// can point at their parents. The generator only replies to its last 50
// events per platform; 4096 leaves a wide margin.
type recentIDs struct {
	mu   sync.Mutex
	ids  map[string]string
	ring []string
	next int
}

func newRecentIDs() *recentIDs {
	return &recentIDs{ids: map[string]string{}, ring: make([]string, 4096)}
}

func (r *recentIDs) put(eventID, platformID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old := r.ring[r.next]; old != "" {
		delete(r.ids, old)
	}
	r.ring[r.next] = eventID
	r.next = (r.next + 1) % len(r.ring)
	r.ids[eventID] = platformID
}

func (r *recentIDs) get(eventID string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[eventID]
}

// --- X Account Activity API --------------------------------------------

type xEmitter struct {
	url string
	ch  Channel
}

func xLang(l string) string {
	switch l {
	case scenario.LangEnglish, scenario.LangKannada, scenario.LangHindi:
		return l
	}
	return "und" // X rarely identifies romanised Kannada or Hinglish
}

// codePointIndices finds each "@handle" or "#tag" token in text with X's
// v1.1 indices, which count code points.
func entities(text, prefix string) [][2]int {
	var out [][2]int
	cp := 0
	start := -1
	for i, r := range text + " " {
		_ = i
		isWord := r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if start >= 0 && !isWord {
			if cp-start > 1 {
				out = append(out, [2]int{start, cp})
			}
			start = -1
		}
		if start < 0 && string(r) == prefix {
			start = cp
		}
		cp++
	}
	return out
}

func (x *xEmitter) build(e scenario.Event) []request {
	forUser := x.ch.AccountID
	var body []byte
	if e.Kind == post.KindDirectMessage {
		body = mustJSON(map[string]any{
			"for_user_id": forUser,
			"direct_message_events": []any{map[string]any{
				"type": "message_create", "id": e.ID, "created_timestamp": strconv.FormatInt(e.At.UnixMilli(), 10),
				"message_create": map[string]any{
					"target":    map[string]string{"recipient_id": forUser},
					"sender_id": e.AuthorID,
					"message_data": map[string]any{"text": e.Text,
						"entities": map[string]any{"hashtags": []any{}, "urls": []any{}, "user_mentions": []any{}, "symbols": []any{}}},
				},
			}},
			"users": map[string]any{
				e.AuthorID: map[string]string{"id": e.AuthorID, "name": e.AuthorName, "screen_name": e.AuthorHandle},
				forUser:    map[string]string{"id": forUser, "name": "Police", "screen_name": x.ch.Handle},
			},
		})
	} else {
		var mentions, tags []any
		for _, ix := range entities(e.Text, "@") {
			name := string([]rune(e.Text)[ix[0]+1 : ix[1]])
			m := map[string]any{"screen_name": name, "indices": []int{ix[0], ix[1]}}
			if strings.EqualFold(name, x.ch.Handle) {
				m["id_str"] = forUser
			}
			mentions = append(mentions, m)
		}
		for _, ix := range entities(e.Text, "#") {
			tags = append(tags, map[string]any{"text": string([]rune(e.Text)[ix[0]+1 : ix[1]]), "indices": []int{ix[0], ix[1]}})
		}
		if mentions == nil {
			mentions = []any{}
		}
		if tags == nil {
			tags = []any{}
		}
		tw := map[string]any{
			"created_at":                e.At.UTC().Format(time.RubyDate),
			"id":                        json.Number(e.ID),
			"id_str":                    e.ID,
			"text":                      e.Text,
			"truncated":                 false,
			"in_reply_to_status_id":     nil,
			"in_reply_to_status_id_str": nil,
			"in_reply_to_user_id_str":   nil,
			"user":                      map[string]any{"id": json.Number(e.AuthorID), "id_str": e.AuthorID, "screen_name": e.AuthorHandle, "name": e.AuthorName},
			"coordinates":               nil,
			"place":                     nil,
			"lang":                      xLang(e.Lang),
			"entities":                  map[string]any{"user_mentions": mentions, "hashtags": tags, "urls": []any{}},
			"timestamp_ms":              strconv.FormatInt(e.At.UnixMilli(), 10),
		}
		if e.ReplyTo != "" {
			tw["in_reply_to_status_id"] = json.Number(e.ReplyTo)
			tw["in_reply_to_status_id_str"] = e.ReplyTo
		}
		if e.Lat != nil && e.Lon != nil {
			tw["coordinates"] = map[string]any{"type": "Point", "coordinates": []float64{*e.Lon, *e.Lat}}
		}
		body = mustJSON(map[string]any{"for_user_id": forUser, "user_has_blocked": "false", "tweet_create_events": []any{tw}})
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("x-twitter-webhooks-signature", signBase64(x.ch.Secret, body))
	it := newItem(e, e.ID)
	it.ParentID = e.ReplyTo
	return []request{{platform: e.Platform, url: x.url, body: body, header: h, item: it}}
}

// --- Meta: Facebook Page, Messenger, Instagram ---------------------------

type metaEmitter struct {
	url    string
	ch     Channel
	recent *recentIDs
}

func metaHeaders(secret string, body []byte) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "facebookexternalua")
	h.Set("X-Hub-Signature-256", signHex(secret, body))
	h.Set("X-Hub-Signature", signSHA1(secret, body))
	return h
}

func (m *metaEmitter) build(e scenario.Event) []request {
	acct := m.ch.AccountID
	var payload map[string]any
	var it *Item
	switch e.Platform {
	case post.Messenger:
		it = newItem(e, "m_"+e.ID)
		msg := map[string]any{"mid": "m_" + e.ID, "text": e.Text}
		payload = map[string]any{"object": "page", "entry": []any{map[string]any{
			"id": acct, "time": e.At.UnixMilli(),
			"messaging": []any{map[string]any{
				"sender": map[string]string{"id": e.AuthorID}, "recipient": map[string]string{"id": acct},
				"timestamp": e.At.UnixMilli(), "message": msg,
			}},
		}}}
	case post.Instagram:
		v := map[string]any{
			"id": e.ID, "text": e.Text,
			"from":  map[string]string{"id": e.AuthorID, "username": e.AuthorHandle},
			"media": map[string]string{"id": "1790" + idSuffix(e.ThreadKey, 13), "media_product_type": "FEED"},
		}
		if e.ReplyTo != "" {
			v["parent_id"] = e.ReplyTo
		}
		it = newItem(e, e.ID)
		it.ParentID, it.ThreadID = e.ReplyTo, "1790"+idSuffix(e.ThreadKey, 13)
		payload = map[string]any{"object": "instagram", "entry": []any{map[string]any{
			"id": acct, "time": e.At.Unix(), "changes": []any{map[string]any{"field": "comments", "value": v}},
		}}}
	default: // Facebook Page feed
		v := map[string]any{
			"verb": "add", "message": e.Text, "created_time": e.At.Unix(),
			"from": map[string]string{"id": e.AuthorID, "name": e.AuthorName},
		}
		var myID string
		switch {
		case e.Kind == post.KindPost: // a visitor post on the Page
			myID = acct + "_" + e.ID
			v["item"], v["post_id"] = "status", myID
		case e.ReplyTo != "": // a reply under a comment: threads are two levels deep
			parent := m.recent.get(e.ReplyTo)
			postID := acct + "_" + pagePost(e.ThreadKey)
			if parent == "" {
				parent = postID
			}
			myID = idSuffix(postID, 15) + "_" + e.ID
			v["item"], v["post_id"], v["comment_id"], v["parent_id"] = "comment", postID, myID, parent
		default: // a comment on one of the force's own posts
			postID := acct + "_" + pagePost(e.ThreadKey)
			myID = idSuffix(postID, 15) + "_" + e.ID
			v["item"], v["post_id"], v["comment_id"], v["parent_id"] = "comment", postID, myID, postID
		}
		m.recent.put(e.ID, myID)
		it = newItem(e, myID)
		it.ParentID, _ = v["parent_id"].(string)
		it.ThreadID, _ = v["post_id"].(string)
		payload = map[string]any{"object": "page", "entry": []any{map[string]any{
			"id": acct, "time": e.At.Unix(), "changes": []any{map[string]any{"field": "feed", "value": v}},
		}}}
	}
	body := asciiJSON(mustJSON(payload))
	return []request{{platform: e.Platform, url: m.url, body: body, header: metaHeaders(m.ch.Secret, body), item: it}}
}

// pagePost picks which of the force's five recent Page posts a thread
// hangs under, stably per thread.
func pagePost(threadKey string) string {
	return "55500011122233" + strconv.FormatInt(seqOf(threadKey)%5, 10)
}

// --- WhatsApp Cloud API ---------------------------------------------------

type waEmitter struct {
	url string
	ch  Channel
}

// waID turns an author id into a phone-number-shaped WhatsApp id. The
// national part starts with 0, which no Indian mobile number does, so a
// simulated id can never be a real person's number.
func waID(authorID string) string { return "910" + idSuffix(authorID, 9) }

func wamid(id string) string {
	return "wamid." + base64.StdEncoding.EncodeToString([]byte("HBgM"+id))
}

func (wa *waEmitter) build(e scenario.Event) []request {
	from := waID(e.AuthorID)
	ts := strconv.FormatInt(e.At.Unix(), 10)
	text := map[string]any{"from": from, "id": wamid(e.ID), "timestamp": ts, "type": "text", "text": map[string]string{"body": e.Text}}
	if e.ReplyTo != "" {
		text["context"] = map[string]string{"from": wa.ch.DisplayPhone, "id": wamid(e.ReplyTo)}
	}
	msgs := []any{text}
	if e.Lat != nil && e.Lon != nil {
		msgs = append(msgs, map[string]any{"from": from, "id": wamid(e.ID + "1"), "timestamp": ts, "type": "location",
			"location": map[string]any{"latitude": *e.Lat, "longitude": *e.Lon, "name": e.Place}})
	}
	payload := map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": wa.ch.AccountID,
		"changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]string{"display_phone_number": wa.ch.DisplayPhone, "phone_number_id": wa.ch.PhoneNumberID},
			"contacts":          []any{map[string]any{"profile": map[string]string{"name": e.AuthorName}, "wa_id": from}},
			"messages":          msgs,
		}}},
	}}}
	body := asciiJSON(mustJSON(payload))
	it := newItem(e, wamid(e.ID))
	it.AuthorID = from
	return []request{{platform: e.Platform, url: wa.url, body: body, header: metaHeaders(wa.ch.Secret, body), item: it}}
}

// --- Telegram Bot API webhook --------------------------------------------

type tgEmitter struct {
	url string
	ch  Channel
}

// utf16Entities returns Telegram entities for @mentions and #hashtags,
// whose offsets count UTF-16 code units.
func utf16Entities(text string) []any {
	var out []any
	units := 0
	start, kind := -1, ""
	for _, r := range text + " " {
		isWord := r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if start >= 0 && !isWord {
			if units-start > 1 {
				out = append(out, map[string]any{"type": kind, "offset": start, "length": units - start})
			}
			start = -1
		}
		if start < 0 && (r == '@' || r == '#') {
			start = units
			kind = map[rune]string{'@': "mention", '#': "hashtag"}[r]
		}
		units += len(utf16.Encode([]rune{r}))
	}
	return out
}

func (tg *tgEmitter) build(e scenario.Event) []request {
	uid, _ := strconv.ParseInt(e.AuthorID, 10, 64)
	first, last, _ := strings.Cut(e.AuthorName, " ")
	from := map[string]any{"id": uid, "is_bot": false, "first_name": first, "username": e.AuthorHandle, "language_code": "en"}
	if last != "" {
		from["last_name"] = last
	}
	chat := map[string]any{"id": json.Number(tg.ch.AccountID), "type": "supergroup", "title": "Namma Area Safety Watch"}
	if e.Kind == post.KindDirectMessage {
		chat = map[string]any{"id": uid, "type": "private", "first_name": first, "username": e.AuthorHandle}
	}
	seq := seqOf(e.ID)
	msg := map[string]any{"message_id": seq, "from": from, "chat": chat, "date": e.At.Unix(), "text": e.Text}
	if ents := utf16Entities(e.Text); len(ents) > 0 {
		msg["entities"] = ents
	}
	if e.ReplyTo != "" {
		msg["reply_to_message"] = map[string]any{"message_id": seqOf(e.ReplyTo), "chat": chat, "date": e.At.Add(-time.Minute).Unix()}
	}
	// update_id must grow; the sequence number does, and leaves room for
	// the location update below.
	reqs := []request{tg.req(e.Platform, map[string]any{"update_id": 2 * seq, "message": msg})}
	it := newItem(e, strconv.FormatInt(seq, 10))
	it.ChatID, it.ChatType = fmt.Sprint(chat["id"]), fmt.Sprint(chat["type"])
	if title, ok := chat["title"].(string); ok {
		it.ChatTitle = title
	}
	if e.ReplyTo != "" {
		it.ParentID = strconv.FormatInt(seqOf(e.ReplyTo), 10)
	}
	reqs[0].item = it
	if e.Lat != nil && e.Lon != nil {
		loc := map[string]any{"message_id": seq + 500_000_000, "from": from, "chat": chat, "date": e.At.Unix(),
			"location": map[string]any{"latitude": *e.Lat, "longitude": *e.Lon}}
		reqs = append(reqs, tg.req(e.Platform, map[string]any{"update_id": 2*seq + 1, "message": loc}))
	}
	return reqs
}

func (tg *tgEmitter) req(platform string, update map[string]any) request {
	body := mustJSON(update)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if tg.ch.Secret != "" {
		h.Set("X-Telegram-Bot-Api-Secret-Token", tg.ch.Secret)
	}
	return request{platform: platform, url: tg.url, body: body, header: h}
}
