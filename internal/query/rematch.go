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

// Rematch matches the posts ids again after their text or analysis
// changed (an edit by their author, `kaval reanalyze`), inside tx: the
// matches of the approved queries that no longer hold are removed and the
// new ones recorded, and each query's hourly volume (the dashboards and
// the spike detector) follows, so counts and alerts stay right. Matches of
// queries retired since are history and stay. Posts not yet matched live
// (not on the desk yet) are left to Listen.
func (l *Listener) Rematch(ctx context.Context, tx *sql.Tx, ids []int64) error {
	l.mu.RLock()
	set, revs := l.set, l.revs
	l.mu.RUnlock()
	if len(revs) == 0 || len(ids) == 0 {
		return nil
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = strconv.FormatInt(id, 10) // integers: no injection possible
	}
	in := "(" + strings.Join(list, ",") + ")"
	places := set.UsesPlaces()
	cols := matchCols
	if places {
		cols += ", p.analysis"
	}
	type qp struct{ q, p int64 }
	now := map[qp]int64{} // → the post's created_at
	rows, err := tx.QueryContext(ctx, "SELECT "+cols+" FROM posts p WHERE p.id IN "+in+" AND p.stage = 2 ORDER BY p.id")
	if err != nil {
		return fmt.Errorf("query: unable to read posts to match: %w", err)
	}
	var hit []int64
	for rows.Next() {
		p, err := scanMatchRow(rows, places)
		if err != nil {
			rows.Close()
			return fmt.Errorf("query: unable to read posts to match: %w", err)
		}
		d := NewDoc(&p)
		hit = set.Match(d, hit[:0])
		d.Release()
		for _, q := range hit {
			now[qp{q, p.ID}] = store.Millis(p.CreatedAt)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query: unable to read posts to match: %w", err)
	}
	was := map[qp]int64{}
	rows, err = tx.QueryContext(ctx, "SELECT query_id, post_id, post_created_at FROM query_matches WHERE post_id IN "+in)
	if err != nil {
		return fmt.Errorf("query: unable to read matches: %w", err)
	}
	for rows.Next() {
		var k qp
		var at int64
		if err := rows.Scan(&k.q, &k.p, &at); err != nil {
			rows.Close()
			return fmt.Errorf("query: unable to read matches: %w", err)
		}
		if _, active := revs[k.q]; active {
			was[k] = at
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query: unable to read matches: %w", err)
	}
	type qh struct{ q, hour int64 }
	delta := map[qh]int64{}
	for k, at := range was {
		if _, still := now[k]; still {
			continue
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM query_matches WHERE query_id = $1 AND post_id = $2", k.q, k.p); err != nil {
			return fmt.Errorf("query: unable to remove a match: %w", err)
		}
		delta[qh{k.q, at - at%3600000}]--
	}
	for k, at := range now {
		if _, had := was[k]; had {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO query_matches (query_id, post_id, revision_id, post_created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (query_id, post_id) DO NOTHING`, k.q, k.p, revs[k.q], at); err != nil {
			return fmt.Errorf("query: unable to record a match: %w", err)
		}
		delta[qh{k.q, at - at%3600000}]++
	}
	keys := make([]qh, 0, len(delta))
	for k, n := range delta {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	// In key order, as Listen, so concurrent transactions never deadlock.
	slices.SortFunc(keys, func(a, b qh) int { return cmp.Or(cmp.Compare(a.q, b.q), cmp.Compare(a.hour, b.hour)) })
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `INSERT INTO query_volume_hourly (query_id, hour, posts) VALUES ($1, $2, $3)
			ON CONFLICT (query_id, hour) DO UPDATE SET posts = query_volume_hourly.posts + excluded.posts`, k.q, k.hour, delta[k]); err != nil {
			return fmt.Errorf("query: unable to count matches per hour: %w", err)
		}
	}
	return nil
}
