package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/store"
)

// IncidentSource adds incidents of a period to a report: the watch
// floor's alerts (always), crisis rooms (registered by the crisis
// package's wiring when it exists). stations is nil for the whole force.
type IncidentSource interface {
	Incidents(ctx context.Context, stations []string, since, until time.Time) ([]Incident, error)
}

// Builder builds reports.
type Builder struct {
	db      *store.DB
	sources []IncidentSource
	now     func() time.Time
}

// NewBuilder returns a builder reading db, with the alerts and the
// crisis rooms as incidents.
func NewBuilder(db *store.DB) *Builder {
	return &Builder{db: db, sources: []IncidentSource{alerts{db}, rooms{db}}, now: time.Now}
}

// AddIncidents registers another source of incidents (alerts and crisis
// rooms are built in).
func (b *Builder) AddIncidents(s IncidentSource) { b.sources = append(b.sources, s) }

// WithClock sets the clock (tests).
func (b *Builder) WithClock(now func() time.Time) *Builder { c := *b; c.now = now; return &c }

// Request asks for one report.
type Request struct {
	Kind   string
	UnitID int64     // 0: the whole force
	Day    time.Time // any time in the period's first day (IST)
	// Viewer decides what of the notable posts' text and authors shows:
	// the zero Viewer redacts (stored reports, e-mail, everyone by
	// default); privacy.For(p) with pii:view shows all (audited by the
	// caller, never stored).
	Viewer privacy.Viewer
}

// Build reads the report of one unit and period.
func (b *Builder) Build(ctx context.Context, req Request) (Report, error) {
	since, until, err := PeriodOf(req.Kind, req.Day)
	if err != nil {
		return Report{}, err
	}
	now := b.now()
	if !since.Before(now) {
		return Report{}, &Invalid{"day", "the period has not started yet"}
	}
	s, err := resolve(ctx, b.db, req.UnitID)
	if err != nil {
		return Report{}, err
	}
	r := Report{Kind: req.Kind, Unit: s.unit, Since: since, Until: until, BuiltAt: now.UTC(), Redacted: !req.Viewer.PII,
		Notable: []Notable{}, Incidents: []Incident{}}
	if err := volumes(ctx, b.db, s, &r); err != nil {
		return r, err
	}
	if err := slaFigures(ctx, b.db, s, &r, now); err != nil {
		return r, err
	}
	if err := notable(ctx, b.db, s, &r, req.Viewer); err != nil {
		return r, err
	}
	var stations []string // nil: the whole force
	if !s.force {
		// A unit with no station below it (a traffic wing, say) has no
		// incidents of its own: an empty list, never nil (the force's).
		stations = append([]string{}, s.stations...)
	}
	for _, src := range b.sources {
		inc, err := src.Incidents(ctx, stations, since, until)
		if err != nil {
			return r, err
		}
		r.Incidents = append(r.Incidents, inc...)
	}
	slices.SortFunc(r.Incidents, func(a, b Incident) int { return cmp.Compare(a.At.UnixMilli(), b.At.UnixMilli()) })
	return r, nil
}

