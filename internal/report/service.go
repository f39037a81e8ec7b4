package report

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/store"
)

// Service is what the API and the desk call: build and keep reports,
// open them redacted or (pii:view, audited) not, and manage schedules.
type Service struct {
	DB      *store.DB
	Builder *Builder
	Store   *Store
	Now     func() time.Time
}

// NewService returns a service over db.
func NewService(db *store.DB) *Service {
	return &Service{DB: db, Builder: NewBuilder(db), Store: NewStore(db), Now: time.Now}
}

// ErrForbidden is an unredacted view asked for without pii:view.
var ErrForbidden = auth.ErrForbidden

// Generate builds the redacted report of kind for unit over the period
// starting on day, stores it and returns it.
func (s *Service) Generate(ctx context.Context, p *auth.Principal, kind string, unitID int64, day time.Time) (Report, error) {
	r, err := s.Builder.Build(ctx, Request{Kind: kind, UnitID: unitID, Day: day})
	if err != nil {
		return r, err
	}
	var by int64
	if p != nil {
		by = p.UserID
	}
	if err := s.Store.Save(ctx, &r, by); err != nil {
		return r, err
	}
	return r, nil
}

// Open returns a stored report. Unredacted, it is rebuilt for the same
// unit and period with personal data shown (the figures as of now), for
// a principal with pii:view only, and the opening is audited first.
func (s *Service) Open(ctx context.Context, p *auth.Principal, id int64, unredacted bool) (Report, error) {
	r, err := s.Store.Get(ctx, id)
	if err != nil || !unredacted {
		return r, err
	}
	if !p.Can(auth.PermPIIView) {
		return r, ErrForbidden
	}
	if err := auth.Audit(ctx, s.DB, auth.Entry{Action: "report.unmask", Target: fmt.Sprintf("report:%d", id),
		Details: map[string]any{"kind": r.Kind, "unit": r.Unit.ID, "since": r.Since}}); err != nil {
		return r, err
	}
	out, err := s.Builder.Build(ctx, Request{Kind: r.Kind, UnitID: r.Unit.ID, Day: r.Since, Viewer: privacy.For(p)})
	if err != nil {
		return r, err
	}
	out.ID = id
	return out, nil
}

// ParseDay reads a YYYY-MM-DD IST date; empty is the last complete
// period of kind.
func ParseDay(kind, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		since, _, err := Period(kind, now)
		return since, err
	}
	d, err := time.ParseInLocation(time.DateOnly, s, IST)
	if err != nil {
		return d, &Invalid{"day", "day is a date, YYYY-MM-DD"}
	}
	if d.Year() < 2000 || d.After(now.AddDate(1, 0, 0)) {
		return d, &Invalid{"day", "day is out of range"}
	}
	return d, nil
}

// AddSchedule saves a schedule for p, audited.
func (s *Service) AddSchedule(ctx context.Context, p *auth.Principal, sc Schedule) (Schedule, error) {
	var by int64
	if p != nil {
		by = p.UserID
	}
	out, err := s.Store.SaveSchedule(ctx, sc, by, s.Now())
	if err != nil {
		return out, err
	}
	return out, s.audit(ctx, "report.schedule.save", out)
}

// DeleteSchedule removes a schedule, audited.
func (s *Service) DeleteSchedule(ctx context.Context, id int64) error {
	if err := s.Store.DeleteSchedule(ctx, id); err != nil {
		return err
	}
	return s.audit(ctx, "report.schedule.delete", Schedule{ID: id})
}

func (s *Service) audit(ctx context.Context, action string, sc Schedule) error {
	return auth.Audit(ctx, s.DB, auth.Entry{Action: action, Target: fmt.Sprintf("report_schedule:%d", sc.ID),
		Details: map[string]any{"kind": sc.Kind, "unit": sc.Unit.ID, "email": sc.Email, "lang": sc.Lang}})
}

// IsForbidden reports whether err is ErrForbidden.
func IsForbidden(err error) bool { return errors.Is(err, ErrForbidden) }
