package desk

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// Batch gathers the rows of one pipeline transaction that do not need
// writing one by one: the timeline events Attach makes and the links of
// posts to their author and case. Flush writes each kind with a single
// statement that reads a JSON array, so a chunk of posts costs two
// statements instead of two or three per post (on PostgreSQL each is a
// round trip; on SQLite each is a pass through the driver).
type Batch struct {
	events []json.RawMessage // [case_id, at, kind, body]
	links  [][3]int64        // post, author, case (0 = leave as is)
	fps    []pendingFP       // near-duplicate fingerprints of the posts threaded

	// What Begin did for the transaction: the locks it holds and the
	// places whose recent reports it has read.
	locked map[int64]bool
	read   map[string]bool
}

// event queues a system event of caseID.
func (b *Batch) event(caseID int64, now time.Time, kind string, body map[string]any) error {
	bb, err := json.Marshal(body)
	if err != nil {
		return err
	}
	row, err := json.Marshal([]any{caseID, store.Millis(now), kind, string(bb)})
	if err != nil {
		return err
	}
	b.events = append(b.events, row)
	return nil
}

// Link queues setting a post's author and case (either 0: unchanged).
func (b *Batch) Link(postID, authorID, caseID int64) {
	b.links = append(b.links, [3]int64{postID, authorID, caseID})
}

// Flush writes what the batch gathered, in the order it was gathered, and
// empties it.
func (d *Desk) Flush(ctx context.Context, tx *sql.Tx, b *Batch) error {
	if len(b.events) > 0 {
		rows, err := json.Marshal(b.events)
		if err != nil {
			return err
		}
		if _, err := d.exec(ctx, tx, d.qEvents(), string(rows)); err != nil {
			return fmt.Errorf("desk: unable to record events: %w", err)
		}
	}
	if len(b.links) > 0 {
		rows, err := json.Marshal(b.links)
		if err != nil {
			return err
		}
		if _, err := d.exec(ctx, tx, d.qLinks(), string(rows)); err != nil {
			return fmt.Errorf("desk: unable to link posts: %w", err)
		}
	}
	if err := d.writeFingerprints(ctx, tx, b.fps); err != nil {
		return err
	}
	b.events, b.links, b.fps = b.events[:0], b.links[:0], b.fps[:0]
	return nil
}

// qEvents inserts the rows of a JSON array of [case_id, at, kind, body]
// in array order (ids, and so the timeline, keep that order).
func (d *Desk) qEvents() string {
	if d.db.Dialect == store.Postgres {
		return `INSERT INTO case_events (case_id, at, kind, body)
			SELECT (e->>0)::bigint, (e->>1)::bigint, e->>2, e->>3
			FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(e, n) ORDER BY n`
	}
	return `INSERT INTO case_events (case_id, at, kind, body)
		SELECT value->>0, value->>1, value->>2, value->>3 FROM json_each($1) ORDER BY key`
}

// qLinks sets author and case of the posts in a JSON array of
// [post, author, case]; 0 leaves a column as it is.
func (d *Desk) qLinks() string {
	if d.db.Dialect == store.Postgres {
		return `UPDATE posts SET author_id = COALESCE(NULLIF((e->>1)::bigint, 0), author_id),
			case_id = COALESCE(NULLIF((e->>2)::bigint, 0), case_id)
			FROM jsonb_array_elements($1::jsonb) AS e WHERE posts.id = (e->>0)::bigint`
	}
	return `UPDATE posts SET author_id = COALESCE(NULLIF(v.value->>1, 0), author_id),
		case_id = COALESCE(NULLIF(v.value->>2, 0), case_id)
		FROM json_each($1) AS v WHERE posts.id = v.value->>0`
}
