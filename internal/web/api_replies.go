package web

import (
	"slices"

	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/channel"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/rules"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// MaxReplyBytes is the longest reply the API takes. Each platform's own
// rules (280 weighted characters on X, 500 on Mastodon, 300 graphemes on
// Bluesky…) are its connector's (connector.Validator): checked when the
// reply is queued, and again by the connector before sending.
const MaxReplyBytes = 4096

// maxClientKey bounds a client's idempotency key (the outbox allows 200
// bytes including our prefix).
const maxClientKey = 128

// SensitiveCategories are the case categories whose replies a supervisor
// approves before they go out (when an agent writes them).
var SensitiveCategories = map[string]bool{
	"womens_safety": true, "child_safety": true, "missing_person": true, "police_complaint": true, "rumour": true,
}

// Sensitive reports whether a reply on c waits for approval when its
// author may not approve replies: critical cases, private conversations
// (DMs, WhatsApp, forms), the categories above, and cases an automation
// rule marked as needing approval.
func Sensitive(c desk.Case) bool {
	return c.Priority == desk.P1 || c.Private || SensitiveCategories[c.Category] ||
		slices.Contains(c.Tags, rules.TagApproval) // an automation rule asked for approval
}

// ReplyAPI mounts replying to citizens and the outbox those replies go
// through.
//
// A reply answers one post of the case (by default the citizen's latest)
// through the channel that post came in on, on its thread. It is queued in
// the outbox (durable, idempotent, rate-limited, retried) and sent by the
// outbox worker; sensitive replies by people without replies:approve wait
// in awaiting_approval.
//
// Timeline and SLA: queueing records reply_queued on the case's timeline;
// the first-response clock stops, a new case becomes open and reply_sent
// is recorded only when the platform accepts the reply (the outbox's
// outcome hook, desk.RecordReply). A reply that fails raises the case's
// reply_failed flag with reply_failed on the timeline: a reply nobody
// received is no answer.
func (s *Server) ReplyAPI(d *desk.Desk, ob *outbox.Outbox) {
	// Channel settings are read from the desk's database; secrets are
	// never needed to check a reply, so the store has no key.
	h := &replyHandlers{s: s, d: d, ob: ob, chs: channel.NewStore(d.DB(), nil)}
	s.replies = h
	id := []Param{{Name: "id", In: "path", Type: "integer", Required: true}}
	s.Route("POST", "/api/v1/cases/{id}/replies", auth.PermRepliesSend, OpDoc{Summary: "Reply to the citizen through the outbox", Tags: []string{"replies"},
		Description: "Answers post_id (a post of this case; default: the case's latest post) through the channel it came in on. " +
			"Idempotent: the same idempotency_key (or, without one, the same text from the same user to the same post) returns the first item (200) instead of queueing another (201). " +
			"The platform's own rules (length as it counts it, the shape of the post answered) are checked now by the same code its connector runs before sending: a reply it would refuse is refused with 422 and the rule, and nothing is queued. " +
			"Replies on critical, private or sensitive-category cases by someone without replies:approve wait for approval.",
		Params: id, Request: replyRequest{}, Response: outbox.Item{}, Status: http.StatusCreated}, h.create)
	s.Route("GET", "/api/v1/outbox", auth.PermRepliesSend, OpDoc{Summary: "List outbox items, newest first", Tags: []string{"replies"},
		Params: []Param{{Name: "state", Description: "comma-separated: awaiting_approval, pending, sending, sent, failed, unknown, cancelled, held"},
			{Name: "kind", Description: "reply or publish"}, {Name: "case", Type: "integer"}, {Name: "channel", Type: "integer"},
			{Name: "before", Type: "integer", Description: "items with a smaller id (next page)"}, {Name: "limit", Type: "integer", Description: "1–500, default 50"}},
		Response: outboxPage{}}, h.list)
	s.Route("GET", "/api/v1/outbox/{id}", auth.PermRepliesSend, OpDoc{Summary: "Get an outbox item with its state and the platform's answer", Tags: []string{"replies"},
		Params: id, Response: outbox.Item{}}, h.get)
	s.Route("POST", "/api/v1/outbox/{id}/approve", auth.PermRepliesApprove, OpDoc{Summary: "Approve a reply or post awaiting approval (not one's own)", Tags: []string{"replies"},
		Params: id, Response: outbox.Item{}}, h.approve)
	s.Route("POST", "/api/v1/outbox/{id}/reject", auth.PermRepliesApprove, OpDoc{Summary: "Reject a reply or post awaiting approval", Tags: []string{"replies"},
		Params: id, Request: decisionRequest{}, Response: outbox.Item{}}, h.reject)
	s.Route("POST", "/api/v1/outbox/{id}/edit", auth.PermRepliesApprove, OpDoc{Summary: "Edit the text of a reply or post awaiting approval", Tags: []string{"replies"},
		Description: "It stays awaiting approval. A reply is checked against its platform's rules again, as when it was queued.",
		Params:      id, Request: editRequest{}, Response: outbox.Item{}}, h.edit)
	s.Route("POST", "/api/v1/outbox/{id}/retry", auth.PermRepliesApprove, OpDoc{Summary: "Send a failed or unknown item again", Tags: []string{"replies"},
		Description: "For unknown items: first check on the platform that the reply was not published, or the citizen gets it twice.",
		Params:      id, Response: outbox.Item{}}, h.retry)
	s.Route("POST", "/api/v1/outbox/{id}/cancel", auth.PermRepliesApprove, OpDoc{Summary: "Withdraw an item that was not sent", Tags: []string{"replies"},
		Params: id, Request: decisionRequest{}, Response: outbox.Item{}}, h.cancel)
	s.Route("POST", "/api/v1/outbox/{id}/release", auth.PermRepliesApprove, OpDoc{Summary: "Release an item held when the database was restored from a backup", Tags: []string{"replies"},
		Description: "First check on the platform that the live desk did not send it after the backup was taken, or the citizen gets it twice. " +
			"The item returns to the state it was held from (one caught while sending goes back to pending).",
		Params: id, Request: decisionRequest{}, Response: outbox.Item{}}, h.release)
}

type replyRequest struct {
	// Text may hold {name}, {ref}, {status_code} and {status_url}: the
	// citizen's name, the case's reference, its public status code and a
	// link to its status page, filled in as the reply is queued
	// (desk.FillReply).
	Text           string `json:"text"`
	PostID         int64  `json:"post_id,omitempty"`
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

type editRequest struct {
	Text string `json:"text"`
}

type decisionRequest struct {
	Reason string `json:"reason,omitempty"`
}

type outboxPage struct {
	Items      []outbox.Item `json:"items"`
	NextBefore int64         `json:"next_before,omitempty"`
}

type replyHandlers struct {
	s   *Server
	d   *desk.Desk
	ob  *outbox.Outbox
	chs *channel.Store
	// record serialises "is the reply event on the timeline yet? if not,
	// add it", so two identical requests racing on this replica record
	// one event. (Across replicas the race remains, at worst a duplicate
	// timeline line; the outbox row itself is unique by key.)
	record sync.Mutex
}

func invalid(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: field, Message: fmt.Sprintf(format, args...)}
}

// outboxError maps the outbox's errors to statuses.
func outboxError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "outbox: ")
	switch {
	case errors.Is(err, outbox.ErrState):
		return &Error{Status: http.StatusConflict, Code: "wrong_state", Message: msg, Err: err}
	case errors.Is(err, outbox.ErrConflict):
		return &Error{Status: http.StatusConflict, Code: "conflict", Field: "idempotency_key", Message: msg, Err: err}
	case errors.Is(err, outbox.ErrInvalid):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: strings.TrimPrefix(msg, "invalid item: "), Err: err}
	}
	return err
}

