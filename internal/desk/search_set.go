package desk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A common word on SQLite: the inbox walks the order's index and keeps
// the cases with a matching post, as searchExists does, but tests each
// case's posts against the matching post ids held in Go. The SQL form
// (`+p.id IN (SELECT rowid FROM posts_fts …)`) had SQLite insert every
// matching rowid into a temporary b-tree before the first case: at 1M
// posts "traffic" matches 98,722, and building that b-tree cost ~32 ms of
// the query's ~40, while FTS5 hands the same ids over in one
// group_concat in ~12 ms (most of it merging the prefix's doclists).
// The results are the same set test by construction: the ids are FTS5's
// own answer to the same MATCH.

// searchBySet turns the set walk on (tests compare it with the SQL form).
var searchBySet = true

// setWalkMax is how many cases the set walk reads before it hands the rest
// of the page to the SQL form (a rare filter on top of a common word: the
// SQL form tests a case more cheaply once its b-tree is built).
var setWalkMax = 4096

// setWalk is what an inbox page by the set walk needs from listQuery.
type setWalk struct {
	f        CaseFilter
	statuses []string
	units    []int64
	walk     bool // overdue walked (manyOverdue)
	cur      *inboxCursor
	match    string  // the MATCH expression of f.Q (the set's name in the cache)
	state    string  // the search index's state, read before the set (search_cache.go)
	ids      []int64 // the set, if kept from an earlier request at state
}

// cachedSet reads the search index's state and the set of q kept at that
// state, if any.
func (d *Desk) cachedSet(ctx context.Context, q string) (*setWalk, error) {
	_, args, ok := d.matchPosts(q)
	if !ok {
		return &setWalk{}, nil
	}
	state, err := d.indexState(ctx)
	if err != nil {
		return nil, err
	}
	sw := &setWalk{match: args[0].(string), state: state}
	sw.ids, _ = d.sets.get(state, sw.match)
	return sw, nil
}

// matchSet returns the ids of the posts matching q (FTS5's rowids for
// matchPosts' expression), ascending.
func (d *Desk) matchSet(ctx context.Context, q string) ([]int64, error) {
	terms := searchTerms(q)
	if len(terms) == 0 {
		return nil, nil
	}
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
		whole, err := d.wholeWord(ctx, t, parts[i])
		if err != nil {
			return nil, err
		}
		if !whole {
			parts[i] += "*"
		}
	}
	var s sql.NullString
	if err := d.db.Read.QueryRowContext(ctx, "SELECT group_concat(rowid) FROM posts_fts WHERE posts_fts MATCH $1", strings.Join(parts, " AND ")).Scan(&s); err != nil {
		return nil, fmt.Errorf("desk: unable to read matching posts: %w", err)
	}
	ids := parseIDs(s.String, nil)
	if !slices.IsSorted(ids) {
		slices.Sort(ids)
	}
	return ids, nil
}

// wholeWord says whether the word t (quoted: its FTS5 phrase) is in the
// index and starts no longer indexed word: then it matches as a prefix
// exactly what it matches whole, and whole FTS5 streams its doclist
// instead of merging the prefix's. The vocabulary is read with t as the
// index holds it, which the first test confirms (t is found whole).
func (d *Desk) wholeWord(ctx context.Context, t, quoted string) (bool, error) {
	var one int
	err := d.db.Read.QueryRowContext(ctx, "SELECT 1 FROM posts_fts WHERE posts_fts MATCH $1 LIMIT 1", quoted).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err == nil {
		// Every longer word starting with t sorts from t followed by
		// byte 1 (no indexed word holds a control character) to t
		// followed by a byte no UTF-8 character starts with. The bound
		// leaves t itself out: the vocabulary starts its scan at the
		// lower bound and counts each word's every post before the
		// comparison drops it ("traffic": 4.9 ms with `term > t`, 0.1 ms).
		err = d.db.Read.QueryRowContext(ctx, "SELECT 1 FROM posts_fts_vocab WHERE term >= $1 AND term < $2 LIMIT 1", t+"\x01", t+"\xf4\x90").Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return true, nil
		}
	}
	if err != nil {
		return false, fmt.Errorf("desk: unable to read the search vocabulary: %w", err)
	}
	return false, nil
}

// parseIDs appends the comma-separated decimal ids of s to out.
func parseIDs(s string, out []int64) []int64 {
	var n int64
	digits := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			n, digits = n*10+int64(c-'0'), true
			continue
		}
		if digits {
			out = append(out, n)
		}
		n, digits = 0, false
	}
	if digits {
		out = append(out, n)
	}
	return out
}

