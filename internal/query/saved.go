package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// ApprovalNotice is what every form that creates or changes a listening
// query says, and what the API documents: the approval is a safeguard,
// not a formality.
const ApprovalNotice = "Listening is for public safety. Every new or changed query waits for a supervisor other than its author to approve it. " +
	"A query that targets a person, or the organisers of a lawful protest, is exactly what this approval exists to stop: " +
	"say in the purpose which public-safety need the query serves."

// Statuses of a saved query.
const (
	StatusPending = "pending" // never approved: matches nothing yet
	StatusActive  = "active"  // its live revision is matched on every post
	StatusRetired = "retired" // stopped; a new approved revision restarts it
)

// States of a revision.
const (
	RevPending   = "pending"
	RevApproved  = "approved"
	RevRejected  = "rejected"
	RevWithdrawn = "withdrawn" // a newer proposal replaced it before a decision
)

// Saved is a saved listening query.
type Saved struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	OwnerID int64  `json:"owner_id"`
	Owner   string `json:"owner"`
	Status  string `json:"status"`
	// The approved definition the pipeline matches (empty until the first
	// approval).
	LiveRevision int64     `json:"live_revision,omitempty"`
	Query        string    `json:"query"`
	Purpose      string    `json:"purpose"`
	Pending      *Revision `json:"pending,omitempty"` // a proposal waiting for approval
	// ListeningSince is when a revision was first approved: matches are
	// counted from then.
	ListeningSince time.Time `json:"listening_since,omitzero"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Revision is one proposed definition of a query and its decision.
type Revision struct {
	ID         int64     `json:"id"`
	QueryID    int64     `json:"query_id"`
	Name       string    `json:"name"`
	Query      string    `json:"query"`
	Purpose    string    `json:"purpose"`
	ProposedBy int64     `json:"proposed_by"`
	Proposer   string    `json:"proposer"`
	ProposedAt time.Time `json:"proposed_at"`
	State      string    `json:"state"`
	DecidedBy  int64     `json:"decided_by,omitempty"`
	Decider    string    `json:"decider,omitempty"`
	DecidedAt  time.Time `json:"decided_at,omitzero"`
	Note       string    `json:"note,omitempty"`
	// Concerns are the reviewer's prompts (a person named, protests).
	Concerns []string `json:"concerns,omitempty"`
}

// Proposal is what an author writes: a name, the query and its purpose.
type Proposal struct {
	Name    string `json:"name"`
	Query   string `json:"query"`
	Purpose string `json:"purpose"`
}

// ValidationError is a refused input, naming the field.
type ValidationError struct{ Field, Message string }

func (e *ValidationError) Error() string        { return "query: " + e.Field + ": " + e.Message }
func (e *ValidationError) InvalidField() string { return e.Field }

// ConflictError is a decision on something that changed meanwhile.
type ConflictError struct{ Message string }

func (e *ConflictError) Error() string    { return "query: " + e.Message }
func (e *ConflictError) IsConflict() bool { return true }

var (
	// ErrOwnRevision: nobody approves or rejects their own proposal.
	ErrOwnRevision = errors.New("query: the author of a revision may not decide on it; another supervisor must")
	// ErrNotAllowed: only the owner or an approver changes or stops a query.
	ErrNotAllowed = errors.New("query: only the query's owner or a supervisor may change or stop it")
)

// Saved queries store.
type Store struct {
	db       *store.DB
	env      *Env
	now      func() time.Time
	onChange func() // after a change of what is matched (the listener reloads)
}

// NewStore returns the saved-query store. env checks queries (nil: the
// embedded pack's); onChange may be nil.
func NewStore(db *store.DB, env *Env, onChange func()) *Store {
	return &Store{db: db, env: env, now: time.Now, onChange: onChange}
}

func (s *Store) parse(q string) (*Query, error) {
	if s.env != nil {
		return s.env.Parse(q)
	}
	return Parse(q)
}

// check validates a proposal and returns its canonical query.
func (s *Store) check(in *Proposal) (*Query, error) {
	in.Name = strings.Join(strings.Fields(textnorm.Clean(in.Name)), " ")
	in.Purpose = strings.TrimSpace(textnorm.Clean(in.Purpose))
	switch n := utf8.RuneCountInString(in.Name); {
	case n < 3 || n > 100:
		return nil, &ValidationError{"name", "a name of 3 to 100 characters is required"}
	}
	switch n := utf8.RuneCountInString(in.Purpose); {
	case n < 20:
		return nil, &ValidationError{"purpose", "say in at least 20 characters which public-safety need this query serves"}
	case n > 2000:
		return nil, &ValidationError{"purpose", "the purpose is longer than 2000 characters"}
	}
	return s.parse(in.Query)
}

// Concern codes: the patterns the approval exists to catch.
const (
	ConcernPerson  = "person"  // author: or @handle
	ConcernProtest = "protest" // protests, gatherings, public order
)

var concernText = map[string]string{
	ConcernPerson:  "names a person (author: or @handle): approve only for a public-safety need such as a missing person or a threat, never to watch someone",
	ConcernProtest: "concerns protests or gatherings: it may watch for public-order risks, never for who organises or joins a lawful protest",
}

// Concerns are the prompts a reviewer sees beside a proposal, in English
// (ConcernCodes gives their codes for translated pages). They refuse
// nothing: a missing-person search may rightly name a handle.
func Concerns(q *Query) []string {
	var out []string
	for _, c := range ConcernCodes(q) {
		out = append(out, concernText[c])
	}
	return out
}

// ConcernCodes returns the concerns of q as codes (ConcernPerson, …).
func ConcernCodes(q *Query) []string {
	var person, protest bool
	var walk func(n Node)
	walk = func(n Node) {
		switch n := n.(type) {
		case *And:
			for _, t := range n.Terms {
				walk(t)
			}
		case *Or:
			for _, t := range n.Terms {
				walk(t)
			}
		case *Not:
			// Excluding a person or a protest narrows, never targets.
		case *Near:
			walk(n.Left)
			walk(n.Right)
		case *Mention:
			person = true
		case *Field:
			if n.Name == "author" {
				person = true
			}
			if n.Name == "category" && n.Value == "public_order" {
				protest = true
			}
		case *Word:
			protest = protest || protestWords[n.Text]
		case *Phrase:
			for _, w := range n.Words {
				protest = protest || protestWords[w.Text]
			}
		case *Hashtag:
			protest = protest || protestWords[n.Tag]
		}
	}
	walk(q.Root)
	var out []string
	if person {
		out = append(out, ConcernPerson)
	}
	if protest {
		out = append(out, ConcernProtest)
	}
	return out
}

var protestWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("protest protests protester protesters rally rallies dharna bandh agitation march strike morcha andolan hartal gherao ಪ್ರತಿಭಟನೆ ಧರಣಿ ಬಂದ್ ಮುಷ್ಕರ ಮೆರವಣಿಗೆ प्रदर्शन धरना आंदोलन बंद हड़ताल") {
		protestWords[w] = true
	}
}

// Create saves a new query with its first revision, pending approval.
func (s *Store) Create(ctx context.Context, p *auth.Principal, in Proposal) (Saved, error) {
	q, err := s.check(&in)
	if err != nil {
		return Saved{}, err
	}
	now := store.Millis(s.now())
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO listening_queries (name, owner_id, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $4) RETURNING id`, in.Name, p.UserID, StatusPending, now).Scan(&id); err != nil {
			return fmt.Errorf("query: unable to save query: %w", err)
		}
		rev, err := s.insertRevision(ctx, tx, id, in, q, p.UserID, now)
		if err != nil {
			return err
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "query.create", Target: target(id),
			Details: map[string]any{"name": in.Name, "query": q.String(), "purpose": in.Purpose, "revision": rev}})
	})
	if err != nil {
		return Saved{}, err
	}
	return s.Get(ctx, id)
}

