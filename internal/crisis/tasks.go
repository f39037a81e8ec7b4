package crisis

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// Task is a piece of work in a room with an owner and a due time.
type Task struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	OwnerID   int64     `json:"owner_id,omitempty"`
	Owner     string    `json:"owner,omitempty"`
	DueAt     time.Time `json:"due_at,omitzero"`
	DoneAt    time.Time `json:"done_at,omitzero"`
	DoneBy    string    `json:"done_by,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	Overdue   bool      `json:"overdue"`
}

// TaskRequest is a new task.
type TaskRequest struct {
	Title   string    `json:"title"`
	OwnerID int64     `json:"owner_id,omitempty"` // a user; 0 for nobody yet
	DueAt   time.Time `json:"due_at,omitzero"`
}

// AddTask adds a task to open room id.
func (s *Service) AddTask(ctx context.Context, p *auth.Principal, id int64, req TaskRequest) (Task, error) {
	if err := needUser(p); err != nil {
		return Task{}, err
	}
	title, err := cleanLine("title", req.Title, MaxTask, true)
	if err != nil {
		return Task{}, err
	}
	now := s.opt.Now()
	if !req.DueAt.IsZero() && (req.DueAt.Before(now.Add(-time.Minute)) || req.DueAt.After(now.Add(30*24*time.Hour))) {
		return Task{}, &Invalid{"due_at", "is a time within the next 30 days"}
	}
	var tid int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockOpen(ctx, tx, id); err != nil {
			return err
		}
		owner := ""
		if req.OwnerID != 0 {
			err := tx.QueryRowContext(ctx, "SELECT username FROM users WHERE id = $1 AND disabled = 0", req.OwnerID).Scan(&owner)
			if errors.Is(err, sql.ErrNoRows) {
				return &Invalid{"owner_id", "no such active user"}
			}
			if err != nil {
				return err
			}
		}
		var due any
		if !req.DueAt.IsZero() {
			due = store.Millis(req.DueAt)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO crisis_tasks (room_id, title, owner_id, due_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			id, title, nullID(req.OwnerID), due, p.UserID, store.Millis(now)).Scan(&tid); err != nil {
			return fmt.Errorf("crisis: unable to add the task: %w", err)
		}
		d := map[string]any{"task_id": tid, "title": title, "owner": owner}
		if !req.DueAt.IsZero() {
			d["due_at"] = req.DueAt.UTC()
		}
		return s.event(ctx, tx, p, id, "task.add", d)
	})
	if err != nil {
		return Task{}, err
	}
	s.changed(ctx, id)
	ts, err := s.Tasks(ctx, id)
	for _, t := range ts {
		if t.ID == tid {
			return t, err
		}
	}
	return Task{}, err
}

// CompleteTask marks task tid of room id done: its owner or a person who
// runs rooms (the caller checks the latter with incidents:manage).
func (s *Service) CompleteTask(ctx context.Context, p *auth.Principal, id, tid int64) error {
	if err := needUser(p); err != nil {
		return err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockOpen(ctx, tx, id); err != nil {
			return err
		}
		var owner sql.NullInt64
		var done sql.NullInt64
		var title string
		err := tx.QueryRowContext(ctx, "SELECT owner_id, done_at, title FROM crisis_tasks WHERE id = $1 AND room_id = $2", tid, id).Scan(&owner, &done, &title)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if owner.Int64 != p.UserID && !p.Can(auth.PermIncidentsManage) {
			return auth.ErrForbidden
		}
		if done.Valid {
			return &Conflict{"task_done", "the task is already done"}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE crisis_tasks SET done_at = $2, done_by = $3 WHERE id = $1", tid, store.Millis(s.opt.Now()), p.UserID); err != nil {
			return err
		}
		return s.event(ctx, tx, p, id, "task.done", map[string]any{"task_id": tid, "title": title})
	})
	if err != nil {
		return err
	}
	s.changed(ctx, id)
	return nil
}

// Tasks lists room id's tasks: open ones by due time, then done ones.
func (s *Service) Tasks(ctx context.Context, id int64) ([]Task, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT t.id, t.title, COALESCE(t.owner_id, 0), COALESCE(o.username, ''), COALESCE(t.due_at, 0),
		COALESCE(t.done_at, 0), COALESCE(d.username, ''), COALESCE(c.username, ''), t.created_at
		FROM crisis_tasks t LEFT JOIN users o ON o.id = t.owner_id LEFT JOIN users d ON d.id = t.done_by LEFT JOIN users c ON c.id = t.created_by
		WHERE t.room_id = $1 ORDER BY CASE WHEN t.done_at IS NULL THEN 0 ELSE 1 END, COALESCE(t.due_at, 9223372036854775807), t.id`, id)
	if err != nil {
		return nil, fmt.Errorf("crisis: unable to read tasks: %w", err)
	}
	defer rows.Close()
	now := s.opt.Now()
	out := []Task{}
	for rows.Next() {
		var t Task
		var due, done, created int64
		if err := rows.Scan(&t.ID, &t.Title, &t.OwnerID, &t.Owner, &due, &done, &t.DoneBy, &t.CreatedBy, &created); err != nil {
			return nil, err
		}
		t.CreatedAt = store.Time(created)
		if due != 0 {
			t.DueAt = store.Time(due)
		}
		if done != 0 {
			t.DoneAt = store.Time(done)
		}
		t.Overdue = done == 0 && due != 0 && now.After(t.DueAt)
		out = append(out, t)
	}
	return out, rows.Err()
}

// Event is one line of a room's timeline.
type Event struct {
	ID     int64          `json:"id"`
	At     time.Time      `json:"at"`
	User   string         `json:"user,omitempty"` // "" for the desk itself
	Action string         `json:"action"`
	Detail map[string]any `json:"detail"`
}

// Timeline returns room id's events, newest first, at most limit (default
// 200).
func (s *Service) Timeline(ctx context.Context, id int64, limit int) ([]Event, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT e.id, e.at, COALESCE(u.username, ''), e.action, e.detail FROM crisis_events e
		LEFT JOIN users u ON u.id = e.user_id WHERE e.room_id = $1 ORDER BY e.id DESC LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("crisis: unable to read the timeline: %w", err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var at int64
		var detail string
		if err := rows.Scan(&e.ID, &at, &e.User, &e.Action, &detail); err != nil {
			return nil, err
		}
		e.At = store.Time(at)
		e.Detail = map[string]any{}
		_ = json.Unmarshal([]byte(detail), &e.Detail)
		out = append(out, e)
	}
	return out, rows.Err()
}

// UserRef is a person a task may be given to.
type UserRef struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
}

// Users lists the active users who may own a room's tasks.
func (s *Service) Users(ctx context.Context) ([]UserRef, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT id, username, name FROM users WHERE disabled = 0 ORDER BY username")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []UserRef{}
	for rows.Next() {
		var u UserRef
		if err := rows.Scan(&u.ID, &u.Username, &u.Name); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
