package crisis

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/lease"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// Purposes of a room's replies (crisis_answered).
const (
	PurposeRebuttal = "rebuttal"
	PurposeAck      = "ack"
)

// Run gathers open rooms, sends approved rebuttals and surge
// acknowledgements every interval until ctx ends, on one replica at a
// time when leases is given (the rate limit is counted in the database,
// so a hand-over mid-minute keeps it).
func (s *Service) Run(ctx context.Context, every time.Duration, leases *lease.Store, holder string) {
	loop := func(ctx context.Context) {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
				s.opt.Log.Warn("crisis: a round failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}
	if leases == nil {
		loop(ctx)
		return
	}
	if holder == "" {
		host, _ := os.Hostname()
		holder = fmt.Sprintf("%s:%d:%d", host, os.Getpid(), time.Now().UnixNano())
	}
	// Every replica triages with the surge rooms (Boost, AdvisoryLink, the
	// pinned banner), not only the lease holder: each reloads them itself.
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.refreshSurges(ctx)
			}
		}
	}()
	leases.Hold(ctx, "crisis", holder, 30*time.Second, loop)
}

// Tick is one round: refresh surge rooms, gather open rooms, send.
func (s *Service) Tick(ctx context.Context) error {
	s.refreshSurges(ctx)
	rooms, err := s.List(ctx, StateOpen, 200)
	if err != nil {
		return err
	}
	for _, r := range rooms {
		if _, err := s.Gather(ctx, r.ID); err != nil {
			return err
		}
	}
	b := &budget{s: s, left: map[string]int{}}
	if _, err := s.SendRebuttals(ctx, b); err != nil {
		return err
	}
	_, err = s.SendAcks(ctx, b)
	return err
}

// budget is what the per-platform rate limit leaves in this minute.
type budget struct {
	s    *Service
	left map[string]int
}

func (b *budget) take(ctx context.Context, platform string) (bool, error) {
	n, ok := b.left[platform]
	if !ok {
		limit := b.s.opt.DefaultPerMinute
		if l, ok := b.s.opt.PerMinute[platform]; ok {
			limit = l
		}
		// Only what went to the outbox spends the platform's budget;
		// skipped and refused posts are recorded too, with no item.
		var used int
		if err := b.s.db.Read.QueryRowContext(ctx,
			"SELECT COUNT(*) FROM crisis_answered WHERE platform = $1 AND at > $2 AND outbox_id IS NOT NULL",
			platform, store.Millis(b.s.opt.Now().Add(-time.Minute))).Scan(&used); err != nil {
			return false, err
		}
		n = limit - used
	}
	if n <= 0 {
		b.left[platform] = 0
		return false, nil
	}
	b.left[platform] = n - 1
	return true, nil
}

// reply is one answer a room queues.
type reply struct {
	room, post int64
	purpose    string
	text       string
	needs      bool // a person looks first (a template variable the case lacks)
	createdBy  int64
	p          post.Post
}

// errRefused is the outbox refusing an item (the platform's rules).
type errRefused struct{ err error }

func (e errRefused) Error() string { return e.err.Error() }

// queue records the answer and queues it in one transaction; answered is
// false when the post already had an answer of this purpose. then runs in
// the same transaction with the outbox id.
func (s *Service) queue(ctx context.Context, r reply, then func(tx *sql.Tx, outboxID int64) error) (outboxID int64, answered bool, err error) {
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO crisis_answered (post_id, purpose, platform, room_id, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
			r.post, r.purpose, r.p.Platform, r.room, store.Millis(s.opt.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		answered = true
		target := connector.Target{Channel: r.p.Channel, ParentID: r.p.ExternalID, ThreadID: r.p.ThreadID, LastInboundAt: r.p.CreatedAt}
		if r.p.Kind != "" {
			target.Extra = map[string]string{"kind": r.p.Kind}
		}
		id, _, err := s.ob.EnqueueTx(ctx, tx, outbox.Item{
			IdempotencyKey: fmt.Sprintf("crisis:%s:%d", r.purpose, r.post),
			ChannelID:      r.p.ChannelID, Kind: outbox.Reply, CaseID: r.p.CaseID, PostID: r.post,
			Target: target, Text: r.text, NeedsApproval: r.needs, CreatedBy: r.createdBy,
		})
		if errors.Is(err, outbox.ErrInvalid) {
			return errRefused{err}
		}
		if err != nil {
			return err
		}
		outboxID = id
		if _, err := tx.ExecContext(ctx, "UPDATE crisis_answered SET outbox_id = $3 WHERE post_id = $1 AND purpose = $2", r.post, r.purpose, id); err != nil {
			return err
		}
		return then(tx, id)
	})
	if err == nil && answered {
		s.ob.Wake()
		if r.p.CaseID != 0 {
			// On the case's timeline like any reply (the outcome is
			// recorded there by the outbox's hook).
			if err := s.desk.ReplyQueued(ctx, r.p.CaseID, r.createdBy, map[string]any{"outbox_id": outboxID, "post_id": r.post,
				"channel_id": r.p.ChannelID, "text": r.text, "crisis_room": r.room, "purpose": r.purpose}); err != nil {
				s.opt.Log.Warn("crisis: reply not put on the case's timeline", "case", r.p.CaseID, "err", err)
			}
		}
	}
	return outboxID, answered, err
}

