package rules

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/store"
)

// ErrNotFound: no rule has that id (a store.ErrNotFound, for the API's 404).
var ErrNotFound = fmt.Errorf("rules: rule %w", store.ErrNotFound)

type conflictError struct{}

func (conflictError) Error() string    { return "rules: the rule changed since it was read; reload it" }
func (conflictError) IsConflict() bool { return true }

// ErrConflict: the rule changed since the version the editor read.
var ErrConflict error = conflictError{}

// Store keeps the rules; every change is audited in its transaction, and
// onChange (the engine's reload) is called after it commits.
type Store struct {
	db       *store.DB
	env      *query.Env
	onChange func()
	now      func() time.Time
}

// NewStore returns a store; env checks query conditions (nil: default).
func NewStore(db *store.DB, env *query.Env, onChange func()) *Store {
	return &Store{db: db, env: env, onChange: onChange, now: time.Now}
}

func target(id int64) string { return "rule:" + strconv.FormatInt(id, 10) }

const cols = `id, name, position, enabled, stop, conditions, actions, disabled_reason, created_at, updated_at, version`

func scan(r interface{ Scan(...any) error }) (Rule, error) {
	var x Rule
	var en, stop int
	var conds, acts string
	var created, updated int64
	if err := r.Scan(&x.ID, &x.Name, &x.Position, &en, &stop, &conds, &acts, &x.DisabledReason, &created, &updated, &x.Version); err != nil {
		return x, err
	}
	x.Enabled, x.Stop = en != 0, stop != 0
	x.CreatedAt, x.UpdatedAt = store.Time(created), store.Time(updated)
	if err := json.Unmarshal([]byte(conds), &x.Conditions); err != nil {
		return x, fmt.Errorf("rules: rule %d has unreadable conditions: %w", x.ID, err)
	}
	if err := json.Unmarshal([]byte(acts), &x.Actions); err != nil {
		return x, fmt.Errorf("rules: rule %d has unreadable actions: %w", x.ID, err)
	}
	return x, nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func list(ctx context.Context, q querier, enabledOnly bool) ([]Rule, error) {
	where := ""
	if enabledOnly {
		where = " WHERE enabled = 1"
	}
	rows, err := q.QueryContext(ctx, "SELECT "+cols+" FROM rules"+where+" ORDER BY position, id")
	if err != nil {
		return nil, fmt.Errorf("rules: unable to list: %w", err)
	}
	defer rows.Close()
	var out []Rule
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// List returns every rule in the order they run.
func (s *Store) List(ctx context.Context) ([]Rule, error) { return list(ctx, s.db.Read, false) }

// Get returns one rule.
func (s *Store) Get(ctx context.Context, id int64) (Rule, error) {
	r, err := scan(s.db.Read.QueryRowContext(ctx, "SELECT "+cols+" FROM rules WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// Check validates a rule without storing it (the editor's validation).
func (s *Store) Check(r Rule) (Rule, error) {
	c, err := check(&r, s.env)
	if err != nil {
		return r, err
	}
	return c.Rule, nil
}

func (s *Store) changed() {
	if s.onChange != nil {
		s.onChange()
	}
}

// Create stores a new rule; a zero Position puts it last. actor is the
// user who made it (the audit reads the context's principal).
func (s *Store) Create(ctx context.Context, actor int64, in Rule) (Rule, error) {
	c, err := check(&in, s.env)
	if err != nil {
		return Rule{}, err
	}
	conds, _ := json.Marshal(c.Conditions)
	acts, _ := json.Marshal(c.Actions)
	now := store.Millis(s.now())
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var taken int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM rules WHERE name = $1", c.Name).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return invalid("name", "a rule named %q exists", c.Name)
		}
		pos := c.Position
		if pos <= 0 {
			if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(position), 0) + 10 FROM rules").Scan(&pos); err != nil {
				return err
			}
		}
		var by any
		if actor != 0 {
			by = actor
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO rules (name, position, enabled, stop, conditions, actions, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			c.Name, pos, store.Bool(c.Enabled), store.Bool(c.Stop), string(conds), string(acts), by, now).Scan(&id); err != nil {
			return fmt.Errorf("rules: unable to create: %w", err)
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "rule.create", Target: target(id),
			Details: map[string]any{"name": c.Name, "position": pos, "enabled": c.Enabled, "stop": c.Stop, "conditions": c.Conditions, "actions": c.Actions}})
	})
	if err != nil {
		return Rule{}, err
	}
	s.changed()
	return s.Get(ctx, id)
}

// Update replaces a rule's definition (refused with ErrConflict when
// in.Version is set and the rule changed since). Enabling a rule clears
// the reason it was switched off.
func (s *Store) Update(ctx context.Context, id int64, in Rule) (Rule, error) {
	c, err := check(&in, s.env)
	if err != nil {
		return Rule{}, err
	}
	conds, _ := json.Marshal(c.Conditions)
	acts, _ := json.Marshal(c.Actions)
	now := store.Millis(s.now())
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := scan(tx.QueryRowContext(ctx, "SELECT "+cols+" FROM rules WHERE id = $1", id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != old.Version {
			return ErrConflict
		}
		var taken int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM rules WHERE name = $1 AND id <> $2", c.Name, id).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return invalid("name", "a rule named %q exists", c.Name)
		}
		pos := c.Position
		if pos <= 0 {
			pos = old.Position
		}
		reason := old.DisabledReason
		if c.Enabled {
			reason = ""
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rules SET name = $1, position = $2, enabled = $3, stop = $4, conditions = $5, actions = $6,
			disabled_reason = $7, updated_at = $8, version = version + 1 WHERE id = $9`,
			c.Name, pos, store.Bool(c.Enabled), store.Bool(c.Stop), string(conds), string(acts), reason, now, id); err != nil {
			return fmt.Errorf("rules: unable to update: %w", err)
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "rule.update", Target: target(id),
			Details: map[string]any{"from": old, "name": c.Name, "position": pos, "enabled": c.Enabled, "stop": c.Stop,
				"conditions": c.Conditions, "actions": c.Actions}})
	})
	if err != nil {
		return Rule{}, err
	}
	s.changed()
	return s.Get(ctx, id)
}

// Delete removes a rule (its run records go with it).
func (s *Store) Delete(ctx context.Context, id int64) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := scan(tx.QueryRowContext(ctx, "SELECT "+cols+" FROM rules WHERE id = $1", id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM rules WHERE id = $1", id); err != nil {
			return fmt.Errorf("rules: unable to delete: %w", err)
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "rule.delete", Target: target(id), Details: map[string]any{"was": old}})
	})
	if err != nil {
		return err
	}
	s.changed()
	return nil
}
