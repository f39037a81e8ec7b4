package desk

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// Timeline events of a post its author edited or deleted on the platform.
const (
	EventPostEdited  = "post_edited"
	EventPostDeleted = "post_deleted"
)

// DeletedSubject replaces a case subject taken from a post its author
// deleted: the text stays as evidence on the post, for those who may see
// it, not in every list of cases.
const DeletedSubject = "[post deleted by its author]"

// NotePostChanges puts the edits and deletions intake applied (rows of
// post_changes) on their cases' timelines and returns the cases that
// changed. A change of a post not yet on the desk is left for later: the
// post reaches its case with its current text, and the next call (the
// pipeline's sweep) notes the change then. A case subject taken from the
// changed post follows it: the edited first line, or DeletedSubject.
// Notes are idempotent: each change is noted once.
func (d *Desk) NotePostChanges(ctx context.Context, tx *sql.Tx, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	now := d.opt.Now().UTC()
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = id
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.post_id, c.op, c.at, COALESCE(p.case_id, 0), p.stage, p.text
		FROM post_changes c JOIN posts p ON p.id = c.post_id
		WHERE c.noted_at IS NULL AND c.id IN (`+strings.Join(ph, ",")+`) ORDER BY c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("desk: unable to read post changes: %w", err)
	}
	type change struct {
		id, post, at, caseID int64
		op, text             string
		stage                int
	}
	var cs []change
	for rows.Next() {
		var c change
		if err := rows.Scan(&c.id, &c.post, &c.op, &c.at, &c.caseID, &c.stage, &c.text); err != nil {
			rows.Close()
			return nil, fmt.Errorf("desk: unable to read post changes: %w", err)
		}
		cs = append(cs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var changed []int64
	for _, c := range cs {
		if c.stage < 2 {
			continue // not threaded yet
		}
		if c.caseID != 0 {
			if err := d.notePostChange(ctx, tx, c.caseID, c.post, c.op, c.at, c.text, now); err != nil {
				return nil, err
			}
			changed = append(changed, c.caseID)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE post_changes SET noted_at = $1 WHERE id = $2", store.Millis(now), c.id); err != nil {
			return nil, fmt.Errorf("desk: unable to note a post change: %w", err)
		}
	}
	return changed, nil
}

func (d *Desk) notePostChange(ctx context.Context, tx *sql.Tx, caseID, postID int64, op string, at int64, text string, now time.Time) error {
	var subj string
	if err := tx.QueryRowContext(ctx, "SELECT subject FROM cases WHERE id = $1", caseID).Scan(&subj); err != nil {
		if err == sql.ErrNoRows {
			return nil // the case is gone (retention)
		}
		return fmt.Errorf("desk: unable to read case: %w", err)
	}
	kind := EventPostEdited
	newSubj := subj
	switch op {
	case "delete":
		kind = EventPostDeleted
		if subj != "" && subj == subject(text) {
			newSubj = DeletedSubject
		}
	default:
		// The text this edit replaced is the version that ended at it.
		var prev string
		err := tx.QueryRowContext(ctx, `SELECT text FROM post_versions WHERE post_id = $1 AND replaced_at = $2 ORDER BY id DESC LIMIT 1`,
			postID, at).Scan(&prev)
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("desk: unable to read post version: %w", err)
		}
		if prev != "" && subj == subject(prev) {
			newSubj = subject(text)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE cases SET subject = $1, updated_at = $2, version = version + 1 WHERE id = $3",
		newSubj, store.Millis(now), caseID); err != nil {
		return fmt.Errorf("desk: unable to update case: %w", err)
	}
	// The body names the post and when the platform says it changed, never
	// the text: the timeline is read by roles that may not see it.
	if err := d.event(ctx, tx, caseID, 0, kind, map[string]any{"post_id": postID, "at": store.Time(at).UTC().Format(time.RFC3339)}, now); err != nil {
		return err
	}
	if op == "delete" {
		return nil // a deletion never lowers a case: what was reported may still be true
	}
	return d.followEdit(ctx, tx, caseID, postID, now)
}

// followEdit raises a case whose post an edit made more urgent (a "help"
// or a place added afterwards), as a new post of that urgency would
// (follow): priority, category, unit and deadlines, with a priority
// event. The status stays: an edit is not the citizen writing again.
func (d *Desk) followEdit(ctx context.Context, tx *sql.Tx, caseID, postID int64, now time.Time) error {
	var js sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT analysis FROM posts WHERE id = $1", postID).Scan(&js); err != nil || !js.Valid {
		return err
	}
	var a post.Analysis
	if json.Unmarshal([]byte(js.String), &a) != nil {
		return nil
	}
	t := d.triageOf(&post.Post{Analysis: &a})
	c, err := d.head(ctx, tx, d.qCaseHeadLocked(), caseID)
	if err != nil || c == nil || t.prio >= c.priority {
		return err
	}
	s := d.follow(c, t, now)
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET priority = $1, category = $2, unit_id = $3, traffic_unit_id = $4,
		first_response_due = $5, resolve_due = $6, urgency = CASE WHEN urgency > $7 THEN urgency ELSE $7 END,
		updated_at = $8, version = version + 1 WHERE id = $9`,
		s.priority, s.category, s.unit, s.traffic, s.firstDue, s.resolveDue, t.urgency, store.Millis(now), caseID); err != nil {
		return fmt.Errorf("desk: unable to raise case: %w", err)
	}
	return d.event(ctx, tx, caseID, 0, "priority", map[string]any{"from": c.priority, "to": s.priority, "post_id": postID,
		"reason": "an edited post", "first_response_due": s.firstDue.Int64, "resolve_due": s.resolveDue.Int64}, now)
}

// PostVersion is an earlier text of a post its author edited (or the
// notice of its deletion, with empty text), kept as evidence.
type PostVersion struct {
	Text       string          `json:"text"`
	Raw        json.RawMessage `json:"raw,omitempty"`
	ValidFrom  time.Time       `json:"valid_from"`  // when this text became current
	ReplacedAt time.Time       `json:"replaced_at"` // when the next one replaced it
	RecordedAt time.Time       `json:"recorded_at"`
}

// PostVersions returns the earlier versions of a post, oldest first,
// within the caller's scope. After the retention purge of a deleted post
// their text and payload are empty.
func (d *Desk) PostVersions(ctx context.Context, postID int64, sc Scope) ([]PostVersion, error) {
	if _, _, err := d.GetPost(ctx, postID, sc); err != nil {
		return nil, err
	}
	rows, err := d.db.Read.QueryContext(ctx, `SELECT text, raw, valid_from, replaced_at, recorded_at FROM post_versions
		WHERE post_id = $1 ORDER BY valid_from, id`, postID)
	if err != nil {
		return nil, fmt.Errorf("desk: unable to list post versions: %w", err)
	}
	defer rows.Close()
	out := []PostVersion{}
	for rows.Next() {
		var v PostVersion
		var raw string
		var from, replaced, recorded int64
		if err := rows.Scan(&v.Text, &raw, &from, &replaced, &recorded); err != nil {
			return nil, fmt.Errorf("desk: unable to read post version: %w", err)
		}
		if raw != "" {
			v.Raw = json.RawMessage(raw)
		}
		v.ValidFrom, v.ReplacedAt, v.RecordedAt = store.Time(from), store.Time(replaced), store.Time(recorded)
		out = append(out, v)
	}
	return out, rows.Err()
}
