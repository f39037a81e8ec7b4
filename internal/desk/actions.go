package desk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/store"
)

// Change is an edit of a case by a person. Nil fields are left alone.
type Change struct {
	Status     *string  `json:"status,omitempty"`
	Priority   *int     `json:"priority,omitempty"`
	Category   *string  `json:"category,omitempty"`
	UnitID     *int64   `json:"unit_id,omitempty"` // 0 clears
	Team       *string  `json:"team,omitempty"`
	AddTags    []string `json:"add_tags,omitempty"`
	RemoveTags []string `json:"remove_tags,omitempty"`
	Version    int      `json:"version,omitempty"` // when set, refuse if the case changed since
}

func validTag(t string) bool {
	return t != "" && len(t) <= 64 && utf8.ValidString(t) && !strings.ContainsAny(t, "\x00\n\r\t")
}

// Update applies a change in one transaction, recording one timeline event
// per field that changed.
func (d *Desk) Update(ctx context.Context, id int64, sc Scope, actor int64, ch Change) (Case, error) {
	if ch.Status != nil && !validStatus(*ch.Status) {
		return Case{}, Invalid("status", "unknown status %q", *ch.Status)
	}
	if ch.Priority != nil && (*ch.Priority < P1 || *ch.Priority > P4) {
		return Case{}, Invalid("priority", "must be 1 (critical) to 4 (low)")
	}
	if ch.Category != nil && len(*ch.Category) > 64 {
		return Case{}, Invalid("category", "is too long")
	}
	if ch.Team != nil && len(*ch.Team) > 64 {
		return Case{}, Invalid("team", "is too long")
	}
	for _, t := range append(slices.Clone(ch.AddTags), ch.RemoveTags...) {
		if !validTag(t) {
			return Case{}, Invalid("tags", "tag %q must be 1–64 bytes of text on one line", t)
		}
	}
	if len(ch.AddTags) > 32 {
		return Case{}, Invalid("tags", "at most 32 tags at once")
	}
	now := d.opt.Now().UTC()
	err := d.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := d.getCase(ctx, tx, "c.id = $1", id, sc)
		if err != nil {
			return err
		}
		if ch.Version != 0 && ch.Version != c.Version {
			return ErrConflict
		}
		set := []string{}
		args := []any{}
		arg := func(col string, v any) {
			args = append(args, v)
			set = append(set, fmt.Sprintf("%s = $%d", col, len(args)))
		}
		tagged := false
		ev := func(kind string, body map[string]any) error { return d.event(ctx, tx, id, actor, kind, body, now) }
		if ch.Status != nil && *ch.Status != c.Status {
			if !CanMove(c.Status, *ch.Status) {
				return Invalid("status", "a %s case cannot become %s", c.Status, *ch.Status)
			}
			arg("status", *ch.Status)
			switch *ch.Status {
			case StatusResolved:
				arg("resolved_at", store.Millis(now))
			case StatusClosed:
				arg("closed_at", store.Millis(now))
			case StatusOpen:
				arg("resolved_at", nil)
				arg("closed_at", nil)
			}
			if err := ev("status", map[string]any{"from": c.Status, "to": *ch.Status}); err != nil {
				return err
			}
		}
		if ch.Priority != nil && *ch.Priority != c.Priority {
			arg("priority", *ch.Priority)
			// The SLA clock follows the new priority from when the case opened.
			first, resolve := d.opt.SLA.Deadlines(*ch.Priority, c.CreatedAt)
			arg("first_response_due", store.Millis(first))
			arg("resolve_due", store.Millis(resolve))
			if err := ev("priority", map[string]any{"from": c.Priority, "to": *ch.Priority}); err != nil {
				return err
			}
		}
		if ch.Category != nil && *ch.Category != c.Category {
			arg("category", *ch.Category)
			if err := ev("category", map[string]any{"from": c.Category, "to": *ch.Category}); err != nil {
				return err
			}
		}
		if ch.Team != nil && *ch.Team != c.Team {
			arg("team", *ch.Team)
			if err := ev("team", map[string]any{"from": c.Team, "to": *ch.Team}); err != nil {
				return err
			}
		}
		if ch.UnitID != nil && *ch.UnitID != c.UnitID {
			var v any
			if *ch.UnitID != 0 {
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM units WHERE id = $1", *ch.UnitID).Scan(&n); err != nil {
					return err
				}
				if n == 0 {
					return Invalid("unit_id", "unit %d does not exist", *ch.UnitID)
				}
				v = *ch.UnitID
			}
			arg("unit_id", v)
			if err := ev("unit", map[string]any{"from": c.UnitID, "to": *ch.UnitID}); err != nil {
				return err
			}
		}
		for _, t := range ch.AddTags {
			if slices.Contains(c.Tags, t) {
				continue
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO case_tags (case_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING", id, t); err != nil {
				return err
			}
			if err := ev("tag", map[string]any{"added": t}); err != nil {
				return err
			}
			tagged = true
		}
		for _, t := range ch.RemoveTags {
			if !slices.Contains(c.Tags, t) {
				continue
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM case_tags WHERE case_id = $1 AND tag = $2", id, t); err != nil {
				return err
			}
			if err := ev("tag", map[string]any{"removed": t}); err != nil {
				return err
			}
			tagged = true
		}
		if len(set) == 0 && !tagged {
			return nil
		}
		arg("updated_at", store.Millis(now))
		args = append(args, id)
		_, err = tx.ExecContext(ctx, "UPDATE cases SET "+strings.Join(set, ", ")+", version = version + 1 WHERE id = $"+fmt.Sprint(len(args)), args...)
		return err
	})
	if err != nil {
		return Case{}, err
	}
	return d.GetCase(ctx, id, sc)
}

// Assign gives a case to a user (0 unassigns). Assigning a new case opens it.
func (d *Desk) Assign(ctx context.Context, id int64, sc Scope, actor, assignee int64) (Case, error) {
	now := d.opt.Now().UTC()
	err := d.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := d.getCase(ctx, tx, "c.id = $1", id, sc)
		if err != nil {
			return err
		}
		if c.AssigneeID == assignee {
			return nil
		}
		var v any
		if assignee != 0 {
			var disabled int
			err := tx.QueryRowContext(ctx, "SELECT disabled FROM users WHERE id = $1", assignee).Scan(&disabled)
			if errors.Is(err, sql.ErrNoRows) || disabled != 0 {
				return Invalid("assignee_id", "user %d does not exist or is disabled", assignee)
			}
			if err != nil {
				return err
			}
			v = assignee
		}
		status := c.Status
		if status == StatusNew && assignee != 0 {
			status = StatusOpen
		}
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET assignee_id = $1, status = $2, updated_at = $3, version = version + 1 WHERE id = $4",
			v, status, store.Millis(now), id); err != nil {
			return fmt.Errorf("desk: unable to assign: %w", err)
		}
		return d.event(ctx, tx, id, actor, "assign", map[string]any{"from": c.AssigneeID, "to": assignee}, now)
	})
	if err != nil {
		return Case{}, err
	}
	return d.GetCase(ctx, id, sc)
}

// MaxComment is the longest internal note.
const MaxComment = 8 << 10

// Comment adds an internal note to the timeline (never sent to the
// citizen); see Note for @mentions.
func (d *Desk) Comment(ctx context.Context, id int64, sc Scope, actor int64, text string) (Event, error) {
	return d.Note(ctx, id, sc, actor, text)
}
