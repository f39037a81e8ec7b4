package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/outbox"
)

// The desk's pages reply and decide through the same code as the API, so
// a reply from the browser is checked, queued, approved and audited
// exactly like one through /api/v1 (ReplyAPI must be mounted first).

// QueueReply queues a reply to the case's post (0: the latest) as the
// request's principal; created is false for a repeated request.
func (s *Server) QueueReply(r *http.Request, caseID, postID int64, text, key string) (outbox.Item, bool, error) {
	return s.replies.queue(r, caseID, replyRequest{Text: text, PostID: postID, IdempotencyKey: key})
}

// CheckReply says whether the platform would take text as a reply on the
// case, as the composer types (nil: it would).
func (s *Server) CheckReply(r *http.Request, caseID int64, text string) error {
	text, err := outgoingText(text, "", MaxReplyBytes)
	if err != nil {
		return err
	}
	_, _, _, err = s.replies.target(r, caseID, 0, text)
	return err
}

// Outbox decisions a page can take.
const (
	DecideApprove = "approve"
	DecideReject  = "reject"
	DecideEdit    = "edit"
)

// DecideItem approves, rejects (reason) or edits (text) an outbox item
// awaiting approval, with the API's rules (nobody approves their own) and
// its audit entry.
func (s *Server) DecideItem(r *http.Request, id int64, decision, reasonOrText string) (outbox.Item, error) {
	h := s.replies
	ctx := r.Context()
	p := Principal(r)
	if !p.Can(auth.PermRepliesApprove) {
		return outbox.Item{}, errForbidden
	}
	var err error
	switch decision {
	case DecideApprove:
		err = h.approveAs(ctx, id, p.UserID)
	case DecideReject:
		err = h.ob.Reject(ctx, id, p.UserID, reasonOrText)
	case DecideEdit:
		var it outbox.Item
		if it, err = s.replies.editText(r, id, reasonOrText); err == nil {
			return it, nil
		}
		return it, err
	default:
		return outbox.Item{}, invalid("decision", "unknown decision %q", decision)
	}
	if err != nil {
		return outbox.Item{}, outboxError(err)
	}
	it, err := h.ob.Get(ctx, id)
	if err != nil {
		return it, err
	}
	details := map[string]any{"kind": it.Kind, "case_id": it.CaseID, "channel_id": it.ChannelID, "state": it.State}
	if decision == DecideReject && reasonOrText != "" {
		details["reason"] = reasonOrText
	}
	if err := auth.Audit(ctx, s.deps.DB, auth.Entry{Action: "outbox." + decision, Target: "outbox:" + strconv.FormatInt(id, 10), Details: details}); err != nil {
		s.log.Error("audit failed", "action", "outbox."+decision, "err", err)
	}
	return it, nil
}

// Outbox returns the outbox the replies go through.
func (s *Server) Outbox() *outbox.Outbox { return s.replies.ob }

func (h *replyHandlers) approveAs(ctx context.Context, id, user int64) error {
	it, err := h.ob.Get(ctx, id)
	if err != nil {
		return err
	}
	// Four eyes: the author of a held reply cannot release it.
	if it.CreatedBy == user {
		return errOwnItem
	}
	// A post queued on one account is held to the publishing approval
	// rules: an account needing two approvals cannot be released on one.
	if it.Kind == outbox.Publish && h.s.pubGate != nil {
		if err := h.s.pubGate(ctx, it.ChannelID); err != nil {
			return pubErr(err)
		}
	}
	return h.ob.Approve(ctx, id, user)
}
