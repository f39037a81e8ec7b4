package desk_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/analyze/simhash"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

// The desk's behavioural suite: every test runs on SQLite and on
// PostgreSQL (store.ForEach). Posts are stored by intake and put on the
// desk with desk.Begin / Attach / Flush, as the pipeline does, with
// analyses the tests write out, so what is under test is the desk, not the
// models.

// tenv is one desk over a fresh database with a few units and a clock the
// test moves.
type tenv struct {
	db   *store.DB
	in   *ingest.Intake
	desk *desk.Desk
	now  time.Time
	seq  int
}

func setupThreading(t *testing.T, db *store.DB) *tenv {
	t.Helper()
	ctx := context.Background()
	if _, err := unit.NewStore(db).Upsert(ctx, []unit.Unit{
		{Code: "blr", Kind: "force", Name: "Bengaluru City Police"},
		{Code: "blr/ps/jayanagar", Kind: "station", Name: "Jayanagar PS", ParentCode: "blr"},
		{Code: "blr/ps/koramangala", Kind: "station", Name: "Koramangala PS", ParentCode: "blr"},
		{Code: "blr/tr/adugodi", Kind: "traffic_station", Name: "Adugodi Traffic PS", ParentCode: "blr"},
	}); err != nil {
		t.Fatal(err)
	}
	e := &tenv{db: db, now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	e.in = ingest.New(db, nil, ingest.Options{Now: clock})
	t.Cleanup(e.in.Close)
	e.desk = e.newDesk(t)
	return e
}

// newDesk is another desk over the same database: a second replica.
func (e *tenv) newDesk(t *testing.T) *desk.Desk {
	t.Helper()
	d := desk.New(e.db, desk.Options{Now: func() time.Time { return e.now }, ThreadWindow: 24 * time.Hour})
	if err := d.ReloadUnits(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// an is the part of an analysis the desk reads.
type an struct {
	cat              string
	urgency          int
	emergency        bool
	station, traffic string
}

// ps names the two stations of the suite.
const (
	jayanagar   = "Jayanagar PS"
	koramangala = "Koramangala PS"
)

func (x an) analysis(text string) *post.Analysis {
	a := &post.Analysis{Lang: "en", Urgency: x.urgency, SimHash: fmt.Sprintf("%016x", simhash.Of(text))}
	if x.emergency {
		a.Emergency = post.Flag{Label: true, Score: 0.95}
	}
	if x.cat != "" {
		a.Categories = []post.Category{{Name: x.cat, Score: 0.9}}
	}
	if x.station != "" {
		s := x.station
		a.Station = &s
	}
	if x.traffic != "" {
		s := x.traffic
		a.TrafficStation = &s
	}
	return a
}

// tweet is a public X mention by author.
func (e *tenv) tweet(author, text string, x an) post.Post {
	e.seq++
	return post.Post{Platform: post.X, ExternalID: fmt.Sprint("x", e.seq), Kind: post.KindMention, Channel: "blrcitypolice",
		Author: post.Author{ExternalID: author, Handle: "h_" + author}, Text: text, CreatedAt: e.now, Analysis: x.analysis(text)}
}

// whatsapp is a private message of author's chat.
func (e *tenv) whatsapp(author, text string, x an) post.Post {
	p := e.tweet(author, text, x)
	p.Platform, p.Kind, p.Private, p.ThreadID, p.Channel = post.WhatsApp, post.KindDirectMessage, true, "chat-"+author, "919800000000"
	return p
}

// put stores posts and threads them in one transaction on d (the env's
// desk when nil), returning each post's case.
func (e *tenv) put(t *testing.T, d *desk.Desk, posts ...post.Post) []desk.Case {
	t.Helper()
	if d == nil {
		d = e.desk
	}
	ctx := context.Background()
	// Intake drops any analysis a post arrives with (it is the desk's to
	// make); put it back as the pipeline would read it.
	analyses := make([]*post.Analysis, len(posts))
	for i := range posts {
		analyses[i] = posts[i].Analysis
	}
	res, err := e.in.Submit(ctx, posts)
	if err != nil {
		t.Fatal(err)
	}
	ptrs := make([]*post.Post, len(posts))
	for i := range posts {
		if res[i].Err != nil {
			t.Fatal(res[i].Err)
		}
		posts[i].ID, posts[i].Analysis = res[i].ID, analyses[i]
		ptrs[i] = &posts[i]
	}
	if err := e.db.Prepare(ctx, d.HotQueries()...); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(posts))
	err = e.db.Tx(ctx, func(tx *sql.Tx) error {
		var b desk.Batch
		if err := d.Begin(ctx, tx, &b, ptrs); err != nil {
			return err
		}
		for i, p := range ptrs {
			id, _, err := d.Attach(ctx, tx, &b, p, 0)
			if err != nil {
				return err
			}
			ids[i] = id
			b.Link(p.ID, 0, id)
		}
		return d.Flush(ctx, tx, &b)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]desk.Case, len(ids))
	for i, id := range ids {
		if id == 0 {
			continue
		}
		c, err := e.desk.GetCase(ctx, id, desk.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = c
	}
	return out
}

// one threads a single post.
func (e *tenv) one(t *testing.T, p post.Post) desk.Case {
	t.Helper()
	return e.put(t, nil, p)[0]
}

// timeline returns a case's events of the given kinds, in order.
func (e *tenv) timeline(t *testing.T, id int64, kinds ...string) []desk.Event {
	t.Helper()
	ev, err := e.desk.Timeline(context.Background(), id, desk.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	var out []desk.Event
	for _, x := range ev {
		for _, k := range kinds {
			if x.Kind == k {
				out = append(out, x)
			}
		}
	}
	return out
}

func (e *tenv) unitID(t *testing.T, name string) int64 {
	t.Helper()
	var id int64
	if err := e.db.Read.QueryRow("SELECT id FROM units WHERE name = $1", name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *tenv) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.Read.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func num(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case int64:
		return n
	case int:
		return int64(n)
	}
	return -1
}

// forEachStore runs fn on a fresh desk on each store.
func forEachStore(t *testing.T, fn func(t *testing.T, e *tenv)) {
	store.ForEach(t, func(t *testing.T, db *store.DB) { fn(t, setupThreading(t, db)) })
}
