package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/shift"
	"github.com/kaval-desk/kaval/internal/web"
)

// TeamsPath is the administration of teams, agents' capacity and skills,
// and the shift pattern.
const TeamsPath = "/desk/admin/teams"

type teamPages struct {
	u  *UI
	sv *shift.Service
}

type teamsData struct {
	Teams      []shift.Team
	Candidates []*auth.User // who may join a team
	Slots      []shift.Slot
	Languages  []string
	Platforms  []string
}

func init() {
	// hours shows a shift's length in hours (7.5 for 450 minutes).
	AddFunc("hours", func(Translator) any {
		return func(min int) string { return strconv.FormatFloat(float64(min)/60, 'f', -1, 64) }
	})
	// extraSlots numbers the empty rows of the shift pattern form.
	AddFunc("extraSlots", func(Translator) any {
		return func(have int) []int {
			var out []int
			for i := have; i < 6 && i < have+2; i++ {
				out = append(out, i)
			}
			return out
		}
	})
}

// ShiftPages registers the teams administration, the shift page, the
// top bar's clock control and the supervisor's live board.
func (u *UI) ShiftPages(sv *shift.Service) {
	tp := &teamPages{u: u, sv: sv}
	const perm = auth.PermShiftsManage
	u.Handle(Route{Method: "GET", Path: TeamsPath, Perm: perm, Summary: "Admin: teams, agents' capacity and skills, the shift pattern",
		Nav: &Nav{Section: SectionAdmin, Label: "team.tab", Order: 35}}, tp.teams)
	u.Handle(Route{Method: "POST", Path: TeamsPath, Perm: perm, Summary: "Admin: create a team"}, tp.create)
	u.Handle(Route{Method: "POST", Path: TeamsPath + "/{id}", Perm: perm, Summary: "Admin: rename or delete a team"}, tp.update)
	u.Handle(Route{Method: "POST", Path: TeamsPath + "/{id}/members", Perm: perm, Summary: "Admin: add or remove a team member"}, tp.member)
	u.Handle(Route{Method: "POST", Path: "/desk/admin/agents/{user}/skills", Perm: perm, Summary: "Admin: an agent's capacity and skills"}, tp.skills)
	u.Handle(Route{Method: "POST", Path: "/desk/admin/shifts", Perm: perm, Summary: "Admin: the shift pattern"}, tp.pattern)
	tp.caseRoutes()
	sp := &shiftPages{u: u, sv: sv}
	sp.routes()
}

func (tp *teamPages) teams(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ts, err := tp.sv.Teams(ctx)
	if err != nil {
		return err
	}
	users, err := tp.u.auth.ListUsers(ctx)
	if err != nil {
		return err
	}
	d := teamsData{Teams: ts, Languages: []string{"en", "kn", "hi", "ta", "te", "ml", "ur", "mr"}, Platforms: shift.Platforms}
	for _, us := range users {
		if !us.Disabled && (us.Role == auth.RoleAgent || us.Role == auth.RoleSupervisor || us.Role == auth.RoleAdmin) {
			d.Candidates = append(d.Candidates, us)
		}
	}
	if d.Slots, err = tp.sv.Slots(ctx); err != nil {
		return err
	}
	return tp.u.Render(w, r, http.StatusOK, "teams.html", View{Title: "team.title", Data: d})
}

// refused flashes why the desk refused an edit and returns to the page;
// other errors are the error page's.
func (u *UI) refused(w http.ResponseWriter, r *http.Request, err error, prefix, back string) error {
	var ve *shift.ValidationError
	switch {
	case errors.As(err, &ve):
		key := prefix + ".invalid." + ve.Field
		if u.cat[Lang(r)][key] == nil {
			key = prefix + ".invalid"
		}
		u.Flash(r, FlashError, key)
	case errors.Is(err, shift.ErrConflict):
		u.Flash(r, FlashError, prefix+".conflict")
	case shift.IsNotFound(err):
		u.Flash(r, FlashError, prefix+".gone")
	default:
		return err
	}
	return u.Redirect(w, r, back)
}

