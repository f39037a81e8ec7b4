package web

import (
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/shift"
)

// TeamsAPI mounts teams, their members, agents' capacity and skills, and
// assigning a case to a team's round-robin. Every change is audited by
// the shift service.
func (s *Server) TeamsAPI(sv *shift.Service) {
	h := &teamHandlers{sv: sv}
	tags := []string{"teams and assignment"}
	id := Param{Name: "id", In: "path", Type: "integer", Required: true}
	user := Param{Name: "user", In: "path", Type: "integer", Required: true}
	s.Route("GET", "/api/v1/teams", auth.PermShiftsManage, OpDoc{Summary: "List the teams with their members, each member's load and whether they are on shift", Tags: tags,
		Response: []shift.Team{}}, h.list)
	s.Route("POST", "/api/v1/teams", auth.PermShiftsManage, OpDoc{Summary: "Create a team", Tags: tags,
		Request: shift.TeamInput{}, Response: shift.Team{}, Status: http.StatusCreated}, h.create)
	s.Route("GET", "/api/v1/teams/{id}", auth.PermShiftsManage, OpDoc{Summary: "A team with its members", Tags: tags,
		Params: []Param{id}, Response: shift.Team{}}, h.get)
	s.Route("PUT", "/api/v1/teams/{id}", auth.PermShiftsManage, OpDoc{Summary: "Rename or describe a team (version: refuse if changed since)", Tags: tags,
		Description: "The team's open cases follow the new name.", Params: []Param{id}, Request: shift.TeamInput{}, Response: shift.Team{}}, h.update)
	s.Route("DELETE", "/api/v1/teams/{id}", auth.PermShiftsManage, OpDoc{Summary: "Delete a team; its queued cases stay in the inbox unassigned", Tags: tags,
		Params: []Param{id}}, h.delete)
	s.Route("PUT", "/api/v1/teams/{id}/members/{user}", auth.PermShiftsManage, OpDoc{Summary: "Add an agent or supervisor to a team", Tags: tags,
		Params: []Param{id, user}}, h.addMember)
	s.Route("DELETE", "/api/v1/teams/{id}/members/{user}", auth.PermShiftsManage, OpDoc{Summary: "Take a member out of a team", Tags: tags,
		Params: []Param{id, user}}, h.removeMember)
	s.Route("GET", "/api/v1/agents/{user}/skills", auth.PermShiftsManage, OpDoc{Summary: "An agent's capacity (open cases at once), languages and platforms", Tags: tags,
		Params: []Param{user}, Response: shift.Skills{}}, h.skills)
	s.Route("PUT", "/api/v1/agents/{user}/skills", auth.PermShiftsManage, OpDoc{Summary: "Set an agent's capacity, languages and platforms (empty lists: any)", Tags: tags,
		Params: []Param{user}, Request: shift.Skills{}, Response: shift.Skills{}}, h.setSkills)
	s.Route("POST", "/api/v1/cases/{id}/assign-team", auth.PermCasesAssign, OpDoc{Summary: "Give a case to the next agent of a team on shift (round-robin)", Tags: tags,
		Description: "The agent is the next after the last one served who is on shift, below capacity and skilled in the case's language and platform; " +
			"when nobody is, the case waits in the team's queue and goes out as soon as someone can take it. A case with an assignee keeps them unless reassign is set.",
		Params: []Param{id}, Request: AssignTeamRequest{}, Response: shift.Outcome{}}, h.assignTeam)
}

// AssignTeamRequest is the body of POST /api/v1/cases/{id}/assign-team.
type AssignTeamRequest struct {
	TeamID   int64 `json:"team_id"`
	Reassign bool  `json:"reassign"` // take the case from its assignee first
}

type teamHandlers struct{ sv *shift.Service }

func (h *teamHandlers) list(w http.ResponseWriter, r *http.Request) error {
	out, err := h.sv.Teams(r.Context())
	if err != nil {
		return err
	}
	if out == nil {
		out = []shift.Team{}
	}
	return JSON(w, http.StatusOK, out)
}

func (h *teamHandlers) create(w http.ResponseWriter, r *http.Request) error {
	var in shift.TeamInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.sv.CreateTeam(r.Context(), in)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusCreated, out)
}

func (h *teamHandlers) get(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	out, err := h.sv.Team(r.Context(), id)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *teamHandlers) update(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in shift.TeamInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.sv.UpdateTeam(r.Context(), id, in)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *teamHandlers) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.sv.DeleteTeam(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *teamHandlers) member(w http.ResponseWriter, r *http.Request, in bool) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	user, err := PathID(r, "user")
	if err != nil {
		return err
	}
	if err := h.sv.SetMember(r.Context(), id, user, in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *teamHandlers) addMember(w http.ResponseWriter, r *http.Request) error {
	return h.member(w, r, true)
}
func (h *teamHandlers) removeMember(w http.ResponseWriter, r *http.Request) error {
	return h.member(w, r, false)
}

func (h *teamHandlers) skills(w http.ResponseWriter, r *http.Request) error {
	user, err := PathID(r, "user")
	if err != nil {
		return err
	}
	out, err := h.sv.SkillsOf(r.Context(), user)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *teamHandlers) setSkills(w http.ResponseWriter, r *http.Request) error {
	user, err := PathID(r, "user")
	if err != nil {
		return err
	}
	var in shift.Skills
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.sv.SetSkills(r.Context(), user, in)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *teamHandlers) assignTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in AssignTeamRequest
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.TeamID <= 0 {
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "team_id", Message: "team_id is required"}
	}
	p := Principal(r)
	out, err := h.sv.AssignToTeam(r.Context(), id, in.TeamID, p.UserID, in.Reassign)
	if err != nil {
		return err
	}
	auth.Audit(r.Context(), h.sv.DB(), auth.Entry{Action: "case.assign_team", Target: "case:" + strconv.FormatInt(id, 10),
		Details: map[string]any{"team_id": in.TeamID, "assignee_id": out.AssigneeID, "reassign": in.Reassign}})
	return JSON(w, http.StatusOK, out)
}