// skipReason is why p gets no reply of purpose, "" when it may.
func skipReason(p post.Post, purpose string) string {
	switch {
	case p.DeletedAt != nil:
		return SkipDeleted
	case purpose == PurposeRebuttal && p.Private:
		return SkipPrivate
	case p.ChannelID == 0:
		return SkipChannel
	}
	return ""
}

// addressed begins a reply on X with its author's @handle: it is how a
// reply reads there, and X refuses the same text posted twice by one
// account ("duplicate content"), which one rebuttal to many posts would
// otherwise be.
func addressed(text string, p post.Post) string {
	h := strings.TrimPrefix(p.Author.Handle, "@")
	if p.Platform != post.X || h == "" || strings.Contains(strings.ToLower(text), "@"+strings.ToLower(h)) {
		return text
	}
	return "@" + h + " " + text
}

// langOf is the language a reply to p is written in: the analysis's
// (Kannada in Latin letters is answered in Kannada), else the declared.
func langOf(p post.Post) string {
	l := p.Lang
	if p.Analysis != nil && p.Analysis.Lang != "" {
		l = p.Analysis.Lang
	}
	l, _, _ = strings.Cut(l, "-")
	return l
}

// pick is the body for a post in lang: its language's, else the one for
// every language, else English, else any.
func pick(bodies map[string]string, lang string) string {
	for _, k := range []string{lang, "", "en"} {
		if b, ok := bodies[k]; ok {
			return b
		}
	}
	for _, b := range bodies {
		return b
	}
	return ""
}

