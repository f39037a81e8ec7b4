package desk

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/store"
)

// maxBranches bounds the UNION ALL of an inbox page: statuses × units
// beyond it (an officer over a whole division asking for every status)
// become one IN (…) per status, which the database sorts instead.
const maxBranches = 64

// subtreeIDs returns a unit and every unit beneath it. It is read from the
// database on every call, not from a cache: an officer must stop seeing a
// station's cases the moment it is moved out from under their unit. UNION
// (not UNION ALL) ends the walk even on a cycle.
func (d *Desk) subtreeIDs(ctx context.Context, unitID int64) ([]int64, error) {
	rows, err := d.db.Read.QueryContext(ctx, `WITH RECURSIVE sub(id) AS (SELECT CAST($1 AS BIGINT) UNION
		SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) SELECT id FROM sub ORDER BY id`, unitID)
	if err != nil {
		return nil, fmt.Errorf("desk: unable to read the scope's units: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// unitsOf returns the units an inbox page may show cases of: nil for any
// (no scope, no unit filter), else the scope's subtree, narrowed to the
// unit filter (empty when the filter names a unit outside the scope).
func (d *Desk) unitsOf(ctx context.Context, f CaseFilter, sc Scope) ([]int64, error) {
	if !sc.Restricted {
		if f.UnitID != 0 {
			return []int64{f.UnitID}, nil
		}
		return nil, nil
	}
	ids, err := d.subtreeIDs(ctx, sc.UnitID)
	if err != nil {
		return nil, err
	}
	if f.UnitID != 0 {
		if slices.Contains(ids, f.UnitID) {
			return []int64{f.UnitID}, nil
		}
		return []int64{}, nil
	}
	return ids, nil
}

// inList adds "col IN (…)" over ids, one parameter each.
func inList(w *where, col string, ids []int64) {
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = "?", id
	}
	w.add(col+" IN ("+strings.Join(ph, ", ")+")", args...)
}

// overdueCap is how many overdue cases make "overdue" a filter on the
// order's walk rather than a range to sort: below it, reading and sorting
// them all is cheap; above it, one case in every active/overdueCap of the
// walk is overdue, so a page of 50 reads at most 50·active/overdueCap.
var overdueCap = 1000

// manyOverdue says whether at least overdueCap cases of these statuses
// (and units) are overdue, counting no further than that. Neither store's
// planner can know it: SQLite keeps no statistics, and how many cases are
// overdue changes with the clock, not with the data.
func (d *Desk) manyOverdue(ctx context.Context, statuses []string, units []int64) (bool, error) {
	w := &where{}
	if len(statuses) > 0 && statuses[0] != "" {
		ph := make([]string, len(statuses))
		args := make([]any, len(statuses))
		for i, s := range statuses {
			ph[i], args[i] = "?", s
		}
		w.add("c.status IN ("+strings.Join(ph, ", ")+")", args...)
	}
	if units != nil {
		inList(w, "c.unit_id", units)
	}
	w.add("c.due_at < ?", store.Millis(d.opt.Now()))
	var n int
	err := d.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM cases c"+w.sql()+" LIMIT "+
		strconv.Itoa(overdueCap)+") x", d.db.OneShot(w.args)...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("desk: unable to count overdue cases: %w", err)
	}
	return n >= overdueCap, nil
}
