package query

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/post"
)

// ReadPosts reads the posts ids inside tx exactly as the listener and the
// history filter read them (the filter columns and, with places, the
// places of the stored analysis), in id order, so that automation rules
// judge a post the way listening queries do. tx is a transaction or a
// pool (a dry run reads outside any transaction).
func ReadPosts(ctx context.Context, tx interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, ids []int64, places bool) ([]post.Post, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cols := matchCols
	if places {
		cols += ", p.analysis"
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = id
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+cols+" FROM posts p WHERE p.id IN ("+strings.Join(ph, ",")+") ORDER BY p.id", args...)
	if err != nil {
		return nil, fmt.Errorf("query: unable to read posts: %w", err)
	}
	defer rows.Close()
	var out []post.Post
	for rows.Next() {
		p, err := scanMatchRow(rows, places)
		if err != nil {
			return nil, fmt.Errorf("query: unable to read posts: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query: unable to read posts: %w", err)
	}
	return out, nil
}

// UsesPlaces reports whether q needs the places of a post's analysis.
func (q *Query) UsesPlaces() bool { return Compile([]int64{0}, []*Query{q}).UsesPlaces() }
