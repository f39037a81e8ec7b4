package query

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

func principal(t testing.TB, svc *auth.Service, name string, role auth.Role) *auth.Principal {
	u, _, err := svc.CreateUser(context.Background(), auth.NewUser{Username: name, Role: role, Password: "a long enough password 1"})
	if err != nil {
		t.Fatal(err)
	}
	return &auth.Principal{UserID: u.ID, Username: u.Username, Role: role, Perms: auth.PermsOf(role), Method: auth.MethodSystem}
}

func as(p *auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }

// The approval workflow on both stores: an analyst proposes, nobody
// decides on their own proposal, a supervisor approves; only approved
// definitions are matched by the pipeline, each match is recorded once,
// a change waits while the approved one keeps matching, retiring stops
// matching, and every step is in the audit log.
func TestSavedQueriesApprovalAndMatching(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		svc := auth.New(db, auth.Config{Hash: auth.TestHashParams})
		analyst := principal(t, svc, "anita", auth.RoleAnalyst)
		sup := principal(t, svc, "sunil", auth.RoleSupervisor)
		sup2 := principal(t, svc, "shobha", auth.RoleSupervisor)
		other := principal(t, svc, "omar", auth.RoleAnalyst)
		st := NewStore(db, nil, nil)
		ln := NewListener(db, st, nil)
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		in := ingest.New(db, nil, ingest.Options{Now: func() time.Time { return now }, Analyze: func(p *post.Post) post.Analysis {
			return post.Analysis{Lang: "en", Sentiment: post.Sentiment{Label: "negative"}, SimHash: "0000000000000001"}
		}})
		defer in.Close()
		pl := pipeline.New(db, desk.New(db, desk.Options{Now: func() time.Time { return now }}), nil, nil,
			pipeline.Options{Now: func() time.Time { return now }, Listener: ln})
		n := 0
		put := func(text string) int64 {
			n++
			res, err := in.Submit(context.Background(), []post.Post{{Platform: post.X, ExternalID: fmt.Sprint(n), Text: text,
				Author: post.Author{ExternalID: fmt.Sprint("a", n)}, CreatedAt: now}})
			if err != nil || res[0].Err != nil {
				t.Fatal(err, res)
			}
			if err := pl.Process(context.Background(), []int64{res[0].ID}); err != nil {
				t.Fatal(err)
			}
			return res[0].ID
		}
		matched := func(qid int64) []int64 {
			rows, err := db.Read.Query("SELECT post_id FROM query_matches WHERE query_id = $1 ORDER BY post_id", qid)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []int64
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				out = append(out, id)
			}
			return out
		}
		reload := func() {
			if err := ln.Reload(context.Background()); err != nil {
				t.Fatal(err)
			}
		}

		// Refused input changes nothing.
		_, err := st.Create(as(analyst), analyst, Proposal{Name: "Snatching", Query: "chain AND", Purpose: "Chain snatching reports across the city"})
		var pe *Error
		if !errors.As(err, &pe) || pe.Column != 10 {
			t.Fatalf("bad query: %v", err)
		}
		_, err = st.Create(as(analyst), analyst, Proposal{Name: "Snatching", Query: "chain snatching", Purpose: "because"})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "purpose" {
			t.Fatalf("short purpose: %v", err)
		}

		sq, err := st.Create(as(analyst), analyst, Proposal{Name: " Chain  snatching ", Query: "chain snatching OR snatch*",
			Purpose: "Chain snatching reports across the city, to alert the stations concerned"})
		if err != nil {
			t.Fatal(err)
		}
		if sq.Status != StatusPending || sq.Pending == nil || sq.Name != "Chain snatching" || sq.Owner != "anita" || sq.Query != "" {
			t.Fatalf("created: %+v", sq)
		}
		rev := sq.Pending.ID
		reload()
		before := put("chain snatching in Jayanagar")
		if m := matched(sq.ID); len(m) != 0 {
			t.Fatalf("a query never approved matched: %v", m)
		}
		// Nobody decides on their own proposal, even a supervisor.
		if _, err := st.Approve(as(analyst), analyst, sq.ID, rev, ""); !errors.Is(err, ErrOwnRevision) {
			t.Fatalf("own approval: %v", err)
		}
		own, err := st.Create(as(sup), sup, Proposal{Name: "Supervisor's own", Query: "theft", Purpose: "Thefts reported anywhere in the city"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Approve(as(sup), sup, own.ID, own.Pending.ID, ""); !errors.Is(err, ErrOwnRevision) {
			t.Fatalf("supervisor's own approval: %v", err)
		}
		if _, err := st.Reject(as(sup), sup, own.ID, own.Pending.ID, "not needed"); !errors.Is(err, ErrOwnRevision) {
			t.Fatalf("supervisor's own rejection: %v", err)
		}
		approved, err := st.Approve(as(sup), sup, sq.ID, rev, "serves theft alerts")
		if err != nil {
			t.Fatal(err)
		}
		if approved.Status != StatusActive || approved.Query != "chain AND snatching OR snatch*" || approved.Pending != nil || approved.LiveRevision != rev {
			t.Fatalf("approved: %+v", approved)
		}
		// Deciding twice is a conflict.
		var ce *ConflictError
		if _, err := st.Approve(as(sup2), sup2, sq.ID, rev, ""); !errors.As(err, &ce) {
			t.Fatalf("second approval: %v", err)
		}
		reload()
		hit := put("Two snatchers on a bike")
		miss := put("traffic jam")
		if m := matched(sq.ID); len(m) != 1 || m[0] != hit {
			t.Fatalf("matches %v, want [%d] (before approval: %d, miss %d)", m, hit, before, miss)
		}
		// Redelivery records nothing twice.
		if err := pl.Process(context.Background(), []int64{hit}); err != nil {
			t.Fatal(err)
		}
		if m := matched(sq.ID); len(m) != 1 {
			t.Fatalf("matches after redelivery: %v", m)
		}

		// A change by someone else than owner or supervisor is refused.
		if _, err := st.Propose(as(other), other, sq.ID, Proposal{Name: "Other change", Query: "x", Purpose: "xxxxxxxxxxxxxxxxxxxxxxxxx"}); !errors.Is(err, ErrNotAllowed) {
			t.Fatalf("other's change: %v", err)
		}
		// The owner's change waits; the approved definition keeps matching.
		r2, err := st.Propose(as(analyst), analyst, sq.ID, Proposal{Name: "Chain snatching", Query: "traffic",
			Purpose: "Changed on purpose to test that it waits for approval"})
		if err != nil {
			t.Fatal(err)
		}
		reload()
		hit2 := put("snatching again")
		put("traffic again")
		if m := matched(sq.ID); len(m) != 2 || m[1] != hit2 {
			t.Fatalf("matches while a change waits: %v", m)
		}
		if _, err := st.Reject(as(sup2), sup2, sq.ID, r2.ID, "no"); !errors.As(err, &ve) {
			t.Fatalf("a rejection needs a reason: %v", err)
		}
		if r, err := st.Reject(as(sup2), sup2, sq.ID, r2.ID, "not a public-safety purpose"); err != nil || r.State != RevRejected || r.Decider != "shobha" {
			t.Fatalf("reject: %+v %v", r, err)
		}
		// Retiring stops matching at once.
		if _, err := st.Retire(as(analyst), analyst, sq.ID, "campaign over"); err != nil {
			t.Fatal(err)
		}
		reload()
		put("snatching after retirement")
		if m := matched(sq.ID); len(m) != 2 {
			t.Fatalf("matches after retirement: %v", m)
		}
		revs, err := st.Revisions(context.Background(), sq.ID)
		if err != nil || len(revs) != 2 || revs[0].State != RevRejected || revs[1].State != RevApproved {
			t.Fatalf("revisions: %+v %v", revs, err)
		}
		counts, err := st.MatchCounts(context.Background(), now.Add(-time.Hour))
		if err != nil || counts[sq.ID] != 2 {
			t.Fatalf("counts %v %v", counts, err)
		}
		entries, err := auth.ListAudit(context.Background(), db, auth.AuditFilter{Action: "query.", Target: target(sq.ID)})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action+":"+e.Actor)
		}
		want := []string{"query.retire:anita", "query.reject:shobha", "query.propose:anita", "query.approve:sunil", "query.create:anita"}
		if fmt.Sprint(actions) != fmt.Sprint(want) {
			t.Fatalf("audit %v, want %v", actions, want)
		}
		if ok, _, err := auth.VerifyAuditChain(context.Background(), db); !ok || err != nil {
			t.Fatalf("audit chain: %v %v", ok, err)
		}
	})
}

func TestConcerns(t *testing.T) {
	for _, c := range []struct {
		q    string
		want int
	}{
		{"theft", 0},
		{"author:someone", 1},
		{"@someone theft", 1},
		{"theft AND NOT @someone", 0},
		{"protest organisers", 1},
		{"ಪ್ರತಿಭಟನೆ", 1},
		{"category:public_order @x", 2},
	} {
		q, err := Parse(c.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := Concerns(q); len(got) != c.want {
			t.Errorf("%s: %v", c.q, got)
		}
	}
}
