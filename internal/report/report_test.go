package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/notify/smtpfake"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
	"github.com/kaval-desk/kaval/internal/watch"
)

// day is the IST day the fixture's reports are about: 6 Dec 2026.
var day = time.Date(2026, 12, 6, 0, 0, 0, 0, IST)

const hostile = "=HYPERLINK(\"http://evil\") call 9876543210 ಕಳ್ಳತನ ) Tj ET endstream"

// seed stores a division with two stations, and posts every 20 minutes
// from 5 Dec 12:00 to 7 Dec 12:00 IST through the pipeline (so the watch
// rollups are kept as in production), placed in the two stations by turn.
func seed(t *testing.T, db *store.DB) (division, adugodi int64) {
	t.Helper()
	ctx := context.Background()
	us := unit.NewStore(db)
	if _, err := us.Upsert(ctx, []unit.Unit{
		{Code: "F", Kind: "force", Name: "Bengaluru City Police"},
		{Code: "S", Kind: "division", Name: "South Division", ParentCode: "F"},
		{Code: "A", Kind: "station", Name: "Adugodi PS", NameKn: "ಆಡುಗೋಡಿ ಪೊಲೀಸ್ ಠಾಣೆ", ParentCode: "S"},
		{Code: "K", Kind: "station", Name: "Koramangala PS", ParentCode: "S"},
		{Code: "N", Kind: "station", Name: "Hebbal PS", ParentCode: "F"},
	}); err != nil {
		t.Fatal(err)
	}
	names, _ := us.Names(ctx)
	stations := []string{"Adugodi PS", "Koramangala PS", "Hebbal PS"}
	start := time.Date(2026, 12, 5, 12, 0, 0, 0, IST)
	now := start.Add(48 * time.Hour)
	in := ingest.New(db, nil, ingest.Options{Now: func() time.Time { return now }, Analyze: func(p *post.Post) post.Analysis {
		var i int
		fmt.Sscan(strings.TrimPrefix(p.ExternalID, "p"), &i)
		st := stations[i%3]
		a := post.Analysis{Lang: []string{"en", "kn"}[i%2], Sentiment: post.Sentiment{Label: []string{"negative", "neutral"}[i%2]},
			Categories: []post.Category{{Name: []string{"theft", "traffic_parking"}[i%2], Score: 0.9}}, Station: &st,
			Places: []post.Place{{Text: "Koramangala"}}, SimHash: "0000000000000001"}
		if i%17 == 0 {
			a.Urgency, a.Emergency = 90, post.Flag{Label: true, Score: 0.9}
		}
		return a
	}})
	defer in.Close()
	var ps []post.Post
	for i := 0; i < 144; i++ {
		text := fmt.Sprintf("post %d #BlrTraffic", i)
		if i%17 == 0 {
			text = hostile
		}
		ps = append(ps, post.Post{Platform: post.X, Kind: post.KindMention, ExternalID: fmt.Sprint("p", i), Text: text,
			Author: post.Author{ExternalID: fmt.Sprint("a", i%7), Handle: "citizen"}, CreatedAt: start.Add(time.Duration(i) * 20 * time.Minute)})
	}
	// A private message: counted, never quoted as a notable post.
	ps = append(ps, post.Post{Platform: post.X, Kind: post.KindDirectMessage, Private: true, ExternalID: "p17000", Text: "private matter 9876500000",
		Author: post.Author{ExternalID: "dm"}, CreatedAt: day.Add(10 * time.Hour)})
	res, err := in.Submit(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range res {
		ids = append(ids, r.ID)
	}
	pl := pipeline.New(db, desk.New(db, desk.Options{Now: func() time.Time { return now }}), nil, nil,
		pipeline.Options{Now: func() time.Time { return now }, Listener: pipeline.Listeners{watch.Rollup{}}})
	if err := pl.Process(ctx, ids); err != nil {
		t.Fatal(err)
	}
	return names["South Division"], names["Adugodi PS"]
}

func count(t *testing.T, db *store.DB, where string, args ...any) int64 {
	var n int64
	if err := db.Read.QueryRow("SELECT COUNT(*) FROM posts WHERE "+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The figures agree with counting the posts themselves: the force's from
// the hourly rollups plus the half hours at the IST midnights, a
// division's from its stations' posts; notable posts are redacted unless
// asked otherwise, and never private.
func TestReportFigures(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		division, adugodi := seed(t, db)
		b := NewBuilder(db).WithClock(func() time.Time { return day.Add(36 * time.Hour) })
		s, u := store.Millis(day), store.Millis(day.AddDate(0, 0, 1))
		for _, c := range []struct {
			unit  int64
			where string
		}{
			{0, "1 = 1"},
			{division, "station IN ('Adugodi PS', 'Koramangala PS')"},
			{adugodi, "station = 'Adugodi PS'"},
		} {
			r, err := b.Build(ctx, Request{Kind: Daily, UnitID: c.unit, Day: day.Add(5 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			want := count(t, db, "created_at >= $1 AND created_at < $2 AND "+c.where, s, u)
			if r.Volumes.Posts != want || want == 0 {
				t.Errorf("unit %d: %d posts, counted %d", c.unit, r.Volumes.Posts, want)
			}
			var cats, days int64
			for _, x := range r.Issues.Categories {
				cats += x.N
			}
			for _, d := range r.Volumes.ByDay {
				days += d.Posts
			}
			if cats != want || days != want {
				t.Errorf("unit %d: categories sum to %d, days to %d, want %d", c.unit, cats, days, want)
			}
			prev := count(t, db, "created_at >= $1 AND created_at < $2 AND "+c.where, s-(u-s), s)
			if r.Volumes.Previous != prev {
				t.Errorf("unit %d: previous %d, want %d", c.unit, r.Volumes.Previous, prev)
			}
			if len(r.Notable) == 0 || !r.Redacted {
				t.Fatalf("unit %d: no notable posts (%d) or not redacted", c.unit, len(r.Notable))
			}
			for _, n := range r.Notable {
				if strings.Contains(n.Text, "9876") || n.Author != "" || strings.Contains(n.Text, "private") {
					t.Errorf("unit %d: notable post shows personal or private data: %+v", c.unit, n)
				}
			}
		}
		r, err := b.Build(ctx, Request{Kind: Weekly, UnitID: adugodi, Day: day, Viewer: privacy.Viewer{PII: true}})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Volumes.ByDay) != 7 || r.Redacted || !strings.Contains(r.Notable[0].Text, "9876543210") || r.Notable[0].Author != "citizen" {
			t.Errorf("weekly unredacted: %d days, redacted %v, %+v", len(r.Volumes.ByDay), r.Redacted, r.Notable[0])
		}
		if err := NewStore(db).Save(ctx, &r, 0); err == nil {
			t.Error("an unredacted report was stored")
		}
		if _, err := b.Build(ctx, Request{Kind: Daily, Day: day.AddDate(0, 0, 3)}); err == nil {
			t.Error("a report of a period not yet begun was built")
		}
		if _, err := b.Build(ctx, Request{Kind: "hourly", Day: day}); err == nil {
			t.Error("an unknown kind was accepted")
		}
	})
}

func labels(key string, args ...any) string {
	s := key
	for _, a := range args {
		s += " " + fmt.Sprint(a)
	}
	return s
}

// Citizen text cannot make a spreadsheet run a formula, nor break the CSV
// or the PDF; the PDF keeps the Kannada text extractable.
func TestExportsHostileText(t *testing.T) {
	r := Report{Kind: Daily, Unit: Unit{ID: 3, Name: "=cmd|' /C calc'!A0", NameKn: "ಆಡುಗೋಡಿ"}, Since: day, Until: day.AddDate(0, 0, 1), Redacted: true,
		Issues:  Issues{Hashtags: []Count{{"@SUM(A1)", 2}, {"+1", 1}, {"-2+3", 1}, {"\t=1", 1}}},
		Notable: []Notable{{Platform: "x", Text: hostile + "\n\"quoted\", comma"}}}
	var buf bytes.Buffer
	if err := CSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		for _, cell := range rec {
			if c := strings.TrimLeft(cell, " "); c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("cell %q would run as a formula", cell)
			}
		}
	}
	if !strings.Contains(text, "ಕಳ್ಳತನ") || len(recs) < 10 {
		t.Error("the CSV lost the Kannada text")
	}
	p, err := PDF(r, "kn", labels)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed (poppler-utils)")
	}
	f := filepath.Join(t.TempDir(), "r.pdf")
	os.WriteFile(f, p, 0o644)
	out, err := exec.Command("pdftotext", f, "-").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ಕಳ್ಳತನ ) Tj ET endstream") || !strings.Contains(string(out), "ಆಡುಗೋಡಿ") {
		t.Errorf("pdftotext: %v\n%s", err, out)
	}
}

