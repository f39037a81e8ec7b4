package sla

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/csvcell"
	"github.com/kaval-desk/kaval/internal/store"
)

// Dimensions a breach report groups by.
var Dimensions = []string{"unit", "agent", "category", "platform"}

// Row is one group of a breach report.
type Row struct {
	Key                   string  `json:"key"` // the unit's name, the agent's username, the category or platform; "" when none
	Cases                 int     `json:"cases"`
	FirstResponseBreached int     `json:"first_response_breached"`
	ResolveBreached       int     `json:"resolve_breached"`
	BreachRate            float64 `json:"breach_rate"` // cases with either breach / cases
}

// Report is the breach report for cases opened in [From, To).
type Report struct {
	By    string    `json:"by"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Rows  []Row     `json:"rows"`
	Total Row       `json:"total"`
}

// BreachReport counts, per group, the cases opened in [from, to) that
// missed their first-response or resolution deadline: answered or
// resolved late, or still waiting past it at now (a case closed without
// an answer counts as missing it if it was closed after the deadline).
func (s *Store) BreachReport(ctx context.Context, by string, from, to, now time.Time) (Report, error) {
	key := map[string]string{
		"unit":     `COALESCE(u.name, '')`,
		"agent":    `COALESCE(us.username, '')`,
		"category": `c.category`,
		"platform": `c.platform`,
	}[by]
	if key == "" {
		return Report{}, &ValidationError{"by", "group by unit, agent, category or platform"}
	}
	if !from.Before(to) || to.Sub(from) > 400*24*time.Hour {
		return Report{}, &ValidationError{"from", "the period must end after it starts, within 400 days"}
	}
	q := `SELECT ` + key + ` AS k, COUNT(*),
		SUM(CASE WHEN c.first_response_due IS NOT NULL AND COALESCE(c.first_response_at, c.closed_at, $3) > c.first_response_due THEN 1 ELSE 0 END),
		SUM(CASE WHEN c.resolve_due IS NOT NULL AND COALESCE(c.resolved_at, c.closed_at, $3) > c.resolve_due THEN 1 ELSE 0 END),
		SUM(CASE WHEN (c.first_response_due IS NOT NULL AND COALESCE(c.first_response_at, c.closed_at, $3) > c.first_response_due)
			OR (c.resolve_due IS NOT NULL AND COALESCE(c.resolved_at, c.closed_at, $3) > c.resolve_due) THEN 1 ELSE 0 END)
		FROM cases c LEFT JOIN units u ON u.id = c.unit_id LEFT JOIN users us ON us.id = c.assignee_id
		WHERE c.created_at >= $1 AND c.created_at < $2 AND c.status <> 'merged'
		GROUP BY ` + key + ` ORDER BY 4 DESC, 3 DESC, 1`
	rows, err := s.db.Read.QueryContext(ctx, q, store.Millis(from), store.Millis(to), store.Millis(now))
	if err != nil {
		return Report{}, fmt.Errorf("sla: unable to build the breach report: %w", err)
	}
	defer rows.Close()
	r := Report{By: by, From: from, To: to, Rows: []Row{}}
	for rows.Next() {
		var row Row
		var either int
		if err := rows.Scan(&row.Key, &row.Cases, &row.FirstResponseBreached, &row.ResolveBreached, &either); err != nil {
			return Report{}, err
		}
		row.BreachRate = rate(either, row.Cases)
		r.Rows = append(r.Rows, row)
		r.Total.Cases += row.Cases
		r.Total.FirstResponseBreached += row.FirstResponseBreached
		r.Total.ResolveBreached += row.ResolveBreached
		r.Total.BreachRate += float64(either) // summed, divided below
	}
	r.Total.BreachRate = rate(int(r.Total.BreachRate), r.Total.Cases)
	return r, rows.Err()
}

func rate(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(int(float64(n)/float64(of)*1000+0.5)) / 1000
}

// WriteCSV writes the report as CSV with a header row (keys that start
// with a formula character are quoted as text, so a spreadsheet never
// runs a category or a unit name).
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{r.By, "cases", "first_response_breached", "resolve_breached", "breach_rate"})
	for _, row := range append(r.Rows, Row{Key: "total", Cases: r.Total.Cases, FirstResponseBreached: r.Total.FirstResponseBreached,
		ResolveBreached: r.Total.ResolveBreached, BreachRate: r.Total.BreachRate}) {
		cw.Write([]string{csvcell.Safe(row.Key), strconv.Itoa(row.Cases), strconv.Itoa(row.FirstResponseBreached),
			strconv.Itoa(row.ResolveBreached), strconv.FormatFloat(row.BreachRate, 'f', 3, 64)})
	}
	cw.Flush()
	return cw.Error()
}