// fill completes a rebuttal for post p: the case's variables when it has
// a case, the room's pinned link, and nothing left in braces.
func (s *Service) fill(ctx context.Context, text string, p post.Post, link string) string {
	text = strings.ReplaceAll(text, "{advisory_link}", link)
	if p.CaseID != 0 {
		if c, err := s.desk.GetCase(ctx, p.CaseID, desk.Scope{}); err == nil {
			text = desk.FillReply(text, c, s.opt.BaseURL)
		}
	}
	text = varRE.ReplaceAllString(text, "")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// SendRebuttals queues the pending posts of approved rebuttals within the
// rate limit, skipping what may not be answered, and marks rebuttals with
// nothing left done. It returns how many it queued.
func (s *Service) SendRebuttals(ctx context.Context, b *budget) (int, error) {
	if b == nil {
		b = &budget{s: s, left: map[string]int{}}
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT rp.rebuttal_id, rp.post_id, x.room_id, x.bodies, x.requested_by, r.surge_link
		FROM crisis_rebuttal_posts rp JOIN crisis_rebuttals x ON x.id = rp.rebuttal_id JOIN crisis_rooms r ON r.id = x.room_id
		WHERE x.state = 'approved' AND rp.state = 'pending' ORDER BY rp.rebuttal_id, rp.post_id LIMIT 500`)
	if err != nil {
		return 0, fmt.Errorf("crisis: unable to read pending rebuttals: %w", err)
	}
	type todo struct {
		rid, pid, room, by int64
		bodies             map[string]string
		link               string
	}
	var list []todo
	for rows.Next() {
		var t todo
		var bodies string
		if err := rows.Scan(&t.rid, &t.pid, &t.room, &bodies, &t.by, &t.link); err != nil {
			rows.Close()
			return 0, err
		}
		_ = json.Unmarshal([]byte(bodies), &t.bodies)
		list = append(list, t)
	}
	rows.Close()
	queued := 0
	touched := map[int64]bool{}
	mark := func(t todo, state, reason string, outboxID int64, tx *sql.Tx) error {
		q, args := `UPDATE crisis_rebuttal_posts SET state = $3, reason = $4, outbox_id = $5, at = $6 WHERE rebuttal_id = $1 AND post_id = $2`,
			[]any{t.rid, t.pid, state, reason, nullID(outboxID), store.Millis(s.opt.Now())}
		touched[t.room] = true
		if tx != nil {
			_, err := tx.ExecContext(ctx, q, args...)
			return err
		}
		_, err := s.db.Write.ExecContext(ctx, q, args...)
		return err
	}
	for _, t := range list {
		p, _, err := s.desk.GetPost(ctx, t.pid, desk.Scope{})
		if errors.Is(err, store.ErrNotFound) {
			if err := mark(t, "skipped", SkipDeleted, 0, nil); err != nil {
				return queued, err
			}
			continue
		}
		if err != nil {
			return queued, err
		}
		if why := skipReason(p, PurposeRebuttal); why != "" {
			if err := mark(t, "skipped", why, 0, nil); err != nil {
				return queued, err
			}
			continue
		}
		// An answered post costs nothing of the minute's budget.
		var seen int
		if err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM crisis_answered WHERE post_id = $1 AND purpose = $2", t.pid, PurposeRebuttal).Scan(&seen); err != nil {
			return queued, err
		}
		if seen > 0 {
			if err := mark(t, "skipped", SkipAnswered, 0, nil); err != nil {
				return queued, err
			}
			continue
		}
		// One correction per account per rebuttal: the same words twice to
		// one person is spam (and X refuses them as duplicate content).
		if p.Author.ExternalID != "" {
			if err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM crisis_rebuttal_posts rp JOIN posts q ON q.id = rp.post_id
				WHERE rp.rebuttal_id = $1 AND rp.state = 'queued' AND q.platform = $2 AND q.author_external_id = $3`, t.rid, p.Platform, p.Author.ExternalID).Scan(&seen); err != nil {
				return queued, err
			}
			if seen > 0 {
				if err := mark(t, "skipped", SkipSameAuthor, 0, nil); err != nil {
					return queued, err
				}
				continue
			}
		}
		ok, err := b.take(ctx, p.Platform)
		if err != nil {
			return queued, err
		}
		if !ok {
			continue // the platform's minute is used up: next round
		}
		text := addressed(s.fill(ctx, pick(t.bodies, langOf(p)), p, t.link), p)
		_, answered, err := s.queue(ctx, reply{room: t.room, post: t.pid, purpose: PurposeRebuttal, text: text, createdBy: t.by, p: p},
			func(tx *sql.Tx, id int64) error { return mark(t, "queued", "", id, tx) })
		var refused errRefused
		switch {
		case errors.As(err, &refused):
			s.opt.Log.Warn("crisis: the outbox refused a rebuttal", "post", t.pid, "err", err)
			if err := mark(t, "skipped", SkipRefused, 0, nil); err != nil {
				return queued, err
			}
		case err != nil:
			return queued, err
		case !answered:
			if err := mark(t, "skipped", SkipAnswered, 0, nil); err != nil {
				return queued, err
			}
		default:
			queued++
		}
	}
	if err := s.finishRebuttals(ctx); err != nil {
		return queued, err
	}
	for room := range touched {
		s.changed(ctx, room)
	}
	return queued, nil
}

// finishRebuttals marks approved rebuttals with no pending post done, on
// their room's timeline.
func (s *Service) finishRebuttals(ctx context.Context) error {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT x.id, x.room_id FROM crisis_rebuttals x WHERE x.state = 'approved'
		AND NOT EXISTS (SELECT 1 FROM crisis_rebuttal_posts rp WHERE rp.rebuttal_id = x.id AND rp.state = 'pending')`)
	if err != nil {
		return err
	}
	var done [][2]int64
	for rows.Next() {
		var a, r int64
		rows.Scan(&a, &r)
		done = append(done, [2]int64{a, r})
	}
	rows.Close()
	for _, d := range done {
		pr, err := s.progress(ctx, d[0])
		if err != nil {
			return err
		}
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, "UPDATE crisis_rebuttals SET state = 'done' WHERE id = $1 AND state = 'approved'", d[0])
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			return s.event(ctx, tx, nil, d[1], "rebuttal.done", map[string]any{"rebuttal_id": d[0], "queued": pr.Queued + pr.Sent + pr.Failed, "skipped": pr.Skipped})
		})
		if err != nil {
			return err
		}
		s.changed(ctx, d[1])
	}
	return nil
}
