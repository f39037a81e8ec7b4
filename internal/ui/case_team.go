package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/shift"
	"github.com/kaval-desk/kaval/internal/web"
)

// The case page's "give to a team" control (the supervisor's manual
// override of the round-robin): loaded into the page's actions by htmx,
// so the case page needs no data of the shift's.
func (tp *teamPages) caseRoutes() {
	tp.u.Handle(Route{Method: "GET", Path: "/desk/cases/{id}/team", Perm: auth.PermCasesAssign, Summary: "The case's give-to-a-team control (fragment)"}, tp.caseTeamForm)
	tp.u.Handle(Route{Method: "POST", Path: "/desk/cases/{id}/team", Perm: auth.PermCasesAssign, Summary: "Give a case to the next agent of a team"}, tp.caseTeam)
}

func (tp *teamPages) caseTeamForm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ts, err := tp.sv.Teams(r.Context())
	if err != nil {
		return err
	}
	return tp.u.Fragment(w, r, http.StatusOK, "teams.html", "case-team", map[string]any{"ID": id, "Teams": ts})
}

func (tp *teamPages) caseTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	back := "/desk/cases/" + strconv.FormatInt(id, 10)
	team, _ := strconv.ParseInt(r.PostFormValue("team_id"), 10, 64)
	p := auth.FromContext(r.Context())
	out, err := tp.sv.AssignToTeam(r.Context(), id, team, p.UserID, true)
	var ve *shift.ValidationError
	switch {
	case errors.As(err, &ve), errors.Is(err, shift.ErrNoTeam):
		tp.u.Flash(r, FlashError, "team.give_refused")
		return tp.u.Redirect(w, r, back)
	case err != nil:
		return err
	}
	auth.Audit(r.Context(), tp.sv.DB(), auth.Entry{Action: "case.assign_team", Target: "case:" + strconv.FormatInt(id, 10),
		Details: map[string]any{"team_id": team, "assignee_id": out.AssigneeID, "reassign": true}})
	if out.Queued {
		tp.u.Flash(r, FlashInfo, "team.given_queued", out.Team)
	} else {
		tp.u.Flash(r, FlashOK, "team.given", out.Team)
	}
	return tp.u.Redirect(w, r, back)
}
