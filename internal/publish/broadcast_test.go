package publish_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/whatsapp/wafake"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/store"

	_ "github.com/kaval-desk/kaval/internal/connector/whatsapp"
)

func station(t *testing.T, db *store.DB, code, name string, lat, lon float64) int64 {
	t.Helper()
	var id int64
	if err := db.Write.QueryRow(`INSERT INTO units (code, kind, name, lat, lon, created_at) VALUES ($1, 'station', $2, $3, $4, 1) RETURNING id`,
		code, name, lat, lon).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// inbound stores a citizen's WhatsApp message as intake does and runs the
// keyword listener in a transaction, as the pipeline does.
func inbound(t *testing.T, db *store.DB, now func() time.Time, ch int64, waID, text string) {
	t.Helper()
	ctx := context.Background()
	var id int64
	ext := fmt.Sprintf("wamid.%s.%d", waID, time.Now().UnixNano())
	if err := db.Write.QueryRow(`INSERT INTO posts (platform, external_id, author_external_id, text, channel_id, private, created_at, received_at)
		VALUES ('whatsapp', $1, $2, $3, $4, 1, 1, 1) RETURNING id`, ext, waID, text, ch).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := db.Tx(ctx, func(tx *sql.Tx) error {
		return publish.NewKeywords(db, publish.Options{Now: now}).Listen(ctx, tx, []int64{id})
	}); err != nil {
		t.Fatal(err)
	}
}

// Locality groups: citizens join a station's WhatsApp broadcast only by
// writing to it themselves; an advisory targeted by place and radius goes
// to the stations' Telegram channels and to each citizen through the
// approved template; a citizen who writes STOP gets nothing more, even a
// message already queued for them; subscriptions and opt-outs are
// audited without the number.
func TestLocalityBroadcastAndOptOut(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		jay := station(t, db, "blr/ps/jayanagar", "Jayanagar PS", 12.9299, 77.5826)
		near := station(t, db, "blr/ps/siddapura", "Siddapura PS", 12.9380, 77.5850)
		far := station(t, db, "blr/ps/yelahanka", "Yelahanka PS", 13.1007, 77.5963)
		wa := wafake.New(wafake.Options{AppSecret: "as", Token: "wa-token"})
		t.Cleanup(wa.Close)
		waCh, waConn := live(t, db, e.clk.Now, "whatsapp", map[string]string{"phone_number_id": wa.PhoneNumberID(), "graph_url": wa.GraphURL()},
			map[string]string{"app_secret": "as", "token": "wa-token"})
		tg := channel(t, db, "telegram", `{"publish_chat":"@jayanagarps"}`)
		if _, err := e.s.SetStationGroup(ctx, e.sup1, publish.StationGroup{UnitID: jay, TelegramChannel: tg, WhatsAppChannel: waCh}); err == nil {
			t.Fatal("a WhatsApp broadcast without a template was accepted")
		}
		g, err := e.s.SetStationGroup(ctx, e.sup1, publish.StationGroup{UnitID: jay, TelegramChannel: tg, WhatsAppChannel: waCh, WhatsAppTemplate: "station_advisory", TemplateLang: "kn"})
		if err != nil || g.Code != "blr/ps/jayanagar" {
			t.Fatalf("group: %+v %v", g, err)
		}

		inbound(t, db, e.clk.Now, waCh, "919800000001", "JOIN Jayanagar")
		inbound(t, db, e.clk.Now, waCh, "919800000002", "ಸೇರು ಜಯನಗರ") // no Kannada name stored: not a station here
		inbound(t, db, e.clk.Now, waCh, "919800000002", "join jayanagar ps")
		inbound(t, db, e.clk.Now, waCh, "919800000003", "Please stop the loud music near Jayanagar 4th block")
		inbound(t, db, e.clk.Now, waCh, "919800000004", "join Yelahanka") // Yelahanka does not broadcast on this number
		gs, _ := e.s.StationGroups(ctx, jay)
		if gs[0].Subscribers != 2 {
			t.Fatalf("%d subscribers, want 2 (only those who asked)", gs[0].Subscribers)
		}

		// Targeted by place and radius: Jayanagar and Siddapura, not Yelahanka.
		stations, err := e.s.StationsNear(ctx, "Jayanagar", 3)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(stations, jay) || !slices.Contains(stations, near) || slices.Contains(stations, far) {
			t.Fatalf("stations near Jayanagar: %v (jay %d near %d far %d)", stations, jay, near, far)
		}
		if _, err := e.s.StationsNear(ctx, "Atlantis", 3); err == nil {
			t.Fatal("an unknown place was accepted")
		}
		at := e.clk.Now().Add(time.Hour)
		p, err := e.s.Create(ctx, e.agent, publish.Draft{Kind: publish.KindAdvisory, Title: "Water-logging",
			Texts: map[string]string{"kn": "ಜಯನಗರ 4ನೇ ಬ್ಲಾಕ್‌ನಲ್ಲಿ ನೀರು ನಿಂತಿದೆ; ಬದಲಿ ಮಾರ್ಗ ಬಳಸಿ.", "en": "Water-logging at Jayanagar 4th Block: use another route."},
			Place: "Jayanagar", RadiusKm: 3, ScheduledAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(p.Stations, jay) || slices.Contains(p.Stations, far) {
			t.Fatalf("targets %v", p.Stations)
		}
		e.s.Submit(ctx, e.agent, p.ID)
		if _, err := e.s.Approve(ctx, e.sup1, p.ID, ""); err != nil {
			t.Fatal(err)
		}
		var waItems, tgItems, confirms int
		db.Read.QueryRow(`SELECT COUNT(*) FROM outbox WHERE channel_id = $1 AND state = 'pending' AND template <> ''`, waCh).Scan(&waItems)
		db.Read.QueryRow(`SELECT COUNT(*) FROM outbox WHERE channel_id = $1 AND idempotency_key LIKE 'broadcast:confirm:%'`, waCh).Scan(&confirms)
		if confirms != 2 {
			t.Fatalf("%d confirmations, want 2 (one per JOIN that joined)", confirms)
		}
		db.Read.QueryRow(`SELECT COUNT(*) FROM outbox WHERE channel_id = $1 AND state = 'pending'`, tg).Scan(&tgItems)
		if waItems != 2 || tgItems != 1 {
			t.Fatalf("queued %d WhatsApp and %d Telegram messages, want 2 and 1", waItems, tgItems)
		}

		// Citizen 2 opts out after the advisory was queued for them.
		inbound(t, db, e.clk.Now, waCh, "919800000002", "STOP")
		// Moving the advisory moves its station messages too; the one
		// withdrawn stays withdrawn.
		later := at.Add(2 * time.Hour)
		if _, err := e.s.Reschedule(ctx, e.sup1, p.ID, later); err != nil {
			t.Fatal(err)
		}
		var moved int
		db.Read.QueryRow(`SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND next_attempt_at = $1 AND channel_id IN ($2, $3)`, later.UnixMilli(), waCh, tg).Scan(&moved)
		if moved != 2 { // citizen 1's message and the Telegram post
			t.Fatalf("%d station messages moved, want 2", moved)
		}
		e.clk.Add(4 * time.Hour)
		w := outbox.NewWorker(e.ob, senders{waCh: waConn}, outbox.WorkerOptions{Now: e.clk.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), SendTimeout: 5 * time.Second})
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		var sent []wafake.Sent
		confirmed := map[string]int{}
		for _, m := range wa.Sent() {
			if m.Type == "template" {
				sent = append(sent, m)
			} else {
				confirmed[m.To]++
			}
		}
		if confirmed["919800000001"] != 1 || confirmed["919800000002"] != 2 { // joined; joined and left
			t.Fatalf("confirmations sent: %v", confirmed)
		}
		if len(sent) != 1 || sent[0].To != "919800000001" || sent[0].Type != "template" || sent[0].Template != "station_advisory" || len(sent[0].Params) != 1 {
			t.Fatalf("sent %+v", sent)
		}
		gs, _ = e.s.StationGroups(ctx, jay)
		if gs[0].Subscribers != 1 {
			t.Fatalf("%d subscribers after the opt-out", gs[0].Subscribers)
		}
		var audits int
		db.Read.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action IN ('broadcast.subscribe', 'broadcast.opt_out')`).Scan(&audits)
		var leaked int
		db.Read.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE details LIKE '%9198000000%'`).Scan(&leaked)
		if audits != 3 || leaked != 0 {
			t.Fatalf("%d audit entries (want 3), %d with a number in them", audits, leaked)
		}
		// Withdrawing an advisory withdraws its station messages.
		q, _ := e.s.Create(ctx, e.agent, publish.Draft{Title: "Later", Texts: map[string]string{"en": "Road works tomorrow"}, Stations: []int64{jay}, ScheduledAt: e.clk.Now().Add(time.Hour)})
		e.s.Submit(ctx, e.agent, q.ID)
		e.s.Approve(ctx, e.sup1, q.ID, "")
		var queued int
		db.Read.QueryRow(`SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE $1 AND state = 'pending'`, fmt.Sprintf("publication:%d:%%", q.ID)).Scan(&queued)
		if queued != 2 {
			t.Fatalf("%d station messages queued, want 2", queued)
		}
		if _, err := e.s.Cancel(ctx, e.agent, q.ID, "wrong day"); err != nil {
			t.Fatal(err)
		}
		var left int
		db.Read.QueryRow(`SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE $1 AND state <> 'cancelled'`, fmt.Sprintf("publication:%d:%%", q.ID)).Scan(&left)
		if left != 0 {
			t.Fatalf("%d station messages left after cancelling", left)
		}
		// Joining again is a new consent.
		inbound(t, db, e.clk.Now, waCh, "919800000002", "Join Jayanagar")
		if gs, _ = e.s.StationGroups(ctx, jay); gs[0].Subscribers != 2 {
			t.Fatalf("rejoin: %d", gs[0].Subscribers)
		}
	})
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"JOIN Jayanagar", "stop", "STOP!", "ಸೇರು ಜಯನಗರ", "please stop", "join", "", "subscribe  adugodi ps ", "\u200bstop"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := publish.ParseCommand(s)
		if !ok {
			return
		}
		if c.Join == c.Stop {
			t.Fatalf("%q: join %v stop %v", s, c.Join, c.Stop)
		}
		if c.Join && c.Station == "" {
			t.Fatalf("%q: join without a station", s)
		}
		if len(s) < 4 {
			t.Fatalf("%q: a command shorter than any keyword", s)
		}
	})
}

