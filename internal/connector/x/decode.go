package x

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

// Account is our side of the conversation: whose mentions these are.
type Account struct {
	UserID string // our numeric user id
	Handle string // without @
}

// Problem is one entry of X's problem JSON (request-level, partial or
// in-stream errors).
type Problem struct {
	Title          string `json:"title"`
	Detail         string `json:"detail"`
	Type           string `json:"type"`
	Status         int    `json:"status,omitempty"`
	DisconnectType string `json:"disconnect_type,omitempty"`
	Message        string `json:"message,omitempty"` // v1-style {"code","message"}
	Code           int    `json:"code,omitempty"`
	ResourceID     string `json:"resource_id,omitempty"`
}

func (p Problem) String() string {
	s := p.Title
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	if s == "" {
		s = p.Message
	}
	return s
}

// Page is one decoded timeline or search response.
type Page struct {
	Posts     []post.Post
	NewestID  string
	NextToken string
	Partial   []Problem // errors[] inside a 200: the rest of the page is good
	Skipped   int       // items without a usable id
	Own       int       // posts by our own account: not citizens' posts
}

type v2Tweet struct {
	ID               string `json:"id"`
	Text             string `json:"text"`
	AuthorID         string `json:"author_id"`
	CreatedAt        string `json:"created_at"`
	ConversationID   string `json:"conversation_id"`
	InReplyToUserID  string `json:"in_reply_to_user_id"`
	Lang             string `json:"lang"`
	ReferencedTweets []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	Geo *struct {
		PlaceID     string `json:"place_id"`
		Coordinates *struct {
			Type        string    `json:"type"`
			Coordinates []float64 `json:"coordinates"` // [lon, lat]
		} `json:"coordinates"`
	} `json:"geo"`
	Entities *struct {
		Mentions []struct {
			Username string `json:"username"`
			ID       string `json:"id"`
		} `json:"mentions"`
	} `json:"entities"`
	NoteTweet *struct {
		Text string `json:"text"`
	} `json:"note_tweet"` // long posts carry the full text here
}

type v2User struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	Location string `json:"location"`
}

type v2Includes struct {
	Users []v2User `json:"users"`
}

type v2Page struct {
	Data     []json.RawMessage `json:"data"`
	Includes v2Includes        `json:"includes"`
	Meta     struct {
		NewestID  string `json:"newest_id"`
		NextToken string `json:"next_token"`
	} `json:"meta"`
	Errors []Problem `json:"errors"`
}

// DecodePage decodes a recent-search response: posts that mention us are
// mentions, replies to us replies, the rest posts.
func DecodePage(body []byte, me Account, received time.Time) (Page, error) {
	return decodePage(body, me, received, false)
}

// DecodeMentionsPage decodes a mentions-timeline response: every item
// mentions us, whether or not the page carries entities, so an item is a
// mention, or a reply when it answers one of ours.
func DecodeMentionsPage(body []byte, me Account, received time.Time) (Page, error) {
	return decodePage(body, me, received, true)
}

func decodePage(body []byte, me Account, received time.Time, mentions bool) (Page, error) {
	var p v2Page
	if err := json.Unmarshal(body, &p); err != nil {
		return Page{}, fmt.Errorf("x: unable to decode page: %w", err)
	}
	users := indexUsers(p.Includes.Users)
	out := Page{NextToken: p.Meta.NextToken, Partial: p.Errors}
	if validID(p.Meta.NewestID) {
		out.NewestID = p.Meta.NewestID
	}
	for _, raw := range p.Data {
		pp, err := normaliseV2(raw, users, me, received)
		if errors.Is(err, errOwn) {
			out.Own++
			continue
		}
		if err != nil {
			out.Skipped++
			continue
		}
		if mentions && pp.Kind == post.KindPost {
			pp.Kind = post.KindMention
		}
		out.Posts = append(out.Posts, pp)
		if IDLess(out.NewestID, pp.ExternalID) {
			out.NewestID = pp.ExternalID
		}
	}
	return out, nil
}