// A schedule's report goes out once per period: two replicas racing and
// a second run find it sent; the e-mail arrives over SMTP.
func TestScheduleSendsOncePerPeriod(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, adugodi := seed(t, db)
		srv, err := smtpfake.Start()
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		now := day.Add(24*time.Hour + 2*time.Hour) // 7 Dec 02:00 IST: 6 Dec's brief is due
		n := notify.New(db, notify.Config{BaseURL: "https://desk.example.org", SMTP: notify.SMTPConfig{Addr: srv.Addr(), From: "kaval@example.org"}},
			notify.Options{Now: func() time.Time { return now }, Poll: 10 * time.Millisecond})
		st := NewStore(db)
		if _, err := st.SaveSchedule(ctx, Schedule{Kind: Daily, Unit: Unit{ID: adugodi}, Email: "sho.adugodi@example.org", Lang: "kn"}, 0, now); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []Schedule{{Kind: "hourly", Email: "a@b.org", Lang: "en"}, {Kind: Daily, Email: "not an address", Lang: "en"},
			{Kind: Daily, Email: "Eve <e@x.org>\r\nBcc: all@x.org", Lang: "en"}, {Kind: Daily, Email: "a@b.org", Lang: "fr"}, {Kind: Daily, Unit: Unit{ID: 99999}, Email: "a@b.org", Lang: "en"}} {
			if _, err := st.SaveSchedule(ctx, bad, 0, now); err == nil {
				t.Errorf("schedule %+v accepted", bad)
			}
		}
		sn := &Sender{Store: st, Builder: NewBuilder(db).WithClock(func() time.Time { return now }), Notifier: n,
			Labels: func(string) T { return labels }}
		var wg sync.WaitGroup
		sent := make([]int, 2)
		for i := range sent {
			wg.Add(1)
			go func() { defer wg.Done(); sent[i], _ = sn.RunDue(ctx, now) }()
		}
		wg.Wait()
		if again, err := sn.RunDue(ctx, now.Add(time.Hour)); err != nil || again != 0 {
			t.Fatalf("second run sent %d (%v)", again, err)
		}
		if sent[0]+sent[1] != 1 {
			t.Fatalf("sent %v: want exactly one", sent)
		}
		var reports, deliveries int
		db.Read.QueryRow("SELECT COUNT(*) FROM reports WHERE schedule_id IS NOT NULL").Scan(&reports)
		db.Read.QueryRow("SELECT COUNT(*) FROM notification_deliveries WHERE channel = 'email'").Scan(&deliveries)
		if reports != 1 || deliveries != 1 {
			t.Fatalf("%d reports, %d deliveries", reports, deliveries)
		}
		rctx, cancel := context.WithCancel(ctx)
		go n.Run(rctx)
		deadline := time.Now().Add(10 * time.Second)
		for len(srv.Messages()) == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		msgs := srv.Messages()
		if len(msgs) != 1 || msgs[0].To[0] != "sho.adugodi@example.org" || !strings.Contains(msgs[0].Data, "/desk/reports/") {
			t.Fatalf("mail: %+v", msgs)
		}
		if strings.Contains(msgs[0].Data, "9876543210") {
			t.Error("the e-mail carries personal data")
		}
		scheds, _ := st.Schedules(ctx)
		if len(scheds) != 1 || !scheds[0].LastPeriod.Equal(day) {
			t.Errorf("schedules: %+v", scheds)
		}
	})
}

