// Package alert is the watch floor's alerts: raised by detectors (volume
// spikes per listening query, category and station against a seasonal
// baseline; others plug in through Detector) and by rules, with a
// severity; deduplicated while open; held back for a cooldown after a
// person acknowledged one; acknowledged by a person, audited. A new or
// escalated alert is delivered through internal/notify (the desk's bell,
// e-mail, Telegram, a signed webhook) in the transaction that stores it,
// and announced on the bus for the live alerts page.
package alert

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/store"
)

// SubjectChanged is the bus subject announcing an alert raised, escalated
// or acknowledged (payload: its id).
const SubjectChanged = "alerts.changed"

// Severities, lowest first (notify's names).
const (
	Info     = notify.Info
	Warning  = notify.Warning
	Critical = notify.Critical
)

// States.
const (
	StateOpen         = "open"
	StateAcknowledged = "acknowledged"
)

func rank(sev string) int {
	switch sev {
	case Critical:
		return 3
	case Warning:
		return 2
	case Info:
		return 1
	}
	return 0
}

// Signal is what a detector or rule says is unusual now.
type Signal struct {
	Kind     string // what raised it: "spike.query", "spike.category", "spike.station", "rule", a plugged-in detector's name
	Key      string // what it is about, stable across runs: "query:12", "station:Adugodi PS"
	Subject  string // the same as people read it: a query's, category's or station's name
	Severity string // info, warning or critical
	Detail   Detail
	Link     string // a desk path to look at it (/desk/…)
	// Times is how many sightings this raise stands for (0 counts as
	// one): a rule that matched 40 posts of one pipeline transaction
	// raises once, counted 40 times.
	Times int64
}

// Detail is the evidence of an alert.
type Detail struct {
	Observed int64     `json:"observed,omitempty"`
	Expected float64   `json:"expected,omitempty"`
	Score    float64   `json:"score,omitempty"`
	Hour     time.Time `json:"hour,omitzero"`
	// Title, by language ("en" at least), for kinds the catalogue does
	// not know (plugged-in detectors, rules): what the alert says.
	Title map[string]string `json:"title,omitempty"`
	// Names: the subject in other languages, when it has a name of its
	// own there (a station's Kannada name).
	Names map[string]string `json:"names,omitempty"`
	// A rule's alert: the rule author's message and the case it matched
	// last (its reference).
	Message string `json:"message,omitempty"`
	Case    string `json:"case,omitempty"`
	// Total: of how many posts Observed is a part (a negative surge:
	// negative posts of all those addressed to the force in the hour).
	Total int64 `json:"total,omitempty"`

	// A rumour cluster (kind rumour.cluster): what a crisis room gathers
	// and answers. Cluster is its id (rumour.ClusterPosts lists every
	// post, including those that joined after the alert); Station the
	// station it centres on ("" when its posts name none); Langs its
	// languages, most used first; PostIDs its posts when last raised;
	// Accounts the distinct accounts that posted copies within the
	// growth window; Cues the misinformation cues its posts carry.
	Cluster  int64    `json:"cluster,omitempty"`
	Station  string   `json:"station,omitempty"`
	Langs    []string `json:"langs,omitempty"`
	PostIDs  []int64  `json:"post_ids,omitempty"`
	Accounts int      `json:"accounts,omitempty"`
	Cues     []string `json:"cues,omitempty"`
}

// Alert is a stored alert.
type Alert struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Key       string    `json:"key"`
	Subject   string    `json:"subject"`
	Severity  string    `json:"severity"`
	Detail    Detail    `json:"detail"`
	Link      string    `json:"link,omitempty"`
	State     string    `json:"state"`
	Raised    int64     `json:"raised"` // times its detector saw it
	FirstAt   time.Time `json:"first_at"`
	LastAt    time.Time `json:"last_at"`
	AckedBy   string    `json:"acked_by,omitempty"`
	AckedAt   time.Time `json:"acked_at,omitzero"`
	AckNote   string    `json:"ack_note,omitempty"`
	ackedByID int64
}

// Outcome is what Raise did.
type Outcome string

const (
	Opened     Outcome = "opened"     // a new alert, notified
	Repeated   Outcome = "repeated"   // the open alert seen again: counted, not notified
	Escalated  Outcome = "escalated"  // the open alert seen at a higher severity: notified again
	Suppressed Outcome = "suppressed" // acknowledged within its cooldown: counted, not notified
)

// Notifier is what delivers alerts (notify.Notifier).
type Notifier interface {
	SendTx(ctx context.Context, tx *sql.Tx, m notify.Notification, to notify.Audience) (int64, bool, error)
	Kick()
}

