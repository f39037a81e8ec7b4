package crisis_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kaval-desk/kaval/internal/crisis"
	"github.com/kaval-desk/kaval/internal/store"
)

// benchRoom is a room over 2,000 stored posts at one station (the most a
// gathering adds), in near-duplicate groups of 20.
func benchRoom(b *testing.B) (*env, crisis.Room) {
	db := store.NewTestSQLite(b)
	t := &testing.T{}
	e := setup(t, db)
	ctx := context.Background()
	tx, _ := db.Write.Begin()
	for i := range 2000 {
		if _, err := tx.Exec(`INSERT INTO posts (platform, external_id, text, created_at, received_at, station, simhash, lang, stage)
			VALUES ('x', $1, $2, $3, $3, 'Jayanagar PS', $4, 'en', 2)`, fmt.Sprint("b", i), fmt.Sprintf("Forward this: rumour %d", i/20),
			store.Millis(e.now), int64(uint64(i/20+1)*0x9E3779B97F4A7C15)^int64(i%3)); err != nil {
			b.Fatal(err)
		}
	}
	tx.Commit()
	r, err := e.cr.Open(ctx, e.users["sup"], crisis.OpenRequest{Title: "Bench", Severity: "warning", Stations: []string{"Jayanagar PS"}})
	if err != nil {
		b.Fatal(err)
	}
	return e, r
}

// BenchmarkGatherQuiet: a round over an open room whose sources have
// nothing new (what every room costs every 5 s).
func BenchmarkGatherQuiet(b *testing.B) {
	e, r := benchRoom(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if n, err := e.cr.Gather(ctx, r.ID); err != nil || n != 0 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkContents: the room's posts read and clustered (the room page
// and each live update).
func BenchmarkContents(b *testing.B) {
	e, r := benchRoom(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		c, err := e.cr.Contents(ctx, r, 30)
		if err != nil || c.Total != 2000 || len(c.Clusters) != 100 {
			b.Fatal(err, c.Total, len(c.Clusters))
		}
	}
}

// BenchmarkContents20k: the page of a room that has grown to 20,000
// posts (a city-wide rumour wave gathered over hours): 1,000 groups of 20
// near-duplicates, each group's copies differing in up to two bits.
// Comparing every pair of posts made this 200 million comparisons.
func BenchmarkContents20k(b *testing.B) {
	e, r := benchRoom(b)
	ctx := context.Background()
	tx, _ := e.db.Write.Begin()
	for i := 2000; i < 20000; i++ {
		var id int64
		if err := tx.QueryRow(`INSERT INTO posts (platform, external_id, text, created_at, received_at, station, simhash, lang, stage)
			VALUES ('x', $1, $2, $3, $3, 'Jayanagar PS', $4, 'en', 2) RETURNING id`, fmt.Sprint("b", i), fmt.Sprintf("Forward this: rumour %d", i/20),
			store.Millis(e.now), int64(uint64(i/20+1)*0x9E3779B97F4A7C15)^int64(i%3)).Scan(&id); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO crisis_items (room_id, kind, ref_id, via, added_at) VALUES ($1, 'post', $2, 'area', $3)`, r.ID, id, store.Millis(e.now)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		c, err := e.cr.Contents(ctx, r, 30)
		if err != nil || c.Total != 20000 || len(c.Clusters) != 1000 {
			b.Fatal(err, c.Total, len(c.Clusters))
		}
	}
}
