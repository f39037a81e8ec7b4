package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// Store keeps built reports and schedules.
type Store struct{ db *store.DB }

// NewStore returns a store over db.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

// Save stores a redacted report and sets its ID. A report built with
// personal data is refused: only the redacted form is ever kept.
func (s *Store) Save(ctx context.Context, r *Report, createdBy int64) error {
	if !r.Redacted {
		return errors.New("report: an unredacted report is never stored")
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error { return s.saveTx(ctx, tx, r, createdBy, 0) })
}

func (s *Store) saveTx(ctx context.Context, tx *sql.Tx, r *Report, createdBy, scheduleID int64) error {
	r.ID = 0
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var by, sched any
	if createdBy > 0 {
		by = createdBy
	}
	if scheduleID > 0 {
		sched = scheduleID
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO reports (kind, unit_id, since, until, data, schedule_id, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, r.Kind, r.Unit.ID, store.Millis(r.Since), store.Millis(r.Until),
		string(data), sched, by, store.Millis(r.BuiltAt)).Scan(&r.ID); err != nil {
		return fmt.Errorf("report: unable to store the report: %w", err)
	}
	return nil
}

// Get returns a stored report.
func (s *Store) Get(ctx context.Context, id int64) (Report, error) {
	var data string
	err := s.db.Read.QueryRowContext(ctx, "SELECT data FROM reports WHERE id = $1", id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, ErrNotFound
	}
	if err != nil {
		return Report{}, fmt.Errorf("report: unable to read the report: %w", err)
	}
	var r Report
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		return Report{}, fmt.Errorf("report: stored report %d unreadable: %w", id, err)
	}
	r.ID = id
	return r, nil
}

// Summary is a stored report in a list.
type Summary struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Unit      Unit      `json:"unit"`
	Since     time.Time `json:"since"`
	Until     time.Time `json:"until"`
	Scheduled bool      `json:"scheduled"`
	CreatedAt time.Time `json:"created_at"`
}

// List returns the newest stored reports.
func (s *Store) List(ctx context.Context, limit int) ([]Summary, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT r.id, r.kind, r.unit_id, COALESCE(u.kind, 'force'), COALESCE(u.name, ''), COALESCE(u.name_kn, ''),
		r.since, r.until, r.schedule_id IS NOT NULL, r.created_at FROM reports r LEFT JOIN units u ON u.id = r.unit_id
		ORDER BY r.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("report: unable to list reports: %w", err)
	}
	defer rows.Close()
	out := []Summary{}
	for rows.Next() {
		var m Summary
		var since, until, created int64
		if err := rows.Scan(&m.ID, &m.Kind, &m.Unit.ID, &m.Unit.Kind, &m.Unit.Name, &m.Unit.NameKn, &since, &until, &m.Scheduled, &created); err != nil {
			return nil, fmt.Errorf("report: unable to list reports: %w", err)
		}
		if m.Unit.ID == 0 {
			m.Unit.Name = "All units"
		}
		m.Since, m.Until, m.CreatedAt = store.Time(since).In(IST), store.Time(until).In(IST), store.Time(created)
		out = append(out, m)
	}
	return out, rows.Err()
}
