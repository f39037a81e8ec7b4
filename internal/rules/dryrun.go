package rules

import (
	"context"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/query"
)

// DryRunResult is what a rule would have matched over past posts.
type DryRunResult struct {
	Since   time.Time `json:"since"`
	Until   time.Time `json:"until"`
	Count   int       `json:"count"`   // posts matched
	Scanned int       `json:"scanned"` // posts read
	// Exact is false when the scan stopped at its bound before the
	// window's start: Count is then a lower bound.
	Exact bool `json:"exact"`
	// CaseIDs are the cases of the newest matches (at most 20), for the
	// editor to show.
	CaseIDs []int64 `json:"case_ids"`
}

// DryRunScan bounds the posts a dry run reads.
const DryRunScan = 20000

// DryRun judges r (validated, not stored) against the posts put on the
// desk in [since, until), newest first, reading at most maxScan of them.
// Nothing is changed. Time of day, day of week, case age and SLA state
// are judged at each post's creation, as the live run would have; the
// case's other fields (unit, deadlines, first response) as they are now,
// since the desk keeps no history of them.
func (s *Store) DryRun(ctx context.Context, in Rule, since, until time.Time, maxScan int) (DryRunResult, error) {
	out := DryRunResult{Since: since, Until: until, CaseIDs: []int64{}}
	c, err := check(&in, s.env)
	if err != nil {
		return out, err
	}
	if maxScan <= 0 || maxScan > DryRunScan {
		maxScan = DryRunScan
	}
	c.ID = max(c.ID, 1) // the set keys queries by rule id; an unsaved rule has none
	set := compileSet([]*compiled{c})
	cases := map[int64]*caseRow{}
	before := int64(1) << 62
	for out.Scanned < maxScan {
		n := min(500, maxScan-out.Scanned)
		rows, err := s.db.Read.QueryContext(ctx, `SELECT id FROM posts WHERE stage >= 2 AND case_id IS NOT NULL AND created_at >= $1 AND created_at < $2
			AND id < $3 ORDER BY id DESC LIMIT $4`, since.UnixMilli(), until.UnixMilli(), before, n)
		if err != nil {
			return out, fmt.Errorf("rules: unable to read past posts: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return out, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, fmt.Errorf("rules: unable to read past posts: %w", err)
		}
		if len(ids) == 0 {
			out.Exact = true
			return out, nil
		}
		before = ids[len(ids)-1]
		posts, err := query.ReadPosts(ctx, s.db.Read, ids, c.places)
		if err != nil {
			return out, err
		}
		// ReadPosts answers in id order; the result lists newest first.
		for i := len(posts) - 1; i >= 0; i-- {
			p := &posts[i]
			cs, ok := cases[p.CaseID]
			if !ok {
				if cs, err = readCase(ctx, s.db.Read, p.CaseID); err != nil {
					return out, err
				}
				cases[p.CaseID] = cs
			}
			pq := &postQueries{set: set, p: p}
			hit, err := matches(ctx, s.db.Read, c, p, cs, p.CreatedAt, pq)
			pq.release()
			if err != nil {
				return out, err
			}
			if hit {
				out.Count++
				if len(out.CaseIDs) < 20 {
					out.CaseIDs = append(out.CaseIDs, p.CaseID)
				}
			}
		}
		out.Scanned += len(ids)
		if len(ids) < n {
			out.Exact = true
			return out, nil
		}
	}
	return out, nil
}
