// Package shift runs the desk's people: teams and their members, each
// agent's capacity and skills, round-robin assignment of cases among the
// agents of a team who are on shift, the shift pattern with clock-in and
// clock-out, the handover note one shift leaves the next, and the
// supervisor's live board.
//
// Assignment decisions are serialised (an advisory lock on PostgreSQL, the
// single writer on SQLite) and made inside the transaction that assigns,
// so concurrent arrivals on any number of replicas never put an agent
// above capacity nor give a case twice. See assign.go.
package shift

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/store"
)

// Zone is where shifts start and end: the desk serves Bengaluru.
var Zone = mustZone("Asia/Kolkata")

func mustZone(name string) *time.Location {
	if l, err := time.LoadLocation(name); err == nil {
		return l
	}
	return time.FixedZone("IST", 5*3600+1800)
}

// Service is the shift machinery over one database.
type Service struct {
	db       *store.DB
	now      func() time.Time
	log      *slog.Logger
	onChange func() // the board changed (publish to the SSE hub)

	draining, again atomic.Bool // DrainSoon
	alerts          AlertSource
	manualDrain     bool
}

// Options tune a Service.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
	// OnChange is called after a change the live board shows (a clock-in,
	// an assignment); it must not block.
	OnChange func()
	// ManualDrain: clock-ins and new members do not drain the queues in
	// the background (tests call Drain themselves).
	ManualDrain bool
}

// New returns the service.
func New(db *store.DB, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.OnChange == nil {
		opt.OnChange = func() {}
	}
	return &Service{db: db, now: opt.Now, log: opt.Log, onChange: opt.OnChange, manualDrain: opt.ManualDrain}
}

// SetOnChange replaces the change hook (the UI's hub is built after the
// service).
func (s *Service) SetOnChange(f func()) { s.onChange = f }

// DB is the service's database (the UI audits through it).
func (s *Service) DB() *store.DB { return s.db }

// ValidationError names the field of a refused input.
type ValidationError struct{ Field, Message string }

func (e *ValidationError) Error() string        { return "shift: " + e.Field + ": " + e.Message }
func (e *ValidationError) InvalidField() string { return e.Field }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

type conflictError struct{}

func (conflictError) Error() string    { return "shift: changed since it was read; reload it" }
func (conflictError) IsConflict() bool { return true }

// ErrConflict: the record changed since the version the editor read.
var ErrConflict error = conflictError{}

// ErrNotFound: no such team, handover or user (a store.ErrNotFound, 404).
var ErrNotFound = fmt.Errorf("shift: %w", store.ErrNotFound)

// IsNotFound reports whether err is a missing record.
func IsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// oneLine: 1–max characters of valid text on one line.
func oneLine(s string, max int) bool {
	return s != "" && utf8.RuneCountInString(s) <= max && utf8.ValidString(s) && !strings.ContainsAny(s, "\x00\n\r\t")
}

func id(kind string, n int64) string { return kind + ":" + strconv.FormatInt(n, 10) }

// splitList reads a stored comma list.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
