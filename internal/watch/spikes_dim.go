package watch

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// DimSpike is one value of a dimension (a category, a station) whose
// posts stand above its seasonal baseline.
type DimSpike struct {
	Dim      string    `json:"dim"`
	Value    string    `json:"value"`
	Hour     time.Time `json:"hour"`
	Elapsed  string    `json:"elapsed"`
	Observed int64     `json:"observed"`
	Expected float64   `json:"expected"`
	Score    float64   `json:"score"`
}

// DimSpikes judges the current hour (so far) and the last full hour of
// every value of dim (category or station) against the same seasonal
// baseline as the listening queries' (QuerySpikes), from the hourly
// rollups. Posts without a value (no category, no station) are not
// judged. Counting began at the first hour of the rollups.
func DimSpikes(ctx context.Context, db *store.DB, dim string, now time.Time, opt SpikeOptions) ([]DimSpike, error) {
	if dim != DimCategory && dim != DimStation && dim != DimPlatform && dim != DimLang && dim != DimSentiment {
		return nil, &ErrBadFilter{"dim", "spikes are judged by category, station, platform, lang or sentiment"}
	}
	out := []DimSpike{}
	var first *int64
	if err := db.Read.QueryRowContext(ctx, "SELECT MIN(hour) FROM volume_hourly WHERE dim = 'all'").Scan(&first); err != nil {
		return nil, fmt.Errorf("watch: unable to read volume: %w", err)
	}
	if first == nil {
		return out, nil
	}
	// The rollups' first hour may be partial, like a query's.
	start := *first + hourMs
	nowMs := store.Millis(now)
	cur := nowMs - nowMs%hourMs
	prev := cur - hourMs
	hours := append(append([]int64{cur, prev}, baselineHours(cur)...), baselineHours(prev)...)
	hs := make([]string, len(hours))
	for i, h := range hours {
		hs[i] = strconv.FormatInt(h, 10) // integers computed here: no injection possible
	}
	rows, err := db.Read.QueryContext(ctx, `SELECT value, hour, posts FROM volume_hourly
		WHERE dim = $1 AND hour IN (`+strings.Join(hs, ",")+`) AND value <> ''`, dim)
	if err != nil {
		return nil, fmt.Errorf("watch: unable to read volume: %w", err)
	}
	per := map[string]Hourly{}
	for rows.Next() {
		var v string
		var h, n int64
		if err := rows.Scan(&v, &h, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("watch: unable to read volume: %w", err)
		}
		if per[v] == nil {
			per[v] = Hourly{}
		}
		per[v][h] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("watch: unable to read volume: %w", err)
	}
	for v, h := range per {
		for _, at := range []struct {
			hour    int64
			elapsed time.Duration
		}{{cur, time.Duration(nowMs-cur) * time.Millisecond}, {prev, time.Hour}} {
			exp, score, spike, ok := Judge(h, at.hour, start, h[at.hour], at.elapsed, opt)
			if ok && spike {
				out = append(out, DimSpike{Dim: dim, Value: v, Hour: store.Time(at.hour), Elapsed: at.elapsed.Round(time.Second).String(),
					Observed: h[at.hour], Expected: math.Round(exp*100) / 100, Score: math.Round(score*100) / 100})
			}
		}
	}
	slices.SortFunc(out, func(a, b DimSpike) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out, nil
}
