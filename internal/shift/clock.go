package shift

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// Slot is one shift of the daily pattern: it starts StartMinute minutes
// after midnight in Zone and lasts Minutes (it may run past midnight).
type Slot struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	StartMinute int    `json:"start_minute"`
	Minutes     int    `json:"minutes"`
}

// Start is the slot's start as "HH:MM".
func (s Slot) Start() string { return fmt.Sprintf("%02d:%02d", s.StartMinute/60, s.StartMinute%60) }

// End is the slot's end as "HH:MM".
func (s Slot) End() string {
	e := (s.StartMinute + s.Minutes) % 1440
	return fmt.Sprintf("%02d:%02d", e/60, e%60)
}

// Shift is one occurrence of a slot: the Morning shift of 7 December.
type Shift struct {
	Key    string    `json:"key"` // "2026-12-07/1": the day it started (Zone) and the slot
	SlotID int64     `json:"slot_id"`
	Name   string    `json:"name"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
}

// Slots lists the shift pattern by start time.
func (s *Service) Slots(ctx context.Context) ([]Slot, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT id, name, start_minute, minutes FROM shift_slots ORDER BY start_minute, id")
	if err != nil {
		return nil, fmt.Errorf("shift: unable to read the shift pattern: %w", err)
	}
	defer rows.Close()
	var out []Slot
	for rows.Next() {
		var x Slot
		if err := rows.Scan(&x.ID, &x.Name, &x.StartMinute, &x.Minutes); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// SaveSlots replaces the shift pattern (audited). Slots keep their ids by
// name, so handovers of past shifts keep their names.
func (s *Service) SaveSlots(ctx context.Context, slots []Slot) ([]Slot, error) {
	if len(slots) == 0 || len(slots) > 6 {
		return nil, invalid("slots", "a pattern has 1 to 6 shifts")
	}
	var names []string
	for i := range slots {
		x := &slots[i]
		x.Name = strings.Join(strings.Fields(x.Name), " ")
		if !oneLine(x.Name, 40) {
			return nil, invalid("name", "a shift's name must be 1–40 characters on one line")
		}
		if slices.Contains(names, strings.ToLower(x.Name)) {
			return nil, invalid("name", "two shifts are named %q", x.Name)
		}
		names = append(names, strings.ToLower(x.Name))
		if x.StartMinute < 0 || x.StartMinute >= 1440 {
			return nil, invalid("start_minute", "a shift starts between 00:00 and 23:59")
		}
		if x.Minutes < 60 || x.Minutes > 1440 {
			return nil, invalid("minutes", "a shift lasts 1 to 24 hours")
		}
	}
	// Shifts of one day may not overlap: the handover goes from one to
	// the next.
	sorted := slices.Clone(slots)
	slices.SortFunc(sorted, func(a, b Slot) int { return a.StartMinute - b.StartMinute })
	total := 0
	for i, x := range sorted {
		total += x.Minutes
		next := sorted[(i+1)%len(sorted)]
		gap := next.StartMinute - x.StartMinute
		if gap <= 0 {
			gap += 1440
		}
		if x.Minutes > gap {
			return nil, invalid("minutes", "the %s shift runs into the %s shift", x.Name, next.Name)
		}
	}
	if total > 1440 {
		return nil, invalid("minutes", "the shifts add up to more than a day")
	}
	now := store.Millis(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := tx.QueryContext(ctx, "SELECT id, name FROM shift_slots")
		if err != nil {
			return err
		}
		byName := map[string]int64{}
		for old.Next() {
			var sid int64
			var name string
			if err := old.Scan(&sid, &name); err != nil {
				old.Close()
				return err
			}
			byName[strings.ToLower(name)] = sid
		}
		old.Close()
		var keep []int64
		for i := range sorted {
			x := &sorted[i]
			if sid, ok := byName[strings.ToLower(x.Name)]; ok {
				x.ID = sid
				if _, err := tx.ExecContext(ctx, "UPDATE shift_slots SET name = $1, start_minute = $2, minutes = $3, updated_at = $4 WHERE id = $5",
					x.Name, x.StartMinute, x.Minutes, now, sid); err != nil {
					return err
				}
			} else if err := tx.QueryRowContext(ctx, "INSERT INTO shift_slots (name, start_minute, minutes, updated_at) VALUES ($1, $2, $3, $4) RETURNING id",
				x.Name, x.StartMinute, x.Minutes, now).Scan(&x.ID); err != nil {
				return err
			}
			keep = append(keep, x.ID)
		}
		for _, sid := range byName {
			if !slices.Contains(keep, sid) {
				if _, err := tx.ExecContext(ctx, "DELETE FROM shift_slots WHERE id = $1", sid); err != nil {
					return err
				}
			}
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "shift.pattern", Target: "shifts", Details: sorted})
	})
	if err != nil {
		return nil, err
	}
	return sorted, nil
}

// At returns the shift occurring at t under the pattern (ok false in a gap
// between shifts).
func At(slots []Slot, t time.Time) (Shift, bool) {
	local := t.In(Zone)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, Zone)
	// A shift that started yesterday may still run (the night shift).
	for _, day := range []time.Time{midnight, midnight.AddDate(0, 0, -1)} {
		for _, x := range slots {
			start := day.Add(time.Duration(x.StartMinute) * time.Minute)
			end := start.Add(time.Duration(x.Minutes) * time.Minute)
			if !t.Before(start) && t.Before(end) {
				return Shift{Key: fmt.Sprintf("%s/%d", day.Format("2006-01-02"), x.ID), SlotID: x.ID, Name: x.Name,
					Start: start.UTC(), End: end.UTC()}, true
			}
		}
	}
	return Shift{}, false
}

// Before returns the shift that ended last before cur started.
func Before(slots []Slot, cur Shift) (Shift, bool) {
	// The previous shift ends at or before cur.Start and, shifts lasting
	// at most a day, started on one of the two days before cur's.
	var best Shift
	found := false
	day := time.Date(cur.Start.In(Zone).Year(), cur.Start.In(Zone).Month(), cur.Start.In(Zone).Day(), 0, 0, 0, 0, Zone)
	for _, d := range []time.Time{day, day.AddDate(0, 0, -1), day.AddDate(0, 0, -2)} {
		for _, x := range slots {
			start := d.Add(time.Duration(x.StartMinute) * time.Minute)
			end := start.Add(time.Duration(x.Minutes) * time.Minute)
			if end.After(cur.Start) {
				continue
			}
			if !found || end.After(best.End) {
				best = Shift{Key: fmt.Sprintf("%s/%d", d.Format("2006-01-02"), x.ID), SlotID: x.ID, Name: x.Name, Start: start.UTC(), End: end.UTC()}
				found = true
			}
		}
	}
	return best, found
}

// Current is the shift running now, or the last one if now is in a gap.
func (s *Service) Current(ctx context.Context) (Shift, []Slot, error) {
	slots, err := s.Slots(ctx)
	if err != nil {
		return Shift{}, nil, err
	}
	now := s.now()
	if cur, ok := At(slots, now); ok {
		return cur, slots, nil
	}
	prev, _ := Before(slots, Shift{Start: now.UTC()})
	return prev, slots, nil
}

// Clock is a person on shift.
type Clock struct {
	UserID   int64     `json:"user_id"`
	Username string    `json:"username"`
	Name     string    `json:"name"`
	Role     auth.Role `json:"role"`
	Since    time.Time `json:"since"`
}

// OnShift lists who is clocked in now, earliest first.
func (s *Service) OnShift(ctx context.Context) ([]Clock, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT u.id, u.username, u.name, u.role, k.in_at FROM shift_clock k JOIN users u ON u.id = k.user_id
		WHERE k.out_at IS NULL ORDER BY k.in_at, u.username`)
	if err != nil {
		return nil, fmt.Errorf("shift: unable to read who is on shift: %w", err)
	}
	defer rows.Close()
	var out []Clock
	for rows.Next() {
		var c Clock
		var in int64
		if err := rows.Scan(&c.UserID, &c.Username, &c.Name, &c.Role, &in); err != nil {
			return nil, err
		}
		c.Since = store.Time(in)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Status says whether a person is on shift, and since when.
func (s *Service) Status(ctx context.Context, userID int64) (bool, time.Time, error) {
	var in int64
	err := s.db.Read.QueryRowContext(ctx, "SELECT in_at FROM shift_clock WHERE user_id = $1 AND out_at IS NULL", userID).Scan(&in)
	if errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("shift: unable to read a clock: %w", err)
	}
	return true, store.Time(in), nil
}