// replyKey is the outbox idempotency key of a reply. A client's key is
// namespaced by user so one user cannot collide with another's. Without
// one, the key is derived from who answers which post of which case with
// what words: a double-click queues one item, while the same words sent
// later to a new message of the citizen are a new reply.
func replyKey(caseID, userID, postID int64, text, client string) string {
	if client != "" {
		return "reply:u" + strconv.FormatInt(userID, 10) + ":" + client
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%d\x00%d\x00%d\x00%s", caseID, userID, postID, text))
	return "reply:auto:" + hex.EncodeToString(sum[:16])
}

// answered picks the post a reply answers: postID when given (it must be
// in the case), else the case's latest post.
func (h *replyHandlers) answered(ctx context.Context, c desk.Case, postID int64, sc desk.Scope) (post.Post, error) {
	if postID != 0 {
		p, _, err := h.d.GetPost(ctx, postID, sc)
		if err != nil || p.CaseID != c.ID {
			return post.Post{}, invalid("post_id", "post %d is not a post of case %s", postID, c.Ref)
		}
		return p, nil
	}
	// ListPosts of a case is oldest first, at most 500 a page: walk
	// forward from the last seen time until a page adds nothing new.
	var last post.Post
	seen := map[int64]bool{}
	f := desk.PostFilter{CaseID: c.ID, Limit: 500}
	for {
		ps, err := h.d.ListPosts(ctx, f, sc)
		if err != nil {
			return post.Post{}, err
		}
		added := false
		for _, p := range ps {
			if !seen[p.ID] {
				seen[p.ID], added, last = true, true, p
			}
		}
		if len(ps) < f.Limit || !added {
			break
		}
		f.Since = last.CreatedAt.UnixMilli()
	}
	if last.ID == 0 {
		return post.Post{}, invalid("post_id", "case %s has no post to answer", c.Ref)
	}
	return last, nil
}

// recorded reports whether the case's timeline already has the reply
// event of outbox item itemID (a repeated request for the same item).
func (h *replyHandlers) recorded(ctx context.Context, caseID, itemID int64, sc desk.Scope) (bool, error) {
	ev, err := h.d.TimelineKind(ctx, caseID, sc, desk.EventReplyQueued)
	if err != nil {
		return false, err
	}
	for _, e := range ev {
		if v, ok := e.Body["outbox_id"].(float64); ok && int64(v) == itemID {
			return true, nil
		}
	}
	return false, nil
}

// outgoingText checks what a person writes to go out under the force's
// name (a reply or a post) and its client idempotency key, and returns the
// text cleaned of control and invisible characters.
func outgoingText(raw, key string, maxBytes int) (string, error) {
	text := strings.TrimSpace(textnorm.Clean(raw))
	switch {
	case !utf8.ValidString(raw):
		return "", invalid("text", "text must be valid UTF-8")
	case textnorm.Fold(text) == "":
		return "", invalid("text", "text is empty")
	case len(text) > maxBytes:
		return "", invalid("text", "text is %d bytes; at most %d", len(text), maxBytes)
	case len(key) > maxClientKey || !utf8.ValidString(key) ||
		strings.ContainsFunc(key, func(c rune) bool { return c < 0x20 || c == 0x7f }):
		return "", invalid("idempotency_key", "idempotency_key must be at most %d bytes of printable text", maxClientKey)
	}
	return text, nil
}

func (h *replyHandlers) create(w http.ResponseWriter, r *http.Request) error {
	caseID, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var req replyRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	it, created, err := h.queue(r, caseID, req)
	if err != nil {
		return err
	}
	outgoingViewerOf(r).OutboxItem(&it, h.caseNames(r)(it.CaseID)...)
	if !created {
		return JSON(w, http.StatusOK, it)
	}
	return JSON(w, http.StatusCreated, it)
}

// target is where a reply to the answered post goes, and checks it
// against the platform's rules.
func (h *replyHandlers) target(r *http.Request, caseID, postID int64, text string) (desk.Case, post.Post, connector.Target, error) {
	if postID < 0 {
		return desk.Case{}, post.Post{}, connector.Target{}, invalid("post_id", "post_id must be positive")
	}
	ctx := r.Context()
	sc := scopeOf(r)
	c, err := h.d.GetCase(ctx, caseID, sc)
	if err != nil {
		return c, post.Post{}, connector.Target{}, err
	}
	ans, err := h.answered(ctx, c, postID, sc)
	if err != nil {
		return c, ans, connector.Target{}, err
	}
	if ans.ChannelID == 0 {
		return c, ans, connector.Target{}, invalid("post_id", "no channel to reply through: post %d came in by import or the API, not through a connected channel", ans.ID)
	}
	// LastInboundAt is the citizen's latest post in the case: the 24-hour
	// windows (WhatsApp, Messenger) run from it. Extra["kind"] tells the
	// connector what it answers (an Instagram @mention of us in another
	// account's media is answered through another endpoint).
	target := connector.Target{Channel: ans.Channel, ParentID: ans.ExternalID, ThreadID: ans.ThreadID, LastInboundAt: c.LastPostAt}
	if ans.Kind != "" {
		target.Extra = map[string]string{"kind": ans.Kind}
	}
	return c, ans, target, h.check(ctx, ans, target, desk.FillReply(text, c, h.s.cfg.BaseURL))
}

// queue checks and queues a reply; created is false when the request
// repeated an earlier one (the first item is returned).
func (h *replyHandlers) queue(r *http.Request, caseID int64, req replyRequest) (outbox.Item, bool, error) {
	text, err := outgoingText(req.Text, req.IdempotencyKey, MaxReplyBytes)
	if err != nil {
		return outbox.Item{}, false, err
	}
	ctx := r.Context()
	p := Principal(r)
	sc := scopeOf(r)
	c, ans, target, err := h.target(r, caseID, req.PostID, text)
	if err != nil {
		return outbox.Item{}, false, err
	}
	text = desk.FillReply(text, c, h.s.cfg.BaseURL)
	needs := Sensitive(c) && !p.Can(auth.PermRepliesApprove)
	itemID, err := h.ob.Enqueue(ctx, outbox.Item{
		IdempotencyKey: replyKey(c.ID, p.UserID, ans.ID, text, req.IdempotencyKey),
		ChannelID:      ans.ChannelID,
		Kind:           outbox.Reply,
		CaseID:         c.ID,
		PostID:         ans.ID,
		Target:         target,
		Text:           text,
		NeedsApproval:  needs,
		CreatedBy:      p.UserID,
	})
	if err != nil {
		return outbox.Item{}, false, outboxError(err)
	}
	it, err := h.ob.Get(ctx, itemID)
	if err != nil {
		return it, false, err
	}
	// A repeated request (double-click, client retry) finds its item's
	// event already on the timeline and records nothing twice. A request
	// retried after the event failed to record records it then.
	h.record.Lock()
	done, err := h.recorded(ctx, c.ID, itemID, sc)
	if err == nil && !done {
		err = h.d.ReplyQueued(ctx, c.ID, p.UserID, map[string]any{"outbox_id": itemID, "post_id": ans.ID,
			"channel_id": ans.ChannelID, "text": it.Text, "needs_approval": needs})
	}
	h.record.Unlock()
	if err != nil || done {
		return it, false, err
	}
	if err := auth.Audit(ctx, h.d.DB(), auth.Entry{Action: "reply.create", Target: "outbox:" + strconv.FormatInt(itemID, 10),
		Details: map[string]any{"case": c.Ref, "post_id": ans.ID, "channel_id": ans.ChannelID, "needs_approval": needs}}); err != nil {
		h.s.log.Error("audit failed", "action", "reply.create", "err", err)
	}
	return it, true, nil
}

// check asks the channel's connector whether its platform would take the
// reply (connector.Validator), with the same checks it runs before
// sending: a reply it would refuse is refused now, before anyone approves
// it and before it is queued.
func (h *replyHandlers) check(ctx context.Context, ans post.Post, t connector.Target, text string) error {
	ch, err := h.chs.Get(ctx, ans.ChannelID)
	if errors.Is(err, channel.ErrNotFound) {
		return invalid("post_id", "no channel to reply through: post %d came in on channel %d, which was deleted", ans.ID, ans.ChannelID)
	}
	if err != nil {
		return err
	}
	v, err := connector.NewValidator(connector.Channel{ID: ch.ID, Platform: ch.Platform, Name: ch.Name, Config: ch.Config})
	switch {
	case errors.Is(err, connector.ErrNoValidator):
		return nil // no checks of its own: the connector still checks before sending
	case err != nil:
		return &Error{Status: http.StatusUnprocessableEntity, Code: "cannot_reply", Message: fmt.Sprintf("channel %d's settings are not valid: %v", ch.ID, err)}
	}
	if err := v.ValidateReply(t, connector.Message{Text: text}); err != nil {
		return refused(err, "cannot_reply", map[string]string{connector.FieldText: "text", connector.FieldTarget: "post_id"})
	}
	return nil
}

// caseNames finds, once per case, the identity of a reply's citizen to
// cut from its text for viewers without pii:view.
func (h *replyHandlers) caseNames(r *http.Request) func(int64) []string {
	seen := map[int64][]string{}
	return func(id int64) []string {
		if id == 0 || outgoingViewerOf(r).PII {
			return nil
		}
		if n, ok := seen[id]; ok {
			return n
		}
		c, err := h.d.GetCase(r.Context(), id, desk.Scope{})
		if err == nil {
			seen[id] = privacy.CaseNames(c)
		}
		return seen[id]
	}
}

var outboxStates = []outbox.State{outbox.AwaitingApproval, outbox.Pending, outbox.Sending, outbox.Sent, outbox.Failed, outbox.Unknown, outbox.Cancelled, outbox.Held}

func (h *replyHandlers) list(w http.ResponseWriter, r *http.Request) error {
	var f outbox.Filter
	if st := r.URL.Query().Get("state"); st != "" {
		for _, s := range strings.Split(st, ",") {
			s := outbox.State(strings.TrimSpace(s))
			if !containsState(s) {
				return &Error{Status: http.StatusBadRequest, Code: "invalid_parameter", Field: "state", Message: fmt.Sprintf("unknown state %q", s)}
			}
			f.States = append(f.States, s)
		}
	}
	switch k := outbox.Kind(r.URL.Query().Get("kind")); k {
	case "", outbox.Reply, outbox.Publish:
		f.Kind = k
	default:
		return &Error{Status: http.StatusBadRequest, Code: "invalid_parameter", Field: "kind", Message: fmt.Sprintf("unknown kind %q (want reply or publish)", k)}
	}
	var err error
	var limit int64
	if f.CaseID, err = QueryInt(r, "case", 0, 0, 1<<62); err != nil {
		return err
	}
	if f.ChannelID, err = QueryInt(r, "channel", 0, 0, 1<<62); err != nil {
		return err
	}
	if f.BeforeID, err = QueryInt(r, "before", 0, 0, 1<<62); err != nil {
		return err
	}
	if limit, err = QueryInt(r, "limit", 50, 1, 500); err != nil {
		return err
	}
	f.Limit = int(limit)
	items, err := h.ob.List(r.Context(), f)
	if err != nil {
		return err
	}
	outgoingViewerOf(r).OutboxItems(items, h.caseNames(r))
	page := outboxPage{Items: items}
	if page.Items == nil {
		page.Items = []outbox.Item{}
	}
	if len(items) == f.Limit {
		page.NextBefore = items[len(items)-1].ID
	}
	return JSON(w, http.StatusOK, page)
}

func containsState(s outbox.State) bool {
	for _, x := range outboxStates {
		if x == s {
			return true
		}
	}
	return false
}

func (h *replyHandlers) get(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	it, err := h.ob.Get(r.Context(), id)
	if err != nil {
		return err
	}
	outgoingViewerOf(r).OutboxItem(&it, h.caseNames(r)(it.CaseID)...)
	return JSON(w, http.StatusOK, it)
}

// decide runs one human decision on an item, audits it and answers with
// the item as it is now.
func (h *replyHandlers) decide(w http.ResponseWriter, r *http.Request, action string, do func(ctx context.Context, id, user int64, reason string) error) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var req decisionRequest
	if err := optionalJSON(r, &req); err != nil {
		return err
	}
	if len(req.Reason) > 1000 {
		return invalid("reason", "reason is longer than 1000 bytes")
	}
	p := Principal(r)
	if err := do(r.Context(), id, p.UserID, req.Reason); err != nil {
		return outboxError(err)
	}
	it, err := h.ob.Get(r.Context(), id)
	if err != nil {
		return err
	}
	details := map[string]any{"kind": it.Kind, "case_id": it.CaseID, "channel_id": it.ChannelID, "state": it.State}
	if req.Reason != "" {
		details["reason"] = req.Reason
	}
	if err := auth.Audit(r.Context(), h.d.DB(), auth.Entry{Action: action, Target: "outbox:" + strconv.FormatInt(id, 10), Details: details}); err != nil {
		h.s.log.Error("audit failed", "action", action, "err", err)
	}
	outgoingViewerOf(r).OutboxItem(&it, h.caseNames(r)(it.CaseID)...)
	return JSON(w, http.StatusOK, it)
}

