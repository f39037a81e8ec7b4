package desk

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kaval-desk/kaval/internal/store"
)

// A search after a write to the index sees the write: a kept set is never
// served once a post matching the word is added, edited in or out, or
// taken out of the index. Every page is compared with the old single
// query, and the searches between writes must be served from the cache.
func TestSearchCacheSeesWrites(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.SQLite {
			t.Skip("the set walk and its cache are SQLite's")
		}
		e := newSpeedEnv(t, db, 1500)
		ctx := context.Background()
		defer func(s int) { searchFew = s }(searchFew)
		searchFew = 3 // "traffic" is a common word here: the set walk
		active := []string{StatusNew, StatusOpen, StatusWaitingCitizen, StatusWaitingStation}
		f := CaseFilter{Status: active, Q: "traffic", Limit: 25}
		check := func(step string, wantHit bool) []int64 {
			t.Helper()
			hits, puts := e.d.sets.hits, e.d.sets.puts
			got, _ := e.pages(t, f, Scope{})
			want := e.refIDs(t, f, Scope{})
			if !slices.Equal(got, want) {
				t.Fatalf("%s: got %d cases %v…, want %d %v…", step, len(got), head(got), len(want), head(want))
			}
			// Its pages: the first reads the set (after a write) or is
			// served it; every later one is served it.
			if len(got) <= 2*f.Limit {
				t.Fatalf("%s: %d cases, too few for three pages", step, len(got))
			}
			read, served := e.d.sets.puts-puts, e.d.sets.hits-hits
			if wantHit && (read != 0 || served < 3) || !wantHit && (read != 1 || served < 2) {
				t.Fatalf("%s: set read %d times and served %d times (wanted from the cache: %v)", step, read, served, wantHit)
			}
			return got
		}
		before := check("first search", false)
		check("again, nothing written", true)

		// A case with no matching post (and one of its posts), on the desk.
		var caseID, postID int64
		err := db.Read.QueryRowContext(ctx, `SELECT c.id, min(p.id) FROM cases c JOIN posts p ON p.case_id = c.id
			WHERE c.status IN ('new', 'open') AND NOT EXISTS (SELECT 1 FROM posts q WHERE q.case_id = c.id AND
			q.id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH '"traffic"*'))
			GROUP BY c.id ORDER BY c.id LIMIT 1`).Scan(&caseID, &postID)
		if err != nil {
			t.Fatal(err)
		}
		write := func(stmts ...func(tx execer) error) {
			t.Helper()
			tx, err := db.Write.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range stmts {
				if err := s(tx); err != nil {
					tx.Rollback()
					t.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		// The statements the pipeline (qIndex) and post edits
		// (ingest/changes.go) write the index with.
		index := func(id int64, body string) func(execer) error {
			return func(tx execer) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO posts_fts (rowid, body) VALUES ($1, $2)", id, body)
				return err
			}
		}
		unindex := func(id int64) func(execer) error {
			return func(tx execer) error {
				_, err := tx.ExecContext(ctx, "DELETE FROM posts_fts WHERE rowid = $1", id)
				return err
			}
		}

		// A new post joins the case and is indexed.
		var newID int64
		write(func(tx execer) error {
			return tx.QueryRowContext(ctx, `INSERT INTO posts (platform, external_id, text, created_at, received_at, stage, case_id)
				VALUES ('test', 'cache-1', 'traffic jam at the junction', 0, 0, 2, $1) RETURNING id`, caseID).Scan(&newID)
		}, func(tx execer) error { return index(newID, "traffic jam at the junction")(tx) })
		if got := check("a matching post added", false); !slices.Contains(got, caseID) {
			t.Fatalf("case %d with a new matching post is not found", caseID)
		}
		check("again after the insert", true)

		// Its post leaves the index (deleted by its author).
		write(unindex(newID))
		if got := check("the matching post deleted", false); slices.Contains(got, caseID) || !slices.Equal(got, before) {
			t.Fatalf("after the delete: %d cases, want the first search's %d", len(got), len(before))
		}
		check("again after the delete", true)

		// An old post of the case is edited to mention the word, then back.
		write(unindex(postID), index(postID, "stuck in traffic for an hour"))
		if got := check("edited in", false); !slices.Contains(got, caseID) {
			t.Fatalf("case %d with an edited matching post is not found", caseID)
		}
		check("again after the edit", true)
		write(unindex(postID), index(postID, "stuck for an hour"))
		if got := check("edited out", false); slices.Contains(got, caseID) {
			t.Fatalf("case %d still found after its post was edited out", caseID)
		}
		check("again after the second edit", true)
	})
}

