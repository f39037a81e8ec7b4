package meta

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

// More text limits checked before sending (see also IGCaption… in
// publish_ig.go).
const (
	// FBPostMaxChars is the longest Page post (or photo caption).
	FBPostMaxChars = 63206
	// IGDMMaxBytes bounds an Instagram direct message: the Instagram
	// messaging Send API takes text "less than 1000 bytes" of UTF-8, so
	// a Kannada reply (three bytes a letter) fits about 330 letters.
	IGDMMaxBytes = 1000
)

// Reply routes (rules.replyKind).
const (
	routeInstagramDM      = "instagram_dm"
	routeInstagramMention = "instagram_mention"
)

func init() {
	for _, p := range []string{post.Facebook, post.Instagram, post.Messenger} {
		connector.RegisterValidator(p, func(ch connector.Channel) (connector.Validator, error) { return newRules(ch), nil })
	}
}

// rules are what Meta accepts, checked without network I/O: by Reply
// and Publish before sending, and by the desk when a message is queued
// (connector.Validator). The Connector embeds them.
type rules struct {
	platform string // the channel's: facebook, instagram or messenger (what Publish does)
	pageID   string // our Page (Messenger sends, Page posts)
	igUserID string // our Instagram professional account
}

func newRules(ch connector.Channel) rules {
	return rules{platform: ch.Platform, pageID: conn.Str(ch.Config, "page_id", ""), igUserID: conn.Str(ch.Config, "ig_user_id", "")}
}

// replyKind says how a reply goes out: post.Messenger, routeInstagramDM,
// routeInstagramMention, post.Instagram (a comment reply) or
// post.Facebook (a comment).
func (r rules) replyKind(t connector.Target) string {
	dm := t.Recipient != "" || strings.Contains(t.ThreadID, ":")
	if p := t.Extra["platform"]; p == post.Facebook || p == post.Instagram || p == post.Messenger {
		switch {
		case p == post.Instagram && dm:
			return routeInstagramDM
		case p == post.Instagram && t.Extra["kind"] == post.KindMention:
			return routeInstagramMention
		}
		return p
	}
	ig := r.igUserID != "" && t.Channel == r.igUserID
	switch {
	case dm && ig:
		return routeInstagramDM
	case dm:
		return post.Messenger
	case ig && t.Extra["kind"] == post.KindMention:
		return routeInstagramMention
	case ig:
		return post.Instagram
	}
	return post.Facebook
}

// mention is where a reply to an @mention of us goes: the media it is on
// (the thread) and, for a mention in a comment, that comment. A caption
// mention is the media itself.
func mention(t connector.Target) (mediaID, commentID string) {
	mediaID = t.ThreadID
	if mediaID == "" {
		mediaID = t.Extra["media_id"]
	}
	if t.ParentID != "" && t.ParentID != mediaID {
		commentID = t.ParentID
	}
	return mediaID, commentID
}

// dmRecipient is a direct message's recipient: t.Recipient, or the user
// of a "page:psid" (or "ig:igsid") thread.
func dmRecipient(t connector.Target) string {
	if t.Recipient != "" {
		return t.Recipient
	}
	_, to, _ := strings.Cut(t.ThreadID, ":")
	return to
}

func tooLong(platform, what string, n, limit int) error {
	return connector.Refuse(platform, connector.FieldText, fmt.Sprintf("%s is %d characters, limit %d", what, n, limit))
}

// ValidateReply checks a reply on the route replyKind picks. The 24-hour
// window of direct messages is checked at send time.
func (r rules) ValidateReply(t connector.Target, m connector.Message) error {
	if err := conn.NoMedia(r.platform, m); err != nil {
		return err
	}
	n := utf8.RuneCountInString(m.Text)
	switch kind := r.replyKind(t); kind {
	case post.Messenger, routeInstagramDM:
		platform, account := post.Messenger, r.pageID
		if kind == routeInstagramDM {
			platform, account = post.Instagram, r.igUserID
		}
		switch {
		case strings.TrimSpace(m.Text) == "":
			return connector.Refuse(platform, connector.FieldText, "empty text")
		case kind == post.Messenger && n > MessengerMaxChars:
			return tooLong(platform, "text", n, MessengerMaxChars)
		case kind == routeInstagramDM && len(m.Text) > IGDMMaxBytes:
			return connector.Refuse(platform, connector.FieldText, fmt.Sprintf("text is %d bytes of UTF-8, limit %d", len(m.Text), IGDMMaxBytes))
		case account == "":
			return connector.Refuse(platform, "", "DM reply needs our account id (config page_id or ig_user_id)")
		case dmRecipient(t) == "":
			return connector.Refuse(platform, connector.FieldTarget, "DM reply needs a recipient")
		}
	case post.Instagram, routeInstagramMention:
		switch {
		case strings.TrimSpace(m.Text) == "":
			return connector.Refuse(post.Instagram, connector.FieldText, "empty text")
		case n > IGCommentMaxChars:
			return tooLong(post.Instagram, "text", n, IGCommentMaxChars)
		case kind == post.Instagram && t.ParentID == "":
			return connector.Refuse(post.Instagram, connector.FieldTarget, "reply needs the parent comment id")
		case kind == routeInstagramMention && r.igUserID == "":
			return connector.Refuse(post.Instagram, "", "replying to an @mention needs config ig_user_id")
		}
		if media, _ := mention(t); kind == routeInstagramMention && media == "" {
			return connector.Refuse(post.Instagram, connector.FieldTarget, "reply to an @mention needs the media it is on")
		}
	default:
		switch {
		case strings.TrimSpace(m.Text) == "":
			return connector.Refuse(post.Facebook, connector.FieldText, "empty text")
		case n > FBCommentMaxChars:
			return tooLong(post.Facebook, "text", n, FBCommentMaxChars)
		case t.ParentID == "":
			return connector.Refuse(post.Facebook, connector.FieldTarget, "reply needs the parent post or comment id")
		}
	}
	return nil
}

// ValidatePublish checks a post on the channel's account: a Page post
// (text, at most one image), an Instagram post (CheckIGPost), nothing on
// Messenger.
func (r rules) ValidatePublish(m connector.Message) error {
	switch r.platform {
	case post.Instagram:
		if r.igUserID == "" {
			return connector.Refuse(post.Instagram, "", "publishing needs config ig_user_id")
		}
		return CheckIGPost(m)
	case post.Messenger:
		return connector.Refuse(post.Messenger, "", "Messenger has no public posts")
	}
	n := utf8.RuneCountInString(m.Text)
	switch {
	case r.pageID == "":
		return connector.Refuse(post.Facebook, "", "publishing needs config page_id")
	case strings.TrimSpace(m.Text) == "":
		return connector.Refuse(post.Facebook, connector.FieldText, "empty text")
	case n > FBPostMaxChars:
		return tooLong(post.Facebook, "text", n, FBPostMaxChars)
	case len(m.Media) > 1:
		return connector.Refuse(post.Facebook, connector.FieldMedia, fmt.Sprintf("%d images; a Page post carries at most one here", len(m.Media)))
	}
	return nil
}