func (tp *teamPages) create(w http.ResponseWriter, r *http.Request) error {
	t, err := tp.sv.CreateTeam(r.Context(), shift.TeamInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description")})
	if err != nil {
		return tp.u.refused(w, r, err, "team", TeamsPath)
	}
	tp.u.Flash(r, FlashOK, "team.created", t.Name)
	return tp.u.Redirect(w, r, TeamsPath+"#team-"+strconv.FormatInt(t.ID, 10))
}

func (tp *teamPages) update(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if r.PostFormValue("action") == "delete" {
		if err := tp.sv.DeleteTeam(r.Context(), id); err != nil {
			return tp.u.refused(w, r, err, "team", TeamsPath)
		}
		tp.u.Flash(r, FlashOK, "team.deleted")
		return tp.u.Redirect(w, r, TeamsPath)
	}
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	t, err := tp.sv.UpdateTeam(r.Context(), id, shift.TeamInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"), Version: v})
	if err != nil {
		return tp.u.refused(w, r, err, "team", TeamsPath)
	}
	tp.u.Flash(r, FlashOK, "team.saved", t.Name)
	return tp.u.Redirect(w, r, TeamsPath+"#team-"+strconv.FormatInt(id, 10))
}

func (tp *teamPages) member(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	user, err := strconv.ParseInt(r.PostFormValue("user_id"), 10, 64)
	if err != nil || user <= 0 {
		tp.u.Flash(r, FlashError, "team.invalid.user_id")
		return tp.u.Redirect(w, r, TeamsPath)
	}
	in := r.PostFormValue("action") != "remove"
	if err := tp.sv.SetMember(r.Context(), id, user, in); err != nil {
		return tp.u.refused(w, r, err, "team", TeamsPath)
	}
	key := "team.member_added"
	if !in {
		key = "team.member_removed"
	}
	tp.u.Flash(r, FlashOK, key)
	return tp.u.Redirect(w, r, TeamsPath+"#team-"+strconv.FormatInt(id, 10))
}

func (tp *teamPages) skills(w http.ResponseWriter, r *http.Request) error {
	user, err := web.PathID(r, "user")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	c, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("capacity")))
	if err != nil {
		tp.u.Flash(r, FlashError, "team.invalid.capacity")
		return tp.u.Redirect(w, r, TeamsPath)
	}
	k := shift.Skills{Capacity: c, Languages: r.PostForm["languages"], Platforms: r.PostForm["platforms"]}
	if _, err := tp.sv.SetSkills(r.Context(), user, k); err != nil {
		return tp.u.refused(w, r, err, "team", TeamsPath)
	}
	tp.u.Flash(r, FlashOK, "team.skills_saved")
	return tp.u.Redirect(w, r, TeamsPath+"#agent-"+strconv.FormatInt(user, 10))
}

// pattern reads the shift pattern form: rows name_N, start_N (HH:MM) and
// hours_N; a row without a name is left out.
func (tp *teamPages) pattern(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	var slots []shift.Slot
	for i := range 6 {
		n := strconv.Itoa(i)
		name := strings.TrimSpace(r.PostFormValue("name_" + n))
		if name == "" {
			continue
		}
		start, ok := clockMinutes(r.PostFormValue("start_" + n))
		hours, err := strconv.ParseFloat(strings.TrimSpace(r.PostFormValue("hours_"+n)), 64)
		if !ok || err != nil {
			tp.u.Flash(r, FlashError, "team.invalid.start_minute")
			return tp.u.Redirect(w, r, TeamsPath+"#shifts")
		}
		slots = append(slots, shift.Slot{Name: name, StartMinute: start, Minutes: int(hours * 60)})
	}
	if _, err := tp.sv.SaveSlots(r.Context(), slots); err != nil {
		return tp.u.refused(w, r, err, "team", TeamsPath+"#shifts")
	}
	tp.u.Flash(r, FlashOK, "team.pattern_saved")
	return tp.u.Redirect(w, r, TeamsPath+"#shifts")
}

// clockMinutes reads "HH:MM" as minutes after midnight.
func clockMinutes(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, false
	}
	return hh*60 + mm, true
}
