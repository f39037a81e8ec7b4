package report

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

const hourMs = int64(time.Hour / time.Millisecond)

// tally counts posts by dimension and value.
type tally map[string]map[string]int64

func (t tally) add(dim, value string, n int64) {
	if t[dim] == nil {
		t[dim] = map[string]int64{}
	}
	t[dim][value] += n
}

// top is the n largest counts of a dimension, largest first.
func (t tally) top(dim string, n int) []Count {
	out := []Count{}
	for v, c := range t[dim] {
		out = append(out, Count{v, c})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Value, b.Value)) })
	return out[:min(n, len(out))]
}

var hashtagRE = regexp.MustCompile(`(^|[^\p{L}\p{N}_&/])#([\p{L}\p{M}\p{N}_]{2,64})`)

// fromPosts counts the posts of [since, until) read row by row: the
// scope's stations by the (station, created_at) index, or, for the
// whole force, the edges of the period that whole hours do not cover.
// Places and hashtags come only from posts read here, and never from a
// private conversation (as the watch floor's term rollups).
func fromPosts(ctx context.Context, db *store.DB, s scope, since, until int64, t tally, terms bool) error {
	if until <= since {
		return nil
	}
	cols := "platform, sentiment, lang, category, station, emergency"
	if terms {
		cols += ", private, text, COALESCE(analysis, '')"
	}
	q := "SELECT " + cols + " FROM posts WHERE created_at >= $1 AND created_at < $2"
	args := []any{since, until}
	if !s.force {
		list, a := in(3, s.stations)
		q += " AND station IN " + list
		args = append(args, a...)
	}
	rows, err := db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("report: unable to read posts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var platform, sentiment, lang, category, station, text, analysis string
		var emergency, private bool
		dest := []any{&platform, &sentiment, &lang, &category, &station, &emergency}
		if terms {
			dest = append(dest, &private, &text, &analysis)
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("report: unable to read posts: %w", err)
		}
		t.add("all", "", 1)
		t.add("platform", platform, 1)
		t.add("sentiment", sentiment, 1)
		t.add("lang", lang, 1)
		t.add("category", category, 1)
		t.add("station", station, 1)
		if emergency {
			t.add("emergency", "", 1)
		}
		if !terms || privacy.Private(platform, private) {
			continue
		}
		seen := map[string]bool{}
		if strings.IndexByte(text, '#') < 0 {
			text = "" // no hashtag: skip the regular expression (most posts)
		}
		for _, m := range hashtagRE.FindAllStringSubmatch(text, 20) {
			h := "#" + textnorm.Fold(m[2])
			if !seen[h] {
				seen[h] = true
				t.add("hashtag", h, 1)
			}
		}
		if analysis != "" {
			var a post.Analysis
			if json.Unmarshal([]byte(analysis), &a) == nil {
				for _, p := range a.Places {
					pl := strings.Join(strings.Fields(textnorm.Fold(p.Text)), " ")
					if pl != "" && len(pl) <= 100 && !seen["@"+pl] {
						seen["@"+pl] = true
						t.add("place", pl, 1)
					}
				}
			}
		}
	}
	return rows.Err()
}

