package watch

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/store"
)

// SpikeOptions tune the detector. The defaults are what docs/WATCH.md
// measured on synthetic streams.
type SpikeOptions struct {
	// Threshold on the variance-stabilised score 2(√(x+3/8) − √(λ+3/8))
	// of a Poisson count x against its expected λ: ≈ a one-sided normal
	// z. Default 3.5.
	Threshold float64
	// MinPosts: a spike is never fewer posts than this. Default 4.
	MinPosts int64
	// Floor is the least expected count per hour, so that a query that
	// is usually silent does not alarm on two posts. Default 0.5.
	Floor float64
}

func (o *SpikeOptions) defaults() {
	if o.Threshold == 0 {
		o.Threshold = 3.5
	}
	if o.MinPosts == 0 {
		o.MinPosts = 4
	}
	if o.Floor == 0 {
		o.Floor = 0.5
	}
}

// Hourly is a count per hour: Unix ms at the start of the UTC hour →
// posts.
type Hourly map[int64]int64

// baselineHours are the hours the baseline of hour reads: the same hour
// of the week in the 4 weeks before, and the same hour of the day in the
// 7 days before (the hour a week back is in both, so it counts twice:
// the weekly pattern weighs as much as the daily one).
func baselineHours(hour int64) []int64 {
	var hs []int64
	for w := int64(1); w <= 4; w++ {
		hs = append(hs, hour-w*7*24*hourMs)
	}
	for d := int64(1); d <= 7; d++ {
		hs = append(hs, hour-d*24*hourMs)
	}
	return hs
}

// Expected is the seasonal baseline of hour: the mean of the same hour
// of the week over the 4 weeks before and the mean of the same hour of
// the day over the 7 days before, averaged; only hours at or after first
// (when counting began) take part. ok is false without a full day of
// history.
func Expected(h Hourly, hour, first int64) (expected float64, ok bool) {
	var wsum, dsum float64
	var wn, dn int
	for w := int64(1); w <= 4; w++ {
		if t := hour - w*7*24*hourMs; t >= first {
			wsum += float64(h[t])
			wn++
		}
	}
	for d := int64(1); d <= 7; d++ {
		if t := hour - d*24*hourMs; t >= first {
			dsum += float64(h[t])
			dn++
		}
	}
	switch {
	case dn == 0:
		return 0, false
	case wn == 0:
		return dsum / float64(dn), true
	}
	return (wsum/float64(wn) + dsum/float64(dn)) / 2, true
}

// Score is how far observed stands above a Poisson count expected
// (variance-stabilised: ≈ a normal z).
func Score(observed int64, expected float64) float64 {
	return 2 * (math.Sqrt(float64(observed)+0.375) - math.Sqrt(expected+0.375))
}

// Judge decides whether observed posts in the first elapsed of hour are a
// spike: the hour's baseline is scaled to the elapsed share (at least a
// tenth of the hour), so a burst is seen minutes after it starts.
func Judge(h Hourly, hour, first, observed int64, elapsed time.Duration, opt SpikeOptions) (expected, score float64, spike, ok bool) {
	opt.defaults()
	base, ok := Expected(h, hour, first)
	if !ok {
		return 0, 0, false, false
	}
	share := min(1, max(0.1, elapsed.Hours()))
	expected = max(base, opt.Floor) * share
	score = Score(observed, expected)
	return expected, score, observed >= opt.MinPosts && score >= opt.Threshold, true
}

// Spike is a listening query's volume above its seasonal baseline.
type Spike struct {
	QueryID  int64     `json:"query_id"`
	Name     string    `json:"name"`
	Hour     time.Time `json:"hour"`     // start of the hour judged
	Elapsed  string    `json:"elapsed"`  // how much of it had passed
	Observed int64     `json:"observed"` // posts matched in it so far
	Expected float64   `json:"expected"` // for the same share of the hour
	Score    float64   `json:"score"`
}

// QuerySpikes judges the current hour (so far) and the last full hour of
// every active listening query against its seasonal baseline.
func QuerySpikes(ctx context.Context, db *store.DB, qs *query.Store, now time.Time, opt SpikeOptions) ([]Spike, error) {
	active, err := qs.List(ctx, query.ListFilter{Status: query.StatusActive})
	if err != nil {
		return nil, err
	}
	out := []Spike{}
	if len(active) == 0 {
		return out, nil
	}
	nowMs := store.Millis(now)
	cur := nowMs - nowMs%hourMs
	prev := cur - hourMs
	hours := append(append([]int64{cur, prev}, baselineHours(cur)...), baselineHours(prev)...)
	ids := make([]string, len(active))
	for i, q := range active {
		ids[i] = strconv.FormatInt(q.ID, 10) // integers from the store: no injection possible
	}
	hs := make([]string, len(hours))
	for i, h := range hours {
		hs[i] = strconv.FormatInt(h, 10)
	}
	rows, err := db.Read.QueryContext(ctx, `SELECT query_id, hour, posts FROM query_volume_hourly
		WHERE query_id IN (`+strings.Join(ids, ",")+`) AND hour IN (`+strings.Join(hs, ",")+`)`)
	if err != nil {
		return nil, fmt.Errorf("watch: unable to read query volumes: %w", err)
	}
	per := map[int64]Hourly{}
	for rows.Next() {
		var q, h, n int64
		if err := rows.Scan(&q, &h, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("watch: unable to read query volumes: %w", err)
		}
		if per[q] == nil {
			per[q] = Hourly{}
		}
		per[q][h] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("watch: unable to read query volumes: %w", err)
	}
	for _, q := range active {
		// Counting began at the approval of its first revision; its
		// first hour is partial, so the baseline starts the hour after.
		first := store.Millis(q.ListeningSince)
		first = first - first%hourMs + hourMs
		h := per[q.ID]
		for _, at := range []struct {
			hour    int64
			elapsed time.Duration
		}{{cur, time.Duration(nowMs-cur) * time.Millisecond}, {prev, time.Hour}} {
			exp, score, spike, ok := Judge(h, at.hour, first, h[at.hour], at.elapsed, opt)
			if ok && spike {
				out = append(out, Spike{QueryID: q.ID, Name: q.Name, Hour: store.Time(at.hour), Elapsed: at.elapsed.Round(time.Second).String(),
					Observed: h[at.hour], Expected: math.Round(exp*100) / 100, Score: math.Round(score*100) / 100})
			}
		}
	}
	slices.SortFunc(out, func(a, b Spike) int {
		if a.Score > b.Score {
			return -1
		}
		if a.Score < b.Score {
			return 1
		}
		return 0
	})
	return out, nil
}
