package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/analyze/simhash"
	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

// keywordAnalyzer is a small deterministic analyzer for these tests: the
// desk's behaviour, not the models, is under test here.
func keywordAnalyzer(p *post.Post) post.Analysis {
	a := post.Analysis{Lang: "en", Sentiment: post.Sentiment{Label: "neutral"}, SimHash: fmt.Sprintf("%016x", simhash.Of(p.Text))}
	t := strings.ToLower(p.Text)
	if strings.Contains(t, "help") {
		a.Emergency = post.Flag{Label: true, Score: 0.9}
		a.Urgency = 92 // a theft in progress with a cry for help: P1 (desk.P1SureUrgency)
		a.Categories = []post.Category{{Name: "theft", Score: 0.8}}
	}
	if strings.Contains(t, "jayanagar") {
		s := "Jayanagar PS"
		a.Station = &s
	}
	if strings.Contains(t, "koramangala") || strings.Contains(t, "ಕೋರಮಂಗಲ") {
		s := "Koramangala PS"
		a.Station = &s
	}
	return a
}

type env struct {
	db   *store.DB
	in   *ingest.Intake
	desk *desk.Desk
	pl   *Pipeline
	now  time.Time
}

func setup(t *testing.T, db *store.DB) *env {
	ctx := context.Background()
	if _, err := unit.NewStore(db).Upsert(ctx, []unit.Unit{
		{Code: "blr", Kind: "force", Name: "Bengaluru City Police"},
		{Code: "blr/ps/jayanagar", Kind: "station", Name: "Jayanagar PS", ParentCode: "blr"},
		{Code: "blr/ps/koramangala", Kind: "station", Name: "Koramangala PS", ParentCode: "blr"},
	}); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	e.in = New0(db, clock)
	t.Cleanup(e.in.Close)
	e.desk = desk.New(db, desk.Options{Now: clock, ThreadWindow: time.Hour})
	if err := e.desk.ReloadUnits(ctx); err != nil {
		t.Fatal(err)
	}
	e.pl = New(db, e.desk, nil, keywordAnalyzer, Options{Now: clock})
	return e
}

// New0 is intake as the desk runs it: analysing each post before storing
// it, so these tests thread posts from the stored filter columns.
func New0(db *store.DB, clock func() time.Time) *ingest.Intake {
	return ingest.New(db, nil, ingest.Options{Now: clock, Analyze: keywordAnalyzer})
}

// Posts intake stored with their analysis are threaded, prioritised and
// routed from the filter columns without the pipeline's analyzer; posts
// stored without one (a failed or disabled analysis) are analysed by the
// pipeline, stored with it and routed the same way.
func TestAnalysedAtIntakeOrByThePipeline(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		calls := 0
		e.pl = New(db, e.desk, nil, func(p *post.Post) post.Analysis {
			calls++
			return keywordAnalyzer(p)
		}, Options{Now: e.pl.now, Workers: 1})
		bare := ingest.New(db, nil, ingest.Options{Now: e.pl.now})
		defer bare.Close()
		p1 := mention("a1", "amma", "help, chain snatched in Jayanagar")
		p1.CreatedAt = e.now
		res, err := e.in.Submit(ctx, []post.Post{p1})
		if err != nil {
			t.Fatal(err)
		}
		p2 := mention("b1", "appa", "help, chain snatched in Koramangala")
		p2.CreatedAt = e.now
		res2, err := bare.Submit(ctx, []post.Post{p2})
		if err != nil {
			t.Fatal(err)
		}
		var stages []int
		for _, id := range []int64{res[0].ID, res2[0].ID} {
			var st int
			db.Read.QueryRow("SELECT stage FROM posts WHERE id = $1", id).Scan(&st)
			stages = append(stages, st)
		}
		if stages[0] != ingest.StageAnalysed || stages[1] != ingest.StageStored {
			t.Fatalf("stages after intake %v, want [1 0]", stages)
		}
		if err := e.pl.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if calls != 1 {
			t.Fatalf("pipeline analysed %d posts, want only the one stored without analysis", calls)
		}
		for i, tc := range []struct {
			id int64
			ps string
		}{{res[0].ID, "Jayanagar PS"}, {res2[0].ID, "Koramangala PS"}} {
			c := e.caseOf(t, tc.id)
			if c.Priority != desk.P1 || c.Category != "theft" || c.UnitName != tc.ps {
				t.Fatalf("post %d: case priority %d category %q unit %q", i, c.Priority, c.Category, c.UnitName)
			}
			var stage, urgency int
			var js sql.NullString
			db.Read.QueryRow("SELECT stage, urgency, analysis FROM posts WHERE id = $1", tc.id).Scan(&stage, &urgency, &js)
			if stage != ingest.StageOnDesk || urgency != 92 || !strings.Contains(js.String, `"station":"`+tc.ps+`"`) {
				t.Fatalf("post %d: stage %d urgency %d analysis %s", i, stage, urgency, js.String)
			}
		}
	})
}

