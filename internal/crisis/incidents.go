package crisis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/kaval-desk/kaval/internal/report"
	"github.com/kaval-desk/kaval/internal/store"
)

// Incidents lists the rooms open at any time within [since, until) as a
// report's incidents (report.IncidentSource: Builder.AddIncidents): a
// unit's report (stations not nil) lists the rooms covering one of its
// stations, and the city-wide rooms (no stations) in every report.
func (s *Service) Incidents(ctx context.Context, stations []string, since, until time.Time) ([]report.Incident, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, title, severity, state, stations, created_at, COALESCE(alert_id, 0) FROM crisis_rooms
		WHERE created_at < $2 AND (closed_at IS NULL OR closed_at >= $1) ORDER BY created_at, id`, store.Millis(since), store.Millis(until))
	if err != nil {
		return nil, fmt.Errorf("crisis: unable to list rooms for a report: %w", err)
	}
	defer rows.Close()
	out := []report.Incident{}
	for rows.Next() {
		var in report.Incident
		var st string
		var at, alertID int64
		if err := rows.Scan(&in.ID, &in.Subject, &in.Severity, &in.State, &st, &at, &alertID); err != nil {
			return nil, err
		}
		var covers []string
		_ = json.Unmarshal([]byte(st), &covers)
		if stations != nil && len(covers) > 0 && !slices.ContainsFunc(covers, func(c string) bool { return slices.Contains(stations, c) }) {
			continue
		}
		in.Source, in.Kind, in.At = "crisis", "room", store.Time(at)
		if alertID != 0 {
			in.Kind = "room.alert"
		}
		in.Link = fmt.Sprintf("/desk/crisis/%d/report", in.ID)
		out = append(out, in)
	}
	return out, rows.Err()
}

var _ report.IncidentSource = (*Service)(nil)
