package desk

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/kaval-desk/kaval/internal/analyze/labels"
	"github.com/kaval-desk/kaval/internal/store"
)

// Correction is an agent's one-click fix of an analysis chip. Task is
// category, emergency, lang, sentiment or station; Label is the right
// value (for station, UnitID names the unit). PostID is the post whose
// analysis was wrong (default: the case's first post).
type Correction struct {
	Task   string `json:"task"`
	Label  string `json:"label,omitempty"`
	UnitID int64  `json:"unit_id,omitempty"`
	PostID int64  `json:"post_id,omitempty"`
}

// CorrectionTasks are the chips that can be corrected.
var CorrectionTasks = []string{"category", "emergency", "lang", "sentiment", "station"}

// Correct applies a correction to the case (and the post's stored
// sentiment), records it on the timeline and stores the post's text with
// the right label for `kaval train --db` (for the station, the unit's
// name: labels.OpenTasks).
func (d *Desk) Correct(ctx context.Context, id int64, sc Scope, actor int64, cr Correction) (Case, error) {
	if !slices.Contains(CorrectionTasks, cr.Task) {
		return Case{}, Invalid("task", "must be one of category, emergency, lang, sentiment, station")
	}
	if cr.Task == "station" {
		if cr.UnitID <= 0 {
			return Case{}, Invalid("unit_id", "name the right station")
		}
	} else if !slices.Contains(labels.Tasks[cr.Task], cr.Label) {
		return Case{}, Invalid("label", "%q is not a %s", cr.Label, cr.Task)
	}
	now := d.opt.Now().UTC()
	var text, label string
	var postID int64
	err := d.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := d.getCase(ctx, tx, "c.id = $1", id, sc)
		if err != nil {
			return err
		}
		q, args := "SELECT id, text, sentiment FROM posts WHERE case_id = $1 ORDER BY created_at, id LIMIT 1", []any{id}
		if cr.PostID != 0 {
			q, args = "SELECT id, text, sentiment FROM posts WHERE case_id = $1 AND id = $2", []any{id, cr.PostID}
		}
		var sentiment string
		if err := tx.QueryRowContext(ctx, q, args...).Scan(&postID, &text, &sentiment); errors.Is(err, sql.ErrNoRows) {
			return Invalid("post_id", "post %d is not a post of case %s", cr.PostID, c.Ref)
		} else if err != nil {
			return err
		}
		body := map[string]any{"task": cr.Task, "to": cr.Label, "post_id": postID}
		set, setArgs := "", []any{}
		switch cr.Task {
		case "category":
			body["from"] = c.Category
			set, setArgs = "category = $1", []any{cr.Label}
		case "lang":
			body["from"] = c.Lang
			set, setArgs = "lang = $1", []any{cr.Label}
		case "sentiment":
			body["from"] = sentiment
			if _, err := tx.ExecContext(ctx, "UPDATE posts SET sentiment = $1 WHERE id = $2", cr.Label, postID); err != nil {
				return err
			}
		case "emergency":
			// An emergency is critical; taking the flag away leaves the
			// priority to the agent (urgency may still warrant it).
			if cr.Label == "true" && c.Priority != P1 {
				body["priority_from"] = c.Priority
				set = "priority = $1, first_response_due = $2, resolve_due = $3"
				setArgs = []any{P1, store.Millis(c.CreatedAt) + d.opt.SLA.FirstResponse[P1].Milliseconds(),
					store.Millis(c.CreatedAt) + d.opt.SLA.Resolve[P1].Milliseconds()}
			}
		case "station":
			var name string
			if err := tx.QueryRowContext(ctx, "SELECT name FROM units WHERE id = $1", cr.UnitID).Scan(&name); errors.Is(err, sql.ErrNoRows) {
				return Invalid("unit_id", "unit %d does not exist", cr.UnitID)
			} else if err != nil {
				return err
			}
			body["from"], body["to"], body["unit_id"] = c.UnitName, name, cr.UnitID
			label = name
			set, setArgs = "unit_id = $1", []any{cr.UnitID}
		}
		n := len(setArgs)
		if set != "" {
			set += ", "
		}
		setArgs = append(setArgs, store.Millis(now), id)
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET "+set+"updated_at = $"+itoa(n+1)+", version = version + 1 WHERE id = $"+itoa(n+2), setArgs...); err != nil {
			return err
		}
		return d.event(ctx, tx, id, actor, "correction", body, now)
	})
	if err != nil {
		return Case{}, d.wrap("correct the analysis", err)
	}
	if cr.Task != "station" {
		label = cr.Label
	}
	if _, err := labels.Save(ctx, d.db, labels.Label{PostID: postID, Text: text, Task: cr.Task, Label: label, UserID: actor, CreatedAt: now}); err != nil {
		return Case{}, err
	}
	return d.GetCase(ctx, id, sc)
}
