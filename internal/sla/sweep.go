package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/lease"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/store"
)

// Targets and alert levels.
const (
	FirstResponse = "first_response"
	Resolve       = "resolve"
	Warning       = "warning"
	Breach        = "breach"
)

// Options tune a Sweeper.
type Options struct {
	Log    *slog.Logger
	Now    func() time.Time
	Leases *lease.Store // nil: this process is the only sweeper
	Holder string       // this replica's name for the lease
	// Supervisors lists the supervisors on shift now (clocked in), who get
	// the alerts; nil or an empty list means every supervisor.
	Supervisors func(ctx context.Context) ([]int64, error)
	// OnAlert is called, after commit, for each alert raised (the rules
	// engine runs rules on the "SLA warning" case event from here).
	OnAlert func(ctx context.Context, caseID int64, target, level string, due time.Time)
}

// Sweeper keeps open cases' deadlines in step with the SLA configuration,
// their pauses and priority, and raises warnings and breaches once.
type Sweeper struct {
	db  *store.DB
	st  *Store
	n   *notify.Notifier
	opt Options
}

// NewSweeper returns a sweeper; n may be nil (no notifications).
func NewSweeper(db *store.DB, n *notify.Notifier, opt Options) *Sweeper {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Holder == "" {
		opt.Holder = fmt.Sprintf("sla-%d", time.Now().UnixNano())
	}
	return &Sweeper{db: db, st: &Store{db: db, now: opt.Now}, n: n, opt: opt}
}

