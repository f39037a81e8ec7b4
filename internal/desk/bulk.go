package desk

import (
	"context"
	"database/sql"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/store"
)

func itoa(n int) string { return strconv.Itoa(n) }

// Bulk actions on many cases at once.
const (
	BulkAssign    = "assign"     // AssigneeID (0 unassigns)
	BulkTag       = "tag"        // Tag
	BulkCloseSpam = "close_spam" // tag spam and close
	BulkReopen    = "reopen"     // undo close_spam: reopen and untag spam
)

// MaxBulk bounds the cases of one bulk action.
const MaxBulk = 200

// Bulk is one action over several cases.
type Bulk struct {
	CaseIDs    []int64 `json:"case_ids"`
	Action     string  `json:"action"`
	AssigneeID int64   `json:"assignee_id,omitempty"`
	Tag        string  `json:"tag,omitempty"`
}

// BulkResult says which cases were changed and why the others were not.
type BulkResult struct {
	Done   []int64          `json:"done"`
	Failed map[int64]string `json:"failed,omitempty"`
}

// ApplyBulk runs the action on each case in its own transaction, so one
// case another agent just closed does not undo the rest; each change is
// on its case's timeline like a single action.
func (d *Desk) ApplyBulk(ctx context.Context, sc Scope, actor int64, b Bulk) (BulkResult, error) {
	if len(b.CaseIDs) == 0 || len(b.CaseIDs) > MaxBulk {
		return BulkResult{}, Invalid("case_ids", "choose 1–%d cases", MaxBulk)
	}
	var ch Change
	switch b.Action {
	case BulkAssign:
	case BulkTag:
		if !validTag(b.Tag) {
			return BulkResult{}, Invalid("tag", "must be 1–64 bytes of text on one line")
		}
		ch.AddTags = []string{b.Tag}
	case BulkCloseSpam:
		st := StatusClosed
		ch.Status, ch.AddTags = &st, []string{"spam"}
	case BulkReopen:
		st := StatusOpen
		ch.Status, ch.RemoveTags = &st, []string{"spam"}
	default:
		return BulkResult{}, Invalid("action", "must be assign, tag, close_spam or reopen")
	}
	res := BulkResult{Done: []int64{}, Failed: map[int64]string{}}
	seen := map[int64]bool{}
	for _, id := range b.CaseIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		var err error
		if b.Action == BulkAssign {
			_, err = d.Assign(ctx, id, sc, actor, b.AssigneeID)
		} else {
			_, err = d.Update(ctx, id, sc, actor, ch)
		}
		if err != nil {
			msg := err.Error()
			if err == store.ErrNotFound {
				msg = "no such case"
			}
			if inv, ok := err.(*InvalidError); ok {
				msg = inv.Message
			}
			res.Failed[id] = msg
			continue
		}
		res.Done = append(res.Done, id)
	}
	return res, nil
}

// MaxMerge bounds the cases merged into one at once.
const MaxMerge = 50

// Merge moves the posts of other cases (a near-duplicate cluster: the
// same rumour from many accounts) into the target case, which takes the
// highest priority and urgency of them; the others are closed with a
// "merged" event that names the target. All in one transaction.
func (d *Desk) Merge(ctx context.Context, target int64, others []int64, sc Scope, actor int64) (Case, error) {
	if len(others) == 0 || len(others) > MaxMerge {
		return Case{}, Invalid("case_ids", "choose 1–%d cases to merge", MaxMerge)
	}
	now := d.opt.Now().UTC()
	err := d.db.Tx(ctx, func(tx *sql.Tx) error {
		t, err := d.getCase(ctx, tx, "c.id = $1", target, sc)
		if err != nil {
			return err
		}
		if t.Status == StatusClosed {
			return Invalid("status", "cannot merge into a closed case")
		}
		var refs []string
		moved, prio, urg, last := 0, t.Priority, t.Urgency, store.Millis(t.LastPostAt)
		seen := map[int64]bool{target: true}
		for _, id := range others {
			if seen[id] {
				continue
			}
			seen[id] = true
			o, err := d.getCase(ctx, tx, "c.id = $1", id, sc)
			if err == store.ErrNotFound {
				return Invalid("case_ids", "case %d does not exist", id)
			}
			if err != nil {
				return err
			}
			if o.Status == StatusClosed {
				return Invalid("case_ids", "case %s is closed", o.Ref)
			}
			res, err := tx.ExecContext(ctx, "UPDATE posts SET case_id = $1 WHERE case_id = $2", target, id)
			if err != nil {
				return fmt.Errorf("desk: unable to move posts: %w", err)
			}
			n, _ := res.RowsAffected()
			moved += int(n)
			prio, urg = min(prio, o.Priority), max(urg, o.Urgency)
			last = max(last, store.Millis(o.LastPostAt))
			if _, err := tx.ExecContext(ctx, "UPDATE cases SET status = $1, closed_at = $2, post_count = 0, updated_at = $2, version = version + 1 WHERE id = $3",
				StatusClosed, store.Millis(now), id); err != nil {
				return err
			}
			if err := d.event(ctx, tx, id, actor, "merged", map[string]any{"into": t.Ref, "into_id": target, "posts": n, "from": o.Status}, now); err != nil {
				return err
			}
			refs = append(refs, o.Ref)
		}
		if len(refs) == 0 {
			return Invalid("case_ids", "nothing to merge")
		}
		set := "post_count = post_count + $1, priority = $2, urgency = $3, last_post_at = $4, updated_at = $5, version = version + 1"
		args := []any{moved, prio, urg, last, store.Millis(now)}
		if prio != t.Priority { // the SLA follows the new priority from when the case opened
			set += ", first_response_due = $7, resolve_due = $8"
			args = append(args, target, store.Millis(t.CreatedAt)+d.opt.SLA.FirstResponse[prio].Milliseconds(),
				store.Millis(t.CreatedAt)+d.opt.SLA.Resolve[prio].Milliseconds())
		} else {
			args = append(args, target)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET "+set+" WHERE id = $6", args...); err != nil {
			return err
		}
		return d.event(ctx, tx, target, actor, "merge", map[string]any{"from": refs, "posts": moved}, now)
	})
	if err != nil {
		return Case{}, d.wrap("merge", err)
	}
	return d.GetCase(ctx, target, sc)
}

