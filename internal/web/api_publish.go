package web

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/channel"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/outbox"
)

// MaxPostBytes is the longest post the API takes: room for a long
// Facebook advisory in Kannada (three bytes a letter). Each platform's own
// rules (280 weighted characters on X, 500 on Mastodon, an image and a
// caption of at most 2,200 characters on Instagram…) are its connector's
// (connector.Validator), checked here when the post is queued and again by
// the connector before sending.
const MaxPostBytes = 16 << 10

// maxScheduleAhead bounds not_before: a date years ahead is a typo.
const maxScheduleAhead = 366 * 24 * time.Hour

// PublishAPI mounts composing posts on the force's own accounts.
//
// A post is queued in the one outbox (durable, idempotent, rate-limited,
// retried; never re-sent blindly when the outcome is unknown) as an item
// of kind publish, and always waits for approval by someone else with
// replies:approve: what goes out under the force's name gets four eyes,
// whoever wrote it. Approval, rejection, listing (kind=publish), retry and
// cancel are the outbox routes of ReplyAPI, which refuse an approver's own
// item.
func (s *Server) PublishAPI(chs *channel.Store, ob *outbox.Outbox) {
	h := &publishHandlers{s: s, chs: chs, ob: ob}
	s.Route("POST", "/api/v1/channels/{id}/posts", auth.PermPublish, OpDoc{Summary: "Compose a post on the force's own account (queued for approval)", Tags: []string{"publishing"},
		Description: "Queues a post of kind publish in the outbox for channel {id}, which must be active and on a platform that publishes (x, mastodon, bluesky, telegram with publish_chat, facebook with page_id, instagram with ig_user_id). " +
			"media are public https image URLs the platform downloads (Instagram needs 1–10, Facebook takes at most 1, the others none). " +
			"not_before (RFC 3339) schedules it: it is not sent before then, even once approved. " +
			"Every post waits in awaiting_approval until someone else with replies:approve approves it (POST /api/v1/outbox/{id}/approve). " +
			"Idempotent: the same idempotency_key from the same user (or, without one, the same text, media and not_before from the same user to the same channel) returns the first item (200) instead of queueing another (201); to post the same words again later, send a new key.",
		Params:  []Param{{Name: "id", In: "path", Type: "integer", Required: true, Description: "the channel"}},
		Request: publishRequest{}, Response: outbox.Item{}, Status: http.StatusCreated}, h.create)
}

type publishRequest struct {
	Text           string   `json:"text"`
	Media          []string `json:"media,omitempty"`
	IdempotencyKey string   `json:"idempotency_key,omitempty"`
	// NotBefore is an RFC 3339 time with its offset, e.g.
	// 2026-03-01T06:00:00+05:30. A string rather than time.Time so a
	// malformed one is refused with the field's name.
	NotBefore string `json:"not_before,omitempty"`
}

type publishHandlers struct {
	s   *Server
	chs *channel.Store
	ob  *outbox.Outbox
}

// publishKey is the outbox idempotency key of a post: a client's key
// namespaced by user (and apart from reply keys), or one derived from
// everything the post says, so a double-click queues one item.
func publishKey(userID, channelID int64, text string, media []string, notBefore time.Time, client string) string {
	if client != "" {
		return "publish:u" + strconv.FormatInt(userID, 10) + ":" + client
	}
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%d\x00%s\x00%d", userID, channelID, text, len(media))
	for _, m := range media {
		fmt.Fprintf(h, "\x00%s", m)
	}
	if !notBefore.IsZero() {
		fmt.Fprintf(h, "\x00%d", notBefore.UnixMilli())
	}
	return "publish:auto:" + hex.EncodeToString(h.Sum(nil)[:16])
}

// checkMedia refuses anything but public https URLs: the platform fetches
// them (we never do), and credentials in a URL would be shown to approvers
// and sent to the platform.
func checkMedia(media []string) error {
	if len(media) > outbox.MaxMedia {
		return invalid("media", "%d media; at most %d", len(media), outbox.MaxMedia)
	}
	for i, m := range media {
		u, err := url.Parse(m)
		switch {
		case err != nil || len(m) > 2048 || strings.ContainsFunc(m, func(c rune) bool { return c <= 0x20 || c == 0x7f }):
			return invalid("media", "media[%d] is not a URL of at most 2048 bytes", i)
		case u.Scheme != "https" || u.Host == "" || u.Hostname() == "":
			return invalid("media", "media[%d] must be an https URL the platform can download", i)
		case u.User != nil:
			return invalid("media", "media[%d] must not carry credentials", i)
		}
		for _, prev := range media[:i] {
			if prev == m {
				return invalid("media", "media[%d] repeats an earlier URL", i)
			}
		}
	}
	return nil
}

