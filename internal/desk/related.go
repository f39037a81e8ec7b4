package desk

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Related is what the case page shows beside a case: the citizen's
// identities on each platform and their other cases (through every
// identity linked to the same citizen profile).
type Related struct {
	Authors []Author `json:"authors"`
	Cases   []Case   `json:"cases"`
}

// RelatedOf returns the other cases (newest first, at most 20) and the
// linked identities of a case's author, within the scope.
func (d *Desk) RelatedOf(ctx context.Context, c Case, sc Scope) (Related, error) {
	out := Related{Authors: []Author{}, Cases: []Case{}}
	if c.AuthorID == 0 {
		return out, nil
	}
	rows, err := d.db.Read.QueryContext(ctx, `SELECT a.id, a.platform, a.external_id, a.handle, a.name, COALESCE(a.citizen_id, 0), a.post_count,
		a.first_seen_at, a.last_seen_at FROM authors a
		WHERE a.id = $1 OR (a.citizen_id IS NOT NULL AND a.citizen_id = (SELECT citizen_id FROM authors WHERE id = $1)) ORDER BY a.id LIMIT 50`, c.AuthorID)
	if err != nil {
		return out, fmt.Errorf("desk: unable to read identities: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var a Author
		var first, last int64
		if err := rows.Scan(&a.ID, &a.Platform, &a.ExternalID, &a.Handle, &a.Name, &a.CitizenID, &a.PostCount, &first, &last); err != nil {
			rows.Close()
			return out, err
		}
		out.Authors = append(out.Authors, a)
		ids = append(ids, a.ID)
	}
	rows.Close()
	if len(ids) == 0 {
		return out, nil
	}
	// One branch per identity walking cases_author newest first and
	// stopping after 20, merged: a citizen with ~800 cases made the case
	// page read and sort every one of them with its author and unit
	// (~30 ms at 1M posts) to show 20.
	w := &where{}
	var branches []string
	for _, id := range ids {
		w.conds = w.conds[:0]
		w.add("c.author_id = ?", id)
		w.add("c.id <> ?", c.ID)
		scoped(w, sc, "c.unit_id")
		branches = append(branches, "SELECT * FROM (SELECT c.id FROM cases c"+w.sql()+" ORDER BY c.id DESC LIMIT 20) b"+strconv.Itoa(len(branches)))
	}
	rs, err := d.db.Read.QueryContext(ctx, "SELECT "+caseCols+" FROM ("+strings.Join(branches, " UNION ALL ")+
		" ORDER BY id DESC LIMIT 20) k JOIN cases c ON c.id = k.id LEFT JOIN authors a ON a.id = c.author_id LEFT JOIN units u ON u.id = c.unit_id ORDER BY c.id DESC",
		d.db.OneShot(w.args)...)
	if err != nil {
		return out, fmt.Errorf("desk: unable to read the citizen's cases: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		k, err := scanCase(rs)
		if err != nil {
			return out, err
		}
		out.Cases = append(out.Cases, k)
	}
	return out, rs.Err()
}
