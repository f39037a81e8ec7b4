package alert

import (
	"context"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/watch"
)

// KindEmergingTerm is the kind of an emerging hashtag's alert; its key is
// "hashtag:#…".
const KindEmergingTerm = "terms.emerging"

// TermOptions tune the emerging-terms detector. The dashboard lists any
// term of 5 posts and a score of 3; an alert asks for more, since on a
// real desk the long tail of words always holds a few that are new.
type TermOptions struct {
	MinPosts int64   // posts using it yesterday and today; default 15
	Score    float64 // on the spike detector's scale; default 6
	// HistoryDays: without this many days of term counts before
	// yesterday nothing is raised (default 7). On a young desk every
	// common word is "new": history is what tells a burst from a word.
	HistoryDays int
}

func (o *TermOptions) defaults() {
	if o.MinPosts <= 0 {
		o.MinPosts = 15
	}
	if o.Score <= 0 {
		o.Score = 6
	}
	if o.HistoryDays <= 0 {
		o.HistoryDays = 7
	}
}

// TermDetector raises the hashtags used far more yesterday and today than
// in the days before (watch.EmergingTerms, from the daily term
// rollups; private conversations are not counted there).
func TermDetector(db *store.DB, opt TermOptions) Detector {
	opt.defaults()
	return DetectorFunc{N: KindEmergingTerm, F: func(ctx context.Context, now time.Time) ([]Signal, error) {
		days, err := watch.TermHistoryDays(ctx, db, now)
		if err != nil || days < opt.HistoryDays {
			return nil, err
		}
		em, err := watch.EmergingTerms(ctx, db, now, 100)
		if err != nil {
			return nil, err
		}
		var out []Signal
		for _, e := range em {
			// Hashtags only: a word rises with every story (one rumour
			// wave made six words "emerge" on the quiet scenario days),
			// a hashtag is what people chose to rally under. The
			// dashboard still lists the words.
			if e.Kind != watch.TermHashtag || e.Recent < opt.MinPosts || e.Score < opt.Score {
				continue
			}
			sev := Info
			if e.Score >= 1.5*opt.Score {
				sev = Warning
			}
			out = append(out, Signal{Kind: KindEmergingTerm, Key: e.Kind + ":" + e.Term, Subject: e.Term, Severity: sev,
				Link: "/desk/watch/terms", Detail: Detail{Observed: e.Recent, Expected: e.Expected, Score: e.Score}})
		}
		return out, nil
	}}
}
