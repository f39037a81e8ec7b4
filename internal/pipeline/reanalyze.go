package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// SetRematch makes Reanalyze match the posts it rewrote again, in the same
// transaction (query.Listener.Rematch).
func (pl *Pipeline) SetRematch(f func(ctx context.Context, tx *sql.Tx, ids []int64) error) {
	pl.rematch = f
}

// Reanalyze re-runs the analyzer over stored posts in id order, in batches,
// rewriting each post's analysis and the columns the inbox filters on (not
// its case: threading stays as the desk left it). After every batch it
// saves its position under checkpoint source, so an interrupted run
// resumes where it stopped. progress, if set, is called after each batch.
func (pl *Pipeline) Reanalyze(ctx context.Context, source string, batch int, progress func(done, total int64)) (int64, error) {
	if pl.analyze == nil {
		return 0, ErrNoAnalyzer
	}
	if batch <= 0 {
		batch = 1000
	}
	var after int64
	var vals string
	err := pl.db.Read.QueryRowContext(ctx, "SELECT vals FROM checkpoints WHERE source = $1", source).Scan(&vals)
	if err == nil {
		var m map[string]string
		if json.Unmarshal([]byte(vals), &m) == nil {
			after, _ = strconv.ParseInt(m["after_id"], 10, 64)
		}
	} else if err != sql.ErrNoRows {
		return 0, err
	}
	var total, done int64
	pl.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM posts").Scan(&total)
	pl.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM posts WHERE id <= $1", after).Scan(&done)
	for ctx.Err() == nil {
		rows, err := pl.db.Read.QueryContext(ctx, `SELECT id, platform, text, author_location, lat, lon FROM posts
			WHERE id > $1 ORDER BY id LIMIT $2`, after, batch)
		if err != nil {
			return done, fmt.Errorf("pipeline: unable to read posts: %w", err)
		}
		var items []item
		for rows.Next() {
			var it item
			var lat, lon sql.NullFloat64
			if err := rows.Scan(&it.p.ID, &it.p.Platform, &it.p.Text, &it.p.Author.Location, &lat, &lon); err != nil {
				rows.Close()
				return done, err
			}
			if lat.Valid && lon.Valid {
				it.p.Lat, it.p.Lon = &lat.Float64, &lon.Float64
			}
			items = append(items, it)
		}
		rows.Close()
		if len(items) == 0 {
			return done, nil
		}
		pl.understand(items, false)
		if err := pl.db.Prepare(ctx, qAnalysis); err != nil {
			return done, err
		}
		last := items[len(items)-1].p.ID
		err = pl.db.BackgroundTx(ctx, func(tx *sql.Tx) error {
			for i := range items {
				if !items[i].fresh {
					continue // could not be encoded; logged
				}
				if err := pl.writeAnalysis(ctx, tx, items[i].p.ID, items[i].cols, 0, 0); err != nil {
					return err
				}
			}
			if pl.rematch != nil {
				// Listening queries follow the new analysis (their
				// counts, the dashboards and the spike alerts).
				var ids []int64
				for i := range items {
					if items[i].fresh {
						ids = append(ids, items[i].p.ID)
					}
				}
				if err := pl.rematch(ctx, tx, ids); err != nil {
					return err
				}
			}
			b, _ := json.Marshal(map[string]string{"after_id": strconv.FormatInt(last, 10)})
			_, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (source, vals, updated_at) VALUES ($1, $2, $3)
				ON CONFLICT (source) DO UPDATE SET vals = excluded.vals, updated_at = excluded.updated_at`,
				source, string(b), store.Millis(time.Now()))
			return err
		})
		if err != nil {
			return done, err
		}
		after = last
		done += int64(len(items))
		if progress != nil {
			progress(done, total)
		}
	}
	return done, ctx.Err()
}