// A recurring advisory for a station's group alone (no account versions)
// is queued once per occurrence however many sweeps run.
func TestRecurringStationBroadcast(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		jay := station(t, db, "blr/ps/jayanagar", "Jayanagar PS", 12.9299, 77.5826)
		tg := channel(t, db, "telegram", `{"publish_chat":"@jayanagarps"}`)
		if _, err := e.s.SetStationGroup(ctx, e.sup1, publish.StationGroup{UnitID: jay, TelegramChannel: tg}); err != nil {
			t.Fatal(err)
		}
		first := e.clk.Now().Add(time.Hour)
		p, err := e.s.Create(ctx, e.agent, publish.Draft{Title: "Night patrol reminder", Texts: map[string]string{"en": "Lock your doors: call 112 for help."},
			Stations: []int64{jay}, ScheduledAt: first, Recur: "daily", RecurUntil: first.Add(72 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Submit(ctx, e.agent, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Approve(ctx, e.sup1, p.ID, ""); err != nil {
			t.Fatal(err)
		}
		count := func() int {
			var n int
			db.Read.QueryRow(`SELECT COUNT(*) FROM outbox WHERE channel_id = $1`, tg).Scan(&n)
			return n
		}
		for range 3 {
			e.s.Sweep(ctx)
		}
		if n := count(); n != 2 { // occurrences 0 and 1 fall within 36 hours
			t.Fatalf("%d posts queued, want 2", n)
		}
		for range 5 {
			e.clk.Add(24 * time.Hour)
			e.s.Sweep(ctx)
			e.s.Sweep(ctx)
		}
		if n := count(); n != 4 { // 0–3, then until
			t.Fatalf("%d posts queued over the series, want 4", n)
		}
	})
}

// A series approved after some of its occurrences passed does not send
// them all at once: occurrences more than an hour late are skipped.
func TestRecurringSkipsMissedOccurrences(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		first := e.clk.Now().Add(time.Hour)
		p, err := e.s.Create(ctx, e.agent, publish.Draft{Title: "Daily", Texts: map[string]string{"en": "Helpline 1098 for children"},
			Versions: []publish.VersionIn{{ChannelID: e.bsky, Lang: "en"}}, ScheduledAt: first, Recur: "daily"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Submit(ctx, e.agent, p.ID); err != nil {
			t.Fatal(err)
		}
		e.clk.Add(5 * 24 * time.Hour) // approved five days late
		if _, err := e.s.Approve(ctx, e.sup1, p.ID, ""); err != nil {
			t.Fatal(err)
		}
		e.s.Sweep(ctx)
		var due int
		db.Read.QueryRow(`SELECT COUNT(*) FROM outbox WHERE next_attempt_at <= $1`, e.clk.Now().UnixMilli()).Scan(&due)
		if due != 1 { // occurrence 0, as soon as approved; 1–4 skipped
			t.Fatalf("%d posts due at once, want 1", due)
		}
		if _, err := e.s.Submit(ctx, e.agent, e.draft(t, publish.KindPost, e.x).ID); err != nil {
			t.Fatal(err)
		}
	})
}
