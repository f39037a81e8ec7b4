// Package desk is the state machine of cases: threading posts into cases,
// routing them to units, priorities and SLA clocks, and the actions agents
// take (assign, change status, comment, tag). Every change is a timeline
// event. Queries take a Scope so that a station officer only ever sees
// their own unit's cases, enforced in SQL, not in the handler.
package desk

import (
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
)

// Case statuses.
const (
	StatusNew            = "new"
	StatusOpen           = "open"
	StatusWaitingStation = "waiting_station"
	StatusWaitingCitizen = "waiting_citizen"
	StatusResolved       = "resolved"
	StatusClosed         = "closed"
)

// Statuses lists every status in workflow order.
var Statuses = []string{StatusNew, StatusOpen, StatusWaitingStation, StatusWaitingCitizen, StatusResolved, StatusClosed}

// transitions says which statuses may follow which. Resolved cases reopen
// when the citizen writes again; closed is final except by reopening.
var transitions = map[string][]string{
	StatusNew:            {StatusOpen, StatusWaitingStation, StatusWaitingCitizen, StatusResolved, StatusClosed},
	StatusOpen:           {StatusWaitingStation, StatusWaitingCitizen, StatusResolved, StatusClosed},
	StatusWaitingStation: {StatusOpen, StatusWaitingCitizen, StatusResolved, StatusClosed},
	StatusWaitingCitizen: {StatusOpen, StatusWaitingStation, StatusResolved, StatusClosed},
	StatusResolved:       {StatusOpen, StatusClosed},
	StatusClosed:         {StatusOpen},
}

// CanMove reports whether a case may go from one status to another.
func CanMove(from, to string) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Case is the unit of work on the desk.
type Case struct {
	ID               int64      `json:"id"`
	Ref              string     `json:"ref"`
	Status           string     `json:"status"`
	Priority         int        `json:"priority"`
	Urgency          int        `json:"urgency"`
	Category         string     `json:"category"`
	Subject          string     `json:"subject"`
	Platform         string     `json:"platform"`
	Channel          string     `json:"channel"`
	AuthorID         int64      `json:"author_id,omitempty"`
	AuthorHandle     string     `json:"author_handle,omitempty"`
	AuthorName       string     `json:"author_name,omitempty"`
	AssigneeID       int64      `json:"assignee_id,omitempty"`
	Team             string     `json:"team"`
	UnitID           int64      `json:"unit_id,omitempty"`
	UnitName         string     `json:"unit_name,omitempty"`
	TrafficUnitID    int64      `json:"traffic_unit_id,omitempty"`
	Lang             string     `json:"lang"`
	Private          bool       `json:"private"`
	PostCount        int        `json:"post_count"`
	FirstResponseDue *time.Time `json:"first_response_due,omitempty"`
	ResolveDue       *time.Time `json:"resolve_due,omitempty"`
	FirstResponseAt  *time.Time `json:"first_response_at,omitempty"`
	ResolvedAt       *time.Time `json:"resolved_at,omitempty"`
	ClosedAt         *time.Time `json:"closed_at,omitempty"`
	DueAt            *time.Time `json:"due_at,omitempty"` // the SLA deadline running now; nil once finished
	LastPostAt       time.Time  `json:"last_post_at"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	Tags             []string   `json:"tags"`
	Version          int        `json:"version"`
	// Unread is for the person asking: a post newer than their last
	// opening of the case (Desk.Unread; filled by the API's lists).
	Unread bool `json:"unread,omitempty"`
	// ReplyFailed is raised when a reply to the citizen failed or its
	// outcome is unknown, and lowered by the next reply that is sent: the
	// desk must act (reword, retry, answer another way).
	ReplyFailed   bool       `json:"reply_failed"`
	ReplyFailedAt *time.Time `json:"reply_failed_at,omitempty"`
	// StatusCode is the citizen's key to the public status page, given
	// with the reference (FormatStatusCode prints it).
	StatusCode string `json:"status_code"`
}

// Event is one entry of a case's timeline.
type Event struct {
	ID      int64          `json:"id"`
	At      time.Time      `json:"at"`
	ActorID int64          `json:"actor_id,omitempty"`
	Kind    string         `json:"kind"`
	Body    map[string]any `json:"body"`
}

// Scope restricts what a caller sees. The zero Scope sees everything; the
// web layer builds it from the signed-in principal.
type Scope struct {
	UnitID     int64 // when Restricted, only cases routed to this unit or a unit beneath it
	Restricted bool
}

// ScopeOf is the scope of a signed-in principal: station officers (and
// anyone bound to a unit without the force-wide view) see their unit's
// cases and those of the units beneath it.
func ScopeOf(p *auth.Principal) Scope {
	if unit, ok := p.ScopeUnit(); ok {
		return Scope{Restricted: true, UnitID: unit}
	}
	return Scope{}
}

// Priority levels.
const (
	P1 = 1 // critical: distress, crime in progress
	P2 = 2 // high
	P3 = 3 // normal
	P4 = 4 // low: appreciation, spam
)

// SLA is how long a case of each priority may wait.
type SLA struct {
	FirstResponse [5]time.Duration // indexed by priority
	Resolve       [5]time.Duration
}

// DefaultSLA follows what the Bengaluru desk promises citizens.
var DefaultSLA = SLA{
	FirstResponse: [5]time.Duration{0, 15 * time.Minute, time.Hour, 4 * time.Hour, 24 * time.Hour},
	Resolve:       [5]time.Duration{0, 4 * time.Hour, 24 * time.Hour, 72 * time.Hour, 7 * 24 * time.Hour},
}
