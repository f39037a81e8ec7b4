package crisis

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Rebuttal states.
const (
	RebuttalAwaiting = "awaiting_approval"
	RebuttalApproved = "approved" // being sent
	RebuttalRejected = "rejected"
	RebuttalDone     = "done" // every post queued or skipped
)

// Why a post of a rebuttal's cluster was not answered.
const (
	SkipDeleted    = "deleted"          // its author took it down
	SkipPrivate    = "private"          // a private conversation: a public correction is not a reply to a person's message
	SkipChannel    = "no_channel"       // it came by import or the API: nothing to reply through
	SkipAnswered   = "already_answered" // an earlier rebuttal went to it
	SkipRefused    = "refused"          // the platform's rules refuse the text (too long, …)
	SkipSameAuthor = "same_author"      // the rebuttal already went to another post of this account
	SkipClosed     = "room_closed"      // the room closed before its turn came: the incident is over
)

// RebuttalRequest is one rebuttal for a cluster: a text (with a link) or
// a reply template whose language variants follow each post's language.
type RebuttalRequest struct {
	Cluster    string `json:"cluster"` // a key from the room's clusters
	Text       string `json:"text,omitempty"`
	TemplateID int64  `json:"template_id,omitempty"`
}

// Rebuttal is a rebuttal and its progress.
type Rebuttal struct {
	ID          int64             `json:"id"`
	Cluster     string            `json:"cluster"`
	TemplateID  int64             `json:"template_id,omitempty"`
	Bodies      map[string]string `json:"bodies"` // language → text ("" for every language)
	State       string            `json:"state"`
	RequestedBy string            `json:"requested_by"`
	RequestedAt time.Time         `json:"requested_at"`
	requestedID int64
	DecidedBy   string    `json:"decided_by,omitempty"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
	Note        string    `json:"note,omitempty"`
	Progress    Progress  `json:"progress"`
}

// Progress counts a rebuttal's posts.
type Progress struct {
	Total   int            `json:"total"`
	Pending int            `json:"pending"` // not yet queued (waiting for approval or the rate limit)
	Queued  int            `json:"queued"`  // in the outbox, not sent yet
	Sent    int            `json:"sent"`
	Failed  int            `json:"failed"` // failed or unknown in the outbox: see the outbox
	Skipped map[string]int `json:"skipped"`
}

// rebuttalVars are the variables a rebuttal's template may use: those
// filled from a post's case when it has one, and the room's pinned link.
var rebuttalVars = []string{"name", "ref", "status_code", "status_url", "advisory_link"}

var varRE = regexp.MustCompile(`\{([a-z_]+)\}`)

func checkBody(lang, body string) (string, error) {
	body = strings.TrimSpace(textnorm.Clean(body))
	field := "text"
	if lang != "" {
		field = "template_id"
	}
	if body == "" || len(body) > MaxRebuttal || !utf8.ValidString(body) {
		return "", &Invalid{field, fmt.Sprintf("a rebuttal is 1–%d bytes of text", MaxRebuttal)}
	}
	for _, m := range varRE.FindAllStringSubmatch(body, -1) {
		if !slices.Contains(rebuttalVars, m[1]) {
			return "", &Invalid{field, fmt.Sprintf("{%s} cannot be filled in a rebuttal; it may use {%s}", m[1], strings.Join(rebuttalVars, "}, {"))}
		}
	}
	return body, nil
}

// RequestRebuttal records a rebuttal to a cluster of room id, with the
// cluster's posts as they are now, to wait for one approval.
func (s *Service) RequestRebuttal(ctx context.Context, p *auth.Principal, id int64, req RebuttalRequest) (Rebuttal, error) {
	if err := needUser(p); err != nil {
		return Rebuttal{}, err
	}
	bodies := map[string]string{}
	switch {
	case req.TemplateID != 0 && strings.TrimSpace(req.Text) != "":
		return Rebuttal{}, &Invalid{"text", "give a text or a template, not both"}
	case req.TemplateID != 0:
		t, err := s.desk.GetTemplate(ctx, req.TemplateID)
		if errors.Is(err, store.ErrNotFound) {
			return Rebuttal{}, &Invalid{"template_id", "no such template"}
		}
		if err != nil {
			return Rebuttal{}, err
		}
		for lang, b := range t.Bodies {
			if bodies[lang], err = checkBody(lang, b); err != nil {
				return Rebuttal{}, err
			}
		}
	default:
		b, err := checkBody("", req.Text)
		if err != nil {
			return Rebuttal{}, err
		}
		bodies[""] = b
	}
	r, err := s.Get(ctx, id)
	if err != nil {
		return Rebuttal{}, err
	}
	c, err := s.Contents(ctx, r, 1)
	if err != nil {
		return Rebuttal{}, err
	}
	var posts []int64
	for _, cl := range c.Clusters {
		if cl.Key == req.Cluster {
			posts = cl.Posts
		}
	}
	if len(posts) == 0 {
		return Rebuttal{}, &Invalid{"cluster", "the room has no such cluster"}
	}
	enc, _ := json.Marshal(bodies)
	now := store.Millis(s.opt.Now())
	var rid int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockOpen(ctx, tx, id); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO crisis_rebuttals (room_id, cluster, template_id, bodies, requested_by, requested_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, id, req.Cluster, nullID(req.TemplateID), string(enc), p.UserID, now).Scan(&rid); err != nil {
			return fmt.Errorf("crisis: unable to record the rebuttal: %w", err)
		}
		for _, pid := range posts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO crisis_rebuttal_posts (rebuttal_id, post_id) VALUES ($1, $2)`, rid, pid); err != nil {
				return err
			}
		}
		return s.event(ctx, tx, p, id, "rebuttal.request", map[string]any{"rebuttal_id": rid, "cluster": req.Cluster, "posts": len(posts),
			"template_id": req.TemplateID, "bodies": bodies})
	})
	if err != nil {
		return Rebuttal{}, err
	}
	s.changed(ctx, id)
	return s.rebuttal(ctx, id, rid)
}