var errOwnItem = &Error{Status: http.StatusForbidden, Code: "own_item", Message: "you may not approve what you wrote; another approver must"}

func (h *replyHandlers) approve(w http.ResponseWriter, r *http.Request) error {
	// Four eyes: the author of a held reply (say an agent promoted to
	// supervisor since) cannot release it.
	return h.decide(w, r, "outbox.approve", func(ctx context.Context, id, user int64, _ string) error {
		return h.approveAs(ctx, id, user)
	})
}

func (h *replyHandlers) reject(w http.ResponseWriter, r *http.Request) error {
	return h.decide(w, r, "outbox.reject", h.ob.Reject)
}

func (h *replyHandlers) cancel(w http.ResponseWriter, r *http.Request) error {
	return h.decide(w, r, "outbox.cancel", h.ob.Cancel)
}

func (h *replyHandlers) release(w http.ResponseWriter, r *http.Request) error {
	return h.decide(w, r, "outbox.release", h.ob.Release)
}

func (h *replyHandlers) retry(w http.ResponseWriter, r *http.Request) error {
	return h.decide(w, r, "outbox.retry", func(ctx context.Context, id, user int64, _ string) error {
		return h.ob.Retry(ctx, id, user)
	})
}

func (h *replyHandlers) edit(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var req editRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	it, err := h.editText(r, id, req.Text)
	if err != nil {
		return err
	}
	outgoingViewerOf(r).OutboxItem(&it, h.caseNames(r)(it.CaseID)...)
	return JSON(w, http.StatusOK, it)
}