// fromRollups adds the watch floor's hourly rollups of the whole hours
// in [since, until) to t, and the daily term rollups of the UTC days the
// period touches (terms are kept by UTC day: a daily brief's places and
// hashtags are those of the UTC days overlapping its IST day).
func fromRollups(ctx context.Context, db *store.DB, since, until int64, t tally, termSince, termUntil int64) error {
	rows, err := db.Read.QueryContext(ctx, `SELECT dim, value, SUM(posts) FROM volume_hourly
		WHERE dim IN ('all', 'platform', 'sentiment', 'lang', 'category', 'station') AND hour >= $1 AND hour < $2 GROUP BY dim, value`, since, until)
	if err != nil {
		return fmt.Errorf("report: unable to read volume rollups: %w", err)
	}
	for rows.Next() {
		var dim, value string
		var n int64
		if err := rows.Scan(&dim, &value, &n); err != nil {
			rows.Close()
			return fmt.Errorf("report: unable to read volume rollups: %w", err)
		}
		t.add(dim, value, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: unable to read volume rollups: %w", err)
	}
	for _, kind := range []string{"hashtag", "place"} {
		rows, err := db.Read.QueryContext(ctx, `SELECT term, SUM(posts) FROM term_daily WHERE kind = $1 AND day >= $2 AND day < $3
			GROUP BY term ORDER BY SUM(posts) DESC, term LIMIT 10`, kind, termSince, termUntil)
		if err != nil {
			return fmt.Errorf("report: unable to read term rollups: %w", err)
		}
		for rows.Next() {
			var term string
			var n int64
			if err := rows.Scan(&term, &n); err != nil {
				rows.Close()
				return fmt.Errorf("report: unable to read term rollups: %w", err)
			}
			t.add(kind, term, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("report: unable to read term rollups: %w", err)
		}
	}
	// Emergencies have no rollup: the notable-posts index holds them all.
	var n int64
	if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts WHERE created_at >= $1 AND created_at < $2
		AND (urgency >= 60 OR emergency <> 0) AND emergency <> 0`, since, until).Scan(&n); err != nil {
		return fmt.Errorf("report: unable to count emergencies: %w", err)
	}
	t.add("emergency", "", n)
	return nil
}

// countPosts is the number of posts of the scope in [since, until), by
// the created_at index (force) or the (station, created_at) one.
func countPosts(ctx context.Context, db *store.DB, s scope, since, until int64) (int64, error) {
	q := "SELECT COUNT(*) FROM posts WHERE created_at >= $1 AND created_at < $2"
	args := []any{since, until}
	if !s.force {
		list, a := in(3, s.stations)
		q += " AND station IN " + list
		args = append(args, a...)
	}
	var n int64
	if err := db.Read.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("report: unable to count posts: %w", err)
	}
	return n, nil
}

// volumes fills the report's volumes and top issues.
func volumes(ctx context.Context, db *store.DB, s scope, r *Report) error {
	since, until := store.Millis(r.Since), store.Millis(r.Until)
	t := tally{}
	if s.force {
		// Whole hours from the rollups (constant work however many posts),
		// the half hours at an IST midnight from the posts themselves.
		h0 := (since + hourMs - 1) / hourMs * hourMs
		h1 := until / hourMs * hourMs
		if h1 < h0 {
			h0, h1 = since, since
		}
		day := 24 * hourMs
		if err := fromRollups(ctx, db, h0, h1, t, since/day*day, until); err != nil {
			return err
		}
		if err := fromPosts(ctx, db, s, since, h0, t, false); err != nil {
			return err
		}
		if err := fromPosts(ctx, db, s, max(h1, h0), until, t, false); err != nil {
			return err
		}
	} else if err := fromPosts(ctx, db, s, since, until, t, true); err != nil {
		return err
	}
	v := &r.Volumes
	v.Posts = t["all"][""]
	v.Emergency = t["emergency"][""]
	v.Negative = t["sentiment"]["negative"]
	v.ByPlatform, v.BySentiment, v.ByLang = t.top("platform", 20), t.top("sentiment", 5), t.top("lang", 10)
	r.Issues = Issues{Categories: t.top("category", 10), Places: t.top("place", 10), Hashtags: t.top("hashtag", 10)}
	if len(s.stations) != 1 {
		r.Issues.Stations = t.top("station", 10)
	}
	for d := r.Since; d.Before(r.Until); d = d.AddDate(0, 0, 1) {
		n, err := countPosts(ctx, db, s, store.Millis(d), store.Millis(d.AddDate(0, 0, 1)))
		if err != nil {
			return err
		}
		v.ByDay = append(v.ByDay, Day{Day: d, Posts: n})
	}
	prev, err := countPosts(ctx, db, s, since-(until-since), since)
	if err != nil {
		return err
	}
	v.Previous = prev
	return nil
}