// Options tune the Service.
type Options struct {
	Bus    bus.Bus  // live updates; nil: none
	Notify Notifier // nil: alerts are stored and shown, not delivered
	// Cooldown after an acknowledgement, per kind; Default for the rest
	// (2 hours).
	Cooldown        map[string]time.Duration
	DefaultCooldown time.Duration
	// Audience of deliveries; default supervisors and analysts, and the
	// desk's configured Telegram chat and webhook.
	Audience *notify.Audience
	Now      func() time.Time
	Log      *slog.Logger
}

// Service stores, deduplicates and acknowledges alerts.
type Service struct {
	db  *store.DB
	opt Options
}

// New returns the alert service.
func New(db *store.DB, opt Options) *Service {
	if opt.DefaultCooldown <= 0 {
		opt.DefaultCooldown = 2 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Audience == nil {
		opt.Audience = &notify.Audience{Roles: []auth.Role{auth.RoleSupervisor, auth.RoleAnalyst}, Broadcast: true}
	}
	return &Service{db: db, opt: opt}
}

// SetNotifier wires delivery (app.New, once notify is built).
func (s *Service) SetNotifier(n Notifier) { s.opt.Notify = n }

func (s *Service) cooldown(kind string) time.Duration {
	if d, ok := s.opt.Cooldown[kind]; ok {
		return d
	}
	return s.opt.DefaultCooldown
}

// Invalid is a refused signal or acknowledgement.
type Invalid struct{ Field, Message string }

func (e *Invalid) Error() string        { return "alert: " + e.Field + ": " + e.Message }
func (e *Invalid) InvalidField() string { return e.Field }

// Conflict is an acknowledgement of an alert already acknowledged.
type Conflict struct{ Message string }

func (e *Conflict) Error() string    { return "alert: " + e.Message }
func (e *Conflict) IsConflict() bool { return true }

func (sig *Signal) check() error {
	switch {
	case sig.Kind == "" || len(sig.Kind) > 64:
		return &Invalid{"kind", "a kind of at most 64 characters is required"}
	case sig.Key == "" || len(sig.Key) > 300:
		return &Invalid{"key", "a key of at most 300 characters is required"}
	case strings.TrimSpace(sig.Subject) == "" || utf8.RuneCountInString(sig.Subject) > 200:
		return &Invalid{"subject", "a subject of at most 200 characters is required"}
	case rank(sig.Severity) == 0:
		return &Invalid{"severity", "severity is info, warning or critical"}
	case sig.Link != "" && (!strings.HasPrefix(sig.Link, "/desk/") || strings.ContainsAny(sig.Link, "\r\n\\")):
		return &Invalid{"link", "a link is a desk path starting /desk/"}
	}
	return nil
}

// Raise records a signal: a new alert (notified), or the open alert of
// the same kind and key seen again (counted; notified again only when its
// severity rises), or nothing new while an acknowledged one cools down
// (unless the severity rises above the acknowledged one's).
func (s *Service) Raise(ctx context.Context, sig Signal) (Alert, Outcome, error) {
	var id int64
	var out Outcome
	err := s.db.BackgroundTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, out, err = s.RaiseTx(ctx, tx, sig)
		return err
	})
	if err != nil {
		return Alert{}, "", err
	}
	if out == Opened || out == Escalated {
		s.changed(ctx, id)
		if s.opt.Notify != nil {
			s.opt.Notify.Kick()
		}
	}
	a, err := s.Get(ctx, id)
	return a, out, err
}