// SimilarDistance is how many of SimHash's 64 bits may differ for two
// posts to count as near-duplicates.
const SimilarDistance = 3

// similarWindow bounds how many recent posts of open cases are compared.
const similarWindow = 20000

// similarMinText is the shortest post text (in characters) whose SimHash
// is compared: a hash of two or three words ("[location] Koramangala", a
// shared pin) lands near unrelated posts, and the desk offered to merge a
// flood report with a traffic jam on that ground.
const similarMinText = 30

// Similar lists the open cases (the scope may see) with a post that is a
// near-duplicate of one of this case's posts: the cluster a merge
// gathers. Most similar first.
func (d *Desk) Similar(ctx context.Context, id int64, sc Scope) ([]Case, error) {
	if _, err := d.GetCase(ctx, id, sc); err != nil {
		return nil, err
	}
	var mine []uint64
	rows, err := d.db.Read.QueryContext(ctx, "SELECT simhash FROM posts WHERE case_id = $1 AND simhash <> 0 AND length(text) >= $2 LIMIT 500", id, similarMinText)
	if err != nil {
		return nil, d.wrap("find similar cases", err)
	}
	for rows.Next() {
		var h int64
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return nil, err
		}
		mine = append(mine, uint64(h))
	}
	rows.Close()
	if len(mine) == 0 {
		return []Case{}, nil
	}
	w := &where{}
	w.add("c.id <> ?", id)
	w.add("c.status NOT IN ('resolved', 'closed')")
	scoped(w, sc, "c.unit_id")
	rows, err = d.db.Read.QueryContext(ctx, "SELECT p.case_id, p.simhash FROM posts p JOIN cases c ON c.id = p.case_id"+w.sql()+
		" AND p.simhash <> 0 AND length(p.text) >= "+itoa(similarMinText)+" ORDER BY p.id DESC LIMIT "+itoa(similarWindow), w.args...)
	if err != nil {
		return nil, d.wrap("find similar cases", err)
	}
	best := map[int64]int{}
	for rows.Next() {
		var cid, h int64
		if err := rows.Scan(&cid, &h); err != nil {
			rows.Close()
			return nil, err
		}
		for _, m := range mine {
			if dist := bits.OnesCount64(m ^ uint64(h)); dist <= SimilarDistance {
				if b, ok := best[cid]; !ok || dist < b {
					best[cid] = dist
				}
			}
		}
	}
	rows.Close()
	ids := make([]int64, 0, len(best))
	for cid := range best {
		ids = append(ids, cid)
	}
	slices.SortFunc(ids, func(a, b int64) int {
		if best[a] != best[b] {
			return best[a] - best[b]
		}
		return int(a - b)
	})
	if len(ids) > MaxMerge {
		ids = ids[:MaxMerge]
	}
	out := []Case{}
	if len(ids) == 0 {
		return out, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, cid := range ids {
		ph[i], args[i] = "$"+itoa(i+1), cid
	}
	rs, err := d.db.Read.QueryContext(ctx, "SELECT "+caseCols+caseFrom+" WHERE c.id IN ("+strings.Join(ph, ",")+")", args...)
	if err != nil {
		return nil, d.wrap("find similar cases", err)
	}
	byID := map[int64]Case{}
	for rs.Next() {
		c, err := scanCase(rs)
		if err != nil {
			rs.Close()
			return nil, err
		}
		byID[c.ID] = c
	}
	rs.Close()
	for _, cid := range ids {
		if c, ok := byID[cid]; ok {
			out = append(out, c)
		}
	}
	return out, d.fillTags(ctx, out)
}
