package ingest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// SubjectChanged carries the ids (decimal) of new post_changes rows, for
// the pipeline to put them on their cases' timelines.
const SubjectChanged = "posts.changed"

// DefaultDeletedRetention is how long a deleted post's text and payload
// are kept as evidence when nothing else is configured.
const DefaultDeletedRetention = 90 * 24 * time.Hour

var changesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "kaval_ingest_changes_total",
	Help: "Edits and deletions offered to intake, by operation and outcome (applied, duplicate, out_of_order, stored_new, unknown_post, invalid).",
}, []string{"platform", "op", "outcome"})

// Apply implements connector.ChangeSink: it applies edits and deletions
// to stored posts, each in its own short transaction, and returns nil once
// every one is durable (or could never apply: an invalid change, a
// deletion of a post never stored). It is idempotent: a redelivered edit
// or deletion changes nothing.
//
// An edit replaces the post's text, keeps the text it replaces (with the
// time it was current) in post_versions, re-analyses the post, re-indexes
// it for search and marks it edited (edited_at). An edit older than the
// current text (delivered out of order) is kept as a version only. An
// edit of a post never stored is stored as a new post when the platform
// sent the whole item.
//
// A deletion marks the post deleted (deleted_at), takes it out of the
// search index and sets when its text and payload are purged: after the
// desk's retention for deleted posts, or sooner when the platform's terms
// ask (Change.PurgeWithin). The text stays meanwhile as evidence; the
// desk's views hide it from roles that may not see evidence.
//
// Each applied change is a post_changes row the pipeline puts on the
// case's timeline.
func (in *Intake) Apply(ctx context.Context, changes []post.Change) error {
	var noted [][]byte
	var fresh []post.Post
	for i := range changes {
		c := &changes[i]
		if err := normaliseChange(c, in.opt.Now().UTC()); err != nil {
			in.opt.Log.Warn("ingest: change refused", "platform", label(c.Platform), "external_id", trunc(c.ExternalID), "err", err)
			changesTotal.WithLabelValues(label(c.Platform), label(c.Op), "invalid").Inc()
			continue
		}
		id, outcome, err := in.applyOne(ctx, c)
		if err != nil {
			return err
		}
		if outcome == "unknown_post" && c.Op == post.ChangeEdit && c.Post != nil {
			p := *c.Post
			p.Text, p.Raw = c.Text, c.Raw
			if p.Platform == "" {
				p.Platform = c.Platform
			}
			p.ExternalID = c.ExternalID
			fresh = append(fresh, p)
			outcome = "stored_new"
		}
		changesTotal.WithLabelValues(label(c.Platform), c.Op, outcome).Inc()
		if id != 0 {
			noted = append(noted, strconv.AppendInt(nil, id, 10))
		}
	}
	if len(fresh) > 0 {
		if err := in.Ingest(ctx, fresh); err != nil {
			return err
		}
	}
	if in.bus != nil && len(noted) > 0 {
		if err := in.bus.Publish(context.Background(), SubjectChanged, noted...); err != nil {
			// Durable already; the pipeline's sweep finds them.
			in.opt.Log.Warn("ingest: publish failed", "err", err)
		}
	}
	return nil
}

// normaliseChange checks a change like Normalise checks a post.
func normaliseChange(c *post.Change, now time.Time) error {
	c.Platform, c.ExternalID = strings.TrimSpace(c.Platform), strings.TrimSpace(c.ExternalID)
	switch {
	case c.Platform == "" || len(c.Platform) > 32:
		return invalid("platform", "is required, at most 32 bytes")
	case c.ExternalID == "" || len(c.ExternalID) > MaxID:
		return invalid("external_id", "is required, at most %d bytes", MaxID)
	case c.Op != post.ChangeEdit && c.Op != post.ChangeDelete:
		return invalid("op", "must be edit or delete")
	case len(c.Text) > MaxText:
		return invalid("text", "is %d bytes, more than the limit of %d", len(c.Text), MaxText)
	case !utf8.ValidString(c.Text) || !utf8.ValidString(c.ExternalID):
		return invalid("text", "is not valid UTF-8")
	case strings.IndexByte(c.Text, 0) >= 0:
		return invalid("text", "contains a NUL byte")
	case len(c.Raw) > MaxRaw:
		return invalid("raw", "is %d bytes, more than the limit of %d", len(c.Raw), MaxRaw)
	case len(c.Raw) > 0 && !json.Valid(c.Raw):
		return invalid("raw", "is not valid JSON")
	}
	c.Text = textnorm.Clean(c.Text)
	if len(c.Raw) > 0 {
		var buf bytes.Buffer
		if json.Compact(&buf, c.Raw) == nil {
			c.Raw = buf.Bytes()
		}
	}
	if c.At.IsZero() || c.At.After(now.Add(24*time.Hour)) || c.At.Year() < 2000 {
		c.At = now
	}
	c.At = c.At.UTC()
	return nil
}

