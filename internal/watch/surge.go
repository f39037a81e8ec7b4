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
	Threshold float64 // binomial z of the window's negative share against the baseline's; default 3.5
	MinPosts  int64   // negative posts in the window, at least; default 8
	MinRise   float64 // the window's negative share must exceed the baseline's by this much; default 0.1
	// MinBaseline: posts addressed to the force in the 7 days before, at
	// least, for a baseline (default 30); without a day of history
	// nothing is judged.
	MinBaseline int64
}

func (o *SurgeOptions) defaults() {
	if o.Threshold <= 0 {
		o.Threshold = 3.5
	}
	if o.MinPosts <= 0 {
		o.MinPosts = 8
	}
	if o.MinRise <= 0 {
		o.MinRise = 0.1
	}
	if o.MinBaseline <= 0 {
		o.MinBaseline = 30
	}
}

// Surge is a window (an hour, or the last three) in which the posts
// addressed to the force were far more negative than usual.
type Surge struct {
	Hour     time.Time `json:"hour"` // the window's first hour
	Elapsed  string    `json:"elapsed"`
	Negative int64     `json:"negative"` // negative posts addressed to the force in the hour so far
	Total    int64     `json:"total"`    // all posts addressed to the force in it
	Share    float64   `json:"share"`    // Negative / Total
	Usual    float64   `json:"usual"`    // the negative share over the 7 days before
	Score    float64   `json:"score"`    // binomial z
}

// NegativeSurge judges the current hour (so far), the last full hour and
// the three hours to now (a slower turn, on a desk of a few dozen such
// posts an hour) of the posts addressed to the force (the reputation index's posts: not
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
		DimForce, cur-2*hourMs-7*24*hourMs, cur)
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
		hour, hours int64
		elapsed     time.Duration
	}{{cur, 1, time.Duration(nowMs-cur) * time.Millisecond}, {prev, 1, time.Hour}, {cur - 2*hourMs, 3, 2*time.Hour + time.Duration(nowMs-cur)*time.Millisecond}} {
		// The baseline: the 7 days before the window, from the first full
		// hour counted; at least a day of it.
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
		var x hv
		for h := at.hour; h < at.hour+at.hours*hourMs; h += hourMs {
			if v := per[h]; v != nil {
				x.neg += v.neg
				x.all += v.all
			}
		}
		if hours < 24 || ba < opt.MinBaseline || x.neg < opt.MinPosts {
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
