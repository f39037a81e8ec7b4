package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/store"
)

// How an inbox page with a full-text search is read. Which is cheap
// depends on how many posts match, which neither store's planner can tell
// for a word prefix (PostgreSQL estimated a Kannada place name in 1,500
// of 1M posts as common and walked every open case: 2.5 s), so the desk
// counts first, up to searchFew.
const (
	searchNone   = iota // no searchable word: nothing matches
	searchIn            // few matches: read them and their cases, sort those
	searchExists        // many: walk the order's index, keep cases with a matching post
	searchSet           // many, SQLite: the walk's SQL leaves the search out (search_set.go tests it)
)

// searchFew is how many matching posts are still read whole: the page
// then costs at most this many post lookups, while a word this common
// fills a page of 50 within a short walk of the order.
var searchFew = 5000

type condOpts struct {
	overdueWalk bool
	search      int
}

// searchPlan counts the posts matching f.Q, up to searchFew. On SQLite
// the whole words are counted first: FTS5 merges a prefix's every term
// before it returns one row (20 ms for "traffic" at 1M posts), a whole
// word streams, and posts with the whole words are among those with the
// prefixes, so enough of them settles it.
func (d *Desk) searchPlan(ctx context.Context, f CaseFilter) (int, error) {
	if _, _, ok := d.matchPosts(f.Q); !ok {
		return searchNone, nil
	}
	if d.db.Dialect == store.SQLite {
		terms := searchTerms(f.Q)
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
		}
		n, err := d.countUpTo(ctx, "SELECT 1 FROM posts_fts WHERE posts_fts MATCH ?", strings.Join(parts, " AND "))
		if err != nil || n >= searchFew {
			return searchExists, err
		}
	}
	_, args, _ := d.matchPosts(f.Q)
	if d.db.Dialect == store.Postgres {
		// Counting would fetch up to searchFew posts from the heap (the
		// search index holds no ids); the planner's estimate is close
		// enough to choose between the two forms, word by word: posts
		// with every word are at most those with the rarest, while its
		// estimate of all the words together assumes they are unrelated
		// ("chain snatching": 45,000 posts, estimated at a few hundred).
		least := -1
		for _, t := range searchTerms(f.Q) {
			n, err := d.estimate(ctx, "SELECT 1 FROM posts p WHERE p.search @@ to_tsquery('simple', ?)",
				"'"+strings.ReplaceAll(t, "'", "''")+"':*")
			if err != nil {
				return searchExists, err
			}
			if least < 0 || n < least {
				least = n
			}
		}
		if least >= searchFew {
			return searchExists, nil
		}
		return searchIn, nil
	}
	// SQLite: the search index's own rows, not the posts they point to
	// (a Kannada place name in 1,502 of 1M posts: 1.4–5.7 ms to look up
	// every post, 0.24 ms to count FTS5's rows). Only the plan hangs on
	// the count; both plans return the same cases.
	n, err := d.countUpTo(ctx, "SELECT 1 FROM posts_fts WHERE posts_fts MATCH ?", args...)
	if err != nil || n >= searchFew {
		return searchExists, err
	}
	return searchIn, nil
}

// estimate is PostgreSQL's estimate of the rows of q ("?" placeholders).
func (d *Desk) estimate(ctx context.Context, q string, args ...any) (int, error) {
	w := &where{}
	w.add(q, args...)
	var plan string
	if err := d.db.Read.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+w.conds[0], d.db.OneShot(w.args)...).Scan(&plan); err != nil {
		return 0, fmt.Errorf("desk: unable to estimate matching posts: %w", err)
	}
	var out []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	if err := json.Unmarshal([]byte(plan), &out); err != nil || len(out) == 0 {
		return 0, fmt.Errorf("desk: unreadable plan: %v", err)
	}
	return int(out[0].Plan.Rows), nil
}

// countUpTo counts the rows of q ("?" placeholders), up to searchFew.
func (d *Desk) countUpTo(ctx context.Context, q string, args ...any) (int, error) {
	w := &where{}
	w.add(q, args...)
	var n int
	err := d.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM ("+w.conds[0]+" LIMIT "+strconv.Itoa(searchFew)+") x",
		d.db.OneShot(w.args)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("desk: unable to count matching posts: %w", err)
	}
	return n, nil
}

// existsMatch is "the case has a matching post", checked per case through
// posts_case. On SQLite the unary plus keeps the matching rowids a set the
// check looks posts up in (built once), instead of a list the database
// walks for every case.
func (d *Desk) existsMatch(match string) string {
	if d.db.Dialect == store.SQLite {
		match = "+" + match
	}
	return "EXISTS (SELECT 1 FROM posts p WHERE p.case_id = c.id AND " + match + ")"
}

// searchQuery is one query (no branch per status) for a search page.
// searchIn: driven by the matching posts' cases, sorted; every other
// column is written so no index can drive it (unary plus), or SQLite would
// walk every open case testing each against the matches. searchExists
// (SQLite): one walk of the order's index over all statuses (status is a
// filter), so the set of matching posts is built once, not per branch.
func (d *Desk) searchQuery(f CaseFilter, mode int, statuses []string, units []int64, walk bool, cur *inboxCursor,
	keys []orderKey, page string) (string, []any) {
	plus := ""
	if mode == searchIn {
		plus = "+"
	}
	w := &where{}
	if statuses[0] != "" {
		ph := make([]string, len(statuses))
		args := make([]any, len(statuses))
		for i, s := range statuses {
			ph[i], args[i] = "?", s
		}
		// A text column: PostgreSQL has no unary plus for it, and needs
		// none (no order index can drive a query ordered by +c.priority).
		col := "+c.status"
		if d.db.Dialect == store.Postgres {
			col = "c.status"
		}
		w.add(col+" IN ("+strings.Join(ph, ", ")+")", args...)
	}
	if units != nil {
		inList(w, plus+"c.unit_id", units)
	}
	d.caseConds(w, f, condOpts{overdueWalk: walk || mode == searchIn, search: mode})
	if cur != nil {
		after(w, keys, cur.K, plus+"c.")
	}
	var ob []string
	for _, k := range keys {
		o := plus + "c." + k.col
		if k.desc {
			o += " DESC"
		}
		ob = append(ob, o)
	}
	return "SELECT " + caseCols + caseFrom + w.sql() + " ORDER BY " + strings.Join(ob, ", ") + page, w.args
}
