package sla

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// BenchmarkCalendarAdd: one deadline on office hours with a pause, three
// days of target (the walk crosses nights, a Sunday and a holiday).
func BenchmarkCalendarAdd(b *testing.B) {
	cal := office()
	start := ist("2026-12-24 16:00")
	pauses := []Interval{{ist("2026-12-24 16:30"), ist("2026-12-26 11:00")}}
	now := ist("2026-12-28 09:00")
	for b.Loop() {
		cal.Add(start, 72*60*time.Minute/3, pauses, now)
	}
}

// BenchmarkSweep2000: a steady-state sweep (deadlines already in step,
// nothing to alert) over 2,000 open cases on SQLite — the cost every 30 s
// on the replica holding the sweep's lease.
func BenchmarkSweep2000(b *testing.B) {
	db := store.NewTestSQLite(b)
	ctx := context.Background()
	now := ist("2026-12-01 10:00")
	tx, err := db.Write.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 2000; i++ {
		if _, err := tx.Exec(`INSERT INTO cases (ref, status, priority, category, platform, thread_key, last_post_at, created_at, updated_at)
			VALUES ($1, 'open', $2, '', 'x', $3, $4, $4, $4)`, fmt.Sprintf("BCP-2026-%06d", i), 2+i%3, fmt.Sprint("b", i), store.Millis(now)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	sw := NewSweeper(db, nil, Options{Now: func() time.Time { return now }})
	if r, err := sw.Sweep(ctx); err != nil || r.Updated != 2000 {
		b.Fatalf("%+v %v", r, err)
	}
	b.ResetTimer()
	for b.Loop() {
		if r, err := sw.Sweep(ctx); err != nil || r.Updated != 0 {
			b.Fatalf("%+v %v", r, err)
		}
	}
}