// Incidents: the force sees every alert and crisis room active in the
// period; a station sees its own station's spike, critical alerts, rooms
// covering it and city-wide rooms, not another station's.
func TestIncidents(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, adugodi := seed(t, db)
		at := store.Millis(day.Add(10 * time.Hour))
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Write.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		for _, a := range [][3]string{{"spike.station", "Adugodi PS", "warning"}, {"spike.station", "Hebbal PS", "warning"},
			{"spike.category", "theft", "critical"}, {"spike.category", "fraud", "info"}} {
			exec(`INSERT INTO alerts (kind, dedupe_key, subject, severity, first_at, last_at) VALUES ($1, $2, $3, $4, $5, $5)`,
				a[0], a[0]+"|"+a[1], a[1], a[2], at)
		}
		// An alert of the week before is not in the period.
		exec(`INSERT INTO alerts (kind, dedupe_key, subject, severity, state, first_at, last_at) VALUES ('spike.station', 'old', 'Adugodi PS', 'critical', 'acknowledged', $1, $1)`,
			at-10*24*hourMs)
		exec(`INSERT INTO users (username, role, created_at, updated_at) VALUES ('sup', 'supervisor', 0, 0)`)
		for _, r := range [][2]string{{"Rumour in Adugodi", `["Adugodi PS"]`}, {"City-wide flood", `[]`}, {"Hebbal stampede rumour", `["Hebbal PS"]`}} {
			exec(`INSERT INTO crisis_rooms (title, severity, stations, since, created_by, created_at, updated_at)
				VALUES ($1, 'critical', $2, $3, (SELECT id FROM users WHERE username = 'sup'), $3, $3)`, r[0], r[1], at)
		}
		b := NewBuilder(db).WithClock(func() time.Time { return day.Add(36 * time.Hour) })
		subjects := func(unit int64) []string {
			r, err := b.Build(ctx, Request{Kind: Daily, UnitID: unit, Day: day})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, i := range r.Incidents {
				out = append(out, i.Source+":"+i.Subject)
			}
			return out
		}
		if got := strings.Join(subjects(0), ","); strings.Count(got, "alert:") != 4 || strings.Count(got, "crisis:") != 3 {
			t.Errorf("force: %s", got)
		}
		got := strings.Join(subjects(adugodi), ",")
		for _, want := range []string{"alert:Adugodi PS", "alert:theft", "crisis:Rumour in Adugodi", "crisis:City-wide flood"} {
			if !strings.Contains(got, want) {
				t.Errorf("Adugodi lacks %s: %s", want, got)
			}
		}
		if strings.Contains(got, "Hebbal") || strings.Contains(got, "fraud") || strings.Count(got, "alert:") != 2 {
			t.Errorf("Adugodi sees another station's or minor incidents: %s", got)
		}
	})
}

