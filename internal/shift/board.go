package shift

import (
	"context"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// Board is the supervisor's live view of the shift.
type Board struct {
	Now     time.Time   `json:"now"`
	Shift   Shift       `json:"shift"`
	Agents  []AgentLoad `json:"agents"` // on shift first, then the rest with open cases
	Teams   []TeamQueue `json:"teams"`
	Oldest  []CaseItem  `json:"oldest_unanswered"` // no first response yet, oldest first
	Coming  []CaseItem  `json:"breaches_coming"`   // a deadline within Horizon, soonest first
	Overdue int         `json:"overdue"`           // open cases already past a deadline
	Horizon string      `json:"horizon"`
}

// AgentLoad is one agent's load against their capacity.
type AgentLoad struct {
	UserID   int64     `json:"user_id"`
	Username string    `json:"username"`
	Name     string    `json:"name"`
	OnShift  bool      `json:"on_shift"`
	Since    time.Time `json:"since,omitempty"`
	Load     int       `json:"load"`
	Capacity int       `json:"capacity"`
	Waiting  int       `json:"waiting"` // cases of theirs waiting on a citizen or station
}

// Percent is the load as a share of capacity (0–100, capped), for the bar.
func (a AgentLoad) Percent() int {
	if a.Capacity <= 0 {
		if a.Load > 0 {
			return 100
		}
		return 0
	}
	return min(100, a.Load*100/a.Capacity)
}

// Full reports an agent at or above capacity.
func (a AgentLoad) Full() bool { return a.Load >= a.Capacity }

// TeamQueue is a team's unassigned cases.
type TeamQueue struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Queued  int    `json:"queued"`
	OnShift int    `json:"on_shift"`
}

// BoardHorizon is how far ahead the board looks for breaches.
const BoardHorizon = time.Hour

// Board reads the live board.
func (s *Service) Board(ctx context.Context) (Board, error) {
	now := s.now().UTC()
	b := Board{Now: now, Horizon: BoardHorizon.String()}
	var err error
	if b.Shift, _, err = s.Current(ctx); err != nil {
		return b, err
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT u.id, u.username, u.name, k.in_at,
		(SELECT count(*) FROM cases c WHERE c.assignee_id = u.id AND c.status IN `+openStatuses+`),
		(SELECT count(*) FROM cases c WHERE c.assignee_id = u.id AND c.status IN ('waiting_citizen', 'waiting_station')),
		COALESCE(sk.capacity, $1)
		FROM users u LEFT JOIN shift_clock k ON k.user_id = u.id AND k.out_at IS NULL LEFT JOIN agent_skills sk ON sk.user_id = u.id
		WHERE u.disabled = 0 AND (k.id IS NOT NULL OR EXISTS (SELECT 1 FROM cases c WHERE c.assignee_id = u.id AND c.status IN `+openStatuses+`))
		ORDER BY (k.id IS NULL), u.username`, DefaultCapacity)
	if err != nil {
		return b, fmt.Errorf("shift: unable to read agents' load: %w", err)
	}
	for rows.Next() {
		var a AgentLoad
		var in *int64
		if err := rows.Scan(&a.UserID, &a.Username, &a.Name, &in, &a.Load, &a.Waiting, &a.Capacity); err != nil {
			rows.Close()
			return b, err
		}
		if in != nil {
			a.OnShift, a.Since = true, store.Time(*in)
		}
		b.Agents = append(b.Agents, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return b, err
	}
	trows, err := s.db.Read.QueryContext(ctx, `SELECT t.id, t.name,
		(SELECT count(*) FROM cases c WHERE c.team = t.name AND c.assignee_id IS NULL AND c.status IN `+openStatuses+`),
		(SELECT count(*) FROM team_members m JOIN shift_clock k ON k.user_id = m.user_id AND k.out_at IS NULL WHERE m.team_id = t.id)
		FROM teams t ORDER BY t.name`)
	if err != nil {
		return b, err
	}
	for trows.Next() {
		var t TeamQueue
		if err := trows.Scan(&t.ID, &t.Name, &t.Queued, &t.OnShift); err != nil {
			trows.Close()
			return b, err
		}
		b.Teams = append(b.Teams, t)
	}
	trows.Close()
	ms, horizon := store.Millis(now), store.Millis(now.Add(BoardHorizon))
	if b.Oldest, err = s.cases(ctx, `WHERE c.status IN ('new', 'open') AND c.first_response_at IS NULL ORDER BY c.created_at LIMIT 10`); err != nil {
		return b, err
	}
	if b.Coming, err = s.cases(ctx, `WHERE c.status IN `+unfinished+` AND (
		(c.first_response_at IS NULL AND c.first_response_due >= $1 AND c.first_response_due < $2) OR
		(c.resolved_at IS NULL AND c.resolve_due >= $1 AND c.resolve_due < $2))
		ORDER BY CASE WHEN c.first_response_at IS NULL AND c.first_response_due >= $1 THEN c.first_response_due ELSE c.resolve_due END LIMIT 20`, ms, horizon); err != nil {
		return b, err
	}
	err = s.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM cases c WHERE c.status IN `+unfinished+` AND (
		(c.first_response_at IS NULL AND c.first_response_due < $1) OR (c.resolved_at IS NULL AND c.resolve_due < $1))`, ms).Scan(&b.Overdue)
	return b, err
}
