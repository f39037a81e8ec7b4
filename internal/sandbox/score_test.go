package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/geo"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

func seedPack(ctx context.Context, db *store.DB) error {
	pack, err := geo.Default()
	if err != nil {
		return err
	}
	var us []unit.Unit
	for _, u := range pack.Units() {
		us = append(us, unit.Unit{Code: u.Code, Kind: u.Kind, Name: u.Name, NameKn: u.NameKn, ParentCode: u.ParentCode, Lat: u.Lat, Lon: u.Lon, Geometry: u.Geometry})
	}
	_, err = unit.NewStore(db).Upsert(ctx, us)
	return err
}

// TestScore works a practice shift by hand against a clock and checks
// every mark: a distress case answered after an ordinary one, one right
// and one wrong station, a reply in the wrong language, a sensitive reply
// sent without approval, a case left unanswered.
func TestScore(t *testing.T) {
	ctx := context.Background()
	live := store.NewTestSQLite(t)
	now := time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC)
	m, err := New(live, Options{DataDir: t.TempDir(), Seed: seedPack, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var uid int64
	live.Write.QueryRow("INSERT INTO users (username, role, created_at, updated_at) VALUES ('trainee', 'agent', 1, 1) RETURNING id").Scan(&uid)
	p := &auth.Principal{UserID: uid, Username: "trainee", Role: auth.RoleAgent, Perms: auth.PermsOf(auth.RoleAgent)}
	var id int64
	live.Write.QueryRow("INSERT INTO training_sessions (user_id, scenario, speed, posts, started_at) VALUES ($1, 'missing_child', 1, 3, 1) RETURNING id", uid).Scan(&id)
	s, err := m.build(ctx, id, p)
	if err != nil {
		t.Fatal(err)
	}
	m.open[id] = s
	put := func(ext, theme, place, text string) int64 {
		t.Helper()
		if err := m.put(ctx, s, theme, place, post.Post{Platform: post.X, ExternalID: ext, Kind: post.KindMention, Channel: "practice",
			Author: post.Author{ExternalID: ext}, Text: text, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		var cid int64
		s.db.Read.QueryRow("SELECT case_id FROM posts WHERE external_id = $1", ext).Scan(&cid)
		return cid
	}
	distress := put("d", scenario.ThemeMissingChild, "Jayanagar", "My son is missing near Jayanagar park, please help")
	s.db.Write.Exec("UPDATE cases SET priority = 1 WHERE id = $1", distress)
	now = now.Add(time.Second)
	ordinary := put("o", scenario.ThemeTraffic, "Jayanagar", "Signal not working at the Jayanagar 4th block junction")
	now = now.Add(time.Second)
	put("u", scenario.ThemeNoise, "", "Loud music every night in our lane")

	tpl := map[string]int64{}
	ts, _ := s.desk.Templates(ctx)
	for _, x := range ts {
		tpl[x.Name] = x.ID
	}
	var right, wrong int64
	s.db.Read.QueryRow("SELECT id FROM units WHERE kind = 'station' AND name = (SELECT station FROM practice_posts WHERE external_id = 'd')").Scan(&right)
	s.db.Read.QueryRow("SELECT id FROM units WHERE kind = 'station' AND id <> $1 ORDER BY id LIMIT 1", right).Scan(&wrong)
	if right == 0 || wrong == 0 {
		t.Fatalf("stations: right %d wrong %d", right, wrong)
	}
	// 10 s in, the ordinary case is answered (in Kannada: wrong) while
	// the missing child waits; 20 s in, the child's case gets the
	// helpline template, straight to the citizen (not for approval).
	now = now.Add(8 * time.Second)
	if err := m.Reply(ctx, id, p, ordinary, Reply{Lang: "kn", Text: "Noted, thank you"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Escalate(ctx, id, p, ordinary, wrong, "Please fix the signal"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(10 * time.Second)
	if err := m.Reply(ctx, id, p, distress, Reply{Lang: "en", TemplateID: tpl["Helpline"]}); err != nil {
		t.Fatal(err)
	}
	if err := m.Escalate(ctx, id, p, distress, right, "Missing child, please search the park"); err != nil {
		t.Fatal(err)
	}
	sc, err := m.score(ctx, s, p)
	if err != nil {
		t.Fatal(err)
	}
	want := func(name string, got *int, v int) {
		t.Helper()
		if got == nil || *got != v {
			t.Errorf("%s = %v, want %d", name, got, v)
		}
	}
	want("distress first", sc.DistressFirst, 0)        // the ordinary case went first
	want("right station", sc.RightStation, 50)         // one of two
	want("template and language", sc.TemplateLang, 75) // Kannada to an English post; the rest right
	want("approvals", sc.Approvals, 0)                 // the P1 reply went straight out
	want("answered", sc.Answered, 66)                  // two of three
	want("first response", sc.FirstResponse, 100)      // median 14 s
	if sc.MedianSeconds < 13 || sc.MedianSeconds > 15 || sc.Replies != 2 || sc.Escalations != 2 || sc.Cases != 3 {
		t.Errorf("%+v", sc)
	}
	if sc.Overall != (0+50+75+0+66+100)/6 {
		t.Errorf("overall %d", sc.Overall)
	}
	// Sent for approval, the same reply respects it.
	if err := m.Reply(ctx, id, p, distress, Reply{Lang: "en", TemplateID: tpl["Helpline"], ForApproval: true}); err != nil {
		t.Fatal(err)
	}
	if sc, _ = m.score(ctx, s, p); sc.Approvals == nil || *sc.Approvals != 50 {
		t.Errorf("approvals after one for approval: %v", sc.Approvals)
	}
}