func (s *Store) insertRevision(ctx context.Context, tx *sql.Tx, id int64, in Proposal, q *Query, by, now int64) (int64, error) {
	var rev int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO listening_query_revisions (query_id, name, query, purpose, proposed_by, proposed_at, state)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, id, in.Name, q.String(), in.Purpose, by, now, RevPending).Scan(&rev); err != nil {
		return 0, fmt.Errorf("query: unable to save revision: %w", err)
	}
	return rev, nil
}

func target(id int64) string { return "listening_query:" + strconv.FormatInt(id, 10) }

// mayChange: the owner, or whoever may approve.
func mayChange(p *auth.Principal, owner int64) bool {
	return p.UserID == owner || p.Can(auth.PermQueriesApprove)
}

// Propose records a changed definition for approval. The approved one
// keeps matching until the change is approved; an earlier proposal still
// waiting is withdrawn.
func (s *Store) Propose(ctx context.Context, p *auth.Principal, id int64, in Proposal) (Revision, error) {
	q, err := s.check(&in)
	if err != nil {
		return Revision{}, err
	}
	now := store.Millis(s.now())
	var rev int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var owner int64
		err := tx.QueryRowContext(ctx, "SELECT owner_id FROM listening_queries WHERE id = $1", id).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("query: unable to read query: %w", err)
		}
		if !mayChange(p, owner) {
			return ErrNotAllowed
		}
		if _, err := tx.ExecContext(ctx, `UPDATE listening_query_revisions SET state = $1, decided_at = $2
			WHERE query_id = $3 AND state = $4`, RevWithdrawn, now, id, RevPending); err != nil {
			return fmt.Errorf("query: unable to withdraw the earlier proposal: %w", err)
		}
		if rev, err = s.insertRevision(ctx, tx, id, in, q, p.UserID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE listening_queries SET updated_at = $1 WHERE id = $2", now, id); err != nil {
			return fmt.Errorf("query: unable to save query: %w", err)
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "query.propose", Target: target(id),
			Details: map[string]any{"name": in.Name, "query": q.String(), "purpose": in.Purpose, "revision": rev}})
	})
	if err != nil {
		return Revision{}, err
	}
	return s.revision(ctx, id, rev)
}