// StreamItem is one decoded filtered-stream line.
type StreamItem struct {
	Post *post.Post
	// Disconnect is an in-stream error object ({"errors": [...]} or
	// {"error": ...}, X's operational-disconnect messages): the server is
	// about to close, and the caller starts its reconnect ladder.
	Disconnect []Problem
	Own        bool // a post by our own account, not stored
	// Tags are the tags of the rules that matched (matching_rules).
	Tags []string
}

// DecodeStreamLine decodes one non-empty line of the filtered stream.
// Unknown message shapes decode to an empty item (ignored). An error
// object is read leniently, whatever the shape of its entries: it must
// start a reconnect, never be counted as a bad line.
func DecodeStreamLine(line []byte, me Account, received time.Time) (StreamItem, error) {
	var m struct {
		Data     json.RawMessage `json:"data"`
		Includes v2Includes      `json:"includes"`
		Errors   json.RawMessage `json:"errors"`
		Error    json.RawMessage `json:"error"`
		Matching json.RawMessage `json:"matching_rules"`
	}
	if err := json.Unmarshal(line, &m); err != nil {
		// includes of an odd shape must not hide an error object
		var e struct {
			Data   json.RawMessage `json:"data"`
			Errors json.RawMessage `json:"errors"`
			Error  json.RawMessage `json:"error"`
		}
		if json.Unmarshal(line, &e) != nil || (len(e.Errors) == 0 && len(e.Error) == 0) || (len(e.Data) > 0 && string(e.Data) != "null") {
			return StreamItem{}, fmt.Errorf("x: unable to decode stream line: %w", err)
		}
		m.Data, m.Errors, m.Error = e.Data, e.Errors, e.Error
	}
	if len(m.Data) == 0 || string(m.Data) == "null" {
		return StreamItem{Disconnect: streamProblems(m.Errors, m.Error)}, nil
	}
	pp, err := normaliseV2(m.Data, indexUsers(m.Includes.Users), me, received)
	if errors.Is(err, errOwn) {
		return StreamItem{Own: true}, nil
	}
	if err != nil {
		return StreamItem{}, err
	}
	return StreamItem{Post: &pp, Tags: matchingTags(m.Matching)}, nil
}

// streamProblems reads an in-stream error object: an "errors" array of
// problems (or of anything else), or a single "error" object or string.
// Present but unreadable still yields one problem, so the caller
// reconnects.
func streamProblems(errs, single json.RawMessage) []Problem {
	var out []Problem
	if len(errs) > 0 && string(errs) != "null" {
		var items []json.RawMessage
		if json.Unmarshal(errs, &items) != nil {
			items = []json.RawMessage{errs}
		}
		for _, it := range items {
			out = append(out, readProblem(it))
		}
		if len(out) == 0 {
			out = append(out, Problem{Title: "stream error"})
		}
	}
	if len(single) > 0 && string(single) != "null" {
		out = append(out, readProblem(single))
	}
	return out
}

func readProblem(raw json.RawMessage) Problem {
	var p Problem
	if json.Unmarshal(raw, &p) == nil && (p.Title != "" || p.Detail != "" || p.Message != "") {
		return p
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return Problem{Title: trimProblem(s)}
	}
	// Fields of other types ("status": "503"): keep what is a string.
	var loose map[string]json.RawMessage
	if json.Unmarshal(raw, &loose) == nil {
		for _, k := range []string{"title", "message", "detail", "disconnect_type"} {
			var v string
			if json.Unmarshal(loose[k], &v) == nil && v != "" {
				return Problem{Title: trimProblem(v)}
			}
		}
	}
	return Problem{Title: "stream error"}
}

