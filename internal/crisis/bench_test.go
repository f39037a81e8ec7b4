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
