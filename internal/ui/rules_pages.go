package ui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/rules"
	"github.com/kaval-desk/kaval/internal/shift"
	"github.com/kaval-desk/kaval/internal/unit"
	"github.com/kaval-desk/kaval/internal/web"
)

// RulesPath lists the automation rules.
const RulesPath = "/desk/admin/rules"

type rulePages struct {
	u     *UI
	st    *rules.Store
	d     *desk.Desk
	units *unit.Store
	teams *shift.Service // only its team list (the round-robin runs in the rules engine)
}

// RulesPages registers the automation rules' pages: the list in the order
// they run (a rule the desk switched off shows why), create and edit with
// validation, the dry run over last week's posts, enable, disable and
// delete. The rules store audits every change.
func (u *UI) RulesPages(st *rules.Store, d *desk.Desk) {
	rp := &rulePages{u: u, st: st, d: d, units: unit.NewStore(d.DB()), teams: shift.New(d.DB(), shift.Options{})}
	m := auth.PermRulesManage
	u.Handle(Route{Method: "GET", Path: RulesPath, Perm: m, Summary: "Automation rules, in the order they run",
		Nav: &Nav{Section: SectionAdmin, Label: "rules.tab", Order: 55}}, rp.list)
	u.Handle(Route{Method: "GET", Path: RulesPath + "/new", Perm: m, Summary: "New automation rule"}, rp.newPage)
	u.Handle(Route{Method: "POST", Path: RulesPath, Perm: m, Summary: "Create an automation rule"}, rp.create)
	u.Handle(Route{Method: "GET", Path: RulesPath + "/{id}", Perm: m, Summary: "Edit an automation rule"}, rp.editPage)
	u.Handle(Route{Method: "POST", Path: RulesPath + "/{id}", Perm: m, Summary: "Save an automation rule"}, rp.update)
	u.Handle(Route{Method: "POST", Path: RulesPath + "/dry-run", Perm: m, Summary: "Dry run: what a rule would have matched last week"}, rp.dryRun)
	u.Handle(Route{Method: "POST", Path: RulesPath + "/{id}/enable", Perm: m, Summary: "Switch an automation rule on"}, rp.toggle(true))
	u.Handle(Route{Method: "POST", Path: RulesPath + "/{id}/disable", Perm: m, Summary: "Switch an automation rule off"}, rp.toggle(false))
	u.Handle(Route{Method: "POST", Path: RulesPath + "/{id}/delete", Perm: m, Summary: "Delete an automation rule"}, rp.delete)
}

func (rp *rulePages) list(w http.ResponseWriter, r *http.Request) error {
	rs, err := rp.st.List(r.Context())
	if err != nil {
		return err
	}
	return rp.u.Render(w, r, http.StatusOK, "rules.html", View{Title: "rules.title", Data: rs})
}

// ruleForm is the edit page's data.
type ruleForm struct {
	Rule      rules.Rule
	New       bool
	Error     string // catalogue key
	Field     string
	Detail    string // the validator's words (English)
	Templates []desk.Template
	Stations  []unit.Unit
	Teams     []shift.Team
	Roles     []auth.Role
	Days      []int
	Emergency string // "", "yes", "no"
	Notify    rules.NotifyAction
	On        []string // the events the rule runs on (a new post when none)
	Events    []string
	Statuses  []string
	DryRun    *dryView
}

type dryView struct {
	rules.DryRunResult
	Cases []desk.Case
}

func (rp *rulePages) form(r *http.Request, f *ruleForm) error {
	var err error
	if f.Templates, err = rp.d.Templates(r.Context()); err != nil {
		return err
	}
	if f.Stations, err = rp.units.List(r.Context(), "station"); err != nil {
		return err
	}
	if f.Teams, err = rp.teams.Teams(r.Context()); err != nil {
		return err
	}
	f.Roles = auth.Roles
	f.Days = []int{1, 2, 3, 4, 5, 6, 0}
	f.Events = []string{rules.OnPost, rules.OnStatus, rules.OnSLAWarning, rules.OnSLABreach}
	f.Statuses = desk.Statuses
	if f.On = f.Rule.Conditions.On; len(f.On) == 0 {
		f.On = []string{rules.OnPost}
	}
	if n := f.Rule.Actions.Notify; n != nil {
		f.Notify = *n
	}
	if e := f.Rule.Conditions.Emergency; e != nil {
		f.Emergency = map[bool]string{true: "yes", false: "no"}[*e]
	}
	return nil
}