// put stores posts and runs the pipeline over whatever is unfinished.
func (e *env) put(t *testing.T, posts ...post.Post) []int64 {
	t.Helper()
	for i := range posts {
		if posts[i].CreatedAt.IsZero() {
			posts[i].CreatedAt = e.now
		}
	}
	res, err := e.in.Submit(context.Background(), posts)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		ids[i] = r.ID
	}
	if err := e.pl.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ids
}

func (e *env) caseOf(t *testing.T, postID int64) desk.Case {
	t.Helper()
	p, _, err := e.desk.GetPost(context.Background(), postID, desk.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if p.CaseID == 0 {
		t.Fatalf("post %d has no case", postID)
	}
	c, err := e.desk.GetCase(context.Background(), p.CaseID, desk.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mention(id, author, text string) post.Post {
	return post.Post{Platform: post.X, ExternalID: id, Kind: post.KindMention, Channel: "blrcitypolice",
		Author: post.Author{ExternalID: author, Handle: "h" + author}, Text: text}
}

func TestThreadingRules(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ids := e.put(t, mention("1", "a", "Chain snatching in Jayanagar 4th block, help!"))
		c1 := e.caseOf(t, ids[0])
		if c1.Priority != desk.P1 || c1.UnitName != "Jayanagar PS" || c1.Category != "theft" || c1.Status != desk.StatusNew {
			t.Fatalf("first case: %+v", c1)
		}
		if !strings.HasPrefix(c1.Ref, "BCP-2026-") || c1.FirstResponseDue == nil || !c1.FirstResponseDue.Equal(e.now.Add(15*time.Minute)) {
			t.Fatalf("ref/SLA: %s %v", c1.Ref, c1.FirstResponseDue)
		}
		// Same author, same channel, within the window: joins.
		e.now = e.now.Add(30 * time.Minute)
		ids = e.put(t, mention("2", "a", "Still waiting, he ran towards the bus stop"))
		if c := e.caseOf(t, ids[0]); c.ID != c1.ID || c.PostCount != 2 {
			t.Fatalf("same author within window should join: %+v", c)
		}
		// A reply by someone else to a post of the case joins it too.
		r := mention("3", "b", "I saw it too")
		r.InReplyTo = "1"
		ids = e.put(t, r)
		if c := e.caseOf(t, ids[0]); c.ID != c1.ID {
			t.Fatalf("reply should join parent's case %d, got %d", c1.ID, c.ID)
		}
		// Outside the window: a new case.
		e.now = e.now.Add(3 * time.Hour)
		ids = e.put(t, mention("4", "a", "Different matter: loud music in Koramangala"))
		c4 := e.caseOf(t, ids[0])
		if c4.ID == c1.ID || c4.UnitName != "Koramangala PS" {
			t.Fatalf("outside the window should open a new case: %+v", c4)
		}
		if c4.Ref <= c1.Ref {
			t.Fatalf("refs not monotonic: %s then %s", c1.Ref, c4.Ref)
		}
		// Direct messages thread per conversation, whatever the gap.
		dm := func(id string) post.Post {
			p := mention(id, "c", "DM about my case")
			p.Platform, p.Private, p.ThreadID, p.Kind = post.WhatsApp, true, "conv-c", post.KindDirectMessage
			return p
		}
		d1 := e.caseOf(t, e.put(t, dm("w1"))[0])
		e.now = e.now.Add(48 * time.Hour)
		d2 := e.caseOf(t, e.put(t, dm("w2"))[0])
		if d1.ID != d2.ID || !d2.Private {
			t.Fatalf("DMs should share a case: %d %d", d1.ID, d2.ID)
		}
		// News items are not cases.
		n := mention("n1", "", "News: traffic diversion on Hosur road")
		n.Platform, n.Kind = post.RSS, post.KindNews
		nid := e.put(t, n)[0]
		if p, _, _ := e.desk.GetPost(context.Background(), nid, desk.Scope{}); p.CaseID != 0 || p.Analysis == nil {
			t.Fatalf("news: %+v", p)
		}
	})
}

func TestResolvedCaseReopensWhenCitizenWrites(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		c := e.caseOf(t, e.put(t, mention("1", "a", "noise in Jayanagar"))[0])
		st := desk.StatusResolved
		if _, err := e.desk.Update(ctx, c.ID, desk.Scope{}, 0, desk.Change{Status: &st}); err != nil {
			t.Fatal(err)
		}
		r := mention("2", "a", "it started again")
		r.InReplyTo = "1"
		c2 := e.caseOf(t, e.put(t, r)[0])
		if c2.ID != c.ID || c2.Status != desk.StatusOpen || c2.ResolvedAt != nil {
			t.Fatalf("should reopen: %+v", c2)
		}
		ev, _ := e.desk.Timeline(ctx, c.ID, desk.Scope{})
		kinds := []string{}
		for _, x := range ev {
			kinds = append(kinds, x.Kind)
		}
		if got := strings.Join(kinds, ","); got != "opened,status,post,status" {
			t.Fatalf("timeline %s", got)
		}
	})
}