func cannotPublish(format string, args ...any) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "cannot_publish", Message: fmt.Sprintf(format, args...)}
}

// refused turns a connector's refusal of a message (connector.Validator)
// into 422 with the rule's words: "invalid" on the request field that
// broke it (fields maps the connector's part to the request's field), or
// code when it is the channel (a missing setting, a platform without
// posts) or a part the request does not name.
func refused(err error, code string, fields map[string]string) *Error {
	var ce *connector.Error
	if !errors.As(err, &ce) {
		return &Error{Status: http.StatusUnprocessableEntity, Code: code, Message: err.Error(), Err: err}
	}
	msg := ce.Platform + ": " + ce.Message
	if f, ok := fields[ce.Field]; ok {
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: f, Message: msg, Err: err}
	}
	return &Error{Status: http.StatusUnprocessableEntity, Code: code, Message: msg, Err: err}
}

func (h *publishHandlers) create(w http.ResponseWriter, r *http.Request) error {
	chID, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var req publishRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	text, err := outgoingText(req.Text, req.IdempotencyKey, MaxPostBytes)
	if err != nil {
		return err
	}
	if err := checkMedia(req.Media); err != nil {
		return err
	}
	var notBefore time.Time
	if req.NotBefore != "" {
		if notBefore, err = time.Parse(time.RFC3339, req.NotBefore); err != nil {
			return invalid("not_before", "not_before must be an RFC 3339 time with its offset, e.g. 2026-03-01T06:00:00+05:30")
		}
		now := time.Now()
		switch {
		case notBefore.Before(now.Add(-time.Minute)):
			return invalid("not_before", "not_before %s is in the past", req.NotBefore)
		case notBefore.After(now.Add(maxScheduleAhead)):
			return invalid("not_before", "not_before %s is more than a year ahead", req.NotBefore)
		}
	}
	ctx := r.Context()
	ch, err := h.chs.Get(ctx, chID)
	if err != nil {
		return err
	}
	// The platform's connector says what it takes (connector.Validator):
	// the same checks it runs before sending, so a post it would refuse
	// after a supervisor approved it is refused now, while its author is
	// at the keyboard.
	v, err := connector.NewValidator(connector.Channel{ID: ch.ID, Platform: ch.Platform, Name: ch.Name, Config: ch.Config})
	switch {
	case errors.Is(err, connector.ErrNoValidator):
		return cannotPublish("channel %d is on %s, which has no posts of the force's own to publish", ch.ID, ch.Platform)
	case err != nil:
		return cannotPublish("channel %d's settings are not valid: %v", ch.ID, err)
	case ch.Status != channel.Active:
		return &Error{Status: http.StatusConflict, Code: "channel_inactive", Message: fmt.Sprintf("channel %d is %s, not active: resume it before publishing", ch.ID, ch.Status)}
	}
	if h.s.pubGate != nil {
		if err := h.s.pubGate(ctx, ch.ID); err != nil {
			return pubErr(err)
		}
	}
	if err := v.ValidatePublish(connector.Message{Text: text, Media: req.Media}); err != nil {
		return refused(err, "cannot_publish", map[string]string{connector.FieldText: "text", connector.FieldMedia: "media"})
	}
	p := Principal(r)
	it := outbox.Item{
		IdempotencyKey: publishKey(p.UserID, ch.ID, text, req.Media, notBefore, req.IdempotencyKey),
		ChannelID:      ch.ID,
		Kind:           outbox.Publish,
		Text:           text,
		Media:          req.Media,
		NeedsApproval:  true,
		CreatedBy:      p.UserID,
		NotBefore:      notBefore,
	}
	details := map[string]any{"channel_id": ch.ID, "platform": ch.Platform, "media": len(req.Media), "bytes": len(text)}
	if !notBefore.IsZero() {
		details["not_before"] = notBefore.UTC().Format(time.RFC3339)
	}
	// The audit entry commits with the row: no post is queued unrecorded.
	id, created, err := h.ob.EnqueueThen(ctx, it, func(tx *sql.Tx, id int64) error {
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "publish.create", Target: "outbox:" + strconv.FormatInt(id, 10), Details: details})
	})
	if err != nil {
		return outboxError(err)
	}
	item, err := h.ob.Get(ctx, id)
	if err != nil {
		return err
	}
	if !created {
		return JSON(w, http.StatusOK, item)
	}
	return JSON(w, http.StatusCreated, item)
}
