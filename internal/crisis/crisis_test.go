package crisis_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/alert"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/crisis"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/lease"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

// tagAnalyzer reads the analysis from markers in the text: lang=kn,
// st=Jayanagar (station), sh=… (SimHash), emg, u=85, cat=rumour.
func tagAnalyzer(p *post.Post) post.Analysis {
	a := post.Analysis{Lang: "en", Sentiment: post.Sentiment{Label: "neutral"}, SimHash: "0000000000000000"}
	for _, w := range strings.Fields(p.Text) {
		k, v, _ := strings.Cut(w, "=")
		switch k {
		case "u":
			a.Urgency, _ = strconv.Atoi(v)
		case "emg":
			a.Emergency = post.Flag{Label: true, Score: 0.9}
		case "lang":
			a.Lang = v
		case "cat":
			a.Categories = []post.Category{{Name: v, Score: 0.9}}
		case "st":
			s := v + " PS"
			a.Station = &s
		case "sh":
			a.SimHash = v
		}
	}
	return a
}

type env struct {
	db    *store.DB
	in    *ingest.Intake
	desk  *desk.Desk
	pl    *pipeline.Pipeline
	ob    *outbox.Outbox
	pub   *publish.Service
	al    *alert.Service
	cr    *crisis.Service
	now   time.Time
	users map[string]*auth.Principal
	ch    int64
	seq   int
}

func (e *env) clock() time.Time { return e.now }

func (e *env) service() *crisis.Service {
	return crisis.New(e.db, e.desk, e.ob, e.pub, e.al, crisis.Options{Now: e.clock, PerMinute: map[string]int{post.X: 3}, BaseURL: "https://desk.example"})
}

func setup(t *testing.T, db *store.DB) *env {
	t.Helper()
	ctx := context.Background()
	if _, err := unit.NewStore(db).Upsert(ctx, []unit.Unit{
		{Code: "blr", Kind: "force", Name: "Bengaluru City Police"},
		{Code: "blr/ps/jayanagar", Kind: "station", Name: "Jayanagar PS", ParentCode: "blr"},
		{Code: "blr/ps/hebbal", Kind: "station", Name: "Hebbal PS", ParentCode: "blr"},
	}); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC), users: map[string]*auth.Principal{}}
	e.in = ingest.New(db, nil, ingest.Options{Now: e.clock, Analyze: tagAnalyzer})
	t.Cleanup(e.in.Close)
	e.desk = desk.New(db, desk.Options{Now: e.clock, ThreadWindow: time.Hour})
	if err := e.desk.ReloadUnits(ctx); err != nil {
		t.Fatal(err)
	}
	e.pl = pipeline.New(db, e.desk, nil, tagAnalyzer, pipeline.Options{Now: e.clock})
	e.ob = outbox.New(db).WithClock(e.clock)
	e.pub = publish.New(db, e.ob, publish.Options{Now: e.clock})
	e.al = alert.New(db, alert.Options{Now: e.clock})
	e.cr = e.service()
	e.desk.SetBoost(e.cr.Boost)
	e.desk.SetAdvisoryLink(e.cr.AdvisoryLink)
	as := auth.New(db, auth.Config{Hash: auth.TestHashParams})
	for _, u := range []struct {
		name string
		role auth.Role
	}{{"sup", auth.RoleSupervisor}, {"sup2", auth.RoleSupervisor}, {"asha", auth.RoleAgent}} {
		got, _, err := as.CreateUser(ctx, auth.NewUser{Username: u.name, Role: u.role, Password: "a perfectly fine passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		e.users[u.name] = &auth.Principal{UserID: got.ID, Username: u.name, Role: u.role, Perms: auth.PermsOf(u.role)}
	}
	if err := db.Write.QueryRow(`INSERT INTO channels (platform, name, config, status, created_at, updated_at) VALUES ('x', 'blrcitypolice', '{}', 'active', 1, 1) RETURNING id`).Scan(&e.ch); err != nil {
		t.Fatal(err)
	}
	return e
}

// post stores and threads one mention; it returns the post's id.
func (e *env) post(t *testing.T, text string, private bool) int64 {
	t.Helper()
	e.seq++
	p := post.Post{Platform: post.X, ExternalID: strconv.Itoa(e.seq), Kind: post.KindMention, Channel: "blrcitypolice", Private: private,
		Author: post.Author{ExternalID: "a" + strconv.Itoa(e.seq), Handle: "h" + strconv.Itoa(e.seq)}, Text: text, CreatedAt: e.now}
	res, err := e.in.Submit(context.Background(), []post.Post{p})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	if err := e.pl.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Write.Exec("UPDATE posts SET channel_id = $1 WHERE id = $2", e.ch, res[0].ID); err != nil {
		t.Fatal(err)
	}
	return res[0].ID
}

func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Read.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(q, err)
	}
	return n
}

