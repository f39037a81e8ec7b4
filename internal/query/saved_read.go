package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

const savedSelect = `SELECT q.id, q.name, q.owner_id, COALESCE(u.username, ''), q.status, COALESCE(q.live_revision, 0),
	q.live_query, q.live_purpose, q.created_at, q.updated_at,
	(SELECT MIN(r.decided_at) FROM listening_query_revisions r WHERE r.query_id = q.id AND r.state = 'approved')
	FROM listening_queries q LEFT JOIN users u ON u.id = q.owner_id`

func scanSaved(r interface{ Scan(...any) error }) (Saved, error) {
	var s Saved
	var created, updated int64
	var since sql.NullInt64
	err := r.Scan(&s.ID, &s.Name, &s.OwnerID, &s.Owner, &s.Status, &s.LiveRevision, &s.Query, &s.Purpose, &created, &updated, &since)
	s.CreatedAt, s.UpdatedAt, s.ListeningSince = store.Time(created), store.Time(updated), store.NullTime(since)
	return s, err
}

const revisionSelect = `SELECT r.id, r.query_id, r.name, r.query, r.purpose, r.proposed_by, COALESCE(a.username, ''), r.proposed_at,
	r.state, COALESCE(r.decided_by, 0), COALESCE(d.username, ''), r.decided_at, r.note
	FROM listening_query_revisions r LEFT JOIN users a ON a.id = r.proposed_by LEFT JOIN users d ON d.id = r.decided_by`

func scanRevision(r interface{ Scan(...any) error }) (Revision, error) {
	var v Revision
	var proposed int64
	var decided sql.NullInt64
	err := r.Scan(&v.ID, &v.QueryID, &v.Name, &v.Query, &v.Purpose, &v.ProposedBy, &v.Proposer, &proposed,
		&v.State, &v.DecidedBy, &v.Decider, &decided, &v.Note)
	v.ProposedAt, v.DecidedAt = store.Time(proposed), store.NullTime(decided)
	if err == nil {
		if q, perr := Parse(v.Query); perr == nil {
			v.Concerns = Concerns(q)
		}
	}
	return v, err
}

// Get returns a query with its pending proposal, if any.
func (s *Store) Get(ctx context.Context, id int64) (Saved, error) {
	sv, err := scanSaved(s.db.Read.QueryRowContext(ctx, savedSelect+" WHERE q.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return sv, store.ErrNotFound
	}
	if err != nil {
		return sv, fmt.Errorf("query: unable to read query: %w", err)
	}
	r, err := scanRevision(s.db.Read.QueryRowContext(ctx, revisionSelect+" WHERE r.query_id = $1 AND r.state = $2", id, RevPending))
	switch {
	case err == nil:
		sv.Pending = &r
	case !errors.Is(err, sql.ErrNoRows):
		return sv, fmt.Errorf("query: unable to read revision: %w", err)
	}
	return sv, nil
}

// ListFilter selects saved queries.
type ListFilter struct {
	Status  string // pending, active, retired; "" for all
	Waiting bool   // only those with a proposal waiting for approval
}

// List returns saved queries, most recently changed first, with their
// pending proposals.
func (s *Store) List(ctx context.Context, f ListFilter) ([]Saved, error) {
	q := savedSelect
	var conds []string
	var args []any
	if f.Status != "" {
		args = append(args, f.Status)
		conds = append(conds, fmt.Sprintf("q.status = $%d", len(args)))
	}
	if f.Waiting {
		args = append(args, RevPending)
		conds = append(conds, fmt.Sprintf("q.id IN (SELECT query_id FROM listening_query_revisions WHERE state = $%d)", len(args)))
	}
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := s.db.Read.QueryContext(ctx, q+" ORDER BY q.updated_at DESC, q.id DESC LIMIT 1000", args...)
	if err != nil {
		return nil, fmt.Errorf("query: unable to list queries: %w", err)
	}
	out := []Saved{}
	for rows.Next() {
		sv, err := scanSaved(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("query: unable to read query: %w", err)
		}
		out = append(out, sv)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query: unable to list queries: %w", err)
	}
	pending, err := s.pendingRevisions(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if r, ok := pending[out[i].ID]; ok {
			out[i].Pending = &r
		}
	}
	return out, nil
}

func (s *Store) pendingRevisions(ctx context.Context) (map[int64]Revision, error) {
	rows, err := s.db.Read.QueryContext(ctx, revisionSelect+" WHERE r.state = $1", RevPending)
	if err != nil {
		return nil, fmt.Errorf("query: unable to list proposals: %w", err)
	}
	defer rows.Close()
	out := map[int64]Revision{}
	for rows.Next() {
		r, err := scanRevision(rows)
		if err != nil {
			return nil, fmt.Errorf("query: unable to read revision: %w", err)
		}
		out[r.QueryID] = r
	}
	return out, rows.Err()
}

// Revisions returns every revision of a query, newest first: its history
// of proposals and decisions.
func (s *Store) Revisions(ctx context.Context, id int64) ([]Revision, error) {
	rows, err := s.db.Read.QueryContext(ctx, revisionSelect+" WHERE r.query_id = $1 ORDER BY r.id DESC", id)
	if err != nil {
		return nil, fmt.Errorf("query: unable to list revisions: %w", err)
	}
	defer rows.Close()
	out := []Revision{}
	for rows.Next() {
		r, err := scanRevision(rows)
		if err != nil {
			return nil, fmt.Errorf("query: unable to read revision: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *Store) revision(ctx context.Context, id, rev int64) (Revision, error) {
	r, err := scanRevision(s.db.Read.QueryRowContext(ctx, revisionSelect+" WHERE r.id = $1 AND r.query_id = $2", rev, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("query: unable to read revision: %w", err)
	}
	return r, nil
}

// live is an approved query as the listener matches it.
type live struct {
	id, revision int64
	query        string
}

func (s *Store) active(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]live, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, live_revision, live_query FROM listening_queries
		WHERE status = $1 AND live_revision IS NOT NULL ORDER BY id`, StatusActive)
	if err != nil {
		return nil, fmt.Errorf("query: unable to load active queries: %w", err)
	}
	defer rows.Close()
	var out []live
	for rows.Next() {
		var l live
		if err := rows.Scan(&l.id, &l.revision, &l.query); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// MatchCounts returns how many posts created since `since` each query
// matched, from the matches the pipeline recorded.
func (s *Store) MatchCounts(ctx context.Context, since time.Time) (map[int64]int, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT query_id, COUNT(*) FROM query_matches WHERE post_created_at >= $1 GROUP BY query_id`,
		store.Millis(since))
	if err != nil {
		return nil, fmt.Errorf("query: unable to count matches: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}
