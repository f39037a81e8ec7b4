package desk

import (
	"context"
	"fmt"
	"strings"

	"github.com/kaval-desk/kaval/internal/store"
)

// ExplainCases returns the database's plan for the inbox page a filter
// asks for: SQLite's EXPLAIN QUERY PLAN (one step a line, indented by
// depth) or PostgreSQL's EXPLAIN. Benchmarks print it, and tests hold the
// inbox's queries to plans that walk an index and stop after a page.
func (d *Desk) ExplainCases(ctx context.Context, f CaseFilter, sc Scope) (string, error) {
	lq, err := d.listQuery(ctx, f, sc)
	if err != nil || lq.empty {
		return "", err
	}
	if lq.set != nil {
		q, args := lq.sqlOf(d)
		plan, err := d.explain(ctx, q, args...)
		return "the matching posts' ids from posts_fts (group_concat), then batches of:\n" + plan, err
	}
	return d.explain(ctx, lq.sql, lq.args...)
}

// sqlOf is the query of a page, or the first batch of its set walk.
func (lq listQuery) sqlOf(d *Desk) (string, []any) {
	if lq.set != nil {
		return d.walkQuery(lq.set, lq.keys, lq.set.cur, 4*(lq.limit+1))
	}
	return lq.sql, lq.args
}

func (d *Desk) explain(ctx context.Context, q string, args ...any) (string, error) {
	if d.db.Dialect == store.Postgres {
		rows, err := d.db.Read.QueryContext(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			return "", fmt.Errorf("desk: explain: %w", err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return "", err
			}
			b.WriteString(line + "\n")
		}
		return strings.TrimSuffix(b.String(), "\n"), rows.Err()
	}
	rows, err := d.db.Read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return "", fmt.Errorf("desk: explain: %w", err)
	}
	defer rows.Close()
	depth := map[int64]int{}
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int64
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		depth[id] = depth[parent] + 1
		b.WriteString(strings.Repeat("  ", depth[id]-1) + detail + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n"), rows.Err()
}
