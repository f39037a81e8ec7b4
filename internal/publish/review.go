package publish

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/store"
)

// Policy is one approval rule: posts of Kind ("" any) on ChannelID (0
// any) need Levels approvals. The most specific rule wins: account and
// kind, then account, then kind, then the default; with no rule a post
// needs one approval (by someone other than its authors).
type Policy struct {
	ChannelID int64 `json:"channel_id"`
	Kind      Kind  `json:"kind,omitempty"`
	Levels    int   `json:"levels"`
}

// Policies lists the rules.
func (s *Service) Policies(ctx context.Context) ([]Policy, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT channel_id, kind, levels FROM publish_policies ORDER BY channel_id, kind`)
	if err != nil {
		return nil, fmt.Errorf("publish: unable to read policies: %w", err)
	}
	defer rows.Close()
	var out []Policy
	for rows.Next() {
		var p Policy
		var k string
		if err := rows.Scan(&p.ChannelID, &k, &p.Levels); err != nil {
			return nil, err
		}
		p.Kind = Kind(k)
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetPolicy sets (levels 1 or 2) or, with levels 0, removes a rule.
// Publications already submitted keep the levels fixed at submission.
func (s *Service) SetPolicy(ctx context.Context, p *auth.Principal, pol Policy) error {
	if pol.Kind != "" && !slices.Contains(Kinds, pol.Kind) {
		return invalid("kind", "kind %q: want post, advisory, emergency or empty for any", pol.Kind)
	}
	if pol.Levels < 0 || pol.Levels > 2 {
		return invalid("levels", "levels %d: want 1 or 2 (0 removes the rule)", pol.Levels)
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if pol.ChannelID != 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM channels WHERE id = $1`, pol.ChannelID).Scan(&one); err != nil {
				return invalid("channel_id", "channel %d does not exist", pol.ChannelID)
			}
		}
		var err error
		if pol.Levels == 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM publish_policies WHERE channel_id = $1 AND kind = $2`, pol.ChannelID, string(pol.Kind))
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO publish_policies (channel_id, kind, levels, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (channel_id, kind) DO UPDATE SET levels = excluded.levels, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				pol.ChannelID, string(pol.Kind), pol.Levels, p.UserID, store.Millis(s.now()))
		}
		if err != nil {
			return err
		}
		return auth.AuditTx(ctx, tx, auth.Entry{ActorID: p.UserID, Actor: p.Username, Action: "publication.policy",
			Target: fmt.Sprintf("channel:%d", pol.ChannelID), Details: map[string]any{"kind": pol.Kind, "levels": pol.Levels}})
	})
}

// LevelsFor is the number of approvals a post of kind on channel needs.
func (s *Service) LevelsFor(ctx context.Context, channelID int64, kind Kind) (int, error) {
	return levelsFor(ctx, s.db.Read, channelID, kind)
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func levelsFor(ctx context.Context, q querier, channelID int64, kind Kind) (int, error) {
	rows, err := q.QueryContext(ctx, `SELECT channel_id, kind, levels FROM publish_policies WHERE channel_id IN (0, $1) AND kind IN ('', $2)`, channelID, string(kind))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	best, levels := -1, 1
	for rows.Next() {
		var ch int64
		var k string
		var l int
		if err := rows.Scan(&ch, &k, &l); err != nil {
			return 0, err
		}
		rank := 0
		if ch != 0 {
			rank += 2
		}
		if k != "" {
			rank++
		}
		if rank > best {
			best, levels = rank, l
		}
	}
	return levels, rows.Err()
}

// Gate holds posts queued through the single-account route
// (POST /api/v1/channels/{id}/posts, one approval in the outbox) to the
// approval rules: an account whose posts need two approvals refuses them
// there, at queueing and again at approval, so the older route is no way
// around a second approver.
func (s *Service) Gate(ctx context.Context, channelID int64) error {
	n, err := s.LevelsFor(ctx, channelID, KindPost)
	if err != nil {
		return err
	}
	if n > 1 {
		return forbidden("needs_two_approvals", "posts on channel %d need %d approvals: compose them under /api/v1/publications", channelID, n)
	}
	return nil
}

// Problem is a version a platform would refuse.
type Problem struct {
	VersionID int64  `json:"version_id"`
	ChannelID int64  `json:"channel_id"`
	Lang      string `json:"lang"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
}

