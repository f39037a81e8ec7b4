package public

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// IST is the force's calendar: a month is an Indian month.
var IST = time.FixedZone("IST", 5*3600+1800)

// Months is how far back the accountability figures go.
const Months = 6

// MinCases: a station's month with fewer cases shows its count but no
// medians, so a figure can never describe one identifiable person's
// case.
const MinCases = 5

// StationMonth is one station's figures for one month: cases opened,
// how many are resolved, and the median minutes to the first response
// and to resolution (nil below MinCases or with nothing to measure).
type StationMonth struct {
	Station         string   `json:"station"`
	StationKn       string   `json:"station_kn,omitempty"`
	Slug            string   `json:"slug"`
	Cases           int      `json:"cases"`
	Resolved        int      `json:"resolved"`
	FirstResponseMn *float64 `json:"median_first_response_minutes"`
	ResolutionMn    *float64 `json:"median_resolution_minutes"`
	// "Was it resolved?": citizens' answers on their status pages, counted
	// by the case's station and month (no more than counts).
	FeedbackYes int `json:"feedback_yes"`
	FeedbackNo  int `json:"feedback_no"`
}

// Month is the force's figures for one month, by station.
type Month struct {
	Month    string         `json:"month"` // YYYY-MM, IST
	Total    StationMonth   `json:"total"`
	Stations []StationMonth `json:"stations"`
}

// Accountability computes the public figures from the cases, cached: the
// figures move slowly and a public page must not cost a scan per visit.
type Accountability struct {
	db  *store.DB
	now func() time.Time
	ttl time.Duration

	mu         sync.Mutex
	at         time.Time
	cached     []Month
	refreshing bool
	first      sync.Mutex // held during the first computation
}

// NewAccountability reads db; figures are recomputed at most every ttl.
func NewAccountability(db *store.DB, ttl time.Duration) *Accountability {
	return &Accountability{db: db, now: time.Now, ttl: ttl}
}

// Months returns the last Months months, newest first (MonthsAt without
// the time).
func (a *Accountability) Months(ctx context.Context) ([]Month, error) {
	ms, _, err := a.MonthsAt(ctx)
	return ms, err
}

// MonthsAt returns the last Months months, newest first, and when they
// were computed, read together. Only the first call waits for the
// computation (a scan of six months of cases: seconds on a busy force's
// database); once the figures are older than the ttl they are recomputed
// in the background while callers keep getting the previous ones, so no
// visitor pays for it.
func (a *Accountability) MonthsAt(ctx context.Context) ([]Month, time.Time, error) {
	a.mu.Lock()
	now := a.now()
	if a.cached != nil {
		if now.Sub(a.at) >= a.ttl && !a.refreshing {
			a.refreshing = true
			go a.refresh()
		}
		ms, at := a.cached, a.at
		a.mu.Unlock()
		return ms, at, nil
	}
	a.mu.Unlock()
	a.first.Lock() // one first computation, however many ask at once
	defer a.first.Unlock()
	a.mu.Lock()
	ms, at := a.cached, a.at
	a.mu.Unlock()
	if ms != nil {
		return ms, at, nil
	}
	ms, err := a.compute(ctx, now)
	if err != nil {
		return nil, time.Time{}, err
	}
	a.mu.Lock()
	a.cached, a.at = ms, now
	a.mu.Unlock()
	return ms, now, nil
}

func (a *Accountability) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now := a.now()
	ms, err := a.compute(ctx, now)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshing = false
	if err == nil { // on failure the previous figures stay until the next try
		a.cached, a.at = ms, now
	}
}

type durs struct {
	cases, resolved int
	yes, no         int
	first, resolve  []float64
}

func (d *durs) add(created int64, first, resolved *int64, answer string) {
	d.cases++
	switch answer {
	case "yes":
		d.yes++
	case "no":
		d.no++
	}
	if first != nil && *first >= created {
		d.first = append(d.first, float64(*first-created)/60000)
	}
	if resolved != nil && *resolved >= created {
		d.resolved++
		d.resolve = append(d.resolve, float64(*resolved-created)/60000)
	}
}

func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	slices.Sort(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + m) / 2
	}
	m = float64(int64(m*10+0.5)) / 10
	return &m
}

func (d *durs) figures() StationMonth {
	s := StationMonth{Cases: d.cases, Resolved: d.resolved, FeedbackYes: d.yes, FeedbackNo: d.no}
	if d.cases >= MinCases {
		s.FirstResponseMn, s.ResolutionMn = median(d.first), median(d.resolve)
	}
	return s
}

func (a *Accountability) compute(ctx context.Context, now time.Time) ([]Month, error) {
	n := now.In(IST)
	start := time.Date(n.Year(), n.Month()-Months+1, 1, 0, 0, 0, 0, IST)
	type unitName struct{ name, kn, code string }
	names := map[int64]unitName{}
	rows, err := a.db.Read.QueryContext(ctx, `SELECT id, name, COALESCE(name_kn, ''), code FROM units WHERE kind = 'station'`)
	if err != nil {
		return nil, fmt.Errorf("public: unable to read the stations: %w", err)
	}
	for rows.Next() {
		var id int64
		var u unitName
		if err := rows.Scan(&id, &u.name, &u.kn, &u.code); err != nil {
			rows.Close()
			return nil, err
		}
		names[id] = u
	}
	rows.Close()
	// Only times, a unit and the citizen's yes or no: no text, no person.
	rows, err = a.db.Read.QueryContext(ctx, `SELECT c.unit_id, c.created_at, c.first_response_at, c.resolved_at, COALESCE(f.answer, '')
		FROM cases c LEFT JOIN case_feedback f ON f.case_id = c.id
		WHERE c.created_at >= $1 AND c.created_at < $2 AND c.status <> 'merged' AND c.unit_id IS NOT NULL`, store.Millis(start), store.Millis(now))
	if err != nil {
		return nil, fmt.Errorf("public: unable to read the cases' times: %w", err)
	}
	defer rows.Close()
	type key struct {
		month string
		unit  int64
	}
	groups := map[key]*durs{}
	totals := map[string]*durs{}
	for rows.Next() {
		var unit, created int64
		var first, resolved *int64
		var answer string
		if err := rows.Scan(&unit, &created, &first, &resolved, &answer); err != nil {
			return nil, err
		}
		if _, ok := names[unit]; !ok {
			continue
		}
		m := time.UnixMilli(created).In(IST).Format("2006-01")
		k := key{m, unit}
		if groups[k] == nil {
			groups[k] = &durs{}
		}
		groups[k].add(created, first, resolved, answer)
		if totals[m] == nil {
			totals[m] = &durs{}
		}
		totals[m].add(created, first, resolved, answer)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Month
	for i := 0; i < Months; i++ {
		m := start.AddDate(0, Months-1-i, 0).Format("2006-01")
		mo := Month{Month: m, Stations: []StationMonth{}}
		if t := totals[m]; t != nil {
			mo.Total = t.figures()
		}
		for k, d := range groups {
			if k.month != m {
				continue
			}
			s := d.figures()
			u := names[k.unit]
			s.Station, s.StationKn, s.Slug = u.name, u.kn, slugOf(u.code)
			mo.Stations = append(mo.Stations, s)
		}
		sort.Slice(mo.Stations, func(i, j int) bool { return mo.Stations[i].Station < mo.Stations[j].Station })
		out = append(out, mo)
	}
	return out, nil
}
