package alert

import (
	"context"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/watch"
)

// KindNegativeSurge is the kind of a negative surge toward the force; its
// key is "force" (one open alert at a time).
const KindNegativeSurge = "surge.negative"

// SurgeDetector raises a negative surge toward the force: the posts
// addressed to it far more negative this hour (or the last) than over the
// week before (watch.NegativeSurge).
func SurgeDetector(db *store.DB, opt watch.SurgeOptions) Detector {
	return DetectorFunc{N: KindNegativeSurge, F: func(ctx context.Context, now time.Time) ([]Signal, error) {
		ss, err := watch.NegativeSurge(ctx, db, now, opt)
		if err != nil || len(ss) == 0 {
			return nil, err
		}
		s := ss[0]
		for _, o := range ss[1:] {
			if o.Score > s.Score {
				s = o
			}
		}
		sev := Warning
		if s.Score >= CriticalScore+2 {
			sev = Critical
		}
		return []Signal{{Kind: KindNegativeSurge, Key: "force", Subject: "force", Severity: sev, Link: "/desk/watch/reputation",
			Detail: Detail{Observed: s.Negative, Expected: float64(s.Total) * s.Usual, Score: s.Score, Hour: s.Hour, Total: s.Total}}}, nil
	}}
}