// Approve makes revision rev of query id the one matched. The approver
// must hold queries:approve (the route checks) and must not be the
// revision's author; rev must still be pending, so what is approved is
// what the approver read.
func (s *Store) Approve(ctx context.Context, p *auth.Principal, id, rev int64, note string) (Saved, error) {
	note = strings.TrimSpace(textnorm.Clean(note))
	if utf8.RuneCountInString(note) > 2000 {
		return Saved{}, &ValidationError{"note", "the note is longer than 2000 characters"}
	}
	err := s.decide(ctx, p, id, rev, func(tx *sql.Tx, r Revision, now int64) error {
		// Checked again: the gazetteer or the taxonomy may have changed.
		q, err := s.parse(r.Query)
		if err != nil {
			return &ConflictError{"the proposed query no longer parses: " + err.Error()}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE listening_query_revisions SET state = $1, decided_by = $2, decided_at = $3, note = $4
			WHERE id = $5`, RevApproved, p.UserID, now, note, rev); err != nil {
			return fmt.Errorf("query: unable to approve: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE listening_queries SET status = $1, live_revision = $2, live_query = $3,
			live_purpose = $4, name = $5, updated_at = $6 WHERE id = $7`, StatusActive, rev, q.String(), r.Purpose, r.Name, now, id); err != nil {
			return fmt.Errorf("query: unable to approve: %w", err)
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "query.approve", Target: target(id),
			Details: map[string]any{"revision": rev, "query": q.String(), "proposed_by": r.ProposedBy, "note": note}})
	})
	if err != nil {
		return Saved{}, err
	}
	s.changed()
	return s.Get(ctx, id)
}

