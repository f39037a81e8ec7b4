package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
)

// inboxParams are the inbox's query parameters, shared by GET
// /api/v1/cases, the inbox page and saved views (which store them).
var inboxParams = []Param{
	{Name: "status", Description: "comma-separated statuses: new, open, waiting_station, waiting_citizen, resolved, closed"},
	{Name: "priority", Type: "integer", Description: "1 critical … 4 low"},
	{Name: "assignee", Description: "me, none (unassigned) or a user id"}, {Name: "unassigned", Type: "boolean"},
	{Name: "unit", Type: "integer"}, {Name: "category"}, {Name: "tag"}, {Name: "platform"}, {Name: "ref"},
	{Name: "lang", Description: "the case's language, e.g. kn, en, hi, kn-Latn"},
	{Name: "sentiment", Description: "negative, neutral or positive: cases with a post of this sentiment"},
	{Name: "urgency", Type: "integer", Description: "minimum urgency, 0–100"},
	{Name: "overdue", Type: "boolean", Description: "only cases whose running SLA deadline has passed"},
	{Name: "reply_failed", Type: "boolean", Description: "only cases whose last reply failed, was undelivered or has an unknown outcome"},
	{Name: "since", Description: "opened at or after: RFC 3339 time, or a date (YYYY-MM-DD, Asia/Kolkata)"},
	{Name: "until", Description: "opened before: RFC 3339 time, or a date (the whole day included)"},
	{Name: "q", Description: "full-text search over the case's posts (any script; words match as prefixes)"},
	{Name: "sort", Description: "urgency (default: triage order, emergencies and highest urgency first, then the nearest SLA deadline), deadline, or updated"},
	{Name: "limit", Type: "integer"}, {Name: "cursor", Description: "next_cursor of the previous page"},
}

// InboxParamNames are the parameters a saved view keeps (not the page's
// position).
var InboxParamNames = func() []string {
	var out []string
	for _, p := range inboxParams {
		if p.Name != "cursor" && p.Name != "limit" {
			out = append(out, p.Name)
		}
	}
	return out
}()

var ist = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		return time.FixedZone("IST", 5*3600+1800)
	}
	return loc
}()

func badParam(name, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_parameter", Field: name, Message: fmt.Sprintf(format, args...)}
}

// CaseFilterOf reads the inbox's parameters. Every bad value is a 400
// naming the parameter; "assignee=me" is the principal.
func CaseFilterOf(q url.Values, p *auth.Principal) (desk.CaseFilter, error) {
	f := desk.CaseFilter{Category: q.Get("category"), Tag: q.Get("tag"), Platform: q.Get("platform"), Ref: q.Get("ref"),
		Q: q.Get("q"), Cursor: q.Get("cursor"), Lang: q.Get("lang"), Sentiment: q.Get("sentiment")}
	for _, name := range []string{"category", "tag", "platform", "ref", "q", "cursor", "lang", "sentiment", "status"} {
		if len(q.Get(name)) > 512 {
			return f, badParam(name, "%s is longer than 512 bytes", name)
		}
	}
	if st := q.Get("status"); st != "" {
		for _, s := range strings.Split(st, ",") {
			s = strings.TrimSpace(s)
			if !validStatus(s) {
				return f, badParam("status", "unknown status %q", s)
			}
			f.Status = append(f.Status, s)
		}
	}
	sort, err := desk.ParseSort(q.Get("sort"))
	if err != nil {
		return f, badParam("sort", "unknown sort %q (want urgency, deadline or updated)", q.Get("sort"))
	}
	f.Sort = sort
	switch f.Sentiment {
	case "", "negative", "neutral", "positive":
	default:
		return f, badParam("sentiment", "sentiment must be negative, neutral or positive")
	}
	ints := []struct {
		name     string
		min, max int64
		dst      func(int64)
	}{
		{"priority", 0, 4, func(v int64) { f.Priority = int(v) }},
		{"unit", 0, 1 << 62, func(v int64) { f.UnitID = v }},
		{"urgency", 0, 100, func(v int64) { f.MinUrgency = int(v) }},
		{"limit", 1, 500, func(v int64) { f.Limit = int(v) }},
	}
	for _, c := range ints {
		v := q.Get(c.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < c.min || n > c.max {
			return f, badParam(c.name, "%s must be an integer from %d to %d", c.name, c.min, c.max)
		}
		c.dst(n)
	}
	switch a := q.Get("assignee"); a {
	case "":
	case "me":
		if p == nil || p.UserID == 0 {
			return f, badParam("assignee", "assignee=me needs a signed-in user")
		}
		f.AssigneeID = p.UserID
	case "none":
		f.Unassigned = true
	default:
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n <= 0 {
			return f, badParam("assignee", "assignee must be me, none or a user id")
		}
		f.AssigneeID = n
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"unassigned", &f.Unassigned}, {"overdue", &f.Overdue}, {"reply_failed", &f.ReplyFailed}} {
		switch q.Get(b.name) {
		case "", "false", "0":
		case "true", "1":
			*b.dst = true
		default:
			return f, badParam(b.name, "%s must be true or false", b.name)
		}
	}
	for _, d := range []struct {
		name string
		dst  *int64
	}{{"since", &f.Since}, {"until", &f.Until}} {
		v := q.Get(d.name)
		if v == "" {
			continue
		}
		t, err := parseWhen(v, d.name == "until")
		if err != nil {
			return f, badParam(d.name, "%s must be an RFC 3339 time or a date (YYYY-MM-DD)", d.name)
		}
		*d.dst = t.UnixMilli()
	}
	return f, nil
}

// parseWhen reads an RFC 3339 time or a calendar date in Asia/Kolkata;
// a date as an upper bound means the end of that day.
func parseWhen(v string, upper bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, ist)
	if err != nil {
		return t, err
	}
	if upper {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

func validStatus(s string) bool {
	for _, x := range desk.Statuses {
		if x == s {
			return true
		}
	}
	return false
}
