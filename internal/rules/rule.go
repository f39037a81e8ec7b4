// Package rules is the desk's automation: a rule's conditions on a post
// and the case it joined lead to actions (a priority, an assignee, a unit,
// tags, closing as spam). The pipeline runs the enabled rules in order,
// after analysis and threading and inside the same transaction, so a rule
// acts exactly once per post: its run is recorded under a unique key with
// the changes it made. A rule whose action can no longer be carried out
// (its unit or assignee is gone) is switched off with the reason, and the
// pipeline goes on.
package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
)

// Zone is where time-of-day and day-of-week conditions are read: the
// desk serves Bengaluru.
var Zone = mustZone("Asia/Kolkata")

func mustZone(name string) *time.Location {
	if l, err := time.LoadLocation(name); err == nil {
		return l
	}
	return time.FixedZone("IST", 5*3600+1800)
}

// Conditions must all hold for a rule to fire; an empty field is no
// condition. Lists match any of their values.
type Conditions struct {
	Categories []string `json:"categories,omitempty"`
	Emergency  *bool    `json:"emergency,omitempty"`
	MinUrgency int      `json:"min_urgency,omitempty"` // 0–100
	Languages  []string `json:"languages,omitempty"`
	Platforms  []string `json:"platforms,omitempty"`
	Channels   []string `json:"channels,omitempty"`
	UnitIDs    []int64  `json:"unit_ids,omitempty"` // the case's unit or traffic unit
	// Query is a listening query (internal/query's language): keywords,
	// phrases, hashtags, places, fields.
	Query string `json:"query,omitempty"`
	// RepeatContact: the author has at least this many other cases.
	RepeatContact int `json:"repeat_contact,omitempty"`
	// Days are days of the week, 0 Sunday to 6 Saturday, in Zone.
	Days []int `json:"days,omitempty"`
	// FromHour and ToHour bound the hour of day in Zone, [from, to);
	// from > to wraps midnight (22 to 6 is the night). Equal: any hour.
	FromHour int `json:"from_hour,omitempty"`
	ToHour   int `json:"to_hour,omitempty"`
	// MinCaseAgeMinutes: the case was opened at least this long ago (a
	// follow-up on an old case).
	MinCaseAgeMinutes int `json:"min_case_age_minutes,omitempty"`
	// SLA is "breached" (a deadline passed unmet) or "running".
	SLA string `json:"sla,omitempty"`
	// On is when the rule runs: "post" (a post put on the desk, the
	// default), "status" (the case's status changed), "sla_warning",
	// "sla_breach" (events.go).
	On []string `json:"on,omitempty"`
	// Statuses: the case's status is one of these (now).
	Statuses []string `json:"statuses,omitempty"`
}

// Actions are what a rule does to the case; zero fields do nothing.
type Actions struct {
	Priority     int   `json:"priority,omitempty"` // 1 critical – 4 low
	AssignUserID int64 `json:"assign_user_id,omitempty"`
	AssignUnitID int64 `json:"assign_unit_id,omitempty"`
	// AssignTeamID puts the case in a team's round-robin (team.go).
	AssignTeamID int64    `json:"assign_team_id,omitempty"`
	Tags         []string `json:"tags,omitempty"`
	// Spam closes the case with the status code "spam".
	Spam bool `json:"spam,omitempty"`
	// Automation (automate.go): acknowledge the citizen with a reply
	// template in their language (once per case, through the outbox),
	// make replies on the case wait for approval, escalate it to a
	// station, tell people.
	AckTemplateID   int64         `json:"ack_template_id,omitempty"`
	RequireApproval bool          `json:"require_approval,omitempty"`
	EscalateUnitID  int64         `json:"escalate_unit_id,omitempty"`
	EscalateNote    string        `json:"escalate_note,omitempty"`
	Notify          *NotifyAction `json:"notify,omitempty"`
	// Alert raises a watch-floor alert with a severity (raise.go).
	Alert *AlertAction `json:"alert,omitempty"`
}