// DecideRebuttal approves (once, for every post of the batch) or rejects
// rebuttal rid of room id. The approver holds replies:approve and did
// not request it: a message sent under the force's name to many people
// is seen by two.
func (s *Service) DecideRebuttal(ctx context.Context, p *auth.Principal, id, rid int64, approve bool, note string) (Rebuttal, error) {
	if err := needUser(p); err != nil {
		return Rebuttal{}, err
	}
	if !p.Can(auth.PermRepliesApprove) {
		return Rebuttal{}, auth.ErrForbidden
	}
	note, err := cleanLine("note", note, 1000, false)
	if err != nil {
		return Rebuttal{}, err
	}
	if !approve && note == "" {
		return Rebuttal{}, &Invalid{"note", "say why, so the room can put it right"}
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockOpen(ctx, tx, id); err != nil {
			return err
		}
		var st string
		var by int64
		err := tx.QueryRowContext(ctx, "SELECT state, requested_by FROM crisis_rebuttals WHERE id = $1 AND room_id = $2", rid, id).Scan(&st, &by)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if st != RebuttalAwaiting {
			return &Conflict{"decided", "the rebuttal was already decided"}
		}
		if by == p.UserID {
			return &Conflict{"own_request", "you requested this rebuttal: someone else must approve it"}
		}
		to, action := RebuttalApproved, "rebuttal.approve"
		if !approve {
			to, action = RebuttalRejected, "rebuttal.reject"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE crisis_rebuttals SET state = $2, decided_by = $3, decided_at = $4, note = $5 WHERE id = $1 AND state = 'awaiting_approval'`,
			rid, to, p.UserID, store.Millis(s.opt.Now()), note); err != nil {
			return err
		}
		return s.event(ctx, tx, p, id, action, map[string]any{"rebuttal_id": rid, "note": note})
	})
	if err != nil {
		return Rebuttal{}, err
	}
	s.changed(ctx, id)
	return s.rebuttal(ctx, id, rid)
}

const rebuttalCols = `b.id, b.cluster, COALESCE(b.template_id, 0), b.bodies, b.state, b.requested_by, COALESCE(ru.username, ''), b.requested_at,
	COALESCE(du.username, ''), COALESCE(b.decided_at, 0), b.note
	FROM crisis_rebuttals b LEFT JOIN users ru ON ru.id = b.requested_by LEFT JOIN users du ON du.id = b.decided_by`

// Rebuttals lists room id's rebuttals with their progress, newest first.
func (s *Service) Rebuttals(ctx context.Context, id int64) ([]Rebuttal, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+rebuttalCols+" WHERE b.room_id = $1 ORDER BY b.id DESC", id)
	if err != nil {
		return nil, fmt.Errorf("crisis: unable to read rebuttals: %w", err)
	}
	out := []Rebuttal{}
	for rows.Next() {
		var b Rebuttal
		var bodies string
		var at, dec int64
		if err := rows.Scan(&b.ID, &b.Cluster, &b.TemplateID, &bodies, &b.State, &b.requestedID, &b.RequestedBy, &at, &b.DecidedBy, &dec, &b.Note); err != nil {
			rows.Close()
			return nil, err
		}
		_ = json.Unmarshal([]byte(bodies), &b.Bodies)
		b.RequestedAt = store.Time(at)
		if dec != 0 {
			b.DecidedAt = store.Time(dec)
		}
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Progress, err = s.progress(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) rebuttal(ctx context.Context, id, rid int64) (Rebuttal, error) {
	all, err := s.Rebuttals(ctx, id)
	for _, b := range all {
		if b.ID == rid {
			return b, err
		}
	}
	if err == nil {
		err = store.ErrNotFound
	}
	return Rebuttal{}, err
}

// RequestedBy is the user id who requested b (pages hide the approve
// button from them).
func (b Rebuttal) RequestedByID() int64 { return b.requestedID }

func (s *Service) progress(ctx context.Context, rid int64) (Progress, error) {
	pr := Progress{Skipped: map[string]int{}}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT rp.state, rp.reason, COALESCE(o.state, ''), COUNT(*) FROM crisis_rebuttal_posts rp
		LEFT JOIN outbox o ON o.id = rp.outbox_id WHERE rp.rebuttal_id = $1 GROUP BY rp.state, rp.reason, o.state`, rid)
	if err != nil {
		return pr, err
	}
	defer rows.Close()
	for rows.Next() {
		var st, reason, ob string
		var n int
		if err := rows.Scan(&st, &reason, &ob, &n); err != nil {
			return pr, err
		}
		pr.Total += n
		switch {
		case st == "pending":
			pr.Pending += n
		case st == "skipped":
			pr.Skipped[reason] += n
		case ob == "sent":
			pr.Sent += n
		case ob == "failed" || ob == "unknown" || ob == "cancelled":
			pr.Failed += n
		default:
			pr.Queued += n
		}
	}
	return pr, rows.Err()
}

// Done is how many posts were dealt with (queued, sent, failed or
// skipped): the progress bar's value.
func (p Progress) Done() int { return p.Total - p.Pending }