// Run sweeps every interval while this replica holds the sweep's lease,
// so two replicas never both alert, until ctx ends.
func (s *Sweeper) Run(ctx context.Context, every time.Duration) {
	loop := func(ctx context.Context) {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.opt.Log.Warn("sla: sweep failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}
	if s.opt.Leases == nil {
		loop(ctx)
		return
	}
	s.opt.Leases.Hold(ctx, "sla.sweep", s.opt.Holder, max(3*every, 30*time.Second), loop)
}

// Result counts what one sweep did.
type Result struct {
	Cases    int `json:"cases"`    // open cases looked at
	Updated  int `json:"updated"`  // whose deadlines changed
	Warnings int `json:"warnings"` // raised now
	Breaches int `json:"breaches"`
}

type openCase struct {
	id, assignee          int64
	ref, status, category string
	priority              int
	created               time.Time
	frDue, resDue         sql.NullInt64
	frAt                  sql.NullInt64
	pauses                []Interval
}

// Sweep makes one pass over the open cases.
func (s *Sweeper) Sweep(ctx context.Context) (Result, error) {
	var res Result
	cfg, err := s.st.Load(ctx)
	if err != nil {
		return res, err
	}
	now := s.opt.Now()
	cals := calendars(cfg)
	cases, err := s.openCases(ctx)
	if err != nil {
		return res, err
	}
	res.Cases = len(cases)
	var onShift []int64
	if s.opt.Supervisors != nil {
		if onShift, err = s.opt.Supervisors(ctx); err != nil {
			s.opt.Log.Warn("sla: unable to tell who is on shift; alerting every supervisor", "err", err)
			onShift = nil
		}
	}
	for _, c := range cases {
		p, ok := policyFor(cfg, c.priority, c.category)
		if !ok {
			continue
		}
		cal := cals[p.CalendarID]
		if cal == nil {
			continue
		}
		fr, _ := cal.Add(c.created, time.Duration(p.FirstResponse)*time.Minute, c.pauses, now)
		rs, paused := cal.Add(c.created, time.Duration(p.Resolve)*time.Minute, c.pauses, now)
		frWarn, _ := cal.Add(c.created, time.Duration(p.FirstResponse)*time.Minute*time.Duration(cfg.WarnPercent)/100, c.pauses, now)
		rsWarn, _ := cal.Add(c.created, time.Duration(p.Resolve)*time.Minute*time.Duration(cfg.WarnPercent)/100, c.pauses, now)
		var alerts []alert
		if !paused {
			if !c.frAt.Valid {
				alerts = append(alerts, level(c, FirstResponse, fr, frWarn, now)...)
			}
			alerts = append(alerts, level(c, Resolve, rs, rsWarn, now)...)
		}
		changed := !c.frDue.Valid || c.frDue.Int64 != store.Millis(fr) || !c.resDue.Valid || c.resDue.Int64 != store.Millis(rs)
		if !changed && len(alerts) == 0 {
			continue
		}
		var raised []alert
		err := s.db.BackgroundTx(ctx, func(tx *sql.Tx) error {
			raised = raised[:0]
			if changed {
				// Neither version nor updated_at move: the clock is not an
				// edit, and must not make an agent's save conflict.
				if _, err := tx.ExecContext(ctx, `UPDATE cases SET first_response_due = $2, resolve_due = $3 WHERE id = $1 AND status NOT IN ('resolved', 'closed')`,
					c.id, store.Millis(fr), store.Millis(rs)); err != nil {
					return err
				}
				// A deadline that moved for a reason people should see (a
				// pause ended, the priority or the targets changed) goes on
				// the timeline; the drift of a paused clock does not.
				if !paused && c.frDue.Valid && (absDiff(c.frDue.Int64, store.Millis(fr)) >= 60_000 || absDiff(c.resDue.Int64, store.Millis(rs)) >= 60_000) {
					if err := event(ctx, tx, c.id, "sla", map[string]any{"first_response_due": fr.UTC(), "resolve_due": rs.UTC(),
						"calendar": cal.Name, "priority": c.priority}, now); err != nil {
						return err
					}
				}
			}
			for _, a := range alerts {
				r, err := tx.ExecContext(ctx, `INSERT INTO sla_alerts (case_id, target, level, due, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
					c.id, a.target, a.level, store.Millis(a.due), store.Millis(now))
				if err != nil {
					return err
				}
				if k, _ := r.RowsAffected(); k != 1 {
					continue // told already
				}
				if err := event(ctx, tx, c.id, "sla_"+a.level, map[string]any{"target": a.target, "due": a.due.UTC()}, now); err != nil {
					return err
				}
				if s.n != nil {
					if _, _, err := s.n.SendTx(ctx, tx, a.notification(c), a.audience(c, onShift)); err != nil {
						return err
					}
				}
				raised = append(raised, a)
			}
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("sla: case %d: %w", c.id, err)
		}
		if changed {
			res.Updated++
		}
		for _, a := range raised {
			if a.level == Breach {
				res.Breaches++
			} else {
				res.Warnings++
			}
			if s.opt.OnAlert != nil {
				s.opt.OnAlert(ctx, c.id, a.target, a.level, a.due)
			}
		}
	}
	if s.n != nil && res.Warnings+res.Breaches > 0 {
		s.n.Kick()
	}
	return res, nil
}

func absDiff(a, b int64) int64 {
	if a > b {
		return a - b
	}
	return b - a
}

type alert struct {
	target, level string
	due           time.Time
}

// level is the alert a deadline calls for now: a breach once it passed, a
// warning once the warning share of it passed (a case already breached is
// not also warned).
func level(c openCase, target string, due, warn time.Time, now time.Time) []alert {
	switch {
	case !now.Before(due):
		return []alert{{target, Breach, due}}
	case !now.Before(warn):
		return []alert{{target, Warning, due}}
	}
	return nil
}

func (a alert) notification(c openCase) notify.Notification {
	what := map[string][2]string{FirstResponse: {"first response", "ಮೊದಲ ಪ್ರತಿಕ್ರಿಯೆ"}, Resolve: {"resolution", "ಪರಿಹಾರ"}}[a.target]
	cat := ""
	if c.category != "" {
		cat = ", " + c.category
	}
	due := a.due.In(IST).Format("02 Jan 15:04")
	m := notify.Notification{Kind: "sla." + a.level, Link: fmt.Sprintf("/desk/cases/%d", c.id), CaseID: c.id,
		Key: fmt.Sprintf("sla.%s:%d:%s:%d", a.level, c.id, a.target, store.Millis(a.due))}
	if a.level == Breach {
		m.Severity = notify.Critical
		m.Text = map[string]notify.Text{
			"en": {Subject: fmt.Sprintf("%s (P%d%s) missed its %s target", c.ref, c.priority, cat, what[0]),
				Body: fmt.Sprintf("The %s was due at %s IST.", what[0], due)},
			"kn": {Subject: fmt.Sprintf("%s (P%d%s) %s ಗಡುವು ಮೀರಿದೆ", c.ref, c.priority, cat, what[1]),
				Body: fmt.Sprintf("%s ಗಡುವು %s IST ಆಗಿತ್ತು.", what[1], due)}}
	} else {
		m.Severity = notify.Warning
		m.Text = map[string]notify.Text{
			"en": {Subject: fmt.Sprintf("%s (P%d%s): %s due soon", c.ref, c.priority, cat, what[0]),
				Body: fmt.Sprintf("The %s is due at %s IST.", what[0], due)},
			"kn": {Subject: fmt.Sprintf("%s (P%d%s): %s ಗಡುವು ಸಮೀಪಿಸುತ್ತಿದೆ", c.ref, c.priority, cat, what[1]),
				Body: fmt.Sprintf("%s ಗಡುವು %s IST.", what[1], due)}}
	}
	return m
}

// audience: a breach goes to the shift's supervisors (every supervisor
// when nobody is clocked in) and the assignee everywhere (desk, e-mail,
// Telegram, the broadcast chat and webhook); a warning only on the desk.
func (a alert) audience(c openCase, onShift []int64) notify.Audience {
	to := notify.Audience{Users: append([]int64(nil), onShift...)}
	if len(onShift) == 0 {
		to.Roles = []auth.Role{auth.RoleSupervisor}
	}
	if c.assignee != 0 {
		to.Users = append(to.Users, c.assignee)
	}
	if a.level == Breach {
		to.Broadcast = true
	} else {
		to.Channels = []notify.Channel{notify.ChannelUI}
	}
	return to
}

func event(ctx context.Context, tx *sql.Tx, caseID int64, kind string, body map[string]any, now time.Time) error {
	b, _ := json.Marshal(body)
	_, err := tx.ExecContext(ctx, `INSERT INTO case_events (case_id, at, kind, body) VALUES ($1, $2, $3, $4)`, caseID, store.Millis(now), kind, string(b))
	return err
}

func calendars(cfg Config) map[int64]*Calendar {
	hol := map[string]bool{}
	for _, h := range cfg.Holidays {
		hol[h.Day] = true
	}
	out := map[int64]*Calendar{}
	for i := range cfg.Calendars {
		c := cfg.Calendars[i]
		c.Holidays = hol
		out[c.ID] = &c
	}
	return out
}

// policyFor picks the category's own policy, else the priority's.
func policyFor(cfg Config, prio int, category string) (Policy, bool) {
	var def Policy
	found := false
	for _, p := range cfg.Policies {
		if p.Priority != prio {
			continue
		}
		if p.Category != "" && strings.EqualFold(p.Category, category) {
			return p, true
		}
		if p.Category == "" {
			def, found = p, true
		}
	}
	return def, found
}

// openCases reads every open case with the pauses of its clock: the spans
// its status was waiting_citizen, from the status events on its timeline.
func (s *Sweeper) openCases(ctx context.Context) ([]openCase, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, ref, status, priority, category, created_at, updated_at, first_response_due, resolve_due, first_response_at, COALESCE(assignee_id, 0)
		FROM cases WHERE status NOT IN ('resolved', 'closed') ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sla: unable to list open cases: %w", err)
	}
	var out []openCase
	idx := map[int64]int{}
	updated := map[int64]int64{}
	for rows.Next() {
		var c openCase
		var created, upd int64
		if err := rows.Scan(&c.id, &c.ref, &c.status, &c.priority, &c.category, &created, &upd, &c.frDue, &c.resDue, &c.frAt, &c.assignee); err != nil {
			rows.Close()
			return nil, err
		}
		c.created = store.Time(created)
		updated[c.id] = upd
		idx[c.id] = len(out)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ev, err := s.db.Read.QueryContext(ctx, `SELECT e.case_id, e.at, e.body FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE e.kind = 'status' AND c.status NOT IN ('resolved', 'closed') AND e.body LIKE '%waiting_citizen%' ORDER BY e.case_id, e.id`)
	if err != nil {
		return nil, fmt.Errorf("sla: unable to read pauses: %w", err)
	}
	defer ev.Close()
	for ev.Next() {
		var id, at int64
		var body string
		if err := ev.Scan(&id, &at, &body); err != nil {
			return nil, err
		}
		i, ok := idx[id]
		if !ok {
			continue
		}
		var b struct{ From, To string }
		json.Unmarshal([]byte(body), &b)
		c := &out[i]
		open := len(c.pauses) > 0 && c.pauses[len(c.pauses)-1].To.IsZero()
		switch {
		case b.To == "waiting_citizen" && !open:
			c.pauses = append(c.pauses, Interval{From: store.Time(at)})
		case b.From == "waiting_citizen" && open:
			c.pauses[len(c.pauses)-1].To = store.Time(at)
		}
	}
	// A pause ended by a change that wrote no status event (an escalation
	// straight from waiting on the citizen) ends at the case's last update.
	for i := range out {
		c := &out[i]
		if n := len(c.pauses); n > 0 && c.pauses[n-1].To.IsZero() && c.status != "waiting_citizen" {
			c.pauses[n-1].To = store.Time(updated[c.id])
		}
		if c.status == "waiting_citizen" && (len(c.pauses) == 0 || !c.pauses[len(c.pauses)-1].To.IsZero()) {
			c.pauses = append(c.pauses, Interval{From: store.Time(updated[c.id])})
		}
	}
	return out, ev.Err()
}
