package alert

import (
	"context"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/watch"
)

// Posts addressed to the force turning negative raise a surge; five times
// the usual volume at the usual share does not; nor does anything without
// a day of history.
func TestSurgeDetectorJudgesTheShare(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 14, 40, 0, 0, time.UTC)
		cur := store.Millis(now) - store.Millis(now)%3600000
		ins := func(value string, hour, posts int64) {
			for _, dim := range []string{watch.DimAll, watch.DimForce} {
				v := value
				if dim == watch.DimAll {
					v = ""
				}
				if _, err := db.Write.Exec(`INSERT INTO volume_hourly (dim, value, hour, posts) VALUES ($1, $2, $3, $4)
					ON CONFLICT (dim, value, hour) DO UPDATE SET posts = volume_hourly.posts + excluded.posts`, dim, v, hour, posts); err != nil {
					t.Fatal(err)
				}
			}
		}
		d := SurgeDetector(db, watch.SurgeOptions{})
		hour := func(h int64, neg, other int64) {
			ins("negative", h, neg)
			ins("neutral", h, other)
		}
		hour(cur, 20, 10)
		if sigs, err := d.Detect(ctx, now); err != nil || len(sigs) != 0 {
			t.Fatalf("no history: %+v %v", sigs, err)
		}
		for h := cur - 8*24*3600000; h < cur; h += 3600000 {
			hour(h, 3, 7)
		}
		sigs, err := d.Detect(ctx, now)
		if err != nil || len(sigs) != 1 {
			t.Fatalf("%+v %v", sigs, err)
		}
		s := sigs[0]
		if s.Kind != KindNegativeSurge || s.Key != "force" || s.Detail.Observed != 20 || s.Detail.Total != 30 || s.Detail.Score < 4 {
			t.Fatalf("%+v", s)
		}
		if txt := Texts(s); txt["en"].Subject != "Negative surge toward the force: 20 of 30 posts addressed to it negative, about 9.0 expected" || txt["kn"].Subject == "" {
			t.Fatalf("%+v", txt)
		}
		// Five times the volume, the usual share: no surge.
		if _, err := db.Write.Exec("DELETE FROM volume_hourly WHERE hour = $1", cur); err != nil {
			t.Fatal(err)
		}
		hour(cur, 15, 35)
		if sigs, err := d.Detect(ctx, now); err != nil || len(sigs) != 0 {
			t.Fatalf("volume at the usual share: %+v %v", sigs, err)
		}
	})
}