func (rp *rulePages) render(w http.ResponseWriter, r *http.Request, status int, f ruleForm) error {
	if err := rp.form(r, &f); err != nil {
		return err
	}
	title := "rules.edit_title"
	if f.New {
		title = "rules.new_title"
	}
	return rp.u.Render(w, r, status, "rule_edit.html", View{Title: title, Data: f})
}

func (rp *rulePages) newPage(w http.ResponseWriter, r *http.Request) error {
	return rp.render(w, r, http.StatusOK, ruleForm{New: true, Rule: rules.Rule{Enabled: true}})
}

func (rp *rulePages) editPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	rule, err := rp.st.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return rp.render(w, r, http.StatusOK, ruleForm{Rule: rule})
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func atoi(s string) int { n, _ := strconv.Atoi(strings.TrimSpace(s)); return n }

// parseRule reads the form over base (the stored rule, so what the form
// does not show, such as assignments made through the API, is kept).
func parseRule(f url.Values, base rules.Rule) rules.Rule {
	rule := base
	rule.Name = f.Get("name")
	rule.Position = atoi(f.Get("position"))
	rule.Enabled = f.Get("enabled") == "1"
	rule.Stop = f.Get("stop") == "1"
	rule.Version = atoi(f.Get("version"))
	c := &rule.Conditions
	c.Categories = splitList(f.Get("categories"))
	c.Languages = splitList(f.Get("languages"))
	c.Platforms = splitList(f.Get("platforms"))
	c.Emergency = nil
	switch f.Get("emergency") {
	case "yes":
		c.Emergency = new(bool)
		*c.Emergency = true
	case "no":
		c.Emergency = new(bool)
	}
	c.MinUrgency = atoi(f.Get("min_urgency"))
	c.Query = f.Get("query")
	c.RepeatContact = atoi(f.Get("repeat_contact"))
	c.Days = nil
	for _, d := range f["days"] {
		c.Days = append(c.Days, atoi(d))
	}
	c.FromHour, c.ToHour = atoi(f.Get("from_hour")), atoi(f.Get("to_hour"))
	c.MinCaseAgeMinutes = atoi(f.Get("min_case_age_minutes"))
	c.SLA = f.Get("sla")
	c.On = f["on"]
	c.Statuses = f["statuses"]
	a := &rule.Actions
	a.Priority = atoi(f.Get("priority"))
	a.Tags = splitList(f.Get("tags"))
	a.Spam = f.Get("spam") == "1"
	a.AckTemplateID = int64(atoi(f.Get("ack_template_id")))
	a.RequireApproval = f.Get("require_approval") == "1"
	a.EscalateUnitID = int64(atoi(f.Get("escalate_unit_id")))
	a.EscalateNote = f.Get("escalate_note")
	a.AssignTeamID = int64(atoi(f.Get("assign_team_id")))
	a.Alert = nil
	if sev := f.Get("alert_severity"); sev != "" {
		a.Alert = &rules.AlertAction{Severity: sev, Message: f.Get("alert_message")}
	}
	a.Notify = nil
	if roles, bc := f["notify_roles"], f.Get("notify_broadcast") == "1"; len(roles) > 0 || bc {
		a.Notify = &rules.NotifyAction{Roles: roles, Broadcast: bc, Message: f.Get("notify_message")}
		if base.Actions.Notify != nil {
			a.Notify.UserIDs = base.Actions.Notify.UserIDs
		}
	}
	return rule
}

// checkTeam refuses a team that does not exist (the rules store checks
// the action's shape; whether the team exists is known here, from the
// same list the form shows).
func (rp *rulePages) checkTeam(r *http.Request, rule rules.Rule) error {
	id := rule.Actions.AssignTeamID
	if id <= 0 {
		return nil // zero is no team; a negative id is the store's field error
	}
	ts, err := rp.teams.Teams(r.Context())
	if err != nil {
		return err
	}
	if slices.ContainsFunc(ts, func(t shift.Team) bool { return t.ID == id }) {
		return nil
	}
	return &rules.ValidationError{Field: "assign_team_id", Message: "there is no such team"}
}

