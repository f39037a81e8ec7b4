package alert

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/watch"
)

// Kinds of the built-in detectors.
const (
	KindQuerySpike    = "spike.query"
	KindCategorySpike = "spike.category"
	KindStationSpike  = "spike.station"
)

var ist = time.FixedZone("IST", 5*3600+1800)

// CriticalScore: a spike this far above its baseline (≈ z) is critical;
// from watch's threshold (3.5) up to it, a warning.
const CriticalScore = 6.0

func severityOf(score float64) string {
	if score >= CriticalScore {
		return Critical
	}
	return Warning
}

// SpikeDetectors are the built-in detectors: volume spikes of every
// active listening query, of every category and of every station, each
// against its seasonal baseline (docs/WATCH.md has their measured delay
// and false alarms).
func SpikeDetectors(db *store.DB, qs *query.Store, opt watch.SpikeOptions) []Detector {
	return []Detector{
		DetectorFunc{N: KindQuerySpike, F: func(ctx context.Context, now time.Time) ([]Signal, error) {
			spikes, err := watch.QuerySpikes(ctx, db, qs, now, opt)
			if err != nil {
				return nil, err
			}
			var out []Signal
			for _, s := range spikes {
				out = append(out, Signal{Kind: KindQuerySpike, Key: fmt.Sprint("query:", s.QueryID), Subject: s.Name,
					Severity: severityOf(s.Score), Link: fmt.Sprint("/desk/watch/queries/", s.QueryID),
					Detail: Detail{Observed: s.Observed, Expected: s.Expected, Score: s.Score, Hour: s.Hour}})
			}
			return out, nil
		}},
		dimDetector(db, KindCategorySpike, watch.DimCategory, opt, func(v string) string { return "/desk/watch?by=category&window=1d" }),
		dimDetector(db, KindStationSpike, watch.DimStation, opt, func(v string) string { return "/desk/watch/map?window=1d" }),
	}
}

func dimDetector(db *store.DB, kind, dim string, opt watch.SpikeOptions, link func(string) string) Detector {
	return DetectorFunc{N: kind, F: func(ctx context.Context, now time.Time) ([]Signal, error) {
		spikes, err := watch.DimSpikes(ctx, db, dim, now, opt)
		if err != nil {
			return nil, err
		}
		var out []Signal
		for _, s := range spikes {
			var names map[string]string
			if dim == watch.DimStation {
				// Read in Kannada, a station is called by its Kannada name.
				if names, err = stationNames(ctx, db, s.Value); err != nil {
					return nil, err
				}
			}
			out = append(out, Signal{Kind: kind, Key: dim + ":" + url.PathEscape(s.Value), Subject: s.Value,
				Severity: severityOf(s.Score), Link: link(s.Value),
				Detail: Detail{Observed: s.Observed, Expected: s.Expected, Score: s.Score, Hour: s.Hour, Names: names}})
		}
		return out, nil
	}}
}
