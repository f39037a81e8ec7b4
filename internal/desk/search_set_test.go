package desk

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/store"
)

// The set walk's ids are FTS5's answer to the inbox's own prefix
// expression, also when a word is searched whole because no longer
// indexed word starts with it.
func TestMatchSetSameAsPrefix(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.SQLite {
			t.Skip("the set walk is SQLite's")
		}
		e := newSpeedEnv(t, db, 1500)
		ctx := context.Background()
		// Words of the index: some start longer words, some do not.
		var words []string
		rows, err := db.Read.Query("SELECT term FROM posts_fts_vocab WHERE doc > 20 ORDER BY doc DESC LIMIT 60")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var w string
			rows.Scan(&w)
			words = append(words, w)
		}
		rows.Close()
		wholes, prefixes := 0, 0
		queries := append(words, "chain snatching", "ಸಂಚಾರ", "zzzqqq", "traffic signal", "a")
		for _, q := range queries {
			got, err := e.d.matchSet(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			_, args, ok := e.d.matchPosts(q)
			if !ok {
				t.Fatalf("%q: no terms", q)
			}
			var want []int64
			rows, err := db.Read.Query("SELECT rowid FROM posts_fts WHERE posts_fts MATCH $1 ORDER BY rowid", args...)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				want = append(want, id)
			}
			rows.Close()
			if !slices.Equal(got, want) {
				t.Fatalf("%q: %d ids, want %d", q, len(got), len(want))
			}
			for _, w := range searchTerms(q) {
				whole, err := e.d.wholeWord(ctx, w, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
				if err != nil {
					t.Fatal(err)
				}
				if whole {
					wholes++
				} else {
					prefixes++
				}
			}
		}
		if wholes == 0 || prefixes == 0 {
			t.Fatalf("words searched whole %d, as prefixes %d: the test does not exercise both", wholes, prefixes)
		}
	})
}

func TestParseIDs(t *testing.T) {
	for in, want := range map[string][]int64{"": nil, "7": {7}, "1,22,333": {1, 22, 333}, "5,": {5}} {
		if got := parseIDs(in, nil); !slices.Equal(got, want) {
			t.Errorf("parseIDs(%q) = %v, want %v", in, got, want)
		}
	}
}