func TestScopeAndActions(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		j := e.caseOf(t, e.put(t, mention("1", "a", "theft in Jayanagar, help"))[0])
		k := e.caseOf(t, e.put(t, mention("2", "b", "parking mess in Koramangala"))[0])
		jay := desk.Scope{Restricted: true, UnitID: j.UnitID}
		list, _, err := e.desk.ListCases(ctx, desk.CaseFilter{}, jay)
		if err != nil || len(list) != 1 || list[0].ID != j.ID {
			t.Fatalf("station officer sees %v %v", list, err)
		}
		if _, err := e.desk.GetCase(ctx, k.ID, jay); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other station's case visible: %v", err)
		}
		if _, err := e.desk.Update(ctx, k.ID, jay, 1, desk.Change{AddTags: []string{"x"}}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other station's case editable: %v", err)
		}
		posts, _ := e.desk.ListPosts(ctx, desk.PostFilter{}, jay)
		if len(posts) != 1 {
			t.Fatalf("station officer sees %d posts", len(posts))
		}
		// Disallowed transition, bad priority: refused, nothing changed.
		closed, bad := desk.StatusClosed, 9
		if _, err := e.desk.Update(ctx, j.ID, desk.Scope{}, 0, desk.Change{Priority: &bad}); err == nil {
			t.Fatal("priority 9 accepted")
		}
		if _, err := e.desk.Update(ctx, j.ID, desk.Scope{}, 0, desk.Change{Status: &closed}); err != nil {
			t.Fatal(err)
		}
		newSt := desk.StatusNew
		if _, err := e.desk.Update(ctx, j.ID, desk.Scope{}, 0, desk.Change{Status: &newSt}); err == nil {
			t.Fatal("closed → new accepted")
		}
		// Stale version refused.
		tags := desk.Change{AddTags: []string{"chain-snatching", "ಸರಗಳ್ಳತನ"}, Version: 1}
		if _, err := e.desk.Update(ctx, j.ID, desk.Scope{}, 0, tags); !errors.Is(err, desk.ErrConflict) {
			t.Fatalf("stale version: %v", err)
		}
		tags.Version = 0
		got, err := e.desk.Update(ctx, j.ID, desk.Scope{}, 0, tags)
		if err != nil || len(got.Tags) != 2 {
			t.Fatalf("tags: %+v %v", got.Tags, err)
		}
		list, _, _ = e.desk.ListCases(ctx, desk.CaseFilter{Tag: "ಸರಗಳ್ಳತನ"}, desk.Scope{})
		if len(list) != 1 {
			t.Fatalf("tag filter: %d", len(list))
		}
		if _, err := e.desk.Comment(ctx, j.ID, desk.Scope{}, 0, "<script>alert(1)</script> called the station"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.desk.Comment(ctx, j.ID, desk.Scope{}, 0, "  "); err == nil {
			t.Fatal("empty comment accepted")
		}
		if _, err := e.desk.Assign(ctx, j.ID, desk.Scope{}, 0, 999); err == nil {
			t.Fatal("assign to missing user accepted")
		}
	})
}