// stored is what applying a change needs of the stored post.
type stored struct {
	id, created         int64
	text, raw           string
	authorLocation      string
	editedAt, deletedAt sql.NullInt64
	stage               int
	lat, lon            sql.NullFloat64
}

// applyOne applies one change; id is the new post_changes row (0 when
// nothing changed), outcome what happened.
func (in *Intake) applyOne(ctx context.Context, c *post.Change) (id int64, outcome string, err error) {
	// Most deletions a network-wide stream reports are of posts the desk
	// never stored: a read on the read pool settles them without taking
	// the one writer.
	var st stored
	err = in.db.Read.QueryRowContext(ctx, `SELECT id, text, author_location, lat, lon FROM posts WHERE platform = $1 AND external_id = $2`,
		c.Platform, c.ExternalID).Scan(&st.id, &st.text, &st.authorLocation, &st.lat, &st.lon)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "unknown_post", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("ingest: unable to look up post: %w", err)
	}
	// The analysis of the new text runs before the transaction, off the
	// one writer, like intake's.
	var cols []any
	if c.Op == post.ChangeEdit && in.opt.Analyze != nil {
		p := post.Post{Platform: c.Platform, Text: c.Text, Author: post.Author{Location: st.authorLocation}}
		if st.lat.Valid && st.lon.Valid {
			p.Lat, p.Lon = &st.lat.Float64, &st.lon.Float64
		}
		if a, aerr := in.opt.Analyze.Run(&p); aerr == nil {
			cols, _ = AnalysisColumns(&a)
		} else {
			in.opt.Log.Error("ingest: analysis of an edit failed", "platform", c.Platform, "external_id", trunc(c.ExternalID), "err", aerr)
		}
	}
	now := store.Millis(in.opt.Now())
	at := store.Millis(c.At)
	err = in.db.Tx(ctx, func(tx *sql.Tx) error {
		id, outcome = 0, ""
		q := `SELECT id, text, raw, created_at, edited_at, deleted_at, stage FROM posts WHERE id = $1`
		if in.db.Dialect == store.Postgres {
			q += " FOR UPDATE"
		}
		if err := tx.QueryRowContext(ctx, q, st.id).Scan(&st.id, &st.text, &st.raw, &st.created, &st.editedAt, &st.deletedAt, &st.stage); err != nil {
			return fmt.Errorf("ingest: unable to read post: %w", err)
		}
		var err error
		if c.Op == post.ChangeEdit {
			outcome, err = in.edit(ctx, tx, c, &st, cols, at, now)
		} else {
			outcome, err = in.delete(ctx, tx, c, &st, at, now)
		}
		if err != nil || outcome != "applied" {
			return err
		}
		if c.Op == post.ChangeEdit && cols != nil && in.rematch != nil {
			if err := in.rematch(ctx, tx, []int64{st.id}); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, `INSERT INTO post_changes (post_id, op, at, recorded_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			st.id, c.Op, at, now).Scan(&id)
	})
	if err != nil {
		return 0, "", fmt.Errorf("ingest: unable to apply %s: %w", c.Op, err)
	}
	return id, outcome, nil
}

func (in *Intake) edit(ctx context.Context, tx *sql.Tx, c *post.Change, st *stored, cols []any, at, now int64) (string, error) {
	if c.Text == st.text {
		return "duplicate", nil // a redelivery of the edit that made the current text
	}
	current := st.created
	if st.editedAt.Valid {
		current = st.editedAt.Int64
	}
	if at < current {
		// Older than the current text (out of order): evidence only,
		// once.
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM post_versions WHERE post_id = $1 AND text = $2`, st.id, c.Text).Scan(&n); err != nil {
			return "", err
		}
		if n > 0 {
			return "duplicate", nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO post_versions (post_id, text, raw, valid_from, replaced_at, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			st.id, c.Text, string(c.Raw), at, current, now)
		return "out_of_order", err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO post_versions (post_id, text, raw, valid_from, replaced_at, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		st.id, st.text, st.raw, current, at, now); err != nil {
		return "", err
	}
	raw := string(c.Raw)
	if raw == "" {
		raw = st.raw
	}
	if _, err := tx.ExecContext(ctx, `UPDATE posts SET text = $1, raw = $2, edited_at = $3 WHERE id = $4`, c.Text, raw, at, st.id); err != nil {
		return "", err
	}
	if cols != nil {
		args := append(append(make([]any, 0, len(cols)+1), cols...), st.id)
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET analysis = $1, lang = $2, sentiment = $3, category = $4, station = $5,
			traffic_station = $6, urgency = $7, emergency = $8, offensive = $9, simhash = $10 WHERE id = $11`, args...); err != nil {
			return "", err
		}
	}
	return "applied", in.reindex(ctx, tx, st, c.Text)
}

func (in *Intake) delete(ctx context.Context, tx *sql.Tx, c *post.Change, st *stored, at, now int64) (string, error) {
	if st.deletedAt.Valid {
		return "duplicate", nil
	}
	keep := in.opt.DeletedRetention
	if keep <= 0 {
		keep = DefaultDeletedRetention
	}
	if c.PurgeWithin > 0 && c.PurgeWithin < keep {
		keep = c.PurgeWithin
	}
	purge := now + keep.Milliseconds()
	if _, err := tx.ExecContext(ctx, `UPDATE posts SET deleted_at = $1, purge_after = $2 WHERE id = $3`, at, purge, st.id); err != nil {
		return "", err
	}
	if len(c.Raw) > 0 {
		// The deletion notice is evidence too, purged with the rest.
		if _, err := tx.ExecContext(ctx, `INSERT INTO post_versions (post_id, text, raw, valid_from, replaced_at, recorded_at) VALUES ($1, '', $2, $3, $3, $4)`,
			st.id, string(c.Raw), at, now); err != nil {
			return "", err
		}
	}
	return "applied", in.reindex(ctx, tx, st, "")
}

// reindex replaces the post's search entry with text ("" removes it). A
// post not yet on the desk has none on SQLite: the pipeline indexes it
// from the stored text.
func (in *Intake) reindex(ctx context.Context, tx *sql.Tx, st *stored, text string) error {
	if in.db.Dialect == store.Postgres {
		var err error
		if text == "" {
			_, err = tx.ExecContext(ctx, `UPDATE posts SET search = NULL WHERE id = $1`, st.id)
		} else {
			var handle, name string
			if err = tx.QueryRowContext(ctx, `SELECT author_handle, author_name FROM posts WHERE id = $1`, st.id).Scan(&handle, &name); err == nil {
				p := post.Post{Text: text, Author: post.Author{Handle: handle, Name: name}}
				_, err = tx.ExecContext(ctx, `UPDATE posts SET search = to_tsvector('simple', $1) WHERE id = $2`, SearchBody(&p), st.id)
			}
		}
		return err
	}
	if st.stage < StageOnDesk {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM posts_fts WHERE rowid = $1`, st.id); err != nil {
		return err
	}
	if text == "" {
		return nil
	}
	var handle, name string
	if err := tx.QueryRowContext(ctx, `SELECT author_handle, author_name FROM posts WHERE id = $1`, st.id).Scan(&handle, &name); err != nil {
		return err
	}
	p := post.Post{Text: text, Author: post.Author{Handle: handle, Name: name}}
	_, err := tx.ExecContext(ctx, `INSERT INTO posts_fts (rowid, body) VALUES ($1, $2)`, st.id, SearchBody(&p))
	return err
}

// PurgeDeleted empties the text, payload and analysis of deleted posts
// whose retention has run out, and the evidence versions kept of them,
// so that what a citizen deleted is really gone from the desk. It returns
// how many posts it purged. Safe to run on every replica at once.
func (in *Intake) PurgeDeleted(ctx context.Context) (int, error) {
	now := store.Millis(in.opt.Now())
	total := 0
	for ctx.Err() == nil {
		rows, err := in.db.Read.QueryContext(ctx, `SELECT id FROM posts WHERE purge_after IS NOT NULL AND purge_after <= $1 AND purged_at IS NULL ORDER BY id LIMIT 500`, now)
		if err != nil {
			return total, fmt.Errorf("ingest: unable to find posts to purge: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return total, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) == 0 {
			return total, nil
		}
		err = in.db.BackgroundTx(ctx, func(tx *sql.Tx) error {
			for _, id := range ids {
				if _, err := tx.ExecContext(ctx, `UPDATE posts SET text = '', raw = '', analysis = NULL, purged_at = $1
					WHERE id = $2 AND purged_at IS NULL`, now, id); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE post_versions SET text = '', raw = '' WHERE post_id = $1`, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("ingest: unable to purge deleted posts: %w", err)
		}
		total += len(ids)
	}
	return total, ctx.Err()
}
