// Package crisis is the desk's crisis rooms: a place where a riot, a
// rumour wave or a flood is handled as one thing. A room is opened from an
// alert (internal/alert) or by hand (a title, an area and its police
// stations, a severity). It gathers the posts of its alert or area, their
// cases and their near-duplicate clusters (gather.go), and a person adds
// or removes items by hand; it holds tasks with owners and due times and
// a timeline of everything done in it (each line also an audit entry, in
// the same transaction).
//
// From the room:
//   - an advisory is drafted as a publication (internal/publish) linked to
//     the room, and goes through publishing's own review and approval;
//   - a rumour cluster is answered with one rebuttal (a link or a reply
//     template) sent as a reply to each post of the cluster through the
//     outbox, approved once for the whole batch, rate-limited per platform,
//     never twice to the same post (crisis_answered, written in the
//     outbox's transaction), skipping deleted and private posts
//     (rebuttal.go, sender.go);
//   - surge mode (surge.go) acknowledges the area's new posts in bulk with
//     a template, pins an advisory link shown to agents and usable in reply
//     templates as {advisory_link}, and raises the priority of distress
//     posts while it is on.
//
// A room closes with a written summary and is then read as a report
// (report.go).
package crisis

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/alert"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/store"
)

// SubjectChanged announces a change in a room (payload: the room id).
const SubjectChanged = "crisis.changed"

// Room states.
const (
	StateOpen   = "open"
	StateClosed = "closed"
)

// Limits on hostile or mistaken input.
const (
	MaxTitle    = 200
	MaxArea     = 200
	MaxStations = 50
	MaxSummary  = 20000
	MaxTask     = 500
	MaxRebuttal = 2000
)

// Options tune the Service.
type Options struct {
	Bus bus.Bus // live updates; nil: none
	// PerMinute caps the replies rooms send (rebuttals and surge
	// acknowledgements together) per platform per minute; Default for
	// platforms not listed (default 20). The outbox's own per-channel
	// limits still apply on top.
	PerMinute        map[string]int
	DefaultPerMinute int
	// Window is how far before its alert a room gathers posts from
	// (default 2 hours).
	Window  time.Duration
	BaseURL string // the desk's public URL: {status_url} in rebuttals
	Now     func() time.Time
	Log     *slog.Logger
}

// Service runs the crisis rooms.
type Service struct {
	db     *store.DB
	desk   *desk.Desk
	ob     *outbox.Outbox
	pub    *publish.Service
	alerts *alert.Service
	opt    Options

	mu      sync.Mutex
	sources map[string]Source // by alert kind
	surges  []surgeRoom       // rooms in surge mode (surge.go), refreshed by the runner
}

// New returns the crisis service.
func New(db *store.DB, d *desk.Desk, ob *outbox.Outbox, pub *publish.Service, al *alert.Service, opt Options) *Service {
	if opt.DefaultPerMinute <= 0 {
		opt.DefaultPerMinute = 20
	}
	if opt.Window <= 0 {
		opt.Window = 2 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Service{db: db, desk: d, ob: ob, pub: pub, alerts: al, opt: opt, sources: map[string]Source{}}
}

// DB is the service's database (pages read user names).
func (s *Service) DB() *store.DB { return s.db }

// Invalid is a refused input; Field names it.
type Invalid struct{ Field, Message string }

func (e *Invalid) Error() string        { return "crisis: " + e.Field + ": " + e.Message }
func (e *Invalid) InvalidField() string { return e.Field }

// Conflict is an action the room's state no longer allows; Code says
// which (closed, decided, own_request, surge_off, task_done).
type Conflict struct{ Code, Message string }

func (e *Conflict) Error() string    { return "crisis: " + e.Message }
func (e *Conflict) IsConflict() bool { return true }

func target(id int64) string { return "crisis:" + strconv.FormatInt(id, 10) }

// event appends a line to room id's timeline and the audit log in tx.
func (s *Service) event(ctx context.Context, tx *sql.Tx, p *auth.Principal, id int64, action string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	var uid any
	e := auth.Entry{Action: "crisis." + action, Target: target(id), Details: detail}
	if p != nil && p.UserID != 0 {
		uid = p.UserID
		e.ActorID, e.Actor = p.UserID, p.Username
	} else {
		e.Actor = "crisis"
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO crisis_events (room_id, at, user_id, action, detail) VALUES ($1, $2, $3, $4, $5)`,
		id, store.Millis(s.opt.Now()), uid, action, string(b)); err != nil {
		return fmt.Errorf("crisis: unable to record the timeline: %w", err)
	}
	return auth.AuditTx(ctx, tx, e)
}

// changed announces a room's change to live pages.
func (s *Service) changed(ctx context.Context, id int64) {
	if s.opt.Bus == nil {
		return
	}
	if err := s.opt.Bus.Publish(ctx, SubjectChanged, []byte(strconv.FormatInt(id, 10))); err != nil {
		s.opt.Log.Warn("crisis: live update not published", "room", id, "err", err)
	}
}

// lockOpen reads room id's state in tx and refuses a closed room.
func (s *Service) lockOpen(ctx context.Context, tx *sql.Tx, id int64) error {
	q := "SELECT state FROM crisis_rooms WHERE id = $1"
	if s.db.Dialect == store.Postgres {
		q += " FOR UPDATE"
	}
	var st string
	if err := tx.QueryRowContext(ctx, q, id).Scan(&st); err == sql.ErrNoRows {
		return store.ErrNotFound
	} else if err != nil {
		return fmt.Errorf("crisis: unable to read the room: %w", err)
	}
	if st != StateOpen {
		return &Conflict{"closed", "the room is closed"}
	}
	return nil
}

func needUser(p *auth.Principal) error {
	if p == nil || p.UserID == 0 {
		return auth.ErrForbidden
	}
	return nil
}

// cleanLine trims s and refuses control characters and overlong text.
func cleanLine(field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		return "", &Invalid{field, "is required"}
	case len(s) > max:
		return "", &Invalid{field, fmt.Sprintf("is at most %d bytes", max)}
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0xfffd }):
		return "", &Invalid{field, "must be one line of text"}
	}
	return s, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ParseRates reads a rate setting (KAVAL_CRISIS_REPLIES_PER_MINUTE):
// "x=20,facebook=60,default=30", replies per platform per minute.
func ParseRates(s string) (map[string]int, int, error) {
	out, def := map[string]int{}, 0
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if !ok || err != nil || n < 1 || n > 10000 {
			return nil, 0, fmt.Errorf("crisis: rate %q: want platform=N (1–10000 a minute), e.g. x=20,default=30", part)
		}
		if k = strings.TrimSpace(k); k == "default" {
			def = n
		} else {
			out[k] = n
		}
	}
	return out, def, nil
}
