package watch

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// The response rollup counts each first response and resolution once,
// however often it runs, and agrees with the cases, on both stores.
func TestResponseRollups(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC)
		// The migration's checkpoint is the real clock's: start before the posts.
		if _, err := db.Write.Exec("UPDATE checkpoints SET vals = $1 WHERE source = 'watch.response'", fmt.Sprint(store.Millis(now.Add(-72*time.Hour)))); err != nil {
			t.Fatal(err)
		}
		dashPosts(t, db, now)
		// Answer every case 10 minutes after it opened (late when its
		// deadline was sooner); resolve every other one 3 hours after.
		if _, err := db.Write.Exec(`UPDATE cases SET created_at = created_at - id * 2400000, first_response_due = first_response_due - id * 2400000,
			resolve_due = resolve_due - id * 2400000`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Write.Exec(`UPDATE cases SET first_response_at = created_at + 600000`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Write.Exec(`UPDATE cases SET resolved_at = created_at + 10800000, status = 'resolved' WHERE id % 2 = 0 AND created_at + 10800000 < $1`,
			store.Millis(now)); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ { // the second run finds nothing new
			if _, err := RollupResponses(ctx, db, now.Add(2*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		var cases, late, resolved, rlate int64
		db.Read.QueryRow(`SELECT COUNT(*), SUM(CASE WHEN first_response_at > first_response_due THEN 1 ELSE 0 END) FROM cases`).Scan(&cases, &late)
		db.Read.QueryRow(`SELECT COUNT(*), SUM(CASE WHEN resolved_at > resolve_due THEN 1 ELSE 0 END) FROM cases WHERE resolved_at IS NOT NULL`).Scan(&resolved, &rlate)
		r, err := ReadResponses(ctx, db, "unit", now.Add(-5*24*time.Hour), now.Add(time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		tot := r.Total
		if tot.Responded != cases || tot.MeanResponse != 10 || tot.Resolved != resolved || tot.MeanResolution != 3 || resolved == 0 {
			t.Fatalf("total %+v; cases %d, resolved %d", tot, cases, resolved)
		}
		if want := round3(1 - float64(late)/float64(cases)); tot.ResponseOnTime != want {
			t.Fatalf("on time %v, want %v", tot.ResponseOnTime, want)
		}
		if want := round3(1 - float64(rlate)/float64(resolved)); tot.ResolveOnTime != want {
			t.Fatalf("resolved on time %v, want %v", tot.ResolveOnTime, want)
		}
		var sum int64
		for _, row := range r.Rows {
			sum += row.Responded
			if row.ID != 0 && row.Name == "" {
				t.Fatalf("unnamed unit %+v", row)
			}
		}
		if sum != cases {
			t.Fatalf("rows sum %d, want %d", sum, cases)
		}
		if _, err := ReadResponses(ctx, db, "team", now.Add(-time.Hour), now, now); err == nil {
			t.Fatal("by team accepted")
		}
		a, err := ReadResponses(ctx, db, "agent", now.Add(-5*24*time.Hour), now.Add(time.Hour), now)
		if err != nil || a.Total.Responded != cases {
			t.Fatalf("by agent: %+v %v", a.Total, err)
		}
	})
}