// slaFigures: breaches over the cases opened in the period (the cases'
// created_at index), answer and resolution times from the watch floor's
// response rollups (UTC days overlapping the period), overdue cases now.
func slaFigures(ctx context.Context, db *store.DB, s scope, r *Report, now time.Time) error {
	since, until, n := store.Millis(r.Since), store.Millis(r.Until), store.Millis(now)
	filter, args := "", []any{since, until, n}
	if !s.force {
		list, a := in(4, s.unitIDs)
		filter, args = " AND unit_id IN "+list, append(args, a...)
	}
	q := `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN first_response_due IS NOT NULL AND COALESCE(first_response_at, closed_at, $3) > first_response_due THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN resolve_due IS NOT NULL AND COALESCE(resolved_at, closed_at, $3) > resolve_due THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN (first_response_due IS NOT NULL AND COALESCE(first_response_at, closed_at, $3) > first_response_due)
			OR (resolve_due IS NOT NULL AND COALESCE(resolved_at, closed_at, $3) > resolve_due) THEN 1 ELSE 0 END), 0)
		FROM cases WHERE created_at >= $1 AND created_at < $2 AND status <> 'merged'` + filter
	var either int64
	if err := db.Read.QueryRowContext(ctx, q, args...).Scan(&r.SLA.Opened, &r.SLA.FirstBreached, &r.SLA.ResolveBreached, &either); err != nil {
		return fmt.Errorf("report: unable to count breaches: %w", err)
	}
	if r.SLA.Opened > 0 {
		r.SLA.BreachRate = round(float64(either)/float64(r.SLA.Opened), 1000)
	}
	day := 24 * hourMs
	rargs := []any{since / day * day, until}
	rfilter := ""
	if !s.force {
		list, a := in(3, s.unitIDs)
		rfilter, rargs = " AND unit_id IN "+list, append(rargs, a...)
	}
	var responseMs, responseLate, resolutionMs, resolutionLate int64
	if err := db.Read.QueryRowContext(ctx, `SELECT COALESCE(SUM(responded), 0), COALESCE(SUM(response_ms), 0), COALESCE(SUM(response_late), 0),
		COALESCE(SUM(resolved), 0), COALESCE(SUM(resolution_ms), 0), COALESCE(SUM(resolution_late), 0)
		FROM response_daily WHERE day >= $1 AND day < $2`+rfilter, rargs...).Scan(&r.SLA.Responded, &responseMs, &responseLate,
		&r.SLA.Resolved, &resolutionMs, &resolutionLate); err != nil {
		return fmt.Errorf("report: unable to read response rollups: %w", err)
	}
	if r.SLA.Responded > 0 {
		r.SLA.MeanResponse = round(float64(responseMs)/float64(r.SLA.Responded)/60000, 10)
		r.SLA.ResponseOnTime = round(1-float64(responseLate)/float64(r.SLA.Responded), 1000)
	}
	if r.SLA.Resolved > 0 {
		r.SLA.MeanResolution = round(float64(resolutionMs)/float64(r.SLA.Resolved)/3600000, 10)
		r.SLA.ResolveOnTime = round(1-float64(resolutionLate)/float64(r.SLA.Resolved), 1000)
	}
	oargs := []any{n}
	ofilter := ""
	if !s.force {
		list, a := in(2, s.unitIDs)
		ofilter, oargs = " AND unit_id IN "+list, append(oargs, a...)
	}
	if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE status IN ('new', 'open', 'waiting_station', 'waiting_citizen')
		AND due_at < $1`+ofilter, oargs...).Scan(&r.SLA.OverdueNow); err != nil {
		return fmt.Errorf("report: unable to count overdue cases: %w", err)
	}
	return nil
}

func round(x, by float64) float64 { return float64(int64(x*by+0.5)) / by }

// notableMax is how many notable posts a report lists.
const notableMax = 10

// notable lists the period's emergencies and most urgent posts, from the
// partial index that holds only those. Private conversations are left
// out: a report travels by e-mail, and what a citizen wrote in confidence
// stays on the desk.
func notable(ctx context.Context, db *store.DB, s scope, r *Report, v privacy.Viewer) error {
	q := `SELECT p.id, p.created_at, p.platform, p.private, p.author_handle, p.author_name, p.station, p.category, p.sentiment, p.urgency, p.emergency,
		COALESCE(c.ref, ''), p.text FROM posts p LEFT JOIN cases c ON c.id = p.case_id
		WHERE p.created_at >= $1 AND p.created_at < $2 AND (p.urgency >= 60 OR p.emergency <> 0)`
	args := []any{store.Millis(r.Since), store.Millis(r.Until)}
	if !s.force {
		list, a := in(3, s.stations)
		q += " AND p.station IN " + list
		args = append(args, a...)
	}
	rows, err := db.Read.QueryContext(ctx, q+" ORDER BY p.emergency DESC, p.urgency DESC, p.created_at DESC LIMIT 200", args...)
	if err != nil {
		return fmt.Errorf("report: unable to read notable posts: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() && len(r.Notable) < notableMax {
		var n Notable
		var at int64
		var private bool
		var handle, name string
		if err := rows.Scan(&n.PostID, &at, &n.Platform, &private, &handle, &name, &n.Station, &n.Category, &n.Sentiment,
			&n.Urgency, &n.Emergency, &n.Ref, &n.Text); err != nil {
			return fmt.Errorf("report: unable to read notable posts: %w", err)
		}
		if privacy.Private(n.Platform, private) || n.Ref != "" && seen[n.Ref] {
			continue // one post per case: the most urgent
		}
		seen[n.Ref] = true
		n.At = store.Time(at)
		n.Text = v.Text(n.Text)
		if v.PII {
			n.Author = handle
			if n.Author == "" {
				n.Author = name
			}
		}
		r.Notable = append(r.Notable, n)
	}
	return rows.Err()
}

// alerts are the watch floor's alerts active in the period: all of them
// for the force; for a unit, its stations' volume spikes and every
// critical alert (a city-wide rumour concerns every station).
type alerts struct{ db *store.DB }

func (a alerts) Incidents(ctx context.Context, stations []string, since, until time.Time) ([]Incident, error) {
	q := `SELECT id, kind, subject, severity, state, first_at, link FROM alerts WHERE first_at < $1 AND last_at >= $2`
	args := []any{store.Millis(until), store.Millis(since)}
	if stations != nil {
		list, a := in(4, stations)
		q += " AND (severity = 'critical' OR (kind = $3 AND subject IN " + list + "))"
		args = append(append(args, "spike.station"), a...)
	}
	rows, err := a.db.Read.QueryContext(ctx, q+" ORDER BY first_at LIMIT 100", args...)
	if err != nil {
		return nil, fmt.Errorf("report: unable to read alerts: %w", err)
	}
	defer rows.Close()
	var out []Incident
	for rows.Next() {
		i := Incident{Source: "alert"}
		var at int64
		if err := rows.Scan(&i.ID, &i.Kind, &i.Subject, &i.Severity, &i.State, &at, &i.Link); err != nil {
			return nil, fmt.Errorf("report: unable to read alerts: %w", err)
		}
		i.At = store.Time(at)
		out = append(out, i)
	}
	return out, rows.Err()
}