func trimProblem(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

func indexUsers(us []v2User) map[string]v2User {
	m := make(map[string]v2User, len(us))
	for _, u := range us {
		m[u.ID] = u
	}
	return m
}

var (
	errNoID = errors.New("x: post without a valid id")
	// errOwn marks a post by our own account: the force's own tweets are
	// not citizens' posts (as the Meta connector leaves out its Page's).
	errOwn = errors.New("x: post by our own account")
)

func normaliseV2(raw json.RawMessage, users map[string]v2User, me Account, received time.Time) (post.Post, error) {
	var t v2Tweet
	if err := json.Unmarshal(raw, &t); err != nil {
		return post.Post{}, fmt.Errorf("x: unable to decode post: %w", err)
	}
	if !validID(t.ID) {
		return post.Post{}, errNoID
	}
	text := t.Text
	if t.NoteTweet != nil && t.NoteTweet.Text != "" {
		text = t.NoteTweet.Text
	}
	u := users[t.AuthorID]
	if (me.UserID != "" && t.AuthorID == me.UserID) || (me.Handle != "" && u.Username != "" && strings.EqualFold(u.Username, me.Handle)) {
		return post.Post{}, errOwn
	}
	p := post.Post{
		Platform:   post.X,
		ExternalID: t.ID,
		Channel:    me.UserID,
		ThreadID:   t.ConversationID,
		Author:     post.Author{ExternalID: t.AuthorID, Handle: u.Username, Name: u.Name, Location: u.Location},
		Text:       text,
		Lang:       t.Lang,
		CreatedAt:  parseTime(time.RFC3339Nano, t.CreatedAt, received),
		ReceivedAt: received,
		Raw:        append(json.RawMessage(nil), raw...),
	}
	if p.ThreadID == "" {
		p.ThreadID = t.ID
	}
	if u.Username != "" {
		p.URL = "https://x.com/" + u.Username + "/status/" + t.ID
	}
	if p.Author.ExternalID != "" {
		p.Author.URL = "https://x.com/i/user/" + p.Author.ExternalID
	}
	for _, r := range t.ReferencedTweets {
		if r.Type == "replied_to" && validID(r.ID) {
			p.InReplyTo = r.ID
		}
	}
	if t.Geo != nil && t.Geo.Coordinates != nil && len(t.Geo.Coordinates.Coordinates) == 2 {
		lon, lat := t.Geo.Coordinates.Coordinates[0], t.Geo.Coordinates.Coordinates[1]
		if lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
			p.Lat, p.Lon = &lat, &lon
		}
	}
	mentionsMe := false
	if t.Entities != nil {
		for _, m := range t.Entities.Mentions {
			if (me.UserID != "" && m.ID == me.UserID) || (me.Handle != "" && strings.EqualFold(m.Username, me.Handle)) {
				mentionsMe = true
			}
		}
	}
	switch {
	case p.InReplyTo != "" && me.UserID != "" && t.InReplyToUserID == me.UserID:
		p.Kind = post.KindReply
	case mentionsMe:
		p.Kind = post.KindMention
	default:
		p.Kind = post.KindPost
	}
	return p, nil
}

// Webhook is one decoded Account Activity delivery.
type Webhook struct {
	ForUserID string
	Posts     []post.Post
	Changes   []post.Change // deletions (tweet_delete_events)
	Ignored   int           // event types and items we do not ingest
	Skipped   []conn.Skip   // items that could not be read; the rest was kept
}

// PurgeDeleted is how soon the text of a post its author deleted on X is
// removed from the desk. X's Developer Agreement and Policy oblige anyone
// who stores X content to honour deletions ("use all reasonable efforts to
// honor changes to user content", the compliance documentation repeats),
// so a deleted post's text and payload do not wait for the desk's general
// retention of deleted posts: they are purged within a day. The case keeps
// the fact that a post was deleted.
const PurgeDeleted = 24 * time.Hour

type v1Tweet struct {
	CreatedAt            string `json:"created_at"`
	IDStr                string `json:"id_str"`
	Text                 string `json:"text"`
	FullText             string `json:"full_text"`
	Truncated            bool   `json:"truncated"`
	InReplyToStatusIDStr string `json:"in_reply_to_status_id_str"`
	InReplyToUserIDStr   string `json:"in_reply_to_user_id_str"`
	Lang                 string `json:"lang"`
	TimestampMS          string `json:"timestamp_ms"`
	ExtendedTweet        *struct {
		FullText string `json:"full_text"`
	} `json:"extended_tweet"`
	User struct {
		IDStr      string `json:"id_str"`
		ScreenName string `json:"screen_name"`
		Name       string `json:"name"`
		Location   string `json:"location"`
	} `json:"user"`
	Coordinates *struct {
		Coordinates []float64 `json:"coordinates"`
	} `json:"coordinates"`
	RetweetedStatus json.RawMessage `json:"retweeted_status"`
}

