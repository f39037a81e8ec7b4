package query

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/store"
)

// What Listen (posts put on the desk) and Rematch (posts edited or
// re-analysed) share: matching posts read back from their rows, and
// writing matches and hourly volumes in statements of up to batchRows rows.

// tx is what the matching runs in (a *sql.Tx; tests count its statements).
type tx interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// batchRows bounds the rows of one statement, well under SQLite's 32,766
// parameters: SQLite (modernc) prepares a statement of 1,000 rows more
// slowly than it runs 1,000 one-row statements, while 250 rows cost
// SQLite what one-row statements did and PostgreSQL a 250th of the round
// trips (BenchmarkRematch).
const batchRows = 250

// match is a query's match of a post.
type match struct{ q, p int64 }

// hourKey is a query's hour, its volume's row.
type hourKey struct{ q, hour int64 }

// idList is ids as an SQL list (integers: no injection possible).
func idList(ids []int64) string {
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = strconv.FormatInt(id, 10)
	}
	return "(" + strings.Join(list, ",") + ")"
}

// matchPosts reads the posts ids (with extra conditions on p, or "")
// inside t, exactly as the history filter reads them, so live and history
// agree, and calls fn with each post's id, creation time (ms) and the
// queries of set it matches (valid during the call).
func matchPosts(ctx context.Context, t tx, set *Set, ids []int64, extra string, fn func(id, at int64, hits []int64)) error {
	places := set.UsesPlaces()
	cols := matchCols
	if places {
		cols += ", p.analysis"
	}
	rows, err := t.QueryContext(ctx, "SELECT "+cols+" FROM posts p WHERE p.id IN "+idList(ids)+extra+" ORDER BY p.id")
	if err != nil {
		return fmt.Errorf("query: unable to read posts to match: %w", err)
	}
	defer rows.Close()
	var hit []int64
	for rows.Next() {
		p, err := scanMatchRow(rows, places)
		if err != nil {
			return fmt.Errorf("query: unable to read posts to match: %w", err)
		}
		d := NewDoc(&p)
		hit = set.Match(d, hit[:0])
		d.Release()
		fn(p.ID, store.Millis(p.CreatedAt), hit)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query: unable to read posts to match: %w", err)
	}
	return nil
}

// insertMatches records matches (each with its query's revision and the
// post's creation time), keeping any already recorded.
func insertMatches(ctx context.Context, t tx, ms []match, revs map[int64]int64, at map[match]int64) error {
	for lo := 0; lo < len(ms); lo += batchRows {
		chunk := ms[lo:min(lo+batchRows, len(ms))]
		vals := make([]string, len(chunk))
		args := make([]any, 0, 4*len(chunk))
		for i, m := range chunk {
			vals[i] = fmt.Sprintf("($%d, $%d, $%d, $%d)", 4*i+1, 4*i+2, 4*i+3, 4*i+4)
			args = append(args, m.q, m.p, revs[m.q], at[m])
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO query_matches (query_id, post_id, revision_id, post_created_at) VALUES `+
			strings.Join(vals, ", ")+` ON CONFLICT (query_id, post_id) DO NOTHING`, args...); err != nil {
			return fmt.Errorf("query: unable to record matches: %w", err)
		}
	}
	return nil
}

// deleteMatches removes matches (ms sorted by query): one statement per
// query and batchRows posts, each a lookup in the (query_id, post_id) key.
func deleteMatches(ctx context.Context, t tx, ms []match) error {
	for lo := 0; lo < len(ms); {
		hi := lo + 1
		for hi < len(ms) && hi-lo < batchRows && ms[hi].q == ms[lo].q {
			hi++
		}
		ids := make([]int64, hi-lo)
		for i, m := range ms[lo:hi] {
			ids[i] = m.p
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM query_matches WHERE query_id = $1 AND post_id IN `+idList(ids), ms[lo].q); err != nil {
			return fmt.Errorf("query: unable to remove matches: %w", err)
		}
		lo = hi
	}
	return nil
}

// addVolume adds delta to each query's hourly volume (the watch
// dashboards and the spike detector), in key order so that concurrent
// transactions never deadlock. Zero deltas are skipped.
func addVolume(ctx context.Context, t tx, delta map[hourKey]int64) error {
	keys := make([]hourKey, 0, len(delta))
	for k, n := range delta {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b hourKey) int { return cmp.Or(cmp.Compare(a.q, b.q), cmp.Compare(a.hour, b.hour)) })
	for lo := 0; lo < len(keys); lo += batchRows {
		chunk := keys[lo:min(lo+batchRows, len(keys))]
		vals := make([]string, len(chunk))
		args := make([]any, 0, 3*len(chunk))
		for i, k := range chunk {
			vals[i] = fmt.Sprintf("($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
			args = append(args, k.q, k.hour, delta[k])
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO query_volume_hourly (query_id, hour, posts) VALUES `+strings.Join(vals, ", ")+`
			ON CONFLICT (query_id, hour) DO UPDATE SET posts = query_volume_hourly.posts + excluded.posts`, args...); err != nil {
			return fmt.Errorf("query: unable to count matches per hour: %w", err)
		}
	}
	return nil
}

// hourOf is the start of the hour of ms.
func hourOf(ms int64) int64 { return ms - ms%3600000 }
