package desk_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

// tagAnalyzer reads the analysis from markers in the text, so each test
// states exactly what the desk is given: u=85 (urgency), emg, lang=kn,
// sent=negative, cat=theft, st=Jayanagar (station), sh=00ff… (SimHash).
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
		case "sent":
			a.Sentiment.Label = v
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
	now   time.Time
	units map[string]int64
	users map[string]int64
	seq   int
}

func setup(t *testing.T, db *store.DB) *env {
	t.Helper()
	ctx := context.Background()
	if _, err := unit.NewStore(db).Upsert(ctx, []unit.Unit{
		{Code: "blr", Kind: "force", Name: "Bengaluru City Police"},
		{Code: "blr/south", Kind: "division", Name: "South Division", ParentCode: "blr"},
		{Code: "blr/ps/jayanagar", Kind: "station", Name: "Jayanagar PS", ParentCode: "blr/south", Phone: "080-22942587"},
		{Code: "blr/ps/koramangala", Kind: "station", Name: "Koramangala PS", ParentCode: "blr/south"},
		{Code: "blr/ps/hebbal", Kind: "station", Name: "Hebbal PS", ParentCode: "blr"},
	}); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), units: map[string]int64{}, users: map[string]int64{}}
	names, err := unit.NewStore(db).Names(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for n, id := range names {
		e.units[strings.TrimSuffix(n, " PS")] = id
	}
	clock := func() time.Time { return e.now }
	e.in = ingest.New(db, nil, ingest.Options{Now: clock, Analyze: tagAnalyzer})
	t.Cleanup(e.in.Close)
	e.desk = desk.New(db, desk.Options{Now: clock, ThreadWindow: time.Hour})
	if err := e.desk.ReloadUnits(ctx); err != nil {
		t.Fatal(err)
	}
	e.pl = pipeline.New(db, e.desk, nil, tagAnalyzer, pipeline.Options{Now: clock})
	as := auth.New(db, auth.Config{Hash: auth.TestHashParams})
	for _, u := range []struct {
		name string
		role auth.Role
		unit string
	}{{"asha", auth.RoleAgent, ""}, {"ravi", auth.RoleAgent, ""}, {"sup", auth.RoleSupervisor, ""}, {"jay", auth.RoleStationOfficer, "Jayanagar"}} {
		nu := auth.NewUser{Username: u.name, Name: strings.ToUpper(u.name[:1]) + u.name[1:], Role: u.role, Password: "a perfectly fine passphrase", UnitID: e.units[u.unit]}
		got, _, err := as.CreateUser(ctx, nu)
		if err != nil {
			t.Fatal(err)
		}
		e.users[u.name] = got.ID
	}
	return e
}

// post stores one mention by author and threads it; it returns the case.
func (e *env) post(t *testing.T, author, text string) desk.Case {
	t.Helper()
	e.seq++
	p := post.Post{Platform: post.X, ExternalID: strconv.Itoa(e.seq), Kind: post.KindMention, Channel: "blrcitypolice",
		Author: post.Author{ExternalID: author, Handle: "h" + author, Name: "Citizen " + author}, Text: text, CreatedAt: e.now}
	res, err := e.in.Submit(context.Background(), []post.Post{p})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	if err := e.pl.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _, err := e.desk.GetPost(context.Background(), res[0].ID, desk.Scope{})
	if err != nil || got.CaseID == 0 {
		t.Fatalf("post %d not threaded: %v", res[0].ID, err)
	}
	c, err := e.desk.GetCase(context.Background(), got.CaseID, desk.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func refs(cs []desk.Case) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Subject
	}
	return out
}