// ClockIn puts a person on shift (audited); clocking in twice keeps the
// first time. Cases waiting in their teams' queues start coming to them.
func (s *Service) ClockIn(ctx context.Context, userID int64) (time.Time, error) {
	now := s.now().UTC()
	var since time.Time
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var disabled int
		err := tx.QueryRowContext(ctx, "SELECT disabled FROM users WHERE id = $1", userID).Scan(&disabled)
		if errors.Is(err, sql.ErrNoRows) || disabled != 0 {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		var in int64
		err = tx.QueryRowContext(ctx, "SELECT in_at FROM shift_clock WHERE user_id = $1 AND out_at IS NULL", userID).Scan(&in)
		if err == nil {
			since = store.Time(in)
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO shift_clock (user_id, in_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", userID, store.Millis(now)); err != nil {
			return fmt.Errorf("shift: unable to clock in: %w", err)
		}
		since = now
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "shift.clock_in", Target: id("user", userID)})
	})
	if err != nil {
		return time.Time{}, err
	}
	s.onChange()
	s.DrainSoon()
	return since, nil
}

// ClockOut takes a person off shift (audited) and hands their unfinished
// cases on: each goes round-robin to the agents of its team still on
// shift (the case's team, else the person's first team), or back to the
// team's queue when nobody can take it. It returns how many cases moved.
func (s *Service) ClockOut(ctx context.Context, userID, actor int64) (int, error) {
	now := s.now().UTC()
	ms := store.Millis(now)
	moved := 0
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "UPDATE shift_clock SET out_at = $1 WHERE user_id = $2 AND out_at IS NULL", ms, userID)
		if err != nil {
			return fmt.Errorf("shift: unable to clock out: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // not on shift: nothing to hand on
		}
		var firstTeam int64
		err = tx.QueryRowContext(ctx, "SELECT t.id FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = $1 ORDER BY t.name LIMIT 1", userID).Scan(&firstTeam)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT c.id, COALESCE(t.id, 0) FROM cases c LEFT JOIN teams t ON t.name = c.team
			WHERE c.assignee_id = $1 AND c.status NOT IN ('resolved', 'closed') ORDER BY c.priority, c.created_at`, userID)
		if err != nil {
			return err
		}
		type item struct{ caseID, teamID int64 }
		var items []item
		for rows.Next() {
			var it item
			if err := rows.Scan(&it.caseID, &it.teamID); err != nil {
				rows.Close()
				return err
			}
			if it.teamID == 0 {
				it.teamID = firstTeam
			}
			items = append(items, it)
		}
		rows.Close()
		why := map[string]any{"by": "clock_out", "off_shift": userID}
		for _, it := range items {
			// A case of no team (they were in none) goes back to the
			// inbox unassigned, where the next shift finds it.
			if err := s.giveTo(ctx, tx, it.caseID, userID, 0, actor, why, ms); err != nil {
				return err
			}
			moved++
			if it.teamID == 0 {
				continue
			}
			if _, err := s.AssignTx(ctx, tx, it.caseID, it.teamID, actor, why, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE shift_clock SET reassigned = $1 WHERE user_id = $2 AND out_at = $3", moved, userID, ms); err != nil {
			return err
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "shift.clock_out", Target: id("user", userID), Details: map[string]any{"cases_handed_on": moved}})
	})
	if err != nil {
		return 0, err
	}
	s.onChange()
	return moved, nil
}