type v1DM struct {
	Type             string `json:"type"`
	ID               string `json:"id"`
	CreatedTimestamp string `json:"created_timestamp"`
	MessageCreate    struct {
		Target struct {
			RecipientID string `json:"recipient_id"`
		} `json:"target"`
		SenderID    string `json:"sender_id"`
		MessageData struct {
			Text string `json:"text"`
		} `json:"message_data"`
	} `json:"message_create"`
}

// DecodeWebhook decodes an Account Activity API delivery. Post objects in
// it are v1.1-shaped. Events other than tweet_create_events and
// direct_message_events are counted as ignored; our own posts and DMs
// (echoes) and retweets are ignored too.
func DecodeWebhook(body []byte, received time.Time) (Webhook, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return Webhook{}, fmt.Errorf("x: unable to decode webhook: %w", err)
	}
	var w Webhook
	if v, ok := top["for_user_id"]; ok {
		if err := json.Unmarshal(v, &w.ForUserID); err != nil {
			return Webhook{}, fmt.Errorf("x: unable to decode for_user_id: %w", err)
		}
	}
	var users map[string]struct {
		Name       string `json:"name"`
		ScreenName string `json:"screen_name"`
	}
	if v, ok := top["users"]; ok {
		if err := json.Unmarshal(v, &users); err != nil {
			// Only names are lost: DMs still arrive.
			w.Skipped = append(w.Skipped, conn.SkipErr("users", "users", err))
		}
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := top[k]
		switch k {
		case "for_user_id", "user_has_blocked", "is_blocked_by", "users", "apps", "source":
		case "tweet_create_events":
			var items []json.RawMessage
			if err := json.Unmarshal(v, &items); err != nil {
				w.Skipped = append(w.Skipped, conn.SkipErr(k, k, err))
				continue
			}
			for i, raw := range items {
				p, ok, err := normaliseV1(raw, w.ForUserID, received)
				if err != nil {
					w.Skipped = append(w.Skipped, conn.SkipErr(k, fmt.Sprintf("%s[%d]", k, i), err))
					continue
				}
				if !ok {
					w.Ignored++
					continue
				}
				w.Posts = append(w.Posts, p)
			}
		case "tweet_delete_events":
			var items []json.RawMessage
			if err := json.Unmarshal(v, &items); err != nil {
				w.Skipped = append(w.Skipped, conn.SkipErr(k, k, err))
				continue
			}
			for i, raw := range items {
				var d struct {
					Status struct {
						ID     conn.ID `json:"id"`
						UserID conn.ID `json:"user_id"`
					} `json:"status"`
					TimestampMS conn.ID `json:"timestamp_ms"`
				}
				if err := json.Unmarshal(raw, &d); err != nil {
					w.Skipped = append(w.Skipped, conn.SkipErr(k, fmt.Sprintf("%s[%d]", k, i), err))
					continue
				}
				if !validID(string(d.Status.ID)) {
					w.Ignored++
					continue
				}
				w.Changes = append(w.Changes, post.Change{Platform: post.X, ExternalID: string(d.Status.ID), Op: post.ChangeDelete,
					At: parseMillis(string(d.TimestampMS), received), Raw: append(json.RawMessage(nil), raw...), PurgeWithin: PurgeDeleted})
			}
		case "direct_message_events":
			var items []json.RawMessage
			if err := json.Unmarshal(v, &items); err != nil {
				w.Skipped = append(w.Skipped, conn.SkipErr(k, k, err))
				continue
			}
			for i, raw := range items {
				var d v1DM
				if err := json.Unmarshal(raw, &d); err != nil {
					w.Skipped = append(w.Skipped, conn.SkipErr(k, fmt.Sprintf("%s[%d]", k, i), err))
					continue
				}
				mc := d.MessageCreate
				if d.Type != "message_create" || !validID(d.ID) || mc.SenderID == "" || mc.SenderID == w.ForUserID {
					w.Ignored++
					continue
				}
				u := users[mc.SenderID]
				p := post.Post{
					Platform:   post.X,
					ExternalID: d.ID,
					Kind:       post.KindDirectMessage,
					Channel:    w.ForUserID,
					ThreadID:   DMConversationID(mc.SenderID, mc.Target.RecipientID),
					Author:     post.Author{ExternalID: mc.SenderID, Handle: u.ScreenName, Name: u.Name},
					Text:       mc.MessageData.Text,
					Private:    true,
					CreatedAt:  parseMillis(d.CreatedTimestamp, received),
					ReceivedAt: received,
					Raw:        append(json.RawMessage(nil), raw...),
				}
				w.Posts = append(w.Posts, p)
			}
		default:
			w.Ignored++
		}
	}
	return w, nil
}