func TestSearchFindsKannadaAndEnglish(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		// The Kannada post is written with a zero-width joiner inside a word.
		e.put(t,
			mention("1", "a", "ಕೋರಮಂಗಲದಲ್ಲಿ ಕಳ್ಳ\u200dತನ ಆಗಿದೆ"),
			mention("2", "b", "Bike stolen near Forum Mall KORAMANGALA"),
			mention("3", "c", "चोरी हो गई जयनगर में"),
			mention("4", "d", "nothing to see"),
		)
		for q, want := range map[string]int{
			"ಕೋರಮಂಗಲ":        1, // prefix of an inflected Kannada word
			"ಕಳ್ಳತನ":         1,
			"koramangala":    1,
			"stolen forum":   1,
			"चोरी":           1,
			"\"; DROP --":    0,
			"NEAR(a b) OR *": 0,
			"":               4,
		} {
			got, err := e.desk.ListPosts(ctx, desk.PostFilter{Q: q}, desk.Scope{})
			if err != nil {
				t.Fatalf("%q: %v", q, err)
			}
			if len(got) != want {
				t.Errorf("search %q: %d posts, want %d", q, len(got), want)
			}
		}
		cs, _, err := e.desk.ListCases(ctx, desk.CaseFilter{Q: "ಕೋರಮಂಗಲ"}, desk.Scope{})
		if err != nil || len(cs) != 1 {
			t.Fatalf("case search: %d %v", len(cs), err)
		}
	})
}

func TestInboxPaginationAndOrder(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		var posts []post.Post
		for i := range 25 {
			text := "routine query"
			if i%5 == 0 {
				text = "help, robbery"
			}
			posts = append(posts, mention(fmt.Sprint(i), fmt.Sprint("u", i), text))
		}
		e.put(t, posts...)
		seen := map[int64]bool{}
		cursor := ""
		var prios []int
		for page := 0; ; page++ {
			cs, next, err := e.desk.ListCases(ctx, desk.CaseFilter{Limit: 7, Cursor: cursor}, desk.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				if seen[c.ID] {
					t.Fatalf("case %d on two pages", c.ID)
				}
				seen[c.ID] = true
				prios = append(prios, c.Priority)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 25 {
			t.Fatalf("paged %d cases, want 25", len(seen))
		}
		for i := 1; i < len(prios); i++ {
			if prios[i] < prios[i-1] {
				t.Fatalf("not in priority order: %v", prios)
			}
		}
		if _, _, err := e.desk.ListCases(ctx, desk.CaseFilter{Cursor: "garbage!"}, desk.Scope{}); err == nil {
			t.Fatal("bad cursor accepted")
		}
	})
}

func TestBusDrivenPipeline(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		b := bus.NewInProc(0)
		defer b.Close()
		in := ingest.New(db, b, ingest.Options{})
		defer in.Close()
		pl := New(db, e.desk, b, keywordAnalyzer, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go pl.Run(ctx, time.Hour)
		time.Sleep(50 * time.Millisecond)
		var posts []post.Post
		for i := range 100 {
			posts = append(posts, mention(fmt.Sprint(i), fmt.Sprint("u", i%10), "help in Jayanagar"))
		}
		if _, err := in.Submit(ctx, posts); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			var left int
			db.Read.QueryRow("SELECT count(*) FROM posts WHERE stage < 2").Scan(&left)
			if left == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d posts never reached the desk", left)
			}
			time.Sleep(20 * time.Millisecond)
		}
		var cases int
		db.Read.QueryRow("SELECT count(*) FROM cases").Scan(&cases)
		if cases != 10 {
			t.Fatalf("%d cases for 10 authors", cases)
		}
	})
}

