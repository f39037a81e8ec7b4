package rules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/store"
)

// act carries out r's actions on the case, each with its timeline event.
// A reason is returned (and nothing done) when an action can no longer be
// carried out: the caller switches the rule off.
func (e *Engine) act(ctx context.Context, tx *sql.Tx, r *compiled, cs *caseRow, now time.Time) (string, error) {
	a := &r.Actions
	// Check every target first, so a failing rule changes nothing.
	if a.AssignUserID != 0 {
		var disabled int
		err := tx.QueryRowContext(ctx, "SELECT disabled FROM users WHERE id = $1", a.AssignUserID).Scan(&disabled)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && disabled != 0) {
			return fmt.Sprintf("the assignee (user %d) no longer exists or is disabled", a.AssignUserID), nil
		}
		if err != nil {
			return "", fmt.Errorf("rules: unable to check an assignee: %w", err)
		}
	}
	if a.AssignUnitID != 0 {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM units WHERE id = $1", a.AssignUnitID).Scan(&n); err != nil {
			return "", fmt.Errorf("rules: unable to check a unit: %w", err)
		}
		if n == 0 {
			return fmt.Sprintf("the unit %d no longer exists", a.AssignUnitID), nil
		}
	}
	if reason, err := e.assignTeam(ctx, tx, r, cs, now); reason != "" || err != nil {
		return reason, err
	}
	var set []string
	var args []any
	arg := func(col string, v any) {
		args = append(args, v)
		set = append(set, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if a.Priority != 0 && a.Priority != cs.priority {
		arg("priority", a.Priority)
		// As a person's change does: the clock follows the new priority
		// from when the case opened.
		first, resolve := e.sla.Deadlines(a.Priority, cs.createdAt)
		arg("first_response_due", store.Millis(first))
		arg("resolve_due", store.Millis(resolve))
		if err := event(ctx, tx, cs.id, r, "priority", map[string]any{"from": cs.priority, "to": a.Priority}, now); err != nil {
			return "", err
		}
		cs.priority = a.Priority
	}
	if a.AssignUnitID != 0 && a.AssignUnitID != cs.unitID {
		arg("unit_id", a.AssignUnitID)
		if err := event(ctx, tx, cs.id, r, "unit", map[string]any{"from": cs.unitID, "to": a.AssignUnitID}, now); err != nil {
			return "", err
		}
		cs.unitID = a.AssignUnitID
	}
	status := cs.status
	if a.AssignUserID != 0 && a.AssignUserID != cs.assigneeID {
		arg("assignee_id", a.AssignUserID)
		if status == desk.StatusNew {
			status = desk.StatusOpen
		}
		if err := event(ctx, tx, cs.id, r, "assign", map[string]any{"from": cs.assigneeID, "to": a.AssignUserID}, now); err != nil {
			return "", err
		}
		cs.assigneeID = a.AssignUserID
	}
	tags := slices.Clone(a.Tags)
	if a.Spam && desk.CanMove(status, desk.StatusClosed) {
		status = desk.StatusClosed
		arg("closed_at", store.Millis(now))
		tags = append(tags, "spam")
	}
	if status != cs.status {
		arg("status", status)
		if err := event(ctx, tx, cs.id, r, "status", map[string]any{"from": cs.status, "to": status}, now); err != nil {
			return "", err
		}
		cs.status = status
	}
	for _, t := range tags {
		if slices.Contains(cs.tags, t) {
			continue
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO case_tags (case_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING", cs.id, t); err != nil {
			return "", fmt.Errorf("rules: unable to tag: %w", err)
		}
		if err := event(ctx, tx, cs.id, r, "tag", map[string]any{"added": t}, now); err != nil {
			return "", err
		}
		cs.tags = append(cs.tags, t)
		if len(set) == 0 {
			set = append(set, "priority = priority") // bump the version below
		}
	}
	if len(set) == 0 {
		return "", nil
	}
	arg("updated_at", store.Millis(now))
	args = append(args, cs.id)
	if _, err := tx.ExecContext(ctx, "UPDATE cases SET "+strings.Join(set, ", ")+", version = version + 1 WHERE id = $"+fmt.Sprint(len(args)), args...); err != nil {
		return "", fmt.Errorf("rules: unable to update case %d: %w", cs.id, err)
	}
	return "", nil
}

// disable switches a failing rule off with its reason, in the pipeline's
// transaction, where everyone editing rules sees it.
func disable(ctx context.Context, tx *sql.Tx, id int64, reason string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, "UPDATE rules SET enabled = 0, disabled_reason = $1, updated_at = $2, version = version + 1 WHERE id = $3",
		reason, store.Millis(now), id); err != nil {
		return fmt.Errorf("rules: unable to disable rule %d: %w", id, err)
	}
	disabledTotal.Inc()
	return auth.AuditTx(ctx, tx, auth.Entry{Actor: "rules", Action: "rule.disable", Target: target(id), Details: map[string]any{"reason": reason}})
}