// The index's state as search_cache.go reads it differs between any two
// moments whose indexed content differs, whatever was written between:
// inserts, deletes, edits, several in one transaction, and FTS5's own
// merges and optimize (which change no content). Content is compared by
// the matches of every word of a small vocabulary.
func TestSearchCacheState(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.SQLite {
			t.Skip("the set walk and its cache are SQLite's")
		}
		ctx := context.Background()
		d := New(db, Options{})
		vocab := []string{"alpha", "beta", "gamma", "delta", "alphabet"}
		rng := rand.New(rand.NewPCG(11, 12))
		body := func() string {
			w := make([]string, 1+rng.IntN(4))
			for i := range w {
				w[i] = vocab[rng.IntN(len(vocab))]
			}
			return strings.Join(w, " ")
		}
		content := func() string {
			var b strings.Builder
			for _, w := range vocab {
				ids, err := d.matchSet(ctx, w)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintln(&b, w, ids)
			}
			return b.String()
		}
		seen := map[string]string{} // state → content
		present := map[int64]bool{}
		next := int64(1)
		ops := map[string]int{}
		for step := range 400 {
			tx, err := db.Write.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			// One to three operations in one transaction.
			for range 1 + rng.IntN(3) {
				op := rng.IntN(10)
				var ids []int64
				for id := range present {
					ids = append(ids, id)
				}
				slices.Sort(ids)
				switch {
				case op < 4 || len(ids) == 0: // insert
					_, err = tx.ExecContext(ctx, "INSERT INTO posts_fts (rowid, body) VALUES ($1, $2)", next, body())
					present[next] = true
					next++
					ops["insert"]++
				case op < 6: // delete
					id := ids[rng.IntN(len(ids))]
					_, err = tx.ExecContext(ctx, "DELETE FROM posts_fts WHERE rowid = $1", id)
					delete(present, id)
					ops["delete"]++
				case op < 8: // edit
					id := ids[rng.IntN(len(ids))]
					if _, err = tx.ExecContext(ctx, "DELETE FROM posts_fts WHERE rowid = $1", id); err == nil {
						_, err = tx.ExecContext(ctx, "INSERT INTO posts_fts (rowid, body) VALUES ($1, $2)", id, body())
					}
					ops["edit"]++
				case op < 9:
					_, err = tx.ExecContext(ctx, "INSERT INTO posts_fts (posts_fts, rank) VALUES ('merge', 4)")
					ops["merge"]++
				default:
					_, err = tx.ExecContext(ctx, "INSERT INTO posts_fts (posts_fts) VALUES ('optimize')")
					ops["optimize"]++
				}
				if err != nil {
					tx.Rollback()
					t.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			state, err := d.indexState(ctx)
			if err != nil {
				t.Fatal(err)
			}
			c := content()
			if old, ok := seen[state]; ok && old != c {
				t.Fatalf("step %d: the index's state was seen before with other content:\nthen %s\nnow %s", step, old, c)
			}
			seen[state] = c
		}
		for _, op := range []string{"insert", "delete", "edit", "merge", "optimize"} {
			if ops[op] == 0 {
				t.Fatalf("no %s in the sequence", op)
			}
		}
	})
}

// The cache keeps the most recently used words within its bounds and
// drops every set when the state changes.
func TestSetCacheBounds(t *testing.T) {
	defer func(w, n int) { searchCacheWords, searchCacheIDs = w, n }(searchCacheWords, searchCacheIDs)
	searchCacheWords, searchCacheIDs = 3, 10
	var c setCache
	c.put("s1", "a", []int64{1, 2, 3})
	c.put("s1", "b", []int64{4, 5, 6})
	c.put("s1", "c", []int64{7})
	if _, ok := c.get("s1", "a"); !ok { // a is now the most recent
		t.Fatal("a not kept")
	}
	c.put("s1", "d", []int64{8}) // four words: b, the least recent, goes
	if _, ok := c.get("s1", "b"); ok {
		t.Fatal("b kept beyond the word bound")
	}
	c.put("s1", "e", []int64{1, 2, 3, 4, 5}) // 3+1+1+5 ids > 10: c, then a go
	if _, ok := c.get("s1", "c"); ok {
		t.Fatal("c kept beyond the id bound")
	}
	if c.ids > 10 || len(c.lru) > 3 {
		t.Fatalf("%d ids in %d words", c.ids, len(c.lru))
	}
	c.put("s1", "big", make([]int64, 11)) // larger than the bound: not kept
	if _, ok := c.get("s1", "big"); ok {
		t.Fatal("a set over the bound kept")
	}
	if _, ok := c.get("s2", "e"); ok {
		t.Fatal("a set served at another state")
	}
	c.put("s2", "f", []int64{9})
	if _, ok := c.get("s2", "e"); ok {
		t.Fatal("a set of the old state kept after the state changed")
	}
	if ids, ok := c.get("s2", "f"); !ok || !slices.Equal(ids, []int64{9}) {
		t.Fatal("f not kept")
	}
}

// execer is what the tests write the index with (a transaction).
type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// Readers and writers of the cache at once (run with -race).
func TestSetCacheConcurrent(t *testing.T) {
	var c setCache
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				state := fmt.Sprint("s", i/100)
				q := fmt.Sprint("w", (i+g)%12)
				if ids, ok := c.get(state, q); ok {
					if len(ids) != 3 || ids[0] != int64(len(q)) {
						t.Errorf("%s at %s: %v", q, state, ids)
						return
					}
					continue
				}
				c.put(state, q, []int64{int64(len(q)), 2, 3})
			}
		}()
	}
	wg.Wait()
}
