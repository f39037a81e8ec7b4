package metafake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Entry is one webhook entry; Payload batches entries of one object.
type Entry struct {
	Object string // "page" or "instagram"
	ID     string // Page or IG account id
	Time   int64  // seconds for changes, milliseconds for messaging (as Meta does)
	Change map[string]any
	Msg    map[string]any
}

// Payload builds one delivery from entries that share an object ("page" or
// "instagram"), one entry[] element each, as Meta batches.
func Payload(entries ...Entry) []byte {
	object := "page"
	if len(entries) > 0 {
		object = entries[0].Object
	}
	var list []map[string]any
	for _, e := range entries {
		m := map[string]any{"id": e.ID, "time": e.Time}
		if e.Change != nil {
			m["changes"] = []any{e.Change}
		}
		if e.Msg != nil {
			m["messaging"] = []any{e.Msg}
		}
		list = append(list, m)
	}
	b, _ := json.Marshal(map[string]any{"object": object, "entry": list})
	return b
}

func (s *Server) nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return s.o.Now()
	}
	return t
}

// Comment is a Facebook comment on a Page post.
type Comment struct {
	ID       string // comment id; generated as {post}_{n} when empty
	PostID   string // the Page post; generated and made known when empty
	ParentID string // parent comment for a reply; default the post
	FromID   string
	FromName string
	Message  string
	Time     time.Time
}

// FeedComment is a feed change, item comment, verb add.
func (s *Server) FeedComment(c Comment) (Entry, Comment) {
	if c.PostID == "" {
		s.mu.Lock()
		c.PostID = s.o.PageID + "_" + s.id()
		s.mu.Unlock()
		s.known(c.PostID, "post")
	}
	if c.ID == "" {
		s.mu.Lock()
		c.ID = c.PostID[len(c.PostID)-6:] + "_" + s.id()
		s.mu.Unlock()
	}
	if c.ParentID == "" {
		c.ParentID = c.PostID
	}
	c.Time = s.nowOr(c.Time)
	s.known(c.ID, "comment")
	s.recordPost(fbPost{ID: c.PostID, FromID: s.o.PageID, FromName: "City Police", Created: c.Time.Add(-time.Hour)})
	s.recordComment(fbComment{ID: c.ID, PostID: c.PostID, ParentID: c.ParentID, FromID: c.FromID, FromName: c.FromName, Message: c.Message, Created: c.Time})
	v := map[string]any{"item": "comment", "verb": "add", "post_id": c.PostID, "comment_id": c.ID, "parent_id": c.ParentID,
		"from": map[string]string{"id": c.FromID, "name": c.FromName}, "message": c.Message, "created_time": c.Time.Unix(), "is_hidden": false,
		"post": map[string]any{"id": c.PostID, "status_type": "added_photos", "is_published": true, "permalink_url": "https://www.facebook.com/" + c.PostID}}
	return Entry{Object: "page", ID: s.o.PageID, Time: c.Time.Unix(), Change: map[string]any{"field": "feed", "value": v}}, c
}

// VisitorPost is someone posting on the Page (item status).
func (s *Server) VisitorPost(postID, fromID, fromName, message string, at time.Time) Entry {
	at = s.nowOr(at)
	s.known(postID, "post")
	s.recordPost(fbPost{ID: postID, FromID: fromID, FromName: fromName, Message: message, Created: at})
	v := map[string]any{"item": "status", "verb": "add", "post_id": postID, "from": map[string]string{"id": fromID, "name": fromName},
		"message": message, "created_time": at.Unix(), "published": 1}
	return Entry{Object: "page", ID: s.o.PageID, Time: at.Unix(), Change: map[string]any{"field": "feed", "value": v}}
}

// PageMention is the Page tagged in someone's comment (commentID set) or post.
func (s *Server) PageMention(postID, commentID, senderID, senderName, message string, at time.Time) Entry {
	at = s.nowOr(at)
	s.known(postID, "post")
	v := map[string]any{"item": "post", "verb": "add", "post_id": postID, "sender_id": senderID, "sender_name": senderName,
		"message": message, "created_time": at.Unix()}
	if commentID != "" {
		v["item"], v["comment_id"] = "comment", commentID
		s.known(commentID, "comment")
	}
	return Entry{Object: "page", ID: s.o.PageID, Time: at.Unix(), Change: map[string]any{"field": "mention", "value": v}}
}

// Message is an inbound Messenger (or Instagram) DM.
type Message struct {
	MID       string // generated when empty
	PSID      string // sender's page-scoped id
	Text      string
	ReplyTo   string
	Image     string // attachment URL
	Lat, Lon  *float64
	Echo      bool
	Time      time.Time
	Instagram bool // deliver as object instagram to the IG account
}

// MessengerMessage builds a messaging entry and records the user's last
// inbound time for the 24-hour rule.
func (s *Server) MessengerMessage(m Message) (Entry, Message) {
	if m.MID == "" {
		s.mu.Lock()
		m.MID = "m_" + s.id()
		s.mu.Unlock()
	}
	m.Time = s.nowOr(m.Time)
	account, object := s.o.PageID, "page"
	if m.Instagram {
		account, object = s.o.IGUserID, "instagram"
	}
	msg := map[string]any{"mid": m.MID}
	if m.Text != "" {
		msg["text"] = m.Text
	}
	if m.ReplyTo != "" {
		msg["reply_to"] = map[string]string{"mid": m.ReplyTo}
	}
	var atts []any
	if m.Image != "" {
		atts = append(atts, map[string]any{"type": "image", "payload": map[string]string{"url": m.Image}})
	}
	if m.Lat != nil && m.Lon != nil {
		atts = append(atts, map[string]any{"type": "location", "payload": map[string]any{"coordinates": map[string]float64{"lat": *m.Lat, "long": *m.Lon}}})
	}
	if atts != nil {
		msg["attachments"] = atts
	}
	sender, recipient := m.PSID, account
	if m.Echo {
		msg["is_echo"] = true
		sender, recipient = account, m.PSID
	} else {
		s.NoteInbound(m.PSID, m.Time)
		if !m.Instagram {
			s.recordDM(m.PSID, dm{MID: m.MID, FromID: m.PSID, Text: m.Text, Created: m.Time})
		}
	}
	ev := map[string]any{"sender": map[string]string{"id": sender}, "recipient": map[string]string{"id": recipient},
		"timestamp": m.Time.UnixMilli(), "message": msg}
	return Entry{Object: object, ID: account, Time: m.Time.UnixMilli(), Msg: ev}, m
}

