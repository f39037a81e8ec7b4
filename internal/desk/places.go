package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kaval-desk/kaval/internal/post"
)

// PlaceTexts gives, for each of cs, the places its first post's analysis
// matched in the text (post.Place.Text, spans of Source "text"): what an
// inbox row highlights in the case's subject, the citizen's own words for
// the place rather than the station's name. One query for the cases a
// page shows, by the posts' case index; the inbox's own query is
// untouched.
func (d *Desk) PlaceTexts(ctx context.Context, cs []Case) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(cs) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(cs))
	marks := make([]string, 0, len(cs))
	for _, c := range cs {
		args = append(args, c.ID)
		marks = append(marks, "$"+itoa(len(args)))
	}
	rows, err := d.db.Read.QueryContext(ctx, `SELECT p.case_id, p.analysis FROM posts p
		WHERE p.id IN (SELECT min(id) FROM posts WHERE case_id IN (`+strings.Join(marks, ", ")+`) GROUP BY case_id)`, args...)
	if err != nil {
		return nil, fmt.Errorf("desk: unable to read the places of cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var raw *string
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, err
		}
		if raw == nil || *raw == "" {
			continue
		}
		var a struct {
			Places []post.Place `json:"places"`
		}
		if json.Unmarshal([]byte(*raw), &a) != nil {
			continue // an unreadable analysis highlights nothing
		}
		for _, p := range a.Places {
			if p.End > p.Start && strings.TrimSpace(p.Text) != "" {
				out[id] = append(out[id], p.Text)
			}
		}
	}
	return out, rows.Err()
}
