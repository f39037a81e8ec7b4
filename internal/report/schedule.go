package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/store"
)

// Schedule e-mails one unit's daily or weekly report to one address.
type Schedule struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	Unit       Unit      `json:"unit"`
	Email      string    `json:"email"`
	Lang       string    `json:"lang"` // en or kn
	Enabled    bool      `json:"enabled"`
	LastPeriod time.Time `json:"last_period,omitzero"` // start of the last period sent
}

// SaveSchedule adds a schedule (or re-enables the same kind, unit and
// address, in the language given).
func (s *Store) SaveSchedule(ctx context.Context, sc Schedule, by int64, now time.Time) (Schedule, error) {
	if sc.Kind != Daily && sc.Kind != Weekly {
		return sc, &Invalid{"kind", "kind is daily or weekly"}
	}
	if sc.Lang != "en" && sc.Lang != "kn" {
		return sc, &Invalid{"lang", "lang is en or kn"}
	}
	a, err := mail.ParseAddress(strings.TrimSpace(sc.Email))
	if err != nil || len(a.Address) > 254 || a.Name != "" {
		return sc, &Invalid{"email", "a plain e-mail address, e.g. dcp.south@example.org"}
	}
	sc.Email = strings.ToLower(a.Address)
	u, err := unitName(ctx, s.db, sc.Unit.ID)
	if err != nil {
		return sc, err
	}
	sc.Unit, sc.Enabled = u, true
	var byArg any
	if by > 0 {
		byArg = by
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO report_schedules (kind, unit_id, email, lang, enabled, created_by, created_at)
			VALUES ($1, $2, $3, $4, 1, $5, $6) ON CONFLICT (kind, unit_id, email) DO UPDATE SET lang = excluded.lang, enabled = 1
			RETURNING id`, sc.Kind, sc.Unit.ID, sc.Email, sc.Lang, byArg, store.Millis(now)).Scan(&sc.ID)
	})
	if err != nil {
		return sc, fmt.Errorf("report: unable to save the schedule: %w", err)
	}
	return sc, nil
}

// DeleteSchedule removes a schedule.
func (s *Store) DeleteSchedule(ctx context.Context, id int64) error {
	var n int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM report_schedules WHERE id = $1", id)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("report: unable to delete the schedule: %w", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Schedules lists every schedule.
func (s *Store) Schedules(ctx context.Context) ([]Schedule, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT r.id, r.kind, r.unit_id, COALESCE(u.kind, 'force'), COALESCE(u.name, ''), COALESCE(u.name_kn, ''),
		r.email, r.lang, r.enabled, r.last_period FROM report_schedules r LEFT JOIN units u ON u.id = r.unit_id ORDER BY r.id`)
	if err != nil {
		return nil, fmt.Errorf("report: unable to list schedules: %w", err)
	}
	defer rows.Close()
	out := []Schedule{}
	for rows.Next() {
		var sc Schedule
		var last int64
		if err := rows.Scan(&sc.ID, &sc.Kind, &sc.Unit.ID, &sc.Unit.Kind, &sc.Unit.Name, &sc.Unit.NameKn, &sc.Email, &sc.Lang, &sc.Enabled, &last); err != nil {
			return nil, fmt.Errorf("report: unable to list schedules: %w", err)
		}
		if last > 0 {
			sc.LastPeriod = store.Time(last).In(IST)
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

// SendLag is how long after a period ends its report is built: the
// response rollups run a minute behind, and posts arrive late.
const SendLag = 30 * time.Minute

// Sender builds and e-mails the reports that schedules are due.
type Sender struct {
	Store    *Store
	Builder  *Builder
	Notifier *notify.Notifier
	Labels   func(lang string) T // the desk's catalogue per language
	Log      *slog.Logger
}

// RunDue sends every enabled schedule's last complete period not yet
// sent, and reports how many it sent. Each report is stored, e-mailed
// (queued on notify's durable queue with a key per schedule and period)
// and marked sent in one transaction, so a crash or a second replica
// never sends a period twice and never skips one.
func (sn *Sender) RunDue(ctx context.Context, now time.Time) (int, error) {
	if !sn.Notifier.Configured()[notify.ChannelEmail] {
		return 0, nil // nothing is marked sent: it goes out once e-mail is set up
	}
	scheds, err := sn.Store.Schedules(ctx)
	if err != nil {
		return 0, err
	}
	// One report per kind, unit and period, however many people it goes
	// to (a schedule is one recipient's).
	type key struct {
		kind  string
		unit  int64
		since int64
	}
	type built struct {
		r   Report
		err error
	}
	reports := map[key]built{}
	sent := 0
	var errs []error
	for _, sc := range scheds {
		since, _, err := Period(sc.Kind, now.Add(-SendLag))
		if err != nil || !sc.Enabled || !sc.LastPeriod.Before(since) {
			continue
		}
		k := key{sc.Kind, sc.Unit.ID, store.Millis(since)}
		b, ok := reports[k]
		if !ok {
			b.r, b.err = sn.Builder.Build(ctx, Request{Kind: sc.Kind, UnitID: sc.Unit.ID, Day: since})
			reports[k] = b
		}
		if inv := (*Invalid)(nil); errors.As(b.err, &inv) && inv.Field == "unit" {
			// The unit was deleted: building would fail every minute, for
			// ever. The schedule is paused (shown paused on the reports
			// page), for a person to delete or point elsewhere.
			if err := sn.pause(ctx, sc); err != nil {
				errs = append(errs, fmt.Errorf("schedule %d: %w", sc.ID, err))
			}
			continue
		}
		if b.err != nil {
			errs = append(errs, fmt.Errorf("schedule %d: %w", sc.ID, b.err))
			continue
		}
		ok, err = sn.send(ctx, sc, since, b.r)
		if err != nil {
			errs = append(errs, fmt.Errorf("schedule %d: %w", sc.ID, err))
			continue
		}
		if ok {
			sent++
		}
	}
	if sent > 0 {
		sn.Notifier.Kick()
	}
	return sent, errors.Join(errs...)
}

// pause switches off a schedule whose unit no longer exists.
func (sn *Sender) pause(ctx context.Context, sc Schedule) error {
	if _, err := sn.Store.db.Write.ExecContext(ctx, "UPDATE report_schedules SET enabled = 0 WHERE id = $1", sc.ID); err != nil {
		return fmt.Errorf("report: unable to pause the schedule: %w", err)
	}
	if sn.Log != nil {
		sn.Log.Warn("scheduled report paused: its unit no longer exists", "schedule", sc.ID, "unit", sc.Unit.ID)
	}
	return nil
}

// send stores r (built for the schedule's unit and period; a copy of its
// own, for each schedule it goes to) and queues its e-mail to sc.
func (sn *Sender) send(ctx context.Context, sc Schedule, since time.Time, r Report) (bool, error) {
	sent := false
	err := sn.Store.db.Tx(ctx, func(tx *sql.Tx) error {
		var last int64
		lock := "SELECT last_period FROM report_schedules WHERE id = $1 AND enabled = 1"
		if sn.Store.db.Dialect == store.Postgres {
			lock += " FOR UPDATE" // a second replica waits here, then finds it sent
		}
		if err := tx.QueryRowContext(ctx, lock, sc.ID).Scan(&last); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil // deleted or paused meanwhile
			}
			return err
		}
		if last >= store.Millis(since) {
			return nil // another replica sent it
		}
		if err := sn.Store.saveTx(ctx, tx, &r, 0, sc.ID); err != nil {
			return err
		}
		m := notify.Notification{Kind: "report." + sc.Kind, Severity: notify.Info, Link: fmt.Sprintf("/desk/reports/%d", r.ID),
			Key: fmt.Sprintf("report:%d:%d", sc.ID, store.Millis(since)), Text: map[string]notify.Text{"en": sn.text(r, "en")}}
		if sc.Lang == "kn" {
			m.Text["kn"] = sn.text(r, "kn")
		}
		if _, _, err := sn.Notifier.SendTx(ctx, tx, m, notify.Audience{Emails: []string{sc.Email}, Channels: []notify.Channel{notify.ChannelEmail}}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE report_schedules SET last_period = $2 WHERE id = $1", sc.ID, store.Millis(since)); err != nil {
			return err
		}
		sent = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("report: unable to send the scheduled report: %w", err)
	}
	if sent && sn.Log != nil {
		sn.Log.Info("scheduled report queued", "schedule", sc.ID, "report", r.ID, "period", r.PeriodText())
	}
	return sent, nil
}

// text is the e-mail: the headline figures in plain text and the link to
// the whole report (HTML, PDF, CSV) on the desk. The e-mail is always the
// redacted report; notable posts are counted, not quoted.
func (sn *Sender) text(r Report, lang string) notify.Text {
	t := sn.Labels(lang)
	var b strings.Builder
	b.WriteString(t("report.volumes.summary", Group(r.Volumes.Posts), Group(r.Volumes.Previous), Group(r.Volumes.Negative), Group(r.Volumes.Emergency)))
	b.WriteString("\n")
	if len(r.Issues.Categories) > 0 {
		var cats []string
		for _, c := range r.Issues.Categories[:min(5, len(r.Issues.Categories))] {
			cats = append(cats, Label(t, "category", c.Value)+" "+Group(c.N))
		}
		b.WriteString(t("report.section.issues") + ": " + strings.Join(cats, ", ") + "\n")
	}
	b.WriteString(t("report.email.sla", Group(r.SLA.Opened), Percent(r.SLA.BreachRate), Group(r.SLA.OverdueNow)) + "\n")
	b.WriteString(t("report.email.counts", Group(int64(len(r.Notable))), Group(int64(len(r.Incidents)))) + "\n")
	return notify.Text{Subject: r.Heading(lang, t), Body: b.String()}
}

// Leaser holds a named lease while fn runs (lease.Store).
type Leaser interface {
	Hold(ctx context.Context, name, holder string, ttl time.Duration, fn func(ctx context.Context))
}

// Run sends due reports every minute on the one replica holding the
// lease report.schedules, until ctx ends.
func (sn *Sender) Run(ctx context.Context, leases Leaser, holder string) {
	leases.Hold(ctx, "report.schedules", holder, time.Minute, func(ctx context.Context) {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			if _, err := sn.RunDue(ctx, time.Now()); err != nil && ctx.Err() == nil && sn.Log != nil {
				sn.Log.Warn("scheduled reports failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
}
