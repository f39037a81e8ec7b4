package watch

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// StationStat is one law-and-order station on the map: its posts in the
// window (the analysis's station), their negative share, and its open
// urgent cases now (critical or high priority, not resolved or closed).
type StationStat struct {
	UnitID        int64   `json:"unit_id"`
	Code          string  `json:"code"`
	Name          string  `json:"name"`
	NameKn        string  `json:"name_kn,omitempty"`
	Posts         int64   `json:"posts"`
	Negative      int64   `json:"negative"`
	NegativeShare float64 `json:"negative_share"` // 0..1; 0 without posts
	OpenUrgent    int64   `json:"open_urgent"`
}

// StationMap is the map dashboard's data.
type StationMap struct {
	Since    time.Time     `json:"since"`
	Until    time.Time     `json:"until"`
	Stations []StationStat `json:"stations"` // by posts, most first
	// Posts the analysis placed in no station of the pack (none found,
	// or a name no longer in the units table).
	Unplaced int64 `json:"unplaced"`
}

// openStatuses are the statuses of a case still to be dealt with.
const openStatuses = "'new', 'open', 'waiting_station', 'waiting_citizen'"

// ReadStations reads every law-and-order station's figures: posts from
// the rollups (whole UTC days from the daily ones, the edges by hour),
// open urgent cases from the cases' status-and-priority index. Both are
// bounded by the number of stations and days, not posts.
func ReadStations(ctx context.Context, db *store.DB, since, until time.Time) (StationMap, error) {
	s, u := store.Millis(since), store.Millis(until)
	s -= s % hourMs
	if u <= s {
		return StationMap{}, &ErrBadFilter{"until", "until must be after since"}
	}
	if u-s > 400*dayMs {
		return StationMap{}, &ErrBadFilter{"since", "at most 400 days"}
	}
	out := StationMap{Since: store.Time(s), Until: store.Time(u), Stations: []StationStat{}}
	rows, err := db.Read.QueryContext(ctx, "SELECT id, code, name, name_kn FROM units WHERE kind = 'station'")
	if err != nil {
		return out, fmt.Errorf("watch: unable to read stations: %w", err)
	}
	idx := map[string]int{}
	byUnit := map[int64]int{}
	for rows.Next() {
		var st StationStat
		if err := rows.Scan(&st.UnitID, &st.Code, &st.Name, &st.NameKn); err != nil {
			rows.Close()
			return out, fmt.Errorf("watch: unable to read stations: %w", err)
		}
		idx[st.Name] = len(out.Stations)
		byUnit[st.UnitID] = len(out.Stations)
		out.Stations = append(out.Stations, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("watch: unable to read stations: %w", err)
	}
	posts, err := SumByValue(ctx, db, DimStation, s, u)
	if err != nil {
		return out, err
	}
	neg, err := SumByValue(ctx, db, DimStationNegative, s, u)
	if err != nil {
		return out, err
	}
	for name, n := range posts {
		i, ok := idx[name]
		if !ok {
			out.Unplaced += n
			continue
		}
		out.Stations[i].Posts = n
		out.Stations[i].Negative = neg[name]
		if n > 0 {
			out.Stations[i].NegativeShare = float64(neg[name]) / float64(n)
		}
	}
	urgent, err := db.Read.QueryContext(ctx, `SELECT unit_id, COUNT(*) FROM cases
		WHERE status IN (`+openStatuses+`) AND priority <= 2 AND unit_id IS NOT NULL GROUP BY unit_id`)
	if err != nil {
		return out, fmt.Errorf("watch: unable to count urgent cases: %w", err)
	}
	defer urgent.Close()
	for urgent.Next() {
		var id, n int64
		if err := urgent.Scan(&id, &n); err != nil {
			return out, fmt.Errorf("watch: unable to count urgent cases: %w", err)
		}
		if i, ok := byUnit[id]; ok {
			out.Stations[i].OpenUrgent = n
		}
	}
	if err := urgent.Err(); err != nil {
		return out, fmt.Errorf("watch: unable to count urgent cases: %w", err)
	}
	slices.SortFunc(out.Stations, func(a, b StationStat) int {
		return cmp.Or(cmp.Compare(b.Posts, a.Posts), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// SumByValue totals a dimension's rollups per value over [since, until)
// (Unix ms, since on an hour): whole UTC days from volume_daily, the
// hours before the first and after the last whole day from
// volume_hourly, so a year costs 365 + 46 rows per value, not 8,760.
func SumByValue(ctx context.Context, db *store.DB, dim string, since, until int64) (map[string]int64, error) {
	out := map[string]int64{}
	add := func(q string, args ...any) error {
		rows, err := db.Read.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("watch: unable to read rollups: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			var n int64
			if err := rows.Scan(&v, &n); err != nil {
				return fmt.Errorf("watch: unable to read rollups: %w", err)
			}
			out[v] += n
		}
		return rows.Err()
	}
	firstDay := since + (dayMs-since%dayMs)%dayMs
	lastDay := until - until%dayMs
	hourly := `SELECT value, SUM(posts) FROM volume_hourly WHERE dim = $1 AND hour >= $2 AND hour < $3 GROUP BY value`
	if firstDay >= lastDay { // no whole day inside: hours only
		return out, add(hourly, dim, since, until)
	}
	if err := add(`SELECT value, SUM(posts) FROM volume_daily WHERE dim = $1 AND day >= $2 AND day < $3 GROUP BY value`, dim, firstDay, lastDay); err != nil {
		return nil, err
	}
	if since < firstDay {
		if err := add(hourly, dim, since, firstDay); err != nil {
			return nil, err
		}
	}
	if lastDay < until {
		if err := add(hourly, dim, lastDay, until); err != nil {
			return nil, err
		}
	}
	return out, nil
}