func TestReanalyzeResumes(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		var posts []post.Post
		for i := range 25 {
			posts = append(posts, mention(fmt.Sprint(i), fmt.Sprint("u", i), "routine query"))
		}
		e.put(t, posts...)
		// A new model now calls every post urgent.
		calls := 0
		urgent := func(p *post.Post) post.Analysis {
			calls++
			a := keywordAnalyzer(p)
			a.Urgency = 99
			return a
		}
		pl := New(db, e.desk, nil, urgent, Options{Workers: 1})
		cctx, cancel := context.WithCancel(ctx)
		n, err := pl.Reanalyze(cctx, "reanalyze:test", 10, func(done, total int64) {
			if done >= 10 {
				cancel() // interrupted after the first batch
			}
		})
		if n != 10 || err == nil {
			t.Fatalf("first run: %d %v", n, err)
		}
		calls = 0
		n, err = pl.Reanalyze(ctx, "reanalyze:test", 10, nil)
		if err != nil || n != 25 || calls != 15 {
			t.Fatalf("resumed run: done %d, analysed %d, %v", n, calls, err)
		}
		var high int
		db.Read.QueryRow("SELECT count(*) FROM posts WHERE urgency = 99").Scan(&high)
		if high != 25 {
			t.Fatalf("%d posts reanalysed", high)
		}
		var cases int
		db.Read.QueryRow("SELECT count(*) FROM cases").Scan(&cases)
		if cases != 25 {
			t.Fatalf("reanalysis changed threading: %d cases", cases)
		}
	})
}

// TestRacingWorkersOpenOneCase holds one transaction open after it opened a
// case for a citizen while a second worker threads the same citizen's next
// post: the second must wait for the first and join its case, not open
// another (replicas on PostgreSQL serialise per thread).
func TestRacingWorkersOpenOneCase(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		res, err := e.in.Submit(ctx, []post.Post{mention("1", "a", "help"), mention("2", "a", "still waiting")})
		if err != nil {
			t.Fatal(err)
		}
		items, _ := e.pl.load(ctx, []int64{res[0].ID, res[1].ID})
		if len(items) != 2 {
			t.Fatalf("loaded %d", len(items))
		}
		db.Prepare(ctx, e.desk.HotQueries()...)
		tx1, err := db.Write.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		first, opened, err := e.desk.Attach(ctx, tx1, nil, &items[0].p, 0)
		if err != nil || !opened {
			t.Fatal(opened, err)
		}
		done := make(chan int64, 1)
		go func() {
			var id int64
			db.Tx(ctx, func(tx2 *sql.Tx) error {
				var err error
				id, _, err = e.desk.Attach(ctx, tx2, nil, &items[1].p, 0)
				return err
			})
			done <- id
		}()
		select {
		case id := <-done:
			t.Fatalf("second worker did not wait for the first (case %d)", id)
		case <-time.After(300 * time.Millisecond):
		}
		if err := tx1.Commit(); err != nil {
			t.Fatal(err)
		}
		if second := <-done; second != first {
			t.Fatalf("second post opened case %d instead of joining %d", second, first)
		}
	})
}

// On SQLite the pipeline fills the full-text index as it threads, once per
// post however often the post is offered again.
func TestPipelineIndexesForSearch(t *testing.T) {
	db := store.NewTestSQLite(t)
	e := setup(t, db)
	ctx := context.Background()
	res, err := e.in.Submit(ctx, []post.Post{mention("s1", "a", "Chain snatching near Jayanagar"), mention("s2", "b", "ಕೋರಮಂಗಲದಲ್ಲಿ ಕಳ್ಳತನ")})
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string) (n int) {
		db.Read.QueryRow("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH $1", q).Scan(&n)
		return n
	}
	if count("snatching") != 0 {
		t.Fatal("indexed before the pipeline threaded it")
	}
	if err := e.pl.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.pl.Process(ctx, []int64{res[0].ID, res[1].ID}); err != nil { // a redelivered bus message
		t.Fatal(err)
	}
	if count("snatching") != 1 || count("ಕೋರಮಂಗಲದಲ್ಲಿ") != 1 {
		t.Fatalf("index: snatching %d, kannada %d", count("snatching"), count("ಕೋರಮಂಗಲದಲ್ಲಿ"))
	}
}