// refused shows the form again with the validator's field and words.
func (rp *rulePages) refused(w http.ResponseWriter, r *http.Request, f ruleForm, err error) error {
	var ve *rules.ValidationError
	var conflict interface{ IsConflict() bool }
	switch {
	case errors.As(err, &ve):
		f.Error, f.Field, f.Detail = "rules.invalid", ve.Field, ve.Message
	case errors.As(err, &conflict):
		f.Error = "rules.conflict"
	default:
		return err
	}
	return rp.render(w, r, http.StatusUnprocessableEntity, f)
}

func (rp *rulePages) create(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	rule := parseRule(r.PostForm, rules.Rule{})
	err := rp.checkTeam(r, rule)
	var out rules.Rule
	if err == nil {
		out, err = rp.st.Create(r.Context(), auth.FromContext(r.Context()).UserID, rule)
	}
	if err != nil {
		return rp.refused(w, r, ruleForm{New: true, Rule: rule}, err)
	}
	rp.u.Flash(r, FlashOK, "rules.created", out.Name)
	return rp.u.Redirect(w, r, RulesPath)
}

func (rp *rulePages) update(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	base, err := rp.st.Get(r.Context(), id)
	if err != nil {
		return err
	}
	rule := parseRule(r.PostForm, base)
	err = rp.checkTeam(r, rule)
	var out rules.Rule
	if err == nil {
		out, err = rp.st.Update(r.Context(), id, rule)
	}
	if err != nil {
		return rp.refused(w, r, ruleForm{Rule: rule}, err)
	}
	rp.u.Flash(r, FlashOK, "rules.saved", out.Name)
	return rp.u.Redirect(w, r, RulesPath)
}

// dryRun judges the rule as the form stands against last week's posts and
// shows the form again with what it would have matched.
func (rp *rulePages) dryRun(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	base := rules.Rule{}
	id := int64(atoi(r.PostForm.Get("id")))
	if id > 0 {
		if b, err := rp.st.Get(r.Context(), id); err == nil {
			base = b
		}
	}
	rule := parseRule(r.PostForm, base)
	f := ruleForm{New: id == 0, Rule: rule}
	now := rp.u.now()
	if err := rp.checkTeam(r, rule); err != nil {
		return rp.refused(w, r, f, err)
	}
	res, err := rp.st.DryRun(r.Context(), rule, now.AddDate(0, 0, -7), now, rules.DryRunScan)
	if err != nil {
		return rp.refused(w, r, f, err)
	}
	dv := &dryView{DryRunResult: res}
	for _, cid := range res.CaseIDs {
		c, err := rp.d.GetCase(r.Context(), cid, desk.Scope{})
		if err != nil {
			continue
		}
		privacy.Viewer{}.Case(&c) // lists never show personal data
		dv.Cases = append(dv.Cases, c)
	}
	f.DryRun = dv
	return rp.render(w, r, http.StatusOK, f)
}

func (rp *rulePages) toggle(on bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		rule, err := rp.st.Get(r.Context(), id)
		if err != nil {
			return err
		}
		rule.Enabled = on
		if _, err := rp.st.Update(r.Context(), id, rule); err != nil {
			var ve *rules.ValidationError
			if errors.As(err, &ve) {
				rp.u.Flash(r, FlashError, "rules.toggle_invalid", rule.Name, ve.Message)
				return rp.u.Redirect(w, r, RulesPath)
			}
			return err
		}
		rp.u.Flash(r, FlashOK, map[bool]string{true: "rules.enabled_now", false: "rules.disabled_now"}[on], rule.Name)
		return rp.u.Redirect(w, r, RulesPath)
	}
}

func (rp *rulePages) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	rule, err := rp.st.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if err := rp.st.Delete(r.Context(), id); err != nil {
		return err
	}
	rp.u.Flash(r, FlashOK, "rules.deleted", rule.Name)
	return rp.u.Redirect(w, r, RulesPath)
}

func init() {
	AddFunc("hasInt", func(Translator) any { return func(list []int, v int) bool { return slices.Contains(list, v) } })
	AddFunc("hasStr", func(Translator) any {
		return func(list []string, v any) bool { return slices.Contains(list, toString(v)) }
	})
	AddFunc("joinList", func(Translator) any { return func(list []string) string { return strings.Join(list, ", ") } })
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case auth.Role:
		return string(x)
	}
	return ""
}
