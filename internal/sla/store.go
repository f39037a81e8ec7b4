package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// Policy is the targets of one priority and category ("" = every category
// without its own policy).
type Policy struct {
	Priority      int    `json:"priority"`
	Category      string `json:"category"`
	FirstResponse int    `json:"first_response_minutes"`
	Resolve       int    `json:"resolve_minutes"`
	CalendarID    int64  `json:"calendar_id"`
}

// Holiday is a day business calendars skip.
type Holiday struct {
	Day  string `json:"day"` // YYYY-MM-DD
	Name string `json:"name"`
	Note string `json:"note,omitempty"`
}

// Config is everything the clocks run on, as the admin edits it.
type Config struct {
	WarnPercent int        `json:"warn_percent"` // warn when this share of a target has passed (1–99)
	Policies    []Policy   `json:"policies"`
	Calendars   []Calendar `json:"calendars"`
	Holidays    []Holiday  `json:"holidays"`
}

// ValidationError names the field at fault.
type ValidationError struct{ Field, Message string }

func (e *ValidationError) Error() string        { return "sla: " + e.Field + ": " + e.Message }
func (e *ValidationError) InvalidField() string { return e.Field }

// Store reads and edits the SLA configuration; every change is audited.
type Store struct {
	db  *store.DB
	now func() time.Time
}

// NewStore returns a Store over db.
func NewStore(db *store.DB) *Store { return &Store{db: db, now: time.Now} }

