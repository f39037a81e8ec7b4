// Package labels stores the corrections agents make to a post's analysis
// on the desk (the right sentiment, "not an emergency", the right
// category…) so that `kaval train --db` can learn from them.
package labels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/store"
)

// Tasks and their allowed labels.
var Tasks = map[string][]string{
	"sentiment": {"negative", "neutral", "positive"},
	"offensive": {"false", "true"},
	"emergency": {"false", "true"},
	"complaint": {"false", "true"},
	"category":  analyze.Categories,
	"lang":      {"en", "kn", "kn-Latn", "hi", "hi-Latn", "ta-Latn", "ml-Latn", "ta", "te", "ml", "ur"},
}

// OpenTasks take any label: "station" is the unit a post's place lies
// in, by the unit's name (ids differ between databases), as the desk
// corrects it. The place gazetteer is rules, not a trained head, so these
// are kept as evaluation data and for a future place model; training
// skips tasks it has no head for.
var OpenTasks = map[string]bool{"station": true}

// MaxOpenLabel bounds an open task's label.
const MaxOpenLabel = 200

// Label is one correction. PostID and UserID are 0 when unknown.
type Label struct {
	ID        int64
	PostID    int64
	Text      string
	Task      string
	Label     string
	UserID    int64
	CreatedAt time.Time
}

// MaxText bounds the stored text (posts longer than this are cut).
const MaxText = 16 << 10

// ErrInvalid is returned for an unknown task or label.
var ErrInvalid = errors.New("labels: invalid label")

// Save validates and stores a correction and returns its id.
func Save(ctx context.Context, db *store.DB, l Label) (int64, error) {
	if OpenTasks[l.Task] {
		if strings.TrimSpace(l.Label) == "" || len(l.Label) > MaxOpenLabel || !utf8.ValidString(l.Label) || strings.ContainsAny(l.Label, "\x00\r\n") {
			return 0, fmt.Errorf("%w: task %q label %q", ErrInvalid, l.Task, l.Label)
		}
	} else if allowed, ok := Tasks[l.Task]; !ok || !slices.Contains(allowed, l.Label) {
		return 0, fmt.Errorf("%w: task %q label %q", ErrInvalid, l.Task, l.Label)
	}
	if strings.TrimSpace(l.Text) == "" {
		return 0, fmt.Errorf("%w: empty text", ErrInvalid)
	}
	text := strings.ToValidUTF8(l.Text, "\uFFFD")
	if len(text) > MaxText {
		text = text[:MaxText]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = time.Now()
	}
	var id int64
	err := db.Write.QueryRowContext(ctx,
		`INSERT INTO labels (post_id, text, task, label, user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		nullID(l.PostID), text, l.Task, l.Label, nullID(l.UserID), store.Millis(l.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("labels: unable to save: %w", err)
	}
	return id, nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id > 0} }

// List returns the labels of one task ("" for all), oldest first. When a
// post was corrected more than once for the same task, only the latest
// correction counts.
func List(ctx context.Context, db *store.DB, task string) ([]Label, error) {
	rows, err := db.Read.QueryContext(ctx,
		`SELECT id, COALESCE(post_id, 0), text, task, label, COALESCE(user_id, 0), created_at FROM labels
		 WHERE ($1 = '' OR task = $1) ORDER BY id`, task)
	if err != nil {
		return nil, fmt.Errorf("labels: unable to list: %w", err)
	}
	defer rows.Close()
	var out []Label
	latest := map[[2]string]int{} // (post, task) → index in out, for single-label tasks
	for rows.Next() {
		var l Label
		var ms int64
		if err := rows.Scan(&l.ID, &l.PostID, &l.Text, &l.Task, &l.Label, &l.UserID, &ms); err != nil {
			return nil, fmt.Errorf("labels: unable to list: %w", err)
		}
		l.CreatedAt = store.Time(ms)
		if l.PostID > 0 && l.Task != "category" {
			k := [2]string{fmt.Sprint(l.PostID), l.Task}
			if i, ok := latest[k]; ok {
				out[i] = l
				continue
			}
			latest[k] = len(out)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// ForTraining is List over every task.
func ForTraining(ctx context.Context, db *store.DB) ([]Label, error) { return List(ctx, db, "") }
