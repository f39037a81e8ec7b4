package desk

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// The case page shows a long thread a page at a time, the newest posts
// first loaded and shown in the thread's order (oldest at the top), with
// a control for the posts before them. Rendering 500 posts with their
// analysis cost the page most of its time on a 600-post thread, and the
// newest posts are the ones an agent answers.

// ThreadPage is a run of a case's posts in thread order (created_at, id),
// oldest first.
type ThreadPage struct {
	Posts []post.Post
	// Earlier is the cursor of the posts before these ("" when these
	// start the thread) and EarlierCount how many there are.
	Earlier      string
	EarlierCount int
}

// threadKey is a post's place in its thread, as a cursor: "ms.id".
func threadCursor(p post.Post) string {
	return strconv.FormatInt(store.Millis(p.CreatedAt), 10) + "." + strconv.FormatInt(p.ID, 10)
}

func parseThreadCursor(s string) (at, id int64, err error) {
	a, b, ok := strings.Cut(s, ".")
	if ok {
		if at, err = strconv.ParseInt(a, 10, 64); err == nil {
			id, err = strconv.ParseInt(b, 10, 64)
		}
	}
	if !ok || err != nil || id <= 0 {
		return 0, 0, Invalid("before", "is not a position in a thread")
	}
	return at, id, nil
}

// CaseThread returns up to n posts of a case (n ≤ 500) that come before
// the cursor before ("": the newest n), in thread order, or
// store.ErrNotFound when the case is outside the scope.
func (d *Desk) CaseThread(ctx context.Context, caseID int64, sc Scope, before string, n int) (ThreadPage, error) {
	var out ThreadPage
	if n <= 0 || n > 500 {
		n = 500
	}
	if _, err := d.GetCase(ctx, caseID, sc); err != nil {
		return out, err
	}
	w := &where{}
	w.add("p.case_id = ?", caseID)
	if before != "" {
		at, id, err := parseThreadCursor(before)
		if err != nil {
			return out, err
		}
		w.add("(p.created_at < ? OR (p.created_at = ? AND p.id < ?))", at, at, id)
	}
	// The case's posts by posts_case, the newest n kept by a bounded sort
	// (a thread is hundreds of posts, not millions). SQLite sorts whole rows
	// (text, analysis) in its temporary b-tree, which cost a 600-post
	// thread twice what sorting the keys alone and then reading the page's
	// rows does; PostgreSQL's top-N sort keeps n rows and is quicker as is
	// (0.4 against 0.7 ms, and the subquery took longer to plan).
	newest := "SELECT p.id FROM posts p" + w.sql() + " ORDER BY p.created_at DESC, p.id DESC LIMIT " + strconv.Itoa(n+1)
	q := "SELECT " + postCols + " FROM posts p WHERE p.id IN (" + newest + ")"
	if d.db.Dialect == store.Postgres {
		q = "SELECT " + postCols + " FROM posts p" + w.sql() + " ORDER BY p.created_at DESC, p.id DESC LIMIT " + strconv.Itoa(n+1)
	}
	rows, err := d.db.Read.QueryContext(ctx, q, w.args...)
	if err != nil {
		return out, fmt.Errorf("desk: unable to read the thread: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return out, fmt.Errorf("desk: unable to read post: %w", err)
		}
		out.Posts = append(out.Posts, p)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	slices.SortFunc(out.Posts, newestFirst)
	if len(out.Posts) > n {
		out.Posts = out.Posts[:n]
		last := out.Posts[n-1]
		out.Earlier = threadCursor(last)
		err := d.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM posts p WHERE p.case_id = $1
			AND (p.created_at < $2 OR (p.created_at = $2 AND p.id < $3))`, caseID, store.Millis(last.CreatedAt), last.ID).Scan(&out.EarlierCount)
		if err != nil {
			return out, fmt.Errorf("desk: unable to count earlier posts: %w", err)
		}
	}
	slices.Reverse(out.Posts)
	if out.Posts == nil {
		out.Posts = []post.Post{}
	}
	return out, nil
}

// newestFirst orders posts as the thread's cursor walks them: newest
// first, by time then id.
func newestFirst(a, b post.Post) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// FirstPost returns the first post of a case's thread (its analysis is
// the case page's chips), or ok false for a case without posts.
func (d *Desk) FirstPost(ctx context.Context, caseID int64) (p post.Post, ok bool, err error) {
	q := "SELECT " + postCols + " FROM posts p WHERE p.id = (SELECT id FROM posts WHERE case_id = $1 ORDER BY created_at, id LIMIT 1)"
	if d.db.Dialect == store.Postgres { // as CaseThread
		q = "SELECT " + postCols + " FROM posts p WHERE p.case_id = $1 ORDER BY p.created_at, p.id LIMIT 1"
	}
	p, err = scanPost(d.db.Read.QueryRowContext(ctx, q, caseID))
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("desk: unable to read the first post: %w", err)
	}
	return p, true, nil
}

// TimelinePage is a run of a case's events, oldest first.
type TimelinePage struct {
	Events []Event
	// Earlier is the id of the first event shown when there are events
	// before it (0 otherwise), EarlierCount how many.
	Earlier      int64
	EarlierCount int
}

// TimelineBefore returns up to n events of a case (n ≤ 500) with ids
// below before (0: the newest n), oldest first; store.ErrNotFound when
// the case is outside the scope. A 600-post thread has 600 "post" events.
func (d *Desk) TimelineBefore(ctx context.Context, caseID int64, sc Scope, before int64, n int) (TimelinePage, error) {
	var out TimelinePage
	if n <= 0 || n > 500 {
		n = 500
	}
	if _, err := d.GetCase(ctx, caseID, sc); err != nil {
		return out, err
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := d.db.Read.QueryContext(ctx, "SELECT id, at, COALESCE(actor_id, 0), kind, body FROM case_events WHERE case_id = $1 AND id < $2 ORDER BY id DESC LIMIT "+
		strconv.Itoa(n+1), caseID, before)
	if err != nil {
		return out, fmt.Errorf("desk: unable to read timeline: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return out, err
		}
		out.Events = append(out.Events, e)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	if len(out.Events) > n {
		out.Events = out.Events[:n]
		out.Earlier = out.Events[n-1].ID
		err := d.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM case_events WHERE case_id = $1 AND id < $2", caseID, out.Earlier).Scan(&out.EarlierCount)
		if err != nil {
			return out, fmt.Errorf("desk: unable to count earlier events: %w", err)
		}
	}
	slices.Reverse(out.Events)
	if out.Events == nil {
		out.Events = []Event{}
	}
	return out, nil
}