// Reject refuses revision rev with a reason; the query keeps its approved
// definition, if any.
func (s *Store) Reject(ctx context.Context, p *auth.Principal, id, rev int64, note string) (Revision, error) {
	note = strings.TrimSpace(textnorm.Clean(note))
	if n := utf8.RuneCountInString(note); n < 5 || n > 2000 {
		return Revision{}, &ValidationError{"note", "say in 5 to 2000 characters why the query is rejected"}
	}
	err := s.decide(ctx, p, id, rev, func(tx *sql.Tx, r Revision, now int64) error {
		if _, err := tx.ExecContext(ctx, `UPDATE listening_query_revisions SET state = $1, decided_by = $2, decided_at = $3, note = $4
			WHERE id = $5`, RevRejected, p.UserID, now, note, rev); err != nil {
			return fmt.Errorf("query: unable to reject: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE listening_queries SET updated_at = $1 WHERE id = $2", now, id); err != nil {
			return fmt.Errorf("query: unable to reject: %w", err)
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "query.reject", Target: target(id),
			Details: map[string]any{"revision": rev, "query": r.Query, "proposed_by": r.ProposedBy, "note": note}})
	})
	if err != nil {
		return Revision{}, err
	}
	return s.revision(ctx, id, rev)
}

// decide runs fn on pending revision rev of query id in a transaction,
// after refusing the revision's own author.
func (s *Store) decide(ctx context.Context, p *auth.Principal, id, rev int64, fn func(*sql.Tx, Revision, int64) error) error {
	now := store.Millis(s.now())
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := scanRevision(tx.QueryRowContext(ctx, revisionSelect+" WHERE r.id = $1 AND r.query_id = $2", rev, id))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("query: unable to read revision: %w", err)
		}
		if r.State != RevPending {
			return &ConflictError{fmt.Sprintf("revision %d is %s, no longer pending", rev, r.State)}
		}
		if r.ProposedBy == p.UserID {
			return ErrOwnRevision
		}
		return fn(tx, r, now)
	})
}

// Retire stops matching a query at once. Stopping needs no approval; it
// is audited with its reason.
func (s *Store) Retire(ctx context.Context, p *auth.Principal, id int64, note string) (Saved, error) {
	note = strings.TrimSpace(textnorm.Clean(note))
	if utf8.RuneCountInString(note) > 2000 {
		return Saved{}, &ValidationError{"note", "the note is longer than 2000 characters"}
	}
	now := store.Millis(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var owner int64
		var status string
		err := tx.QueryRowContext(ctx, "SELECT owner_id, status FROM listening_queries WHERE id = $1", id).Scan(&owner, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("query: unable to read query: %w", err)
		}
		if !mayChange(p, owner) {
			return ErrNotAllowed
		}
		if status == StatusRetired {
			return &ConflictError{"the query is already retired"}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE listening_query_revisions SET state = $1, decided_at = $2
			WHERE query_id = $3 AND state = $4`, RevWithdrawn, now, id, RevPending); err != nil {
			return fmt.Errorf("query: unable to retire: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE listening_queries SET status = $1, updated_at = $2 WHERE id = $3", StatusRetired, now, id); err != nil {
			return fmt.Errorf("query: unable to retire: %w", err)
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "query.retire", Target: target(id), Details: map[string]any{"note": note, "was": status}})
	})
	if err != nil {
		return Saved{}, err
	}
	s.changed()
	return s.Get(ctx, id)
}

// OnChange sets what runs after a change of what is matched (an
// approval, a retirement): the listener's reload.
func (s *Store) OnChange(fn func()) { s.onChange = fn }

func (s *Store) changed() {
	if s.onChange != nil {
		s.onChange()
	}
}
