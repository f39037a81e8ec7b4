package report

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// rooms are the crisis rooms open at some time in the period: all of
// them for the force; for a unit, the rooms covering one of its stations
// and the city-wide ones (no stations). Read from the crisis package's
// table (there are a few rooms a week, not thousands).
type rooms struct{ db *store.DB }

func (c rooms) Incidents(ctx context.Context, stations []string, since, until time.Time) ([]Incident, error) {
	rows, err := c.db.Read.QueryContext(ctx, `SELECT id, title, severity, state, stations, created_at FROM crisis_rooms
		WHERE created_at < $1 AND (closed_at IS NULL OR closed_at >= $2) ORDER BY created_at, id`, store.Millis(until), store.Millis(since))
	if err != nil {
		return nil, fmt.Errorf("report: unable to read crisis rooms: %w", err)
	}
	defer rows.Close()
	var out []Incident
	for rows.Next() {
		i := Incident{Source: "crisis", Kind: "crisis"}
		var covers string
		var at int64
		if err := rows.Scan(&i.ID, &i.Subject, &i.Severity, &i.State, &covers, &at); err != nil {
			return nil, fmt.Errorf("report: unable to read crisis rooms: %w", err)
		}
		var st []string
		_ = json.Unmarshal([]byte(covers), &st)
		if stations != nil && len(st) > 0 && !slices.ContainsFunc(st, func(s string) bool { return slices.Contains(stations, s) }) {
			continue
		}
		i.At, i.Link = store.Time(at), fmt.Sprintf("/desk/crisis/%d", i.ID)
		// Capped after the station filter: a unit's own rooms must not
		// fall behind a limit filled by other stations' rooms.
		if out = append(out, i); len(out) == 100 {
			break
		}
	}
	return out, rows.Err()
}