// MessengerDelivery is a delivery receipt for messages we sent.
func (s *Server) MessengerDelivery(psid string, mids []string, watermark time.Time) Entry {
	watermark = s.nowOr(watermark)
	ev := map[string]any{"sender": map[string]string{"id": psid}, "recipient": map[string]string{"id": s.o.PageID},
		"timestamp": watermark.UnixMilli(), "delivery": map[string]any{"mids": mids, "watermark": watermark.UnixMilli()}}
	return Entry{Object: "page", ID: s.o.PageID, Time: watermark.UnixMilli(), Msg: ev}
}

// IGCommentIn is an Instagram comment on our media.
type IGCommentIn struct {
	ID       string // generated when empty
	ParentID string
	MediaID  string // generated when empty
	FromID   string
	Username string
	Text     string
	Time     time.Time
}

// IGComment builds an instagram "comments" change.
func (s *Server) IGComment(c IGCommentIn) (Entry, IGCommentIn) {
	s.mu.Lock()
	if c.ID == "" {
		c.ID = "179" + s.id()
	}
	if c.MediaID == "" {
		c.MediaID = "179" + s.id()
	}
	s.mu.Unlock()
	c.Time = s.nowOr(c.Time)
	s.known(c.ID, "ig_comment")
	s.known(c.MediaID, "ig_media")
	s.recordIGComment(igComment{ID: c.ID, MediaID: c.MediaID, ParentID: c.ParentID, FromID: c.FromID, Username: c.Username, Text: c.Text, Created: c.Time})
	v := map[string]any{"id": c.ID, "text": c.Text, "from": map[string]string{"id": c.FromID, "username": c.Username},
		"media": map[string]string{"id": c.MediaID, "media_product_type": "FEED"}}
	if c.ParentID != "" {
		v["parent_id"] = c.ParentID
	}
	return Entry{Object: "instagram", ID: s.o.IGUserID, Time: c.Time.Unix(), Change: map[string]any{"field": "comments", "value": v}}, c
}

// IGMention builds an instagram "mentions" change for a comment (or, with
// commentID empty, a caption) that @mentions us; the text becomes
// available to the mention lookup the connector makes.
func (s *Server) IGMention(commentID, mediaID, username, text string, at time.Time) Entry {
	at = s.nowOr(at)
	v := map[string]any{"media_id": mediaID}
	s.mu.Lock()
	if commentID != "" {
		v["comment_id"] = commentID
		s.igComment[commentID] = map[string]any{"id": commentID, "text": text, "username": username,
			"timestamp": at.UTC().Format("2006-01-02T15:04:05-0700"), "media": map[string]string{"id": mediaID}}
		// Another account's comment: /replies is refused there; the
		// mentions edge answers it.
		s.objects[commentID] = "ig_mention_comment"
		s.mentionMedia[commentID] = mediaID
	} else {
		s.igMention[mediaID] = map[string]any{"id": mediaID, "caption": text, "username": username,
			"timestamp": at.UTC().Format("2006-01-02T15:04:05-0700"), "permalink": "https://www.instagram.com/p/" + mediaID}
	}
	s.mu.Unlock()
	return Entry{Object: "instagram", ID: s.o.IGUserID, Time: at.Unix(), Change: map[string]any{"field": "mentions", "value": v}}
}

// SignedRequest builds a webhook POST signed like Meta: X-Hub-Signature-256
// (hex HMAC-SHA256 of the exact body) and the legacy X-Hub-Signature (sha1).
func SignedRequest(appSecret, url string, body []byte) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Hub-Signature-256", Sign(appSecret, body))
	r.Header.Set("X-Hub-Signature", signSHA1(appSecret, body))
	return r
}

// Deliver POSTs body to webhookURL signed with the fake's app secret and
// returns the HTTP status.
func (s *Server) Deliver(ctx context.Context, webhookURL string, body []byte) (int, error) {
	resp, err := http.DefaultClient.Do(SignedRequest(s.o.AppSecret, webhookURL, body).WithContext(ctx))
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Handshake plays the subscription GET with the fake's verify token and
// checks the challenge is echoed.
func (s *Server) Handshake(ctx context.Context, webhookURL string) error {
	return Handshake(ctx, webhookURL, s.o.VerifyToken)
}

// Handshake plays Meta's hub.challenge GET against webhookURL.
func Handshake(ctx context.Context, webhookURL, verifyToken string) error {
	challenge := strconv.FormatInt(time.Now().UnixNano()%1e10, 10)
	q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {verifyToken}, "hub.challenge": {challenge}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, webhookURL+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != 200 || string(b) != challenge {
		return fmt.Errorf("metafake: handshake answered HTTP %d %q", resp.StatusCode, b)
	}
	return nil
}
