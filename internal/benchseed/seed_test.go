package benchseed_test

import (
	"context"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/benchseed"
	"github.com/kaval-desk/kaval/internal/store"
)

// The seeded load has what the inbox benchmarks measure: cases in every
// status with due dates on both sides of now, routed and unrouted,
// assigned and not, searchable posts, the long thread and the citizen.
func TestSeedShape(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var force int64
		if err := db.Write.QueryRow(`INSERT INTO units (code, kind, name, created_at) VALUES ('f', 'force', 'F', 0) RETURNING id`).Scan(&force); err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"a", "b"} {
			if _, err := db.Write.Exec(`INSERT INTO units (code, kind, name, parent_id, created_at) VALUES ($1, 'station', $1, $2, 0)`, c, force); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now()
		res, err := benchseed.Seed(ctx, db, benchseed.Config{Posts: 3000, LongThread: 100, Agents: 3, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := db.Read.QueryRow(q, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		if n := count("SELECT count(*) FROM posts WHERE stage = 2 AND case_id IS NOT NULL"); n != 3000 || res.Posts != 3000 {
			t.Fatalf("%d posts on the desk, %d reported; want 3000", n, res.Posts)
		}
		if n := count("SELECT COALESCE(SUM(post_count), 0) FROM cases"); n != 3000 {
			t.Fatalf("cases count %d posts, want 3000", n)
		}
		for _, st := range []string{"new", "open", "waiting_citizen", "waiting_station", "resolved", "closed"} {
			if count("SELECT count(*) FROM cases WHERE status = $1", st) == 0 {
				t.Errorf("no %s case", st)
			}
		}
		ms := now.UnixMilli()
		if count("SELECT count(*) FROM cases WHERE status IN ('new', 'open') AND due_at < $1", ms) == 0 ||
			count("SELECT count(*) FROM cases WHERE status IN ('new', 'open') AND due_at > $1", ms) == 0 {
			t.Error("active cases are not on both sides of their deadline")
		}
		if count("SELECT count(*) FROM cases WHERE unit_id IS NULL") == 0 || count("SELECT count(*) FROM cases WHERE assignee_id IS NULL") == 0 {
			t.Error("no unrouted or no unassigned case")
		}
		if n := count("SELECT post_count FROM cases WHERE id = $1", res.LongCase); n < 100 {
			t.Errorf("the long case has %d posts", n)
		}
		if n := count("SELECT count(*) FROM cases c JOIN authors a ON a.id = c.author_id WHERE a.citizen_id = $1", res.Citizen); n == 0 {
			t.Error("the citizen has no case")
		}
		search := "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'traffic*'"
		if db.Dialect == store.Postgres {
			search = "SELECT count(*) FROM posts WHERE search @@ to_tsquery('simple', 'traffic:*')"
		}
		if count(search) == 0 {
			t.Error("search finds no seeded post")
		}
		// A second run adds to the first.
		if _, err := benchseed.Seed(ctx, db, benchseed.Config{Posts: 500, Agents: 3, Now: now}); err != nil {
			t.Fatal(err)
		}
		if n := count("SELECT count(*) FROM posts"); n != 3500 {
			t.Fatalf("%d posts after a second run, want 3500", n)
		}
		// The desk can still add rows of its own after the seeded ones.
		if _, err := db.Write.Exec(`INSERT INTO posts (platform, external_id, text, created_at, received_at) VALUES ('x', 'after-seed', 'hello', 1, 1)`); err != nil {
			t.Fatalf("a post after seeding: %v", err)
		}
	})
}
