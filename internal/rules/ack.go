package rules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/store"
)

// Acker turns the acknowledgements rules asked for into replies: it
// renders the template in the citizen's language (the case's), fills it
// for the case and queues it in the outbox on the thread of the post that
// triggered the rule. The outbox key is the case, so whatever happens
// (a crash after queueing, two replicas) a case gets one acknowledgement.
type Acker struct {
	db      *store.DB
	d       *desk.Desk
	ob      *outbox.Outbox
	baseURL string
	log     *slog.Logger
	now     func() time.Time
}

// NewAcker returns an Acker; baseURL fills {status_link}-style variables.
func NewAcker(db *store.DB, d *desk.Desk, ob *outbox.Outbox, baseURL string, log *slog.Logger) *Acker {
	if log == nil {
		log = slog.Default()
	}
	return &Acker{db: db, d: d, ob: ob, baseURL: baseURL, log: log, now: time.Now}
}

// staleAfter is when a claimed acknowledgement whose worker died is taken
// over.
const staleAfter = 2 * time.Minute

// Run acknowledges what is pending every interval until ctx ends.
func (a *Acker) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := a.Process(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("rules: acknowledging failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Process queues every pending acknowledgement and reports how many it
// queued.
func (a *Acker) Process(ctx context.Context) (int, error) {
	now := a.now()
	rows, err := a.db.Read.QueryContext(ctx, `SELECT case_id FROM rule_acks WHERE state = 'pending' OR (state = 'working' AND updated_at < $1) ORDER BY created_at LIMIT 100`,
		store.Millis(now.Add(-staleAfter)))
	if err != nil {
		return 0, fmt.Errorf("rules: unable to list acknowledgements: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	done := 0
	for _, id := range ids {
		res, err := a.db.Write.ExecContext(ctx, `UPDATE rule_acks SET state = 'working', updated_at = $2
			WHERE case_id = $1 AND (state = 'pending' OR (state = 'working' AND updated_at < $3))`, id, store.Millis(now), store.Millis(now.Add(-staleAfter)))
		if err != nil {
			return done, err
		}
		if k, _ := res.RowsAffected(); k != 1 {
			continue // another replica has it
		}
		outboxID, reason, err := a.ack(ctx, id)
		if err != nil {
			// Back to pending: tried again on the next round.
			a.db.Write.ExecContext(ctx, `UPDATE rule_acks SET state = 'pending', error = $2 WHERE case_id = $1`, id, err.Error())
			return done, err
		}
		if reason != "" {
			a.log.Warn("rules: an acknowledgement cannot be sent", "case", id, "reason", reason)
			if _, err := a.db.Write.ExecContext(ctx, `UPDATE rule_acks SET state = 'failed', error = $2, updated_at = $3 WHERE case_id = $1`, id, reason, store.Millis(a.now())); err != nil {
				return done, err
			}
			continue
		}
		if _, err := a.db.Write.ExecContext(ctx, `UPDATE rule_acks SET state = 'queued', outbox_id = $2, error = '', updated_at = $3 WHERE case_id = $1`,
			id, outboxID, store.Millis(a.now())); err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

// ack queues case caseID's acknowledgement; a reason (and no error) when
// it cannot be sent at all.
func (a *Acker) ack(ctx context.Context, caseID int64) (int64, string, error) {
	var ruleID, postID, tplID int64
	var rid *int64
	if err := a.db.Read.QueryRowContext(ctx, `SELECT rule_id, post_id, template_id FROM rule_acks WHERE case_id = $1`, caseID).Scan(&rid, &postID, &tplID); err != nil {
		return 0, "", err
	}
	if rid != nil {
		ruleID = *rid
	}
	all := desk.Scope{}
	c, err := a.d.GetCase(ctx, caseID, all)
	if err != nil {
		return 0, "", err
	}
	if c.Status == desk.StatusClosed {
		return 0, "the case was closed before it could be acknowledged", nil
	}
	// The template in the citizen's language; the citizen's name is
	// filled in (nobody reads the draft: it goes straight to the outbox).
	r, err := a.d.RenderTemplate(ctx, tplID, caseID, all, "", func(desk.Case) bool { return true })
	if errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Sprintf("the template %d no longer exists", tplID), nil
	}
	if err != nil {
		return 0, "", err
	}
	p, _, err := a.d.GetPost(ctx, postID, all)
	if err != nil {
		return 0, "", err
	}
	if p.ChannelID == 0 {
		return 0, "the post came in by import or the API, not through a connected channel", nil
	}
	target := connector.Target{Channel: p.Channel, ParentID: p.ExternalID, ThreadID: p.ThreadID, LastInboundAt: c.LastPostAt}
	if p.Kind != "" {
		target.Extra = map[string]string{"kind": p.Kind}
	}
	text := desk.FillReply(r.Text, c, a.baseURL)
	// A rule asked for approval on the case, or the template needs what
	// the case does not have (a station, say): a person looks first
	// rather than the citizen getting a sentence with a hole in it.
	needs := contains(c.Tags, TagApproval) || len(r.Missing) > 0
	id, created, err := a.ob.EnqueueThen(ctx, outbox.Item{
		IdempotencyKey: fmt.Sprintf("rule-ack:%d", caseID),
		ChannelID:      p.ChannelID,
		Kind:           outbox.Reply,
		CaseID:         caseID,
		PostID:         p.ID,
		Target:         target,
		Text:           text,
		NeedsApproval:  needs,
	}, nil)
	if errors.Is(err, outbox.ErrInvalid) {
		return 0, err.Error(), nil
	}
	if err != nil {
		return 0, "", err
	}
	if created {
		if err := a.d.ReplyQueued(ctx, caseID, 0, map[string]any{"outbox_id": id, "post_id": p.ID, "channel_id": p.ChannelID,
			"text": text, "lang": r.Lang, "needs_approval": needs, "missing": r.Missing, "automatic": true, "rule_id": ruleID, "template_id": tplID}); err != nil {
			return 0, "", err
		}
		if err := auth.Audit(ctx, a.db, auth.Entry{Actor: "rules", Action: "reply.create", Target: "outbox:" + fmt.Sprint(id),
			Details: map[string]any{"case": c.Ref, "post_id": p.ID, "rule_id": ruleID, "template_id": tplID, "automatic": true}}); err != nil {
			a.log.Error("audit failed", "action", "reply.create", "err", err)
		}
	}
	return id, "", nil
}