// An analysis that cannot be stored (a NaN score has no JSON form) must
// not stop intake or the desk: the post is stored and threaded without it.
func TestUnencodableAnalysisDoesNotStallTheDesk(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		nan := func(p *post.Post) post.Analysis {
			a := keywordAnalyzer(p)
			a.Sentiment.Score = math.NaN()
			return a
		}
		in := ingest.New(db, nil, ingest.Options{Now: e.pl.now, Analyze: nan})
		defer in.Close()
		e.pl = New(db, e.desk, nil, nan, Options{Now: e.pl.now})
		p := mention("nan1", "z", "help in Jayanagar")
		p.CreatedAt = e.now
		res, err := in.Submit(ctx, []post.Post{p})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res)
		}
		if err := e.pl.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		var stage int
		var js sql.NullString
		db.Read.QueryRow("SELECT stage, analysis FROM posts WHERE id = $1", res[0].ID).Scan(&stage, &js)
		if stage != ingest.StageOnDesk || js.Valid {
			t.Fatalf("stage %d, analysis %v", stage, js)
		}
		e.caseOf(t, res[0].ID) // on the desk, in a case
	})
}

// Authors are recorded once per platform identity, whether their posts are
// threaded in one chunk or several: how many posts, first and last seen by
// the posts' own times, and the latest non-empty handle, name and
// location; every post points at its author.
func TestAuthorsRecorded(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		at := func(min int) time.Time { return e.now.Add(time.Duration(min) * time.Minute) }
		withAuthor := func(p post.Post, name, location string, created time.Time) post.Post {
			p.Author.Name, p.Author.Location, p.CreatedAt = name, location, created
			return p
		}
		// One chunk: three posts by a (out of time order, one without a
		// name), one by b, one by a on another platform with the same id.
		tg := mention("t1", "a", "hello from telegram")
		tg.Platform, tg.Kind, tg.ThreadID = post.Telegram, post.KindDirectMessage, "chat-a"
		ids := e.put(t,
			withAuthor(mention("1", "a", "first"), "Asha", "Jayanagar", at(10)),
			withAuthor(mention("2", "a", "second"), "", "", at(5)),
			withAuthor(mention("3", "b", "other citizen"), "Bharat", "", at(7)),
			withAuthor(mention("4", "a", "third"), "Asha K", "", at(12)),
			withAuthor(tg, "Asha on Telegram", "", at(1)),
		)
		// A later chunk: a again, with a new handle and location.
		later := withAuthor(mention("5", "a", "fourth"), "", "JP Nagar", at(40))
		later.Author.Handle = "asha_new"
		// And b, with a post older than any seen (a late delivery).
		late := withAuthor(mention("6", "b", "sent earlier, delivered late"), "", "", at(2))
		ids = append(ids, e.put(t, later, late)...)

		type author struct {
			id                      int64
			handle, name, location  string
			first, last, postsCount int64
		}
		get := func(platform, ext string) author {
			t.Helper()
			var a author
			if err := db.Read.QueryRow(`SELECT id, handle, name, location, first_seen_at, last_seen_at, post_count
				FROM authors WHERE platform = $1 AND external_id = $2`, platform, ext).
				Scan(&a.id, &a.handle, &a.name, &a.location, &a.first, &a.last, &a.postsCount); err != nil {
				t.Fatalf("author %s/%s: %v", platform, ext, err)
			}
			return a
		}
		a, b, ta := get(post.X, "a"), get(post.X, "b"), get(post.Telegram, "a")
		want := author{id: a.id, handle: "asha_new", name: "Asha K", location: "JP Nagar",
			first: store.Millis(at(5)), last: store.Millis(at(40)), postsCount: 4}
		if a != want {
			t.Fatalf("x/a = %+v, want %+v", a, want)
		}
		if b.postsCount != 2 || b.name != "Bharat" || b.handle != "hb" || b.first != store.Millis(at(2)) || b.last != store.Millis(at(7)) {
			t.Fatalf("x/b = %+v", b)
		}
		if ta.postsCount != 1 || ta.name != "Asha on Telegram" || ta.id == a.id {
			t.Fatalf("telegram/a = %+v (x/a is %d)", ta, a.id)
		}
		wantAuthor := []int64{a.id, a.id, b.id, a.id, ta.id, a.id, b.id}
		for i, id := range ids {
			var got int64
			if err := db.Read.QueryRow("SELECT COALESCE(author_id, 0) FROM posts WHERE id = $1", id).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != wantAuthor[i] {
				t.Fatalf("post %d (#%d) author %d, want %d", id, i, got, wantAuthor[i])
			}
		}
	})
}
