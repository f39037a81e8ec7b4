package alert

import (
	"context"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/watch"
)

// The built-in detectors raise a category and a station whose hour stands
// far above its seasonal baseline, and nothing for the steady ones.
func TestSpikeDetectorsRaiseFromTheRollups(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c, _ := setup(t, db)
		now := c.now().Add(40 * time.Minute)
		cur := store.Millis(now) - store.Millis(now)%3600000
		ins := func(dim, value string, hour, posts int64) {
			if _, err := db.Write.Exec("INSERT INTO volume_hourly (dim, value, hour, posts) VALUES ($1, $2, $3, $4)", dim, value, hour, posts); err != nil {
				t.Fatal(err)
			}
		}
		for h := cur - 14*24*3600000; h < cur; h += 3600000 {
			ins(watch.DimAll, "", h, 10)
			ins(watch.DimCategory, "theft", h, 2)
			ins(watch.DimCategory, "traffic_parking", h, 5)
			ins(watch.DimStation, "Koramangala PS", h, 1)
			ins(watch.DimStation, "Adugodi PS", h, 3)
		}
		ins(watch.DimAll, "", cur, 60)
		ins(watch.DimCategory, "theft", cur, 30)
		ins(watch.DimCategory, "traffic_parking", cur, 3)
		ins(watch.DimStation, "Koramangala PS", cur, 25)
		ins(watch.DimStation, "Adugodi PS", cur, 2)
		l := &Loop{Service: s, Leases: nil, Detectors: SpikeDetectors(db, query.NewStore(db, nil, nil), watch.SpikeOptions{}), Now: func() time.Time { return now }}
		var got []Signal
		for _, d := range l.Detectors {
			sigs, err := d.Detect(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, sigs...)
		}
		if len(got) != 2 || got[0].Kind != KindCategorySpike || got[0].Subject != "theft" || got[0].Severity != Critical ||
			got[1].Kind != KindStationSpike || got[1].Key != "station:Koramangala%20PS" || got[1].Detail.Observed != 25 {
			t.Fatalf("signals: %+v", got)
		}
		for _, sig := range got {
			if _, o, err := s.Raise(ctx, sig); err != nil || o != Opened {
				t.Fatalf("%+v: %s %v", sig, o, err)
			}
		}
		if txt := Texts(got[1]); txt["kn"].Subject == "" || txt["en"].Subject != "Spike in posts about Koramangala PS: 25, about 0.7 expected" {
			t.Fatalf("texts: %+v", txt)
		}
	})
}