func normaliseV1(raw json.RawMessage, forUser string, received time.Time) (post.Post, bool, error) {
	var t v1Tweet
	if err := json.Unmarshal(raw, &t); err != nil {
		return post.Post{}, false, fmt.Errorf("x: unable to decode webhook post: %w", err)
	}
	if !validID(t.IDStr) || len(t.RetweetedStatus) > 0 && string(t.RetweetedStatus) != "null" ||
		(forUser != "" && t.User.IDStr == forUser) {
		return post.Post{}, false, nil
	}
	text := t.Text
	if t.FullText != "" {
		text = t.FullText
	}
	if t.ExtendedTweet != nil && t.ExtendedTweet.FullText != "" {
		text = t.ExtendedTweet.FullText
	}
	created := parseTime(time.RubyDate, t.CreatedAt, time.Time{})
	if created.IsZero() {
		created = parseMillis(t.TimestampMS, received)
	}
	p := post.Post{
		Platform:   post.X,
		ExternalID: t.IDStr,
		Kind:       post.KindMention,
		Channel:    forUser,
		// v1.1 objects carry no conversation_id: the parent is the best
		// thread key we have without another API call.
		ThreadID:   t.IDStr,
		InReplyTo:  t.InReplyToStatusIDStr,
		Author:     post.Author{ExternalID: t.User.IDStr, Handle: t.User.ScreenName, Name: t.User.Name, Location: t.User.Location},
		Text:       text,
		Lang:       t.Lang,
		CreatedAt:  created,
		ReceivedAt: received,
		Raw:        append(json.RawMessage(nil), raw...),
	}
	if t.InReplyToStatusIDStr != "" {
		p.ThreadID = t.InReplyToStatusIDStr
		if forUser != "" && t.InReplyToUserIDStr == forUser {
			p.Kind = post.KindReply
		}
	}
	if t.User.ScreenName != "" {
		p.URL = "https://x.com/" + t.User.ScreenName + "/status/" + t.IDStr
	}
	if t.Coordinates != nil && len(t.Coordinates.Coordinates) == 2 {
		lon, lat := t.Coordinates.Coordinates[0], t.Coordinates.Coordinates[1]
		if lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
			p.Lat, p.Lon = &lat, &lon
		}
	}
	return p, true, nil
}

// DMConversationID is X's id of a one-to-one DM conversation: both user ids,
// smaller first, joined by "-".
func DMConversationID(a, b string) string {
	if IDLess(b, a) {
		a, b = b, a
	}
	return a + "-" + b
}

func validID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IDLess compares two decimal id strings numerically (X ids exceed 2^53).
// The empty string is less than any id.
func IDLess(a, b string) bool {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func parseTime(layout, s string, def time.Time) time.Time {
	if t, err := time.Parse(layout, s); err == nil {
		return t.UTC()
	}
	return def
}

func parseMillis(s string, def time.Time) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 || ms > 1<<52 {
		return def
	}
	return time.UnixMilli(ms).UTC()
}

// matchingTags reads matching_rules leniently: an odd shape (not an
// array, ids as numbers, no tag) yields the tags that could be read.
func matchingTags(raw json.RawMessage) []string {
	var items []json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &items) != nil {
		return nil
	}
	var out []string
	for _, it := range items {
		var r struct {
			Tag any `json:"tag"`
		}
		if json.Unmarshal(it, &r) != nil {
			continue
		}
		if s, ok := r.Tag.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}