// walkQuery is one batch of the set walk: the order's keys and the post
// ids of up to n cases after cur, every filter but the search applied.
func (d *Desk) walkQuery(sw *setWalk, keys []orderKey, cur *inboxCursor, n int) (string, []any) {
	w := &where{}
	if sw.statuses[0] != "" {
		ph := make([]string, len(sw.statuses))
		args := make([]any, len(sw.statuses))
		for i, s := range sw.statuses {
			ph[i], args[i] = "?", s
		}
		// All statuses in one walk of the order's index (as searchQuery).
		w.add("+c.status IN ("+strings.Join(ph, ", ")+")", args...)
	}
	if sw.units != nil {
		inList(w, "c.unit_id", sw.units)
	}
	d.caseConds(w, sw.f, condOpts{overdueWalk: sw.walk, search: searchSet})
	if cur != nil {
		after(w, keys, cur.K, "c.")
	}
	cols := make([]string, len(keys))
	ob := make([]string, len(keys))
	for i, k := range keys {
		cols[i], ob[i] = "c."+k.col, "c."+k.col
		if k.desc {
			ob[i] += " DESC"
		}
	}
	return "SELECT " + strings.Join(cols, ", ") + ", (SELECT group_concat(p.id) FROM posts p WHERE p.case_id = c.id) FROM cases c" +
		w.sql() + " ORDER BY " + strings.Join(ob, ", ") + " LIMIT " + strconv.Itoa(n), w.args
}

// listBySet reads an inbox page (up to limit+1 cases, in order) by the
// set walk.
func (d *Desk) listBySet(ctx context.Context, lq listQuery) ([]Case, error) {
	sw := lq.set
	set := sw.ids
	if set == nil {
		var err error
		if set, err = d.matchSet(ctx, sw.f.Q); err != nil {
			return nil, err
		}
		d.sets.put(sw.state, sw.match, set)
	}
	want := lq.limit + 1
	var ids []int64
	cur := sw.cur
	walked, batch, done := 0, 4*want, false
	for len(ids) < want && !done && walked < setWalkMax {
		n := min(batch, setWalkMax-walked)
		q, args := d.walkQuery(sw, lq.keys, cur, n)
		rows, err := d.db.Read.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("desk: unable to walk the inbox: %w", err)
		}
		got := 0
		vals := make([]int64, len(lq.keys))
		dest := make([]any, len(lq.keys)+1)
		for i := range vals {
			dest[i] = &vals[i]
		}
		var posts sql.NullString
		dest[len(vals)] = &posts
		var buf []int64
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("desk: unable to read the inbox walk: %w", err)
			}
			got++
			cur = &inboxCursor{S: lq.sortName, K: slices.Clone(vals)}
			buf = parseIDs(posts.String, buf[:0])
			for _, p := range buf {
				if _, ok := slices.BinarySearch(set, p); ok {
					ids = append(ids, vals[len(vals)-1]) // the order's last key is the case id
					break
				}
			}
			if len(ids) >= want {
				break
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
		walked += got
		done = got < n && len(ids) < want
		batch *= 2
	}
	out, err := d.casesByID(ctx, ids, lq.keys)
	if err != nil || len(out) >= want || done {
		return out, err
	}
	// Walked setWalkMax cases and the page is not full: the SQL form
	// takes over after the last case walked, in the same order.
	q, args := d.searchQuery(sw.f, searchExists, sw.statuses, sw.units, sw.walk, cur, lq.keys, " LIMIT "+strconv.Itoa(want-len(out)))
	more, err := d.readCases(ctx, q, args)
	return append(out, more...), err
}

// casesByID reads cases by id, in the order's keys.
func (d *Desk) casesByID(ctx context.Context, ids []int64, keys []orderKey) ([]Case, error) {
	if len(ids) == 0 {
		return []Case{}, nil
	}
	w := &where{}
	inList(w, "c.id", ids)
	ob := make([]string, len(keys))
	for i, k := range keys {
		ob[i] = "c." + k.col
		if k.desc {
			ob[i] += " DESC"
		}
	}
	return d.readCases(ctx, "SELECT "+caseCols+caseFrom+w.sql()+" ORDER BY "+strings.Join(ob, ", "), w.args)
}

// readCases runs a query of caseCols.
func (d *Desk) readCases(ctx context.Context, q string, args []any) ([]Case, error) {
	rows, err := d.db.Read.QueryContext(ctx, q, d.db.OneShot(args)...)
	if err != nil {
		return nil, fmt.Errorf("desk: unable to list cases: %w", err)
	}
	defer rows.Close()
	out := []Case{}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("desk: unable to read case: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
