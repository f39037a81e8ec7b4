package watch

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// TermCount is a term and the posts that used it.
type TermCount struct {
	Term  string `json:"term"`
	Posts int64  `json:"posts"`
}

// TopTerms are the terms of kind (hashtag or place) used by most posts
// over the UTC days from since's to until's (whole days: the rollups are
// daily).
func TopTerms(ctx context.Context, db *store.DB, kind string, since, until time.Time, top int) ([]TermCount, error) {
	if kind != TermHashtag && kind != TermPlace {
		return nil, &ErrBadFilter{"kind", "kind is hashtag or place"}
	}
	if top <= 0 || top > 100 {
		top = 20
	}
	s, u := store.Millis(since), store.Millis(until)
	s -= s % dayMs
	if u <= s {
		return nil, &ErrBadFilter{"until", "until must be after since"}
	}
	if u-s > 400*dayMs {
		return nil, &ErrBadFilter{"since", "at most 400 days"}
	}
	rows, err := db.Read.QueryContext(ctx, `SELECT term, SUM(posts) FROM term_daily WHERE kind = $1 AND day >= $2 AND day < $3
		GROUP BY term ORDER BY SUM(posts) DESC, term LIMIT $4`, kind, s, u, top)
	if err != nil {
		return nil, fmt.Errorf("watch: unable to read terms: %w", err)
	}
	defer rows.Close()
	out := []TermCount{}
	for rows.Next() {
		var t TermCount
		if err := rows.Scan(&t.Term, &t.Posts); err != nil {
			return nil, fmt.Errorf("watch: unable to read terms: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Emerging is a word or hashtag used far more in the last two days than
// in the two weeks before.
type Emerging struct {
	Kind     string  `json:"kind"` // word or hashtag
	Term     string  `json:"term"`
	Recent   int64   `json:"recent"`   // posts using it yesterday and today (UTC days)
	Expected float64 `json:"expected"` // at its usual daily rate over the 14 days before, for as long
	Score    float64 `json:"score"`    // as watch's spikes: ≈ a one-sided z
	New      bool    `json:"new"`      // not used at all in the 14 days before
}

// Emerging thresholds: at least EmergingMin posts, and a score of
// EmergingScore (the spike detector's scale).
const (
	EmergingMin   = 5
	EmergingScore = 3.0
	baselineDays  = 14
)

// TermHistoryDays is how many of the 14 UTC days before yesterday the term
// rollups have counted (0 to 14): the emerging terms' baseline is a rate
// over those days.
func TermHistoryDays(ctx context.Context, db *store.DB, now time.Time) (int, error) {
	var first *int64
	if err := db.Read.QueryRowContext(ctx, `SELECT MIN(d) FROM (SELECT MIN(day) AS d FROM term_daily WHERE kind = 'word'
		UNION ALL SELECT MIN(day) FROM term_daily WHERE kind = 'hashtag') AS m`).Scan(&first); err != nil {
		return 0, fmt.Errorf("watch: unable to read terms: %w", err)
	}
	if first == nil {
		return 0, nil
	}
	n := store.Millis(now)
	recentStart := n - n%dayMs - dayMs
	// The first day counted may be partial: it is not part of the history.
	return int(min(baselineDays, max(0, (recentStart-(*first+dayMs))/dayMs))), nil
}

// EmergingTerms finds the words and hashtags whose use in the last two
// UTC days (today so far) stands far above their rate over the 14 days
// before: the 500 most used recent terms are judged, each against its
// own history, read by the primary key (the 14 days, then the terms).
func EmergingTerms(ctx context.Context, db *store.DB, now time.Time, top int) ([]Emerging, error) {
	if top <= 0 || top > 100 {
		top = 20
	}
	n := store.Millis(now)
	today := n - n%dayMs
	recentStart := today - dayMs
	span := float64(n-recentStart) / float64(dayMs) // 1 to 2 days
	rows, err := db.Read.QueryContext(ctx, `SELECT kind, term, SUM(posts) FROM term_daily WHERE kind IN ('word', 'hashtag') AND day >= $1
		GROUP BY kind, term HAVING SUM(posts) >= $2 ORDER BY SUM(posts) DESC LIMIT 500`, recentStart, EmergingMin)
	if err != nil {
		return nil, fmt.Errorf("watch: unable to read terms: %w", err)
	}
	cands := map[[2]string]int64{}
	byKind := map[string][]any{}
	for rows.Next() {
		var k, t string
		var c int64
		if err := rows.Scan(&k, &t, &c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("watch: unable to read terms: %w", err)
		}
		cands[[2]string{k, t}] = c
		byKind[k] = append(byKind[k], t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("watch: unable to read terms: %w", err)
	}
	// The baseline is a rate over the days counted: on a young desk, over
	// the days it has (a term used every day of three is not "new").
	hist, err := TermHistoryDays(ctx, db, now)
	if err != nil {
		return nil, err
	}
	base := map[[2]string]int64{}
	for k, ts := range byKind {
		ph := make([]string, len(ts))
		for i := range ts {
			ph[i] = fmt.Sprintf("$%d", i+2)
		}
		// Each day named: the primary key (kind, day, term) is then probed
		// per day and term, not scanned over the days' whole vocabulary.
		days := make([]string, baselineDays)
		for i := range days {
			days[i] = strconv.FormatInt(recentStart-int64(i+1)*dayMs, 10) // computed here: no injection possible
		}
		args := append([]any{k}, ts...)
		rows, err := db.Read.QueryContext(ctx, `SELECT term, SUM(posts) FROM term_daily WHERE kind = $1 AND day IN (`+strings.Join(days, ",")+`)
			AND term IN (`+strings.Join(ph, ",")+`) GROUP BY term`, args...)
		if err != nil {
			return nil, fmt.Errorf("watch: unable to read terms: %w", err)
		}
		for rows.Next() {
			var t string
			var c int64
			if err := rows.Scan(&t, &c); err != nil {
				rows.Close()
				return nil, fmt.Errorf("watch: unable to read terms: %w", err)
			}
			base[[2]string{k, t}] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("watch: unable to read terms: %w", err)
		}
	}
	out := []Emerging{}
	for kt, c := range cands {
		b := base[kt]
		exp := max(float64(b)/float64(max(hist, 1)), 0.25) * span // a new term: as if once every 4 days
		score := Score(c, exp)
		if score >= EmergingScore {
			out = append(out, Emerging{Kind: kt[0], Term: kt[1], Recent: c, Expected: math.Round(exp*100) / 100,
				Score: math.Round(score*100) / 100, New: b == 0})
		}
	}
	slices.SortFunc(out, func(a, b Emerging) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Term, b.Term))
	})
	return out[:min(top, len(out))], nil
}
