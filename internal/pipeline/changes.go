package pipeline

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/ingest"
)

// NoteChanges puts the edits and deletions intake applied on their cases'
// timelines (desk.NotePostChanges): those of ids, or, when ids is nil, up
// to a thousand still pending (the sweep). Changes of posts not yet on the
// desk stay pending until a later sweep.
func (pl *Pipeline) NoteChanges(ctx context.Context, ids []int64) error {
	if ids == nil {
		rows, err := pl.db.Read.QueryContext(ctx, "SELECT id FROM post_changes WHERE noted_at IS NULL ORDER BY id LIMIT 1000")
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var changed []int64
	err := pl.db.BackgroundTx(ctx, func(tx *sql.Tx) error {
		var err error
		changed, err = pl.desk.NotePostChanges(ctx, tx, ids)
		return err
	})
	if err != nil || len(changed) == 0 || pl.bus == nil {
		return err
	}
	msgs := make([][]byte, 0, len(changed))
	for _, id := range changed {
		msgs = append(msgs, strconv.AppendInt(nil, id, 10))
	}
	if err := pl.bus.Publish(ctx, SubjectCases, msgs...); err != nil {
		pl.log.Warn("pipeline: publish failed", "err", err)
	}
	return nil
}

// runChanges notes changes as intake announces them, until ctx ends.
func (pl *Pipeline) runChanges(ctx context.Context) error {
	return pl.bus.Subscribe(ctx, ingest.SubjectChanged, "pipeline-changes", bus.SubOptions{MaxBatch: 500}, func(ctx context.Context, msgs [][]byte) error {
		ids := make([]int64, 0, len(msgs))
		for _, m := range msgs {
			if id, err := strconv.ParseInt(string(m), 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		return pl.NoteChanges(ctx, ids)
	})
}
