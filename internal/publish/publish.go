// Package publish is the staff side of speaking to the city: a post is
// composed once (words in English, Kannada and Hindi, images with alt
// text), given a version per account (X, Facebook page, Instagram,
// Telegram channel, Mastodon, Bluesky), approved by one or two people
// other than its authors, scheduled, grouped into campaigns, and only
// then handed to the outbox, which sends each version once.
//
// Nothing publishes without its approvals: a publication's versions reach
// the outbox only in the transaction that records its last approval (or,
// for an emergency advisory, its first, with a second signature owed
// after the fact). The outbox rows are queued as already approved, so the
// outbox's own approval routes never see them; posts queued through the
// older single-account route (POST /api/v1/channels/{id}/posts) are
// held to the same rules by Gate.
//
// States:
//
//	draft ──Submit──▶ in_review ──Approve × levels──▶ approved (released to the outbox)
//	  ▲                 │    └──Reject──▶ rejected ──Edit/Submit──▶ …
//	  └──Edit───────────┘
//	draft, in_review, rejected, approved (nothing sent yet) ──Cancel──▶ cancelled
package publish

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// Kind of a publication: it picks the approval rule, and an emergency
// advisory takes the fast path.
type Kind string

const (
	KindPost      Kind = "post"
	KindAdvisory  Kind = "advisory"
	KindEmergency Kind = "emergency"
)

// Kinds lists the kinds in the order the compose form offers them.
var Kinds = []Kind{KindPost, KindAdvisory, KindEmergency}

// State of a publication.
type State string

const (
	StateDraft State = "draft"
	InReview   State = "in_review"
	Approved   State = "approved"
	Rejected   State = "rejected"
	Cancelled  State = "cancelled"
)

// Langs are the languages a publication may be written in.
var Langs = []string{"en", "kn", "hi"}

// Recurrences a publication may repeat by.
var Recurrences = []string{"", "daily", "weekly", "monthly"}

// Limits on hostile or mistaken input.
const (
	MaxTitle    = 200
	MaxText     = 16 << 10 // as the single-account API: a long Facebook advisory in Kannada
	MaxVersions = 30
	MaxNote     = 2000
	MaxGoal     = 2000
	// MaxScheduleAhead bounds a schedule: a date years ahead is a typo.
	MaxScheduleAhead = 366 * 24 * time.Hour
)

// Publication is one thing the force says, on one or more accounts.
type Publication struct {
	ID          int64             `json:"id"`
	Kind        Kind              `json:"kind"`
	Title       string            `json:"title"`
	CampaignID  int64             `json:"campaign_id,omitempty"`
	State       State             `json:"state"`
	Levels      int               `json:"levels"` // approvals needed (fixed at submission)
	Round       int               `json:"round"`  // submissions so far
	ScheduledAt time.Time         `json:"scheduled_at,omitzero"`
	Recur       string            `json:"recur,omitempty"`
	RecurUntil  time.Time         `json:"recur_until,omitzero"`
	Public      bool              `json:"public"` // listed on the public site once out
	Texts       map[string]string `json:"texts"`  // lang → words
	Versions    []Version         `json:"versions"`
	Media       []Media           `json:"media,omitempty"`
	Approvals   []Approval        `json:"approvals,omitempty"` // of the current round
	Stations    []int64           `json:"stations,omitempty"`  // whose locality groups receive it

	// AfterSignDue is set on an emergency advisory released on one
	// approval until a second approver signs after the fact.
	AfterSignDue  bool      `json:"after_sign_due,omitempty"`
	AfterSignedBy int64     `json:"after_signed_by,omitempty"`
	AfterSignedAt time.Time `json:"after_signed_at,omitzero"`
	ReleasedAt    time.Time `json:"released_at,omitzero"`

	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"` // optimistic lock for edits
}

// Version is the publication on one account in one language.
type Version struct {
	ID        int64  `json:"id"`
	ChannelID int64  `json:"channel_id"`
	Platform  string `json:"platform,omitempty"`
	Channel   string `json:"channel,omitempty"` // the account's name
	Lang      string `json:"lang"`
	Text      string `json:"text"`
	WithMedia bool   `json:"with_media"` // attach the publication's images
	// Sends are the outbox items queued for it (one per occurrence).
	Sends []Send `json:"sends,omitempty"`
}

// Send is one occurrence of a version handed to the outbox.
type Send struct {
	Occurrence int       `json:"occurrence"`
	DueAt      time.Time `json:"due_at"`
	OutboxID   int64     `json:"outbox_id"`
	State      string    `json:"state"` // the outbox item's state
	URL        string    `json:"url,omitempty"`
	ExternalID string    `json:"external_id,omitempty"`
	Error      string    `json:"error,omitempty"`
}

// Approval is one level signed in the current round.
type Approval struct {
	Level  int       `json:"level"`
	UserID int64     `json:"user_id"`
	At     time.Time `json:"at"`
}

// Event is one line of a publication's history.
type Event struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	UserID int64     `json:"user_id,omitempty"`
	Action string    `json:"action"`
	Round  int       `json:"round"`
	Note   string    `json:"note,omitempty"`
}

// Error is a refusal a person can act on; web maps Status to the reply.
type Error struct {
	Status int    // HTTP status it maps to
	Code   string // machine-readable
	Field  string // the request field at fault, if any
	Msg    string
}

func (e *Error) Error() string { return "publish: " + e.Msg }

// InvalidField lets the API map an invalid field to 422.
func (e *Error) InvalidField() string {
	if e.Status == http.StatusUnprocessableEntity {
		return e.Field
	}
	return ""
}

func invalid(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: field, Msg: fmt.Sprintf(format, args...)}
}

func conflict(code, format string, args ...any) *Error {
	return &Error{Status: http.StatusConflict, Code: code, Msg: fmt.Sprintf(format, args...)}
}

func forbidden(code, format string, args ...any) *Error {
	return &Error{Status: http.StatusForbidden, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// ErrNotFound: no publication (or campaign, or image) has that id.
var ErrNotFound = fmt.Errorf("publish: %w", store.ErrNotFound)

// AsError returns err's *Error, if it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