// Rule is one stored automation rule.
type Rule struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	Position       int        `json:"position"`
	Enabled        bool       `json:"enabled"`
	Stop           bool       `json:"stop"` // no later rule runs on a post this one matched
	Conditions     Conditions `json:"conditions"`
	Actions        Actions    `json:"actions"`
	DisabledReason string     `json:"disabled_reason,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Version        int        `json:"version"`
}

// ValidationError names the field of a refused rule.
type ValidationError struct{ Field, Message string }

func (e *ValidationError) Error() string        { return "rules: " + e.Field + ": " + e.Message }
func (e *ValidationError) InvalidField() string { return e.Field }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

var platforms = []string{post.X, post.Facebook, post.Instagram, post.Messenger, post.WhatsApp, post.Telegram,
	post.Mastodon, post.Bluesky, post.RSS, post.WebForm, post.Import}

func shortText(s string, max int) bool {
	return s != "" && len(s) <= max && utf8.ValidString(s) && !strings.ContainsAny(s, "\x00\n\r\t")
}

// compiled is a rule ready to judge posts.
type compiled struct {
	Rule
	q      *query.Query // nil without a query condition
	places bool
}

// check validates r and compiles its query with env (nil: the default).
func check(r *Rule, env *query.Env) (*compiled, error) {
	r.Name = strings.Join(strings.Fields(r.Name), " ")
	if !shortText(r.Name, 120) {
		return nil, invalid("name", "must be 1–120 characters on one line")
	}
	c := &r.Conditions
	for _, list := range []struct {
		field string
		vals  []string
	}{{"categories", c.Categories}, {"languages", c.Languages}, {"platforms", c.Platforms}, {"channels", c.Channels}} {
		if len(list.vals) > 50 {
			return nil, invalid(list.field, "at most 50 values")
		}
		for _, v := range list.vals {
			if !shortText(v, 64) {
				return nil, invalid(list.field, "%q must be 1–64 characters on one line", v)
			}
			if list.field == "platforms" && !slices.Contains(platforms, v) {
				return nil, invalid("platforms", "unknown platform %q (one of %s)", v, strings.Join(platforms, ", "))
			}
		}
	}
	if c.MinUrgency < 0 || c.MinUrgency > 100 {
		return nil, invalid("min_urgency", "must be 0 to 100")
	}
	if c.RepeatContact < 0 || c.RepeatContact > 1000 {
		return nil, invalid("repeat_contact", "must be 0 to 1000")
	}
	for _, d := range c.Days {
		if d < 0 || d > 6 {
			return nil, invalid("days", "days are 0 (Sunday) to 6 (Saturday)")
		}
	}
	if c.FromHour < 0 || c.FromHour > 23 || c.ToHour < 0 || c.ToHour > 24 {
		return nil, invalid("from_hour", "hours are 0 to 23 (to_hour up to 24)")
	}
	if c.MinCaseAgeMinutes < 0 || c.MinCaseAgeMinutes > 525600 {
		return nil, invalid("min_case_age_minutes", "must be 0 to 525600 (a year)")
	}
	if c.SLA != "" && c.SLA != "breached" && c.SLA != "running" {
		return nil, invalid("sla", `must be "breached" or "running"`)
	}
	if err := checkOn(c); err != nil {
		return nil, err
	}
	if len(c.UnitIDs) > 50 {
		return nil, invalid("unit_ids", "at most 50 units")
	}
	out := &compiled{Rule: *r}
	if strings.TrimSpace(c.Query) != "" {
		if env == nil {
			var err error
			if env, err = query.DefaultEnv(); err != nil {
				return nil, err
			}
		}
		q, err := env.Parse(c.Query)
		if err != nil {
			return nil, &ValidationError{Field: "query", Message: err.Error()}
		}
		out.q, out.places = q, q.UsesPlaces()
		c.Query = q.String()
		out.Conditions.Query = c.Query
	} else {
		c.Query = ""
	}
	a := &r.Actions
	if a.Priority != 0 && (a.Priority < desk.P1 || a.Priority > desk.P4) {
		return nil, invalid("priority", "must be 1 (critical) to 4 (low)")
	}
	if a.AssignUserID < 0 || a.AssignUnitID < 0 {
		return nil, invalid("actions", "ids are positive")
	}
	if len(a.Tags) > 16 {
		return nil, invalid("tags", "at most 16 tags")
	}
	for _, t := range a.Tags {
		if !shortText(t, 64) {
			return nil, invalid("tags", "tag %q must be 1–64 characters on one line", t)
		}
	}
	if err := checkTeam(a); err != nil {
		return nil, err
	}
	if err := checkAlert(a); err != nil {
		return nil, err
	}
	if err := checkAutomation(a); err != nil {
		return nil, err
	}
	if a.Priority == 0 && a.AssignUserID == 0 && a.AssignUnitID == 0 && a.AssignTeamID == 0 && len(a.Tags) == 0 && !a.Spam && !a.automates() && a.Alert == nil {
		return nil, invalid("actions", "a rule must do something")
	}
	out.Actions = *a
	return out, nil
}
