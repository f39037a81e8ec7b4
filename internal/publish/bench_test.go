package publish_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/store"
)

// BenchmarkApproveBroadcast is the approval that releases an advisory to
// a station's WhatsApp broadcast of 1,000 citizens: every message is
// queued in the approving transaction.
func BenchmarkApproveBroadcast(b *testing.B) {
	db := store.NewTestSQLite(b)
	t := &testing.T{}
	e := setup(t, db)
	ctx := context.Background()
	jay := station(t, db, "blr/ps/jayanagar", "Jayanagar PS", 12.9299, 77.5826)
	wa := channel(t, db, "whatsapp", `{"phone_number_id":"1"}`)
	if _, err := e.s.SetStationGroup(ctx, e.sup1, publish.StationGroup{UnitID: jay, WhatsAppChannel: wa, WhatsAppTemplate: "station_advisory", TemplateLang: "kn"}); err != nil {
		b.Fatal(err)
	}
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		for i := range 1000 {
			if err := e.s.Subscribe(ctx, tx, jay, publish.Consent{ChannelID: wa, WaID: fmt.Sprintf("9198%08d", i), Evidence: fmt.Sprint("m", i), PostID: int64(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		p, err := e.s.Create(ctx, e.agent, publish.Draft{Title: fmt.Sprint("advisory ", i), Texts: map[string]string{"kn": "ಜಯನಗರದಲ್ಲಿ ನೀರು ನಿಂತಿದೆ", "en": "Water-logging in Jayanagar"},
			Stations: []int64{jay}, ScheduledAt: e.clk.Now().Add(time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.s.Submit(ctx, e.agent, p.ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := e.s.Approve(ctx, e.sup1, p.ID, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCalendarMonth lists a month's window out of 2,000 publications
// (the calendar page's query, 180 of them in the month, three versions
// each).
func BenchmarkCalendarMonth(b *testing.B) {
	db := store.NewTestSQLite(b)
	t := &testing.T{}
	e := setup(t, db)
	ctx := context.Background()
	start := e.clk.Now()
	for i := range 2000 {
		at := start.Add(time.Duration(i) * 4 * time.Hour)
		if _, err := e.s.Create(ctx, e.agent, publish.Draft{Title: fmt.Sprint("post ", i), Texts: map[string]string{"en": "Helpline 1090"},
			Versions: []publish.VersionIn{{ChannelID: e.x, Lang: "en"}, {ChannelID: e.bsky, Lang: "en"}, {ChannelID: e.masto, Lang: "en"}}, ScheduledAt: at}); err != nil {
			b.Fatal(err)
		}
	}
	from := start.Add(100 * 24 * time.Hour)
	b.ResetTimer()
	for range b.N {
		got, err := e.s.List(ctx, publish.Filter{From: from, To: from.Add(30 * 24 * time.Hour), Limit: 500})
		if err != nil || len(got) != 180 {
			b.Fatalf("%d %v", len(got), err)
		}
	}
}