// Load reads the whole configuration.
func (s *Store) Load(ctx context.Context) (Config, error) {
	var c Config
	if err := s.db.Read.QueryRowContext(ctx, `SELECT warn_percent FROM sla_settings WHERE id = 1`).Scan(&c.WarnPercent); err != nil {
		return c, fmt.Errorf("sla: unable to read settings: %w", err)
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, name, kind, hours FROM sla_calendars ORDER BY id`)
	if err != nil {
		return c, fmt.Errorf("sla: unable to read calendars: %w", err)
	}
	for rows.Next() {
		var cal Calendar
		var hours string
		if err := rows.Scan(&cal.ID, &cal.Name, &cal.Kind, &hours); err != nil {
			rows.Close()
			return c, err
		}
		cal.Hours = decodeHours(hours)
		c.Calendars = append(c.Calendars, cal)
	}
	rows.Close()
	rows, err = s.db.Read.QueryContext(ctx, `SELECT priority, category, first_response, resolve, calendar_id FROM sla_policies ORDER BY priority, category`)
	if err != nil {
		return c, fmt.Errorf("sla: unable to read policies: %w", err)
	}
	for rows.Next() {
		var p Policy
		if err := rows.Scan(&p.Priority, &p.Category, &p.FirstResponse, &p.Resolve, &p.CalendarID); err != nil {
			rows.Close()
			return c, err
		}
		c.Policies = append(c.Policies, p)
	}
	rows.Close()
	rows, err = s.db.Read.QueryContext(ctx, `SELECT day, name, note FROM sla_holidays ORDER BY day`)
	if err != nil {
		return c, fmt.Errorf("sla: unable to read holidays: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h Holiday
		if err := rows.Scan(&h.Day, &h.Name, &h.Note); err != nil {
			return c, err
		}
		c.Holidays = append(c.Holidays, h)
	}
	return c, rows.Err()
}

func decodeHours(s string) map[time.Weekday][2]int {
	var raw map[string][2]int
	json.Unmarshal([]byte(s), &raw)
	out := map[time.Weekday][2]int{}
	for k, v := range raw {
		if d, err := strconv.Atoi(k); err == nil {
			out[time.Weekday(d)] = v
		}
	}
	return out
}

func encodeHours(h map[time.Weekday][2]int) string {
	raw := map[string][2]int{}
	for d, v := range h {
		raw[strconv.Itoa(int(d))] = v
	}
	b, _ := json.Marshal(raw)
	return string(b)
}

var dayRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// Save replaces the configuration after validating all of it; nothing is
// changed when any part is wrong. Calendars are matched by id (new ones
// have id 0); a calendar no policy uses may be left out to delete it.
func (s *Store) Save(ctx context.Context, c Config) (Config, error) {
	if c.WarnPercent < 1 || c.WarnPercent > 99 {
		return c, &ValidationError{"warn_percent", "the warning comes at 1 to 99 % of the target"}
	}
	names := map[string]bool{}
	for i := range c.Calendars {
		cal := &c.Calendars[i]
		cal.Name = strings.TrimSpace(cal.Name)
		if cal.Name == "" || len(cal.Name) > 80 || names[cal.Name] {
			return c, &ValidationError{"calendars", "every calendar needs its own name (at most 80 characters)"}
		}
		names[cal.Name] = true
		if err := cal.Validate(); err != nil {
			return c, &ValidationError{"calendars", fmt.Sprintf("%s: %v", cal.Name, strings.TrimPrefix(err.Error(), "sla: "))}
		}
	}
	seen := map[string]bool{}
	hasDefault := map[int]bool{}
	for i := range c.Policies {
		p := &c.Policies[i]
		p.Category = strings.TrimSpace(p.Category)
		if p.Priority < 1 || p.Priority > 4 {
			return c, &ValidationError{"policies", "priority is 1 to 4"}
		}
		key := fmt.Sprint(p.Priority, "/", p.Category)
		if seen[key] {
			return c, &ValidationError{"policies", fmt.Sprintf("P%d %q is given twice", p.Priority, p.Category)}
		}
		seen[key] = true
		if p.Category == "" {
			hasDefault[p.Priority] = true
		}
		if p.FirstResponse < 1 || p.Resolve < p.FirstResponse || p.Resolve > 60*24*90 {
			return c, &ValidationError{"policies", fmt.Sprintf("P%d %s: the first response needs at least a minute and resolution at least as long, within 90 days", p.Priority, p.Category)}
		}
	}
	for prio := 1; prio <= 4; prio++ {
		if !hasDefault[prio] {
			return c, &ValidationError{"policies", fmt.Sprintf("P%d needs a target for every category", prio)}
		}
	}
	for _, h := range c.Holidays {
		if _, err := time.Parse(time.DateOnly, h.Day); err != nil || !dayRE.MatchString(h.Day) {
			return c, &ValidationError{"holidays", fmt.Sprintf("%q is not a date (YYYY-MM-DD)", h.Day)}
		}
		if strings.TrimSpace(h.Name) == "" || len(h.Name) > 120 {
			return c, &ValidationError{"holidays", "every holiday needs a name (at most 120 characters)"}
		}
	}
	now := store.Millis(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		ids := map[int64]bool{}
		for i := range c.Calendars {
			cal := &c.Calendars[i]
			if cal.ID == 0 {
				if err := tx.QueryRowContext(ctx, `INSERT INTO sla_calendars (name, kind, hours, updated_at) VALUES ($1, $2, $3, $4) RETURNING id`,
					cal.Name+"#new"+strconv.Itoa(i), cal.Kind, encodeHours(cal.Hours), now).Scan(&cal.ID); err != nil {
					return err
				}
			}
			ids[cal.ID] = true
		}
		for _, p := range c.Policies {
			if !ids[p.CalendarID] {
				return &ValidationError{"policies", fmt.Sprintf("P%d %s: calendar %d does not exist", p.Priority, p.Category, p.CalendarID)}
			}
		}
		// Policies go first so that calendars no longer used can go.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sla_policies`); err != nil {
			return err
		}
		for _, p := range c.Policies {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sla_policies (priority, category, first_response, resolve, calendar_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
				p.Priority, p.Category, p.FirstResponse, p.Resolve, p.CalendarID, now); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM sla_calendars`)
		if err != nil {
			return err
		}
		var gone []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			if !ids[id] {
				gone = append(gone, id)
			}
		}
		rows.Close()
		for _, id := range gone {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sla_calendars WHERE id = $1`, id); err != nil {
				return err
			}
		}
		// Names are set after the deletions so a calendar may take the
		// name of one removed in the same save.
		for _, cal := range c.Calendars {
			if _, err := tx.ExecContext(ctx, `UPDATE sla_calendars SET name = $2 || '#' || id, updated_at = $3 WHERE id = $1`, cal.ID, cal.Name, now); err != nil {
				return err
			}
		}
		for _, cal := range c.Calendars {
			if _, err := tx.ExecContext(ctx, `UPDATE sla_calendars SET name = $2, kind = $3, hours = $4 WHERE id = $1`,
				cal.ID, cal.Name, cal.Kind, encodeHours(cal.Hours)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sla_holidays`); err != nil {
			return err
		}
		for _, h := range c.Holidays {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sla_holidays (day, name, note) VALUES ($1, $2, $3) ON CONFLICT (day) DO UPDATE SET name = excluded.name`,
				h.Day, strings.TrimSpace(h.Name), h.Note); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sla_settings SET warn_percent = $1, updated_at = $2 WHERE id = 1`, c.WarnPercent, now); err != nil {
			return err
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "sla.update", Target: "sla:config", Details: map[string]any{
			"warn_percent": c.WarnPercent, "policies": c.Policies, "calendars": len(c.Calendars), "holidays": len(c.Holidays)}})
	})
	var ve *ValidationError
	if errors.As(err, &ve) {
		return c, ve
	}
	if err != nil {
		return c, fmt.Errorf("sla: unable to save: %w", err)
	}
	return s.Load(ctx)
}