// Problems checks every version with its platform's rules as they would
// be sent (with the publication's images where the version carries them).
func (s *Service) Problems(ctx context.Context, p Publication) []Problem {
	var out []Problem
	for _, v := range p.Versions {
		media := 0
		if v.WithMedia {
			media = len(p.Media)
		}
		ch, err := s.channel(ctx, s.db.Read, v.ChannelID)
		msg, field := "", ""
		if err != nil {
			msg = err.Error()
		} else {
			msg, field = s.validate(ch, v.Text, media)
		}
		if msg != "" {
			out = append(out, Problem{VersionID: v.ID, ChannelID: v.ChannelID, Lang: v.Lang, Message: msg, Field: field})
		}
	}
	return out
}

// Submit sends a draft (or a rejected publication, edited or not) for
// approval. Every version must pass its platform's rules, and the number
// of approvals is fixed now from the rules of its accounts and kind.
func (s *Service) Submit(ctx context.Context, p *auth.Principal, id int64) (Publication, error) {
	pub, err := s.Get(ctx, id)
	if err != nil {
		return pub, err
	}
	if len(pub.Versions) == 0 && len(pub.Stations) == 0 {
		return pub, invalid("versions", "choose at least one account or station to publish to")
	}
	if probs := s.Problems(ctx, pub); len(probs) > 0 {
		return pub, &Error{Status: 422, Code: "cannot_publish", Field: "versions",
			Msg: fmt.Sprintf("%s (%s): %s", probs[0].Lang, pub.Versions[indexOf(pub, probs[0].VersionID)].Channel, probs[0].Message)}
	}
	if !pub.ScheduledAt.IsZero() && pub.ScheduledAt.Before(s.now()) {
		return pub, invalid("scheduled_at", "the time set, %s, has passed: choose another or none", pub.ScheduledAt.Format("2006-01-02 15:04 MST"))
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.State != StateDraft && cur.State != Rejected {
			return conflict("state", "publication %d is %s: only a draft or a rejected publication can be submitted", id, cur.State)
		}
		if cur.Version != pub.Version {
			return conflict("stale", "publication %d changed while it was checked; submit again", id)
		}
		levels := 1
		for _, v := range pub.Versions {
			n, err := levelsFor(ctx, tx, v.ChannelID, pub.Kind)
			if err != nil {
				return err
			}
			levels = max(levels, n)
		}
		round := cur.Round + 1
		if _, err := tx.ExecContext(ctx, `UPDATE publications SET state = 'in_review', levels = $2, round = $3, updated_at = $4, version = version + 1 WHERE id = $1`,
			id, levels, round, store.Millis(s.now())); err != nil {
			return err
		}
		return s.event(ctx, tx, p, id, "submitted", round, "", map[string]any{"levels": levels})
	})
	if err != nil {
		return pub, wrap("submit", err)
	}
	return s.Get(ctx, id)
}

func indexOf(p Publication, versionID int64) int {
	for i, v := range p.Versions {
		if v.ID == versionID {
			return i
		}
	}
	return 0
}

// mayApprove is the four-eyes rule: approvers hold replies:approve and
// never wrote or changed the words.
func mayApprove(ctx context.Context, tx *sql.Tx, p *auth.Principal, id int64) error {
	if !p.Can(auth.PermRepliesApprove) {
		return forbidden("forbidden", "approving posts needs the replies:approve permission")
	}
	au, err := authors(ctx, tx, id)
	if err != nil {
		return err
	}
	if au[p.UserID] {
		return forbidden("own_item", "you wrote or changed this publication: someone else must approve it")
	}
	return nil
}

// Approve signs the next level of the current round. The last level (or,
// for an emergency advisory, the first, with a second signature owed after
// the fact) releases every version to the outbox in the same transaction.
func (s *Service) Approve(ctx context.Context, p *auth.Principal, id int64, note string) (Publication, error) {
	note = cleanNote(note)
	released := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.State != InReview {
			return conflict("state", "publication %d is %s, not in review", id, cur.State)
		}
		if err := mayApprove(ctx, tx, p, id); err != nil {
			return err
		}
		var level int
		var mine int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN user_id = $3 THEN 1 ELSE 0 END), 0) FROM publication_approvals WHERE publication_id = $1 AND round = $2`,
			id, cur.Round, p.UserID).Scan(&level, &mine); err != nil {
			return err
		}
		if mine > 0 {
			return forbidden("already_approved", "you have approved this round already: the next level needs another person")
		}
		level++
		if _, err := tx.ExecContext(ctx, `INSERT INTO publication_approvals (publication_id, round, level, user_id, at) VALUES ($1, $2, $3, $4, $5)`,
			id, cur.Round, level, p.UserID, store.Millis(s.now())); err != nil {
			if isUnique(err) {
				return conflict("raced", "another approver signed this level at the same moment; reload")
			}
			return err
		}
		if err := s.event(ctx, tx, p, id, "approved", cur.Round, note, map[string]any{"level": level, "of": cur.Levels}); err != nil {
			return err
		}
		fast := cur.Kind == KindEmergency && level == 1
		if level < cur.Levels && !fast {
			_, err := tx.ExecContext(ctx, `UPDATE publications SET updated_at = $2, version = version + 1 WHERE id = $1`, id, store.Millis(s.now()))
			return err
		}
		released = true
		return s.release(ctx, tx, p, cur, fast && cur.Levels >= 1)
	})
	if err != nil {
		return Publication{}, wrap("approve", err)
	}
	if released {
		s.ob.Wake()
	}
	return s.Get(ctx, id)
}

// Reject sends a publication in review back to its authors with a reason.
func (s *Service) Reject(ctx context.Context, p *auth.Principal, id int64, reason string) (Publication, error) {
	reason = cleanNote(reason)
	if reason == "" {
		return Publication{}, invalid("reason", "say why, so the author can put it right")
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.State != InReview {
			return conflict("state", "publication %d is %s, not in review", id, cur.State)
		}
		if err := mayApprove(ctx, tx, p, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE publications SET state = 'rejected', updated_at = $2, version = version + 1 WHERE id = $1`, id, store.Millis(s.now())); err != nil {
			return err
		}
		return s.event(ctx, tx, p, id, "rejected", cur.Round, reason, nil)
	})
	if err != nil {
		return Publication{}, wrap("reject", err)
	}
	return s.Get(ctx, id)
}

