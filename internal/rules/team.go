package rules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/shift"
)

// TeamAssigner gives a case to the next agent of a team inside the
// pipeline's transaction (shift.Service).
type TeamAssigner interface {
	AssignTx(ctx context.Context, tx *sql.Tx, caseID, teamID, actor int64, why map[string]any, now time.Time) (shift.Outcome, error)
}

// SetTeams enables the assign-to-team action; call before the pipeline
// starts.
func (e *Engine) SetTeams(t TeamAssigner) { e.teams = t }

// checkTeam validates the assign-to-team action: one assignment per rule,
// and a case closed as spam is not given to anybody.
func checkTeam(a *Actions) error {
	if a.AssignTeamID == 0 {
		return nil
	}
	if a.AssignTeamID < 0 {
		return invalid("assign_team_id", "ids are positive")
	}
	if a.AssignUserID != 0 {
		return invalid("assign_team_id", "a rule assigns to a person or to a team, not both")
	}
	if a.Spam {
		return invalid("assign_team_id", "a case closed as spam is not assigned")
	}
	return nil
}

// assignTeam carries out the assign-to-team action first of r's actions:
// the round-robin picks an agent on shift below capacity, or the case
// waits in the team's queue. A case that has an assignee keeps them. A
// team that no longer exists gives the reason to switch the rule off.
func (e *Engine) assignTeam(ctx context.Context, tx *sql.Tx, r *compiled, cs *caseRow, now time.Time) (string, error) {
	teamID := r.Actions.AssignTeamID
	if teamID == 0 {
		return "", nil
	}
	if e.teams == nil {
		return "teams are not available on this desk", nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM teams WHERE id = $1", teamID).Scan(&n); err != nil {
		return "", fmt.Errorf("rules: unable to check a team: %w", err)
	}
	if n == 0 {
		return fmt.Sprintf("the team %d no longer exists", teamID), nil
	}
	out, err := e.teams.AssignTx(ctx, tx, cs.id, teamID, 0, map[string]any{"rule_id": r.ID, "rule": r.Name}, now)
	var inv interface{ InvalidField() string }
	if errors.As(err, &inv) {
		return "", nil // a finished case is not assigned; the rule did nothing
	}
	if err != nil {
		return "", err
	}
	if out.AssigneeID != 0 && !out.Already {
		cs.assigneeID = out.AssigneeID
		if cs.status == desk.StatusNew {
			cs.status = desk.StatusOpen
		}
	}
	return "", nil
}
