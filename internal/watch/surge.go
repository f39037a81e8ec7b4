package watch

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// SurgeOptions tune the negative-surge judgement.
type SurgeOptions struct {
	Threshold float64 // binomial z of the hour's negative share against the baseline's; default 4
	MinPosts  int64   // negative posts in the hour, at least; default 8
	MinRise   float64 // the hour's negative share must exceed the baseline's by this much; default 0.15
	// MinBaseline: posts addressed to the force in the 7 days before, at
	// least, for a baseline (default 30); without a day of history
	// nothing is judged.
	MinBaseline int64
}

func (o *SurgeOptions) defaults() {
	if o.Threshold <= 0 {
		o.Threshold = 4
	}
	if o.MinPosts <= 0 {
		o.MinPosts = 8
	}
	if o.MinRise <= 0 {
		o.MinRise = 0.15
	}
	if o.MinBaseline <= 0 {
		o.MinBaseline = 30
	}
}

// Surge is an hour in which the posts addressed to the force were far
// more negative than usual.
type Surge struct {
	Hour     time.Time `json:"hour"`
	Elapsed  string    `json:"elapsed"`
	Negative int64     `json:"negative"` // negative posts addressed to the force in the hour so far
	Total    int64     `json:"total"`    // all posts addressed to the force in it
	Share    float64   `json:"share"`    // Negative / Total
	Usual    float64   `json:"usual"`    // the negative share over the 7 days before
	Score    float64   `json:"score"`    // binomial z
}

// NegativeSurge judges the current hour (so far) and the last full hour of
// the posts addressed to the force (the reputation index's posts: not
// those found by listening) against the negative share of the 7 days
// before: a share, not a volume, so a city writing more about a flood
// is not a surge, while a city turning on the force is, whatever its
// volume. It returns the surges found, the current hour first.
func NegativeSurge(ctx context.Context, db *store.DB, now time.Time, opt SurgeOptions) ([]Surge, error) {
	opt.defaults()
	nowMs := store.Millis(now)
	cur := nowMs - nowMs%hourMs
	prev := cur - hourMs
	rows, err := db.Read.QueryContext(ctx, `SELECT value, hour, posts FROM volume_hourly WHERE dim = $1 AND hour >= $2 AND hour <= $3`,
		DimForce, prev-7*24*hourMs, cur)
	if err != nil {
		return nil, fmt.Errorf("watch: unable to read volume: %w", err)
	}
	type hv struct{ neg, all int64 }
	per := map[int64]*hv{}
	for rows.Next() {
		var v string
		var h, n int64
		if err := rows.Scan(&v, &h, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("watch: unable to read volume: %w", err)
		}
		if per[h] == nil {
			per[h] = &hv{}
		}
		per[h].all += n
		if v == "negative" {
			per[h].neg += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("watch: unable to read volume: %w", err)
	}
	var first *int64
	if err := db.Read.QueryRowContext(ctx, "SELECT MIN(hour) FROM volume_hourly WHERE dim = 'all'").Scan(&first); err != nil {
		return nil, fmt.Errorf("watch: unable to read volume: %w", err)
	}
	out := []Surge{}
	for _, at := range []struct {
		hour    int64
		elapsed time.Duration
	}{{cur, time.Duration(nowMs-cur) * time.Millisecond}, {prev, time.Hour}} {
		// The baseline: the 7 days before the hour judged, from the first
		// full hour counted; at least a day of it.
		var bn, ba int64
		hours := 0
		for h := at.hour - 7*24*hourMs; h < at.hour; h += hourMs {
			if first == nil || h < *first+hourMs {
				continue
			}
			hours++
			if v := per[h]; v != nil {
				bn += v.neg
				ba += v.all
			}
		}
		x := per[at.hour]
		if hours < 24 || ba < opt.MinBaseline || x == nil || x.neg < opt.MinPosts {
			continue
		}
		p0 := min(0.95, max(0.05, float64(bn)/float64(ba)))
		n := float64(x.all)
		share := float64(x.neg) / n
		z := (float64(x.neg) - n*p0) / math.Sqrt(n*p0*(1-p0))
		if z >= opt.Threshold && share >= p0+opt.MinRise {
			out = append(out, Surge{Hour: store.Time(at.hour), Elapsed: at.elapsed.Round(time.Second).String(), Negative: x.neg, Total: x.all,
				Share: math.Round(share*1000) / 1000, Usual: math.Round(float64(bn)/float64(ba)*1000) / 1000, Score: math.Round(z*100) / 100})
		}
	}
	return out, nil
}
