package alert

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kaval-desk/kaval/internal/store"
)

const cols = `a.id, a.kind, a.dedupe_key, a.subject, a.severity, a.detail, a.link, a.state, a.raised, a.first_at, a.last_at,
	COALESCE(a.acked_by, 0), COALESCE(u.username, ''), COALESCE(a.acked_at, 0), a.ack_note`

func scan(r interface{ Scan(...any) error }, a *Alert) error {
	var detail string
	var first, last, acked int64
	if err := r.Scan(&a.ID, &a.Kind, &a.Key, &a.Subject, &a.Severity, &detail, &a.Link, &a.State, &a.Raised, &first, &last,
		&a.ackedByID, &a.AckedBy, &acked, &a.AckNote); err != nil {
		return err
	}
	// The key is stored with its kind in front (one index for both).
	if len(a.Key) > len(a.Kind) && a.Key[len(a.Kind)] == '|' {
		a.Key = a.Key[len(a.Kind)+1:]
	}
	_ = json.Unmarshal([]byte(detail), &a.Detail)
	a.FirstAt, a.LastAt = store.Time(first), store.Time(last)
	if acked != 0 {
		a.AckedAt = store.Time(acked)
	}
	return nil
}

// Get returns one alert.
func (s *Service) Get(ctx context.Context, id int64) (Alert, error) {
	var a Alert
	err := scan(s.db.Read.QueryRowContext(ctx, "SELECT "+cols+" FROM alerts a LEFT JOIN users u ON u.id = a.acked_by WHERE a.id = $1", id), &a)
	if errors.Is(err, sql.ErrNoRows) {
		return a, store.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("alert: unable to read alert: %w", err)
	}
	return a, nil
}

// Filter selects alerts to list.
type Filter struct {
	State  string // open, acknowledged, or "" for both
	Before int64  // an alert id: list older ones (paging); 0 from the newest
	Limit  int    // default 50, at most 200
}

// List returns alerts, open ones by severity then newest first, the rest
// newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]Alert, error) {
	if f.State != "" && f.State != StateOpen && f.State != StateAcknowledged {
		return nil, &Invalid{"state", "state is open or acknowledged"}
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 200)
	q := "SELECT " + cols + " FROM alerts a LEFT JOIN users u ON u.id = a.acked_by WHERE 1 = 1"
	var args []any
	if f.State != "" {
		args = append(args, f.State)
		q += fmt.Sprintf(" AND a.state = $%d", len(args))
	}
	if f.Before > 0 {
		args = append(args, f.Before)
		q += fmt.Sprintf(" AND a.id < $%d", len(args))
	}
	order := " ORDER BY a.id DESC"
	if f.State == StateOpen {
		order = " ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.id DESC"
	}
	args = append(args, f.Limit)
	rows, err := s.db.Read.QueryContext(ctx, q+order+fmt.Sprintf(" LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("alert: unable to list alerts: %w", err)
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		var a Alert
		if err := scan(rows, &a); err != nil {
			return nil, fmt.Errorf("alert: unable to list alerts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// OpenCount is the number of open alerts (the watch tab's badge).
func (s *Service) OpenCount(ctx context.Context) (int, error) {
	var n int
	err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM alerts WHERE state = 'open'").Scan(&n)
	return n, err
}
