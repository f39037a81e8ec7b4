package query

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// Rematch matches the posts ids again after their text or analysis
// changed (an edit by their author, `kaval reanalyze`), inside tx: the
// matches of the approved queries that no longer hold are removed and the
// new ones recorded, and each query's hourly volume (the dashboards and
// the spike detector) follows, so counts and alerts stay right. Matches of
// queries retired since are history and stay. Posts not yet matched live
// (not on the desk yet) are left to Listen. It reads and writes as Listen
// does, a statement per batchRows rows (record.go), not one per match.
func (l *Listener) Rematch(ctx context.Context, tx *sql.Tx, ids []int64) error {
	return l.rematch(ctx, tx, ids)
}

func (l *Listener) rematch(ctx context.Context, t tx, ids []int64) error {
	l.mu.RLock()
	set, revs := l.set, l.revs
	l.mu.RUnlock()
	if len(revs) == 0 || len(ids) == 0 {
		return nil
	}
	now := map[match]int64{} // → the post's created_at
	err := matchPosts(ctx, t, set, ids, " AND p.stage = 2", func(id, created int64, hits []int64) {
		for _, q := range hits {
			now[match{q, id}] = created
		}
	})
	if err != nil {
		return err
	}
	was := map[match]int64{}
	rows, err := t.QueryContext(ctx, "SELECT query_id, post_id, post_created_at FROM query_matches WHERE post_id IN "+idList(ids))
	if err != nil {
		return fmt.Errorf("query: unable to read matches: %w", err)
	}
	for rows.Next() {
		var k match
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
	delta := map[hourKey]int64{}
	var gone, added []match
	for k, at := range was {
		if _, still := now[k]; !still {
			gone = append(gone, k)
			delta[hourKey{k.q, hourOf(at)}]--
		}
	}
	for k, at := range now {
		if _, had := was[k]; !had {
			added = append(added, k)
			delta[hourKey{k.q, hourOf(at)}]++
		}
	}
	byKey := func(a, b match) int { return cmp.Or(cmp.Compare(a.q, b.q), cmp.Compare(a.p, b.p)) }
	slices.SortFunc(gone, byKey)
	slices.SortFunc(added, byKey)
	if err := deleteMatches(ctx, t, gone); err != nil {
		return err
	}
	if err := insertMatches(ctx, t, added, revs, now); err != nil {
		return err
	}
	return addVolume(ctx, t, delta)
}