// A room opened by hand for Jayanagar gathers the area's posts and their
// cases; the rumour's copies form one cluster; a rebuttal to it waits for
// one approval by someone other than its requester, then goes out through
// the outbox at most 3 a minute on X, skipping the deleted and the private
// post, never twice to one post (a second service, as after a restart,
// queues nothing again), with progress and timeline; the room closes with
// a summary kept as a report, every step audited.
func TestRebuttalToCluster(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		sup, sup2, agent := e.users["sup"], e.users["sup2"], e.users["asha"]
		rumour := "st=Jayanagar cat=rumour sh=00000000000000ff Forward this: the lake bund broke"
		var ids []int64
		for i := range 6 {
			ids = append(ids, e.post(t, rumour+" copy "+strconv.Itoa(i), i == 5))
		}
		other := e.post(t, "st=Jayanagar sh=ff00ff00ff00ff00 a tree fell on 9th main", false)
		e.post(t, "st=Hebbal sh=00000000000000ff Forward this: far away", false)

		if _, err := e.cr.Open(ctx, sup, crisis.OpenRequest{Title: " ", Severity: "warning"}); err == nil {
			t.Fatal("a room without a title opened")
		}
		r, err := e.cr.Open(ctx, sup, crisis.OpenRequest{Title: "Lake bund rumour", Severity: "critical", Area: "Jayanagar", Stations: []string{"Jayanagar PS"}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.cr.Contents(ctx, r, 0)
		if err != nil {
			t.Fatal(err)
		}
		if c.Total != 7 || len(c.Cases) == 0 || len(c.Clusters) != 1 || len(c.Clusters[0].Posts) != 6 {
			t.Fatalf("contents: %d posts, %d cases, clusters %+v", c.Total, len(c.Cases), c.Clusters)
		}
		// A person removes the tree post; the next gathering keeps it out.
		if err := e.cr.SetItem(ctx, sup, r.ID, crisis.KindPost, other, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.cr.Gather(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		if c, _ = e.cr.Contents(ctx, r, 0); c.Total != 6 {
			t.Fatalf("removed post came back: %d", c.Total)
		}
		// The first copy is deleted by its author before the rebuttal goes.
		if _, err := db.Write.Exec("UPDATE posts SET deleted_at = 1 WHERE id = $1", ids[0]); err != nil {
			t.Fatal(err)
		}

		key := c.Clusters[0].Key
		if _, err := e.cr.RequestRebuttal(ctx, sup, r.ID, crisis.RebuttalRequest{Cluster: key, Text: "False: {station} is fine"}); err == nil {
			t.Fatal("a rebuttal with an unfillable variable was accepted")
		}
		if _, err := e.cr.RequestRebuttal(ctx, sup, r.ID, crisis.RebuttalRequest{Cluster: "c999", Text: "x"}); err == nil {
			t.Fatal("a rebuttal to no cluster was accepted")
		}
		b, err := e.cr.RequestRebuttal(ctx, sup, r.ID, crisis.RebuttalRequest{Cluster: key, Text: "The bund is intact: https://blr.example/fact {ref}"})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := e.cr.SendRebuttals(ctx, nil); n != 0 {
			t.Fatalf("%d sent before approval", n)
		}
		if _, err := e.cr.DecideRebuttal(ctx, sup, r.ID, b.ID, true, ""); err == nil {
			t.Fatal("the requester approved their own rebuttal")
		}
		if _, err := e.cr.DecideRebuttal(ctx, agent, r.ID, b.ID, true, ""); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("an agent approved: %v", err)
		}
		if _, err := e.cr.DecideRebuttal(ctx, sup2, r.ID, b.ID, true, "checked with the BBMP"); err != nil {
			t.Fatal(err)
		}
		// Rate limit: 3 a minute on X.
		n, err := e.cr.SendRebuttals(ctx, nil)
		if err != nil || n != 3 {
			t.Fatalf("first minute: %d %v", n, err)
		}
		// A restart: a new service sends the rest next minute, never again to the first three.
		e.now = e.now.Add(61 * time.Second)
		e.cr = e.service()
		if n, err = e.cr.SendRebuttals(ctx, nil); err != nil || n != 1 {
			t.Fatalf("second minute: %d %v", n, err)
		}
		if n, _ = e.cr.SendRebuttals(ctx, nil); n != 0 {
			t.Fatalf("sent again: %d", n)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE 'crisis:rebuttal:%'"); got != 4 {
			t.Fatalf("%d outbox items", got)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM outbox WHERE post_id = $1 OR post_id = $2", ids[0], ids[5]); got != 0 {
			t.Fatal("the deleted or the private post was answered")
		}
		var text string
		db.Read.QueryRow("SELECT text FROM outbox WHERE post_id = $1", ids[1]).Scan(&text)
		// On X a reply starts with its author's handle (X refuses one text twice).
		if !strings.HasPrefix(text, "@h2 The bund is intact: https://blr.example/fact BCP-") {
			t.Fatalf("text %q", text)
		}
		// A second rebuttal to the same cluster skips every answered post.
		b2, err := e.cr.RequestRebuttal(ctx, sup2, r.ID, crisis.RebuttalRequest{Cluster: key, Text: "Again"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.cr.DecideRebuttal(ctx, sup, r.ID, b2.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(61 * time.Second)
		if n, _ = e.cr.SendRebuttals(ctx, nil); n != 0 {
			t.Fatalf("second rebuttal sent %d", n)
		}
		bs, err := e.cr.Rebuttals(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		first := bs[1]
		if first.State != crisis.RebuttalDone || first.Progress.Queued != 4 || first.Progress.Skipped[crisis.SkipDeleted] != 1 ||
			first.Progress.Skipped[crisis.SkipPrivate] != 1 || bs[0].Progress.Skipped[crisis.SkipAnswered] != 4 {
			t.Fatalf("progress: %+v / %+v", first, bs[0])
		}

		if _, err := e.cr.Close(ctx, sup, r.ID, ""); err == nil {
			t.Fatal("closed without a summary")
		}
		if _, err := e.cr.Close(ctx, sup, r.ID, "Rumour rebutted; call 9845012345 for the BBMP engineer"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.cr.AddTask(ctx, sup, r.ID, crisis.TaskRequest{Title: "late"}); err == nil {
			t.Fatal("a closed room took a task")
		}
		rep, err := e.cr.Report(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Room.State != crisis.StateClosed || rep.Posts != 6 || len(rep.Rebuttals) != 2 || rep.Timeline[0].Action != "open" {
			t.Fatalf("report: %+v", rep)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM audit_log WHERE target = $1", "crisis:"+strconv.FormatInt(r.ID, 10)); got != count(t, db, "SELECT COUNT(*) FROM crisis_events WHERE room_id = $1", r.ID) || got < 8 {
			t.Fatalf("%d audit entries", got)
		}
	})
}

// Surge mode: on, the area's new posts are acknowledged once each with
// the template (filled with the pinned link), and a distress post there
// is raised a priority level; off, a new distress post gets its normal
// priority and nothing more is acknowledged.
func TestSurgeMode(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		sup := e.users["sup"]
		tpl, err := e.desk.SaveTemplate(ctx, desk.Template{Name: "Surge ack", Bodies: map[string]string{"en": "We are on it: {advisory_link}", "kn": "ನಾವು ಗಮನಿಸಿದ್ದೇವೆ: {advisory_link}"}}, sup.UserID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.cr.Open(ctx, sup, crisis.OpenRequest{Title: "Flooding", Severity: "critical", Stations: []string{"Jayanagar PS"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.cr.SetSurge(ctx, e.users["asha"], r.ID, crisis.SurgeRequest{On: true, Link: "javascript:alert(1)"}); err == nil {
			t.Fatal("a javascript link was pinned")
		}
		if _, err := e.cr.SetSurge(ctx, sup, r.ID, crisis.SurgeRequest{On: true, TemplateID: tpl.ID, Link: "https://blr.example/advisory"}); err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(time.Second)
		prio := func(id int64) int {
			var p int
			if err := db.Read.QueryRow("SELECT c.priority FROM cases c JOIN posts p ON p.case_id = c.id WHERE p.id = $1", id).Scan(&p); err != nil {
				t.Fatal(err)
			}
			return p
		}
		distress := e.post(t, "st=Jayanagar emg u=70 water entering homes lang=kn", false)
		elsewhere := e.post(t, "st=Hebbal emg u=70 water entering homes", false)
		if prio(distress) != desk.P1 || prio(elsewhere) != desk.P2 {
			t.Fatalf("priorities in surge: %d, %d", prio(distress), prio(elsewhere))
		}
		if got := e.cr.AdvisoryLink("Jayanagar PS"); got != "https://blr.example/advisory" {
			t.Fatalf("advisory link %q", got)
		}
		if n, err := e.cr.SendAcks(ctx, nil); err != nil || n != 1 {
			t.Fatalf("acks: %d %v", n, err)
		}
		if n, _ := e.cr.SendAcks(ctx, nil); n != 0 {
			t.Fatalf("acknowledged twice: %d", n)
		}
		var text string
		db.Read.QueryRow("SELECT text FROM outbox WHERE post_id = $1", distress).Scan(&text)
		if text != "ನಾವು ಗಮನಿಸಿದ್ದೇವೆ: https://blr.example/advisory" {
			t.Fatalf("ack text %q", text)
		}
		if _, err := e.cr.SetSurge(ctx, sup, r.ID, crisis.SurgeRequest{On: false}); err != nil {
			t.Fatal(err)
		}
		after := e.post(t, "st=Jayanagar emg u=70 more water", false)
		if prio(after) != desk.P2 {
			t.Fatalf("surge off, priority %d", prio(after))
		}
		if n, _ := e.cr.SendAcks(ctx, nil); n != 0 {
			t.Fatalf("acknowledged with surge off: %d", n)
		}
		ev, _ := e.cr.Timeline(ctx, r.ID, 0)
		if ev[0].Action != "surge.off" || ev[1].Action != "surge.on" {
			t.Fatalf("timeline %+v", ev)
		}
	})
}

// A rebuttal goes once to each account: a second copy by the same account
// is skipped (the same words twice to one person; X refuses them).
func TestRebuttalOncePerAccount(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		a := e.post(t, "st=Jayanagar sh=0000000000000fff Forward this: water poisoned", false)
		b := e.post(t, "st=Jayanagar sh=0000000000000fff Forward this: water poisoned!", false)
		c := e.post(t, "st=Jayanagar sh=0000000000000fff Forward this: water poisoned!!", false)
		if _, err := db.Write.Exec("UPDATE posts SET author_external_id = 'same' WHERE id IN ($1, $2)", a, b); err != nil {
			t.Fatal(err)
		}
		r, err := e.cr.Open(ctx, e.users["sup"], crisis.OpenRequest{Title: "Water rumour", Severity: "critical", Stations: []string{"Jayanagar PS"}})
		if err != nil {
			t.Fatal(err)
		}
		cs, _ := e.cr.Contents(ctx, r, 0)
		b1, err := e.cr.RequestRebuttal(ctx, e.users["sup"], r.ID, crisis.RebuttalRequest{Cluster: cs.Clusters[0].Key, Text: "The water is safe"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.cr.DecideRebuttal(ctx, e.users["sup2"], r.ID, b1.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if n, err := e.cr.SendRebuttals(ctx, nil); err != nil || n != 2 {
			t.Fatalf("queued %d: %v", n, err)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM outbox WHERE post_id IN ($1, $2)", a, b); got != 1 {
			t.Fatalf("%d replies to the one account", got)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM outbox WHERE post_id = $1", c); got != 1 {
			t.Fatal("the other account was not answered")
		}
	})
}

// Closing a room stops what its approved rebuttal has not yet sent: the
// rate limit held back one post, and after the close it is skipped, not
// answered under a room that is over.
func TestClosingStopsRebuttals(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		sup, sup2 := e.users["sup"], e.users["sup2"]
		for i := range 4 {
			e.post(t, "st=Jayanagar cat=rumour sh=00000000000000ff Forward this: the lake bund broke copy "+strconv.Itoa(i), false)
		}
		r, err := e.cr.Open(ctx, sup, crisis.OpenRequest{Title: "Lake bund rumour", Severity: "critical", Stations: []string{"Jayanagar PS"}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.cr.Contents(ctx, r, 0)
		if err != nil || len(c.Clusters) != 1 {
			t.Fatalf("clusters %+v %v", c.Clusters, err)
		}
		b, err := e.cr.RequestRebuttal(ctx, sup, r.ID, crisis.RebuttalRequest{Cluster: c.Clusters[0].Key, Text: "The bund is intact"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.cr.DecideRebuttal(ctx, sup2, r.ID, b.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if n, err := e.cr.SendRebuttals(ctx, nil); err != nil || n != 3 { // 3 a minute on X
			t.Fatalf("first minute: %d %v", n, err)
		}
		if _, err := e.cr.Close(ctx, sup, r.ID, "Rumour rebutted"); err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(61 * time.Second)
		if n, err := e.cr.SendRebuttals(ctx, nil); err != nil || n != 0 {
			t.Fatalf("sent %d after the room closed (%v)", n, err)
		}
		bs, err := e.cr.Rebuttals(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if bs[0].Progress.Queued != 3 || bs[0].Progress.Skipped[crisis.SkipClosed] != 1 {
			t.Fatalf("progress: %+v", bs[0].Progress)
		}
	})
}

// A cluster is shown by a live public post's text: when its first post is
// deleted (or a private message), that post's words do not reach the room
// through the cluster.
func TestClusterTextNotFromDeletedPost(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		gone := e.post(t, "st=Jayanagar cat=rumour sh=00000000000000ff Forward this: the lake bund broke, ask Ravi 9845012345", false)
		for i := range 3 {
			e.post(t, "st=Jayanagar cat=rumour sh=00000000000000ff Forward this: the lake bund broke copy "+strconv.Itoa(i), false)
		}
		if _, err := db.Write.Exec("UPDATE posts SET deleted_at = 1 WHERE id = $1", gone); err != nil {
			t.Fatal(err)
		}
		r, err := e.cr.Open(ctx, e.users["sup"], crisis.OpenRequest{Title: "Lake bund rumour", Severity: "critical", Stations: []string{"Jayanagar PS"}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.cr.Contents(ctx, r, 0)
		if err != nil || len(c.Clusters) != 1 || len(c.Clusters[0].Posts) != 4 {
			t.Fatalf("clusters %+v %v", c.Clusters, err)
		}
		if txt := c.Clusters[0].Text; strings.Contains(txt, "Ravi") || !strings.Contains(txt, "lake bund broke copy") {
			t.Fatalf("cluster shown as %q", txt)
		}
	})
}

// Posts the surge cannot acknowledge (here: imported, no account to reply
// through) are recorded as dealt with, so a flood of them does not sit at
// the head of every round and hold back the post behind them.
func TestSurgeAcksPassOverUnanswerable(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		sup := e.users["sup"]
		tpl, err := e.desk.SaveTemplate(ctx, desk.Template{Name: "Surge ack", Bodies: map[string]string{"en": "We are on it"}}, sup.UserID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.cr.Open(ctx, sup, crisis.OpenRequest{Title: "Flooding", Severity: "critical", Stations: []string{"Jayanagar PS"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.cr.SetSurge(ctx, sup, r.ID, crisis.SurgeRequest{On: true, TemplateID: tpl.ID, Link: "https://blr.example/advisory"}); err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(time.Second)
		for i := range 201 {
			id := e.post(t, "st=Jayanagar u=70 water entering homes "+strconv.Itoa(i), false)
			if _, err := db.Write.Exec("UPDATE posts SET channel_id = NULL WHERE id = $1", id); err != nil {
				t.Fatal(err)
			}
		}
		last := e.post(t, "st=Jayanagar u=70 water entering our home too", false)
		n := 0
		for range 3 {
			got, err := e.cr.SendAcks(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			n += got
		}
		if n != 1 || count(t, db, "SELECT COUNT(*) FROM outbox WHERE post_id = $1", last) != 1 {
			t.Fatalf("acknowledged %d; the answerable post behind 201 unanswerable ones got %d", n, count(t, db, "SELECT COUNT(*) FROM outbox WHERE post_id = $1", last))
		}
		// The room's report counts all 202 cases, not the 200 its page lists.
		for range 3 {
			if _, err := e.cr.Gather(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		if rep, err := e.cr.Report(ctx, r.ID); err != nil || rep.Cases != 202 {
			t.Fatalf("report counts %d cases (%v)", rep.Cases, err)
		}
	})
}

// A replica without the crisis lease still triages with the surge rooms:
// a switch made on another replica reaches its AdvisoryLink (and Boost)
// within the round's interval.
func TestSurgeReachesReplicaWithoutLease(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		leases := lease.New(db)
		if ok, err := leases.Acquire(ctx, "crisis", "the other replica", time.Hour); err != nil || !ok {
			t.Fatalf("lease: %v %v", ok, err)
		}
		other := e.service() // this replica never gets the lease
		go other.Run(ctx, 20*time.Millisecond, leases, "this replica")
		sup := e.users["sup"]
		r, err := e.cr.Open(ctx, sup, crisis.OpenRequest{Title: "Flooding", Severity: "critical", Stations: []string{"Jayanagar PS"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.cr.SetSurge(ctx, sup, r.ID, crisis.SurgeRequest{On: true, Link: "https://blr.example/advisory"}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for other.AdvisoryLink("Jayanagar PS") != "https://blr.example/advisory" {
			if time.Now().After(deadline) {
				t.Fatal("the surge never reached the replica without the lease")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