// editText changes an awaiting item's text, checked against its
// platform's rules again, and audits it.
func (h *replyHandlers) editText(r *http.Request, id int64, raw string) (outbox.Item, error) {
	text, err := outgoingText(raw, "", MaxReplyBytes)
	if err != nil {
		return outbox.Item{}, err
	}
	ctx := r.Context()
	it, err := h.ob.Get(ctx, id)
	if err != nil {
		return it, err
	}
	if it.Kind == outbox.Reply {
		if it.CaseID != 0 {
			// An approver's edit may use the variables too.
			if c, err := h.d.GetCase(ctx, it.CaseID, desk.Scope{}); err == nil {
				text = desk.FillReply(text, c, h.s.cfg.BaseURL)
			}
		}
		if err := h.check(ctx, post.Post{ID: it.PostID, ChannelID: it.ChannelID}, it.Target, text); err != nil {
			return it, err
		}
	}
	if err := h.ob.Edit(ctx, id, Principal(r).UserID, text); err != nil {
		return it, outboxError(err)
	}
	if it, err = h.ob.Get(ctx, id); err != nil {
		return it, err
	}
	if err := auth.Audit(ctx, h.d.DB(), auth.Entry{Action: "outbox.edit", Target: "outbox:" + strconv.FormatInt(id, 10),
		Details: map[string]any{"kind": it.Kind, "case_id": it.CaseID}}); err != nil {
		h.s.log.Error("audit failed", "action", "outbox.edit", "err", err)
	}
	return it, nil
}