// Comment adds a remark to the history, in any state.
func (s *Service) Comment(ctx context.Context, p *auth.Principal, id int64, text string) (Event, error) {
	text = cleanNote(text)
	if text == "" {
		return Event{}, invalid("text", "write a comment")
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		return s.event(ctx, tx, p, id, "commented", cur.Round, text, nil)
	})
	if err != nil {
		return Event{}, wrap("comment", err)
	}
	h, err := s.History(ctx, id)
	if err != nil || len(h) == 0 {
		return Event{}, err
	}
	return h[len(h)-1], nil
}

// AfterSign is the second approver's signature on an emergency advisory
// that went out on one: someone other than its authors and its first
// approver reads what was said in the force's name and signs it.
func (s *Service) AfterSign(ctx context.Context, p *auth.Principal, id int64, note string) (Publication, error) {
	note = cleanNote(note)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if !cur.AfterSignDue {
			return conflict("state", "publication %d owes no signature after the fact", id)
		}
		if err := mayApprove(ctx, tx, p, id); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM publication_approvals WHERE publication_id = $1 AND round = $2 AND user_id = $3`, id, cur.Round, p.UserID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return forbidden("already_approved", "you released this advisory: the signature after the fact must be another approver's")
		}
		now := store.Millis(s.now())
		if _, err := tx.ExecContext(ctx, `UPDATE publications SET after_sign_due = 0, after_signed_by = $2, after_signed_at = $3, updated_at = $3, version = version + 1 WHERE id = $1`,
			id, p.UserID, now); err != nil {
			return err
		}
		return s.event(ctx, tx, p, id, "after_signed", cur.Round, note, nil)
	})
	if err != nil {
		return Publication{}, wrap("sign", err)
	}
	return s.Get(ctx, id)
}

// Cancel withdraws a publication. Once approved, the versions not yet sent
// are taken back from the outbox; what was already sent stays sent.
func (s *Service) Cancel(ctx context.Context, p *auth.Principal, id int64, reason string) (Publication, error) {
	reason = cleanNote(reason)
	var outboxIDs []int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.State == Cancelled {
			return conflict("state", "publication %d is already cancelled", id)
		}
		if cur.CreatedBy != p.UserID && !p.Can(auth.PermRepliesApprove) {
			return forbidden("forbidden", "only its author or an approver may cancel a publication")
		}
		items, err := outboxOf(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, it := range items {
			outboxIDs = append(outboxIDs, it.id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE publications SET state = 'cancelled', updated_at = $2, version = version + 1 WHERE id = $1`, id, store.Millis(s.now())); err != nil {
			return err
		}
		return s.event(ctx, tx, p, id, "cancelled", cur.Round, reason, nil)
	})
	if err != nil {
		return Publication{}, wrap("cancel", err)
	}
	// The publication is cancelled first, so no further occurrence is
	// queued; then each item not yet sent is withdrawn (one being sent
	// right now cannot be, and is reported with its state).
	for _, oid := range outboxIDs {
		if err := s.ob.Cancel(ctx, oid, p.UserID, "publication cancelled: "+reason); err != nil && !errors.Is(err, outbox.ErrState) {
			return Publication{}, fmt.Errorf("publish: cancelled, but outbox item %d could not be withdrawn: %w", oid, err)
		}
	}
	return s.Get(ctx, id)
}