// RaiseTx is Raise inside the caller's transaction (a rule's action in
// the pipeline's): the alert and its notification exist exactly when the
// caller's change commits. Call AnnounceSoon for a new or escalated alert.
func (s *Service) RaiseTx(ctx context.Context, tx *sql.Tx, sig Signal) (int64, Outcome, error) {
	if err := sig.check(); err != nil {
		return 0, "", err
	}
	detail, err := json.Marshal(sig.Detail)
	if err != nil {
		return 0, "", fmt.Errorf("alert: unable to encode detail: %w", err)
	}
	key := sig.Kind + "|" + sig.Key
	now := store.Millis(s.opt.Now())
	times := max(sig.Times, 1)
	var id int64
	var out Outcome
	err = func() error {
		var state, sev string
		var acked sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT id, state, severity, acked_at FROM alerts WHERE dedupe_key = $1 ORDER BY id DESC LIMIT 1`, key).
			Scan(&id, &state, &sev, &acked)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("alert: unable to read alerts: %w", err)
		case state == StateOpen:
			out = Repeated
			if rank(sig.Severity) > rank(sev) {
				out = Escalated
				sev = sig.Severity
			}
			if _, err := tx.ExecContext(ctx, `UPDATE alerts SET raised = raised + $6, last_at = $2, severity = $3, detail = $4, subject = $5 WHERE id = $1`,
				id, now, sev, string(detail), sig.Subject, times); err != nil {
				return fmt.Errorf("alert: unable to update alert: %w", err)
			}
			if out == Escalated {
				return s.deliver(ctx, tx, id, sig, fmt.Sprintf("alert:%d:%s", id, sev))
			}
			return nil
		case acked.Valid && now-acked.Int64 < s.cooldown(sig.Kind).Milliseconds() && rank(sig.Severity) <= rank(sev):
			out = Suppressed
			_, err := tx.ExecContext(ctx, `UPDATE alerts SET raised = raised + $3, last_at = $2 WHERE id = $1`, id, now, times)
			if err != nil {
				return fmt.Errorf("alert: unable to update alert: %w", err)
			}
			return nil
		}
		// A new alert. Another replica opening the same one meanwhile is
		// stopped by the unique index on open keys: then this is a repeat.
		err = tx.QueryRowContext(ctx, `INSERT INTO alerts (kind, dedupe_key, subject, severity, detail, link, first_at, last_at, raised)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) ON CONFLICT (dedupe_key) WHERE state = 'open' DO NOTHING RETURNING id`,
			sig.Kind, key, sig.Subject, sig.Severity, string(detail), sig.Link, now, times).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			out = Repeated
			if err := tx.QueryRowContext(ctx, `UPDATE alerts SET raised = raised + $3, last_at = $2 WHERE dedupe_key = $1 AND state = 'open' RETURNING id`,
				key, now, times).Scan(&id); err != nil {
				return fmt.Errorf("alert: unable to update alert: %w", err)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("alert: unable to store alert: %w", err)
		}
		out = Opened
		return s.deliver(ctx, tx, id, sig, fmt.Sprintf("alert:%d", id))
	}()
	return id, out, err
}

// AnnounceSoon announces alert id on the bus and wakes the deliveries once
// it is visible (its transaction committed; given up after 10 s, when the
// live pages catch up at the next change).
func (s *Service) AnnounceSoon(id int64) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for wait := 20 * time.Millisecond; ctx.Err() == nil; wait = min(2*wait, time.Second) {
			if _, err := s.Get(ctx, id); err == nil {
				s.changed(ctx, id)
				if s.opt.Notify != nil {
					s.opt.Notify.Kick()
				}
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
	}()
}

// deliver queues the alert's notification in tx (once per key).
func (s *Service) deliver(ctx context.Context, tx *sql.Tx, id int64, sig Signal, key string) error {
	if s.opt.Notify == nil {
		return nil
	}
	link := fmt.Sprintf("/desk/watch/alerts#alert-%d", id)
	m := notify.Notification{Kind: "alert." + sig.Kind, Severity: sig.Severity, Text: Texts(sig), Link: link, Key: key}
	if _, _, err := s.opt.Notify.SendTx(ctx, tx, m, *s.opt.Audience); err != nil {
		return fmt.Errorf("alert: unable to queue its notification: %w", err)
	}
	return nil
}

func (s *Service) changed(ctx context.Context, id int64) {
	if s.opt.Bus == nil {
		return
	}
	if err := s.opt.Bus.Publish(ctx, SubjectChanged, []byte(fmt.Sprint(id))); err != nil {
		s.opt.Log.Warn("alert: live update not published", "id", id, "err", err)
	}
}

// Acknowledge records that p has seen alert id and is dealing with it,
// with an optional note; audited in the same transaction. An alert
// already acknowledged is a conflict (someone else was first).
func (s *Service) Acknowledge(ctx context.Context, p *auth.Principal, id int64, note string) (Alert, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 1000 {
		return Alert{}, &Invalid{"note", "a note is at most 1,000 characters"}
	}
	if p == nil || p.UserID == 0 {
		return Alert{}, auth.ErrForbidden
	}
	now := store.Millis(s.opt.Now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var state, key, sev string
		err := tx.QueryRowContext(ctx, "SELECT state, dedupe_key, severity FROM alerts WHERE id = $1", id).Scan(&state, &key, &sev)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("alert: unable to read alert: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET state = 'acknowledged', acked_by = $2, acked_at = $3, ack_note = $4 WHERE id = $1 AND state = 'open'`,
			id, p.UserID, now, note)
		if err != nil {
			return fmt.Errorf("alert: unable to acknowledge: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &Conflict{"this alert was already acknowledged"}
		}
		return auth.AuditTx(auth.WithPrincipal(ctx, p), tx, auth.Entry{Action: "alert.acknowledge", Target: fmt.Sprintf("alert:%d", id),
			Details: map[string]any{"key": key, "severity": sev, "note": note}})
	})
	if err != nil {
		return Alert{}, err
	}
	s.changed(ctx, id)
	return s.Get(ctx, id)
}
