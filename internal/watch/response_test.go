package watch

import (
	"context"
	"fmt"
	"strings"
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

		// More resolutions on days already counted: the rollup's upserts
		// update rows, and the by-unit table follows through its triggers.
		if _, err := db.Write.Exec(`UPDATE cases SET resolved_at = $1, status = 'resolved' WHERE id % 2 = 1`, store.Millis(now.Add(2*time.Minute))); err != nil {
			t.Fatal(err)
		}
		if _, err := RollupResponses(ctx, db, now.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Write.Exec(`DELETE FROM response_daily WHERE agent_id = (SELECT MIN(agent_id) FROM response_daily) AND day = (SELECT MIN(day) FROM response_daily)`); err != nil {
			t.Fatal(err)
		}
		for _, by := range []string{"unit_id", "agent_id"} {
			var differ int
			table := "response_" + strings.TrimSuffix(by, "_id") + "_daily"
			if err := db.Read.QueryRow(`SELECT COUNT(*) FROM (SELECT day, ` + by + ` AS k, SUM(responded) a, SUM(response_ms) b, SUM(response_late) c, SUM(resolved) d,
				SUM(resolution_ms) e, SUM(resolution_late) f FROM response_daily GROUP BY day, ` + by + `) x
				FULL OUTER JOIN ` + table + ` u ON u.day = x.day AND u.` + by + ` = x.k
				WHERE COALESCE(x.a, 0) <> COALESCE(u.responded, 0) OR COALESCE(x.b, 0) <> COALESCE(u.response_ms, 0) OR COALESCE(x.c, 0) <> COALESCE(u.response_late, 0)
				OR COALESCE(x.d, 0) <> COALESCE(u.resolved, 0) OR COALESCE(x.e, 0) <> COALESCE(u.resolution_ms, 0) OR COALESCE(x.f, 0) <> COALESCE(u.resolution_late, 0)`).Scan(&differ); err != nil {
				t.Fatal(err)
			}
			if differ != 0 {
				t.Fatalf("%d rows of %s differ from response_daily", differ, table)
			}
		}
		u2, _ := ReadResponses(ctx, db, "unit", now.Add(-5*24*time.Hour), now.Add(time.Hour), now)
		a2, _ := ReadResponses(ctx, db, "agent", now.Add(-5*24*time.Hour), now.Add(time.Hour), now)
		if u2.Total.Resolved != a2.Total.Resolved || u2.Total.Resolved <= resolved {
			t.Fatalf("after more resolutions: by unit %+v, by agent %+v", u2.Total, a2.Total)
		}
	})
}
