package crisis

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/store"
)

// DraftAdvisory composes an advisory for room id through publishing (a
// draft publication of kind advisory or emergency, with publishing's own
// checks) and links it to the room. It is then submitted, approved and
// released on publishing's pages and routes, by their rules (four eyes,
// the emergency fast path); the room shows its state.
func (s *Service) DraftAdvisory(ctx context.Context, p *auth.Principal, id int64, d publish.Draft) (publish.Publication, error) {
	if err := needUser(p); err != nil {
		return publish.Publication{}, err
	}
	if d.Kind == "" {
		d.Kind = publish.KindAdvisory
	}
	if d.Kind != publish.KindAdvisory && d.Kind != publish.KindEmergency {
		return publish.Publication{}, &Invalid{"kind", "a room's advisory is an advisory or an emergency advisory"}
	}
	r, err := s.Get(ctx, id)
	if err != nil {
		return publish.Publication{}, err
	}
	if r.State != StateOpen {
		return publish.Publication{}, &Conflict{"closed", "the room is closed"}
	}
	pub, err := s.pub.Create(ctx, p, d)
	if err != nil {
		return pub, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockOpen(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO crisis_publications (room_id, publication_id, added_at) VALUES ($1, $2, $3)`,
			id, pub.ID, store.Millis(s.opt.Now())); err != nil {
			return fmt.Errorf("crisis: unable to link the advisory: %w", err)
		}
		return s.event(ctx, tx, p, id, "advisory", map[string]any{"publication_id": pub.ID, "title": pub.Title, "kind": pub.Kind})
	})
	if err != nil {
		return pub, err
	}
	s.changed(ctx, id)
	return pub, nil
}

// Advisories returns the publications linked to room id, newest first,
// as publishing holds them now (state, approvals, sends).
func (s *Service) Advisories(ctx context.Context, id int64) ([]publish.Publication, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT publication_id FROM crisis_publications WHERE room_id = $1 ORDER BY publication_id DESC", id)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var n int64
		rows.Scan(&n)
		ids = append(ids, n)
	}
	rows.Close()
	out := []publish.Publication{}
	for _, n := range ids {
		p, err := s.pub.Get(ctx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