// Three people scheduled for one unit's daily brief get one report built
// (stored for each, e-mailed to each); a schedule whose unit was deleted
// is paused on the first run instead of failing every minute.
func TestScheduleBuildsOncePerUnitAndPeriod(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, adugodi := seed(t, db)
		now := day.Add(24*time.Hour + 2*time.Hour) // 7 Dec 02:00 IST: 6 Dec's brief is due
		n := notify.New(db, notify.Config{BaseURL: "https://desk.example.org", SMTP: notify.SMTPConfig{Addr: "127.0.0.1:1", From: "kaval@example.org"}},
			notify.Options{Now: func() time.Time { return now }})
		st := NewStore(db)
		for _, to := range []string{"sho.adugodi@example.org", "pi.adugodi@example.org", "acp.south@example.org"} {
			if _, err := st.SaveSchedule(ctx, Schedule{Kind: Daily, Unit: Unit{ID: adugodi}, Email: to, Lang: "en"}, 0, now); err != nil {
				t.Fatal(err)
			}
		}
		var gone int64
		if err := db.Write.QueryRow(`INSERT INTO units (code, kind, name, created_at) VALUES ('X', 'station', 'Closed PS', 1) RETURNING id`).Scan(&gone); err != nil {
			t.Fatal(err)
		}
		closed, err := st.SaveSchedule(ctx, Schedule{Kind: Daily, Unit: Unit{ID: gone}, Email: "sho.closed@example.org", Lang: "en"}, 0, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Write.Exec("DELETE FROM units WHERE id = $1", gone); err != nil {
			t.Fatal(err)
		}
		builds := 0 // the builder reads its clock once per report built
		sn := &Sender{Store: st, Builder: NewBuilder(db).WithClock(func() time.Time { builds++; return now }), Notifier: n,
			Labels: func(string) T { return labels }}
		sent, err := sn.RunDue(ctx, now)
		if err != nil || sent != 3 {
			t.Fatalf("sent %d: %v", sent, err)
		}
		if builds != 2 { // Adugodi's, and the attempt for the closed station
			t.Fatalf("%d reports built for 3 recipients of one unit and a deleted unit", builds)
		}
		var reports, deliveries int
		db.Read.QueryRow("SELECT COUNT(*) FROM reports WHERE schedule_id IS NOT NULL").Scan(&reports)
		db.Read.QueryRow("SELECT COUNT(*) FROM notification_deliveries WHERE channel = 'email'").Scan(&deliveries)
		if reports != 3 || deliveries != 3 {
			t.Fatalf("%d reports stored, %d e-mails queued", reports, deliveries)
		}
		scheds, _ := st.Schedules(ctx)
		for _, sc := range scheds {
			if sc.Enabled != (sc.ID != closed.ID) {
				t.Fatalf("schedule %d (unit %d) enabled %v", sc.ID, sc.Unit.ID, sc.Enabled)
			}
		}
		builds = 0
		if sent, err := sn.RunDue(ctx, now.Add(time.Minute)); err != nil || sent != 0 || builds != 0 {
			t.Fatalf("the next minute: sent %d, %d built (%v)", sent, builds, err)
		}
	})
}
