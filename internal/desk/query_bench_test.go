package desk

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/kaval-desk/kaval/internal/store"
)

// BenchmarkInbox times the inbox's variants over a seeded load, on SQLite
// and (with KAVAL_TEST_POSTGRES) PostgreSQL. KAVAL_BENCH_POSTS sets the
// size (default 20,000 posts; `kaval bench inbox` measures 1,000,000
// through the whole page). Compare runs side by side; the machine is
// shared.
//
//	go test ./internal/desk -run XXX -bench Inbox -benchtime 200x
func BenchmarkInbox(b *testing.B) {
	posts := 20000
	if v, err := strconv.Atoi(os.Getenv("KAVAL_BENCH_POSTS")); err == nil && v > 0 {
		posts = v
	}
	for _, st := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", store.NewTestSQLite}, {"postgres", store.NewTestPostgres}} {
		b.Run(st.name, func(b *testing.B) {
			e := newSpeedEnv(b, st.open(b), posts)
			active := []string{StatusNew, StatusOpen, StatusWaitingCitizen, StatusWaitingStation}
			ctx := context.Background()
			_, cursor, err := e.d.ListCases(ctx, CaseFilter{Status: active}, Scope{})
			if err != nil {
				b.Fatal(err)
			}
			for _, v := range []struct {
				name string
				f    CaseFilter
				sc   Scope
			}{
				{"triage", CaseFilter{Status: active}, Scope{}},
				{"page2", CaseFilter{Status: active, Cursor: cursor}, Scope{}},
				{"deadline", CaseFilter{Status: active, Sort: SortDeadline}, Scope{}},
				{"updated", CaseFilter{Status: active, Sort: SortUpdated}, Scope{}},
				{"station", CaseFilter{Status: active}, Scope{Restricted: true, UnitID: e.units[4]}},
				{"subdivision", CaseFilter{Status: active}, Scope{Restricted: true, UnitID: e.units[2]}},
				{"category", CaseFilter{Status: active, Category: "missing_person"}, Scope{}},
				{"overdue", CaseFilter{Status: active, Overdue: true}, Scope{}},
				{"assignee", CaseFilter{Status: active, AssigneeID: e.seed.Agents[0]}, Scope{}},
				{"unassigned", CaseFilter{Status: active, Unassigned: true}, Scope{}},
				{"search_en", CaseFilter{Status: active, Q: "traffic"}, Scope{}},
				{"search_kn", CaseFilter{Status: active, Q: "ಕೋರಮಂಗಲ"}, Scope{}},
			} {
				b.Run(v.name, func(b *testing.B) {
					for b.Loop() {
						if _, _, err := e.d.ListCases(ctx, v.f, v.sc); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
