package watch

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// VolumeFilter asks for a volume-over-time series.
type VolumeFilter struct {
	By       string    // one of Dims; default DimAll
	Since    time.Time // inclusive, rounded down to the interval
	Until    time.Time // exclusive
	Interval string    // "hour" (default) or "day" (UTC days)
	Top      int       // values shown one by one (the rest are summed as Other); default 10
	Query    int64     // a listening query's matches instead of a dimension (By is then "query")
}

// Point is the posts of one interval.
type Point struct {
	T     time.Time `json:"t"`
	Posts int64     `json:"posts"`
}

// Series is the volume of one value of the dimension ("" is posts
// without one: no station, no category).
type Series struct {
	Value  string  `json:"value"`
	Other  bool    `json:"other,omitempty"` // the sum of the values after the top ones
	Total  int64   `json:"total"`
	Points []Point `json:"points"`
}

// Volume is a dashboard's time series: every interval of the window is
// present (zero when quiet), values ordered by their total.
type Volume struct {
	By       string    `json:"by"`
	Interval string    `json:"interval"`
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Total    int64     `json:"total"`
	Series   []Series  `json:"series"`
}

// ErrBadFilter is a refused volume request.
type ErrBadFilter struct{ Field, Message string }

func (e *ErrBadFilter) Error() string        { return "watch: " + e.Field + ": " + e.Message }
func (e *ErrBadFilter) InvalidField() string { return e.Field }

// ReadVolume reads a series from the hourly rollups: at most a few
// thousand rows for any window, however many posts are stored.
func ReadVolume(ctx context.Context, db *store.DB, f VolumeFilter) (Volume, error) {
	if f.By == "" {
		f.By = DimAll
	}
	if f.Query != 0 {
		f.By = "query"
	} else if !slices.Contains(Dims, f.By) && f.By != DimStationNegative && f.By != DimForce {
		return Volume{}, &ErrBadFilter{"by", fmt.Sprintf("by must be one of %v", Dims)}
	}
	step := int64(hourMs)
	switch f.Interval {
	case "", "hour":
		f.Interval = "hour"
	case "day":
		step = 24 * hourMs
	default:
		return Volume{}, &ErrBadFilter{"interval", "interval must be hour or day"}
	}
	if f.Top <= 0 {
		f.Top = 10
	}
	since, until := store.Millis(f.Since), store.Millis(f.Until)
	since -= since % step
	if until <= since {
		return Volume{}, &ErrBadFilter{"until", "until must be after since"}
	}
	if n := (until - since + step - 1) / step; n > 2400 {
		return Volume{}, &ErrBadFilter{"since", fmt.Sprintf("%d intervals asked for; at most 2400 (100 days by hour)", n)}
	}
	// Rows come back per interval, as (value, interval index, posts):
	// days from the daily rollups (24 times fewer rows), a query's days
	// summed from its hours.
	q, arg := `SELECT value, (day - $2) / $4, posts FROM volume_daily WHERE dim = $1 AND day >= $2 AND day < $3`, any(f.By)
	if f.Query != 0 {
		q, arg = `SELECT '', (hour - $2) / $4, SUM(posts) FROM query_volume_hourly WHERE query_id = $1 AND hour >= $2 AND hour < $3
		GROUP BY (hour - $2) / $4`, f.Query
	}
	if step == hourMs {
		q, arg = `SELECT value, (hour - $2) / $4, posts FROM volume_hourly WHERE dim = $1 AND hour >= $2 AND hour < $3`, any(f.By)
		if f.Query != 0 {
			q, arg = `SELECT '', (hour - $2) / $4, posts FROM query_volume_hourly WHERE query_id = $1 AND hour >= $2 AND hour < $3`, f.Query
		}
	}
	rows, err := db.Read.QueryContext(ctx, q, arg, since, until, step)
	if err != nil {
		return Volume{}, fmt.Errorf("watch: unable to read volume: %w", err)
	}
	defer rows.Close()
	n := int((until - since + step - 1) / step)
	byValue := map[string][]int64{}
	for rows.Next() {
		var v string
		var i, posts int64
		if err := rows.Scan(&v, &i, &posts); err != nil {
			return Volume{}, fmt.Errorf("watch: unable to read volume: %w", err)
		}
		b := byValue[v]
		if b == nil {
			b = make([]int64, n)
			byValue[v] = b
		}
		b[i] += posts
	}
	if err := rows.Err(); err != nil {
		return Volume{}, fmt.Errorf("watch: unable to read volume: %w", err)
	}
	out := Volume{By: f.By, Interval: f.Interval, Since: store.Time(since), Until: store.Time(until), Series: []Series{}}
	type tot struct {
		v string
		n int64
	}
	var order []tot
	for v, b := range byValue {
		var s int64
		for _, x := range b {
			s += x
		}
		order = append(order, tot{v, s})
		out.Total += s
	}
	slices.SortFunc(order, func(a, b tot) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.v, b.v)) })
	points := func(b []int64) []Point {
		ps := make([]Point, n)
		for i := range ps {
			ps[i] = Point{T: store.Time(since + int64(i)*step), Posts: b[i]}
		}
		return ps
	}
	var other []int64
	var otherTotal int64
	for i, o := range order {
		if i < f.Top {
			out.Series = append(out.Series, Series{Value: o.v, Total: o.n, Points: points(byValue[o.v])})
			continue
		}
		if other == nil {
			other = make([]int64, n)
		}
		for j, x := range byValue[o.v] {
			other[j] += x
		}
		otherTotal += o.n
	}
	if other != nil {
		out.Series = append(out.Series, Series{Other: true, Total: otherTotal, Points: points(other)})
	}
	return out, nil
}
