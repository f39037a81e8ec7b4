package benchseed

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/store"
)

// writer buffers rows per table and writes them as multi-row INSERTs.
type writer struct {
	dialect store.Dialect
	tx      *sql.Tx
	rows    map[string][][]any
}

func newWriter(d store.Dialect, tx *sql.Tx) *writer {
	return &writer{dialect: d, tx: tx, rows: map[string][][]any{}}
}

func (w *writer) add(table string, vals ...any) {
	w.rows[table] = append(w.rows[table], vals)
}

// flush writes every buffered row, parents before children.
func (w *writer) flush(ctx context.Context) error {
	for _, t := range tables {
		rows := w.rows[t.name]
		if len(rows) == 0 {
			continue
		}
		cols := t.cols
		if t.name == "posts" && w.dialect == store.SQLite {
			// The search text goes to the FTS index, in ascending rowid
			// order (FTS5 flushes whenever a rowid goes backwards).
			cols = cols[:len(cols)-1]
			fts := make([][]any, len(rows))
			for i, r := range rows {
				fts[i] = []any{r[0], r[len(r)-1]}
				rows[i] = r[:len(r)-1]
			}
			if err := w.insert(ctx, "posts", cols, rows); err != nil {
				return err
			}
			if err := w.insert(ctx, "posts_fts", []string{"rowid", "body"}, fts); err != nil {
				return err
			}
			w.rows["posts"] = nil
			continue
		}
		if err := w.insert(ctx, t.name, cols, rows); err != nil {
			return err
		}
		w.rows[t.name] = nil
	}
	return nil
}

func (w *writer) insert(ctx context.Context, table string, cols []string, rows [][]any) error {
	per := max(1, min(500, 30000/len(cols)))
	for lo := 0; lo < len(rows); lo += per {
		part := rows[lo:min(lo+per, len(rows))]
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, len(part)*len(cols))
		for i, r := range part {
			if len(r) != len(cols) {
				return fmt.Errorf("benchseed: %s: %d values for %d columns", table, len(r), len(cols))
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range cols {
				if j > 0 {
					b.WriteString(", ")
				}
				n := len(args) + j + 1
				ph := "?"
				if w.dialect == store.Postgres {
					ph = "$" + strconv.Itoa(n)
					if cols[j] == "search" {
						ph = "to_tsvector('simple', " + ph + ")"
					}
				}
				b.WriteString(ph)
			}
			b.WriteByte(')')
			args = append(args, r...)
		}
		if _, err := w.tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("benchseed: insert into %s: %w", table, err)
		}
	}
	return nil
}
