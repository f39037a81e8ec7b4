package x_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/x/xfake"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/store"
)

// End to end on both stores: a supervisor approves a listening query, the
// X connector puts its rule on the (fake) X, X streams a matching tweet
// with matching_rules, and the post is stored as listening material,
// counted for that query, and kept out of the triage inbox unless triage
// finds it urgent. The query's listening state is recorded for its page.
func TestListeningQueryEndToEnd(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := auth.New(db, auth.Config{Hash: auth.TestHashParams})
		user := func(name string, role auth.Role) *auth.Principal {
			u, _, err := svc.CreateUser(ctx, auth.NewUser{Username: name, Role: role, Password: "a long enough password 1"})
			if err != nil {
				t.Fatal(err)
			}
			return &auth.Principal{UserID: u.ID, Username: u.Username, Role: role, Perms: auth.PermsOf(role), Method: auth.MethodSystem}
		}
		analyst, sup := user("anita", auth.RoleAnalyst), user("sunil", auth.RoleSupervisor)
		qs := query.NewStore(db, nil, nil)
		ln := query.NewListener(db, qs, nil)
		in := ingest.New(db, nil, ingest.Options{Analyze: func(p *post.Post) post.Analysis {
			a := post.Analysis{Lang: "en", Sentiment: post.Sentiment{Label: "negative"}, Urgency: 20, SimHash: "0000000000000001"}
			if strings.Contains(p.Text, "trapped") {
				a.Emergency, a.Urgency = post.Flag{Label: true, Score: 0.95}, 90
			}
			return a
		}})
		defer in.Close()
		pl := pipeline.New(db, desk.New(db, desk.Options{}), nil, nil, pipeline.Options{Listener: ln})
		now := store.Millis(time.Now())
		if _, err := db.Write.ExecContext(ctx, `INSERT INTO channels (id, platform, name, created_at, updated_at) VALUES (7, 'x', 'BlrCityPolice', $1, $1)`, now); err != nil {
			t.Fatal(err)
		}

		f := newFake(t, xfake.Options{KeepAlive: 10 * time.Millisecond})
		c, err := connector.New(connector.Channel{ID: 7, Platform: post.X, Config: map[string]string{
			"base_url": f.URL(), "user_id": f.UserID(), "handle": f.Handle(), "mode": "stream",
			"stream_net_step": "1ms", "stream_http_base": "2ms", "listen_interval": "20ms"},
			Secrets: map[string]string{"bearer_token": bearer}}, connector.Deps{Sink: in, Checkpoints: in, Listening: qs})
		if err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error)
		go func() { done <- c.Run(rctx) }()
		defer func() { cancel(); <-done }()
		conntest.WaitFor(t, "stream connection", func() bool { return f.StreamConnections() == 1 })

		sq, err := qs.Create(auth.WithPrincipal(ctx, analyst), analyst, query.Proposal{Name: "Waterlogging",
			Query: `(waterlogging OR flooded) AND (silkboard OR bellandur) AND urgency>10`, Purpose: "Flooded roads and underpasses during the monsoon, for traffic diversions"})
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Rules()) != 0 {
			t.Fatal("a query waiting for approval is already listened for")
		}
		if _, err := qs.Approve(auth.WithPrincipal(ctx, sup), sup, sq.ID, sq.Pending.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := ln.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		tag := "kaval:7:q" + itoa(sq.ID)
		conntest.WaitFor(t, "the query's rule on X", func() bool {
			rs := f.Rules()
			return len(rs) == 1 && rs[0].Tag == tag && rs[0].Value == "(waterlogging OR flooded) (silkboard OR bellandur)"
		})

		calm, _ := f.StreamPost(xfake.Tweet{Text: "Silkboard junction waterlogging again, avoid", AuthorID: "501", Username: "commuter"})
		urgent, _ := f.StreamPost(xfake.Tweet{Text: "Bellandur underpass flooded, a car is trapped with people inside", AuthorID: "502", Username: "witness"})
		var ids []int64
		conntest.WaitFor(t, "streamed posts stored", func() bool {
			ids = ids[:0]
			for _, ext := range []string{calm.ID, urgent.ID} {
				var id int64
				if db.Read.QueryRowContext(ctx, "SELECT id FROM posts WHERE platform = 'x' AND external_id = $1", ext).Scan(&id) == nil {
					ids = append(ids, id)
				}
			}
			return len(ids) == 2
		})
		if err := pl.Process(ctx, ids); err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			var kind string
			var caseID *int64
			if err := db.Read.QueryRowContext(ctx, "SELECT kind, case_id FROM posts WHERE id = $1", id).Scan(&kind, &caseID); err != nil {
				t.Fatal(err)
			}
			if kind != post.KindListening {
				t.Fatalf("post %d: kind %q", id, kind)
			}
			// The calm post feeds the watch floor only; the emergency opens a case.
			if (caseID != nil && *caseID != 0) != (i == 1) {
				t.Fatalf("post %d: case %v", id, caseID)
			}
		}
		counts, err := qs.MatchCounts(ctx, time.Now().Add(-time.Hour))
		if err != nil || counts[sq.ID] != 2 {
			t.Fatalf("matches counted for the query: %v %v", counts, err)
		}
		conntest.WaitFor(t, "listening state", func() bool {
			st, err := qs.ListeningStates(ctx, sq.ID)
			if err != nil || len(st[sq.ID]) != 1 {
				return false
			}
			s := st[sq.ID][0]
			return s.State == query.ListenWidened && s.Channel == "BlrCityPolice" && !s.SyncedAt.IsZero() && len(s.Form) == 1 &&
				len(s.Reasons) == 1 && s.Reasons[0] == query.WidenFields
		})

		// Retiring the query removes its rule and its state.
		if _, err := qs.Retire(auth.WithPrincipal(ctx, sup), sup, sq.ID, "monsoon over"); err != nil {
			t.Fatal(err)
		}
		conntest.WaitFor(t, "rule deleted", func() bool { return len(f.Rules()) == 0 })
		conntest.WaitFor(t, "state cleared", func() bool {
			st, err := qs.ListeningStates(ctx, sq.ID)
			return err == nil && len(st[sq.ID]) == 0
		})
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
