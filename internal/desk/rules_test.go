package desk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// P1 means a person must look within minutes: distress the analysis is
// sure of, a person at risk, not property lost after the fact.
func TestPriorityFor(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    an
		want int
	}{
		{"missing child", an{cat: "missing_person", urgency: 60, emergency: true}, desk.P1},
		{"woman followed", an{cat: "womens_safety", urgency: 70, emergency: true}, desk.P1},
		{"flooded underpass, people inside", an{cat: "emergency", urgency: 92, emergency: true}, desk.P1},
		{"mob, vehicles damaged", an{cat: "public_order", urgency: 80, emergency: true}, desk.P1},
		{"snatching in progress, thieves in sight", an{cat: "theft", urgency: 93, emergency: true}, desk.P1},
		{"stolen bike marked emergency", an{cat: "theft", urgency: 75, emergency: true}, desk.P2},
		{"vehicle missing from parking since yesterday", an{cat: "theft", urgency: 62, emergency: true}, desk.P2},
		{"UPI fraud marked emergency", an{cat: "cybercrime_fraud", urgency: 85, emergency: true}, desk.P2},
		{"rumour of a kidnapping gang", an{cat: "rumour", urgency: 62, emergency: true}, desk.P2},
		{"emergency not sure enough", an{cat: "emergency", urgency: 61, emergency: true}, desk.P2},
		{"urgent, not an emergency", an{cat: "public_order", urgency: 65}, desk.P2},
		{"urgent without the flag is never P1", an{cat: "missing_person", urgency: 95}, desk.P2},
		{"traffic jam", an{cat: "traffic_parking", urgency: 7}, desk.P3},
		{"thanks", an{cat: "appreciation", urgency: 4}, desk.P4},
		{"spam", an{cat: "spam"}, desk.P4},
	} {
		if got := desk.PriorityFor(tc.a.analysis("x")); got != tc.want {
			t.Errorf("%s: P%d, want P%d", tc.name, got, tc.want)
		}
	}
	if desk.PriorityFor(nil) != desk.P3 {
		t.Error("no analysis is not P3")
	}
}

// SLA clocks: set from the priority when a case opens, moved when a person
// changes the priority (counted from the case's opening), and never moved
// later by a more urgent post. (A sent reply stops the first-response
// clock: the replies' own tests.)
func TestSLAClocks(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		ctx := context.Background()
		opened := e.now
		c := e.one(t, e.tweet("s1", "Signal at Jayanagar 4th block not working since morning", an{cat: "traffic_parking", urgency: 8, station: jayanagar}))
		if !c.FirstResponseDue.Equal(opened.Add(4*time.Hour)) || !c.ResolveDue.Equal(opened.Add(72*time.Hour)) {
			t.Fatalf("P3 deadlines %v %v", c.FirstResponseDue, c.ResolveDue)
		}
		e.now = e.now.Add(30 * time.Minute)
		p2 := desk.P2
		c, err := e.desk.Update(ctx, c.ID, desk.Scope{}, 0, desk.Change{Priority: &p2})
		if err != nil {
			t.Fatal(err)
		}
		if !c.FirstResponseDue.Equal(opened.Add(time.Hour)) || !c.ResolveDue.Equal(opened.Add(24*time.Hour)) {
			t.Fatalf("P2 by hand: deadlines %v %v", c.FirstResponseDue, c.ResolveDue)
		}
		// Escalation by a more urgent post never moves a deadline later.
		f, r := desk.DefaultSLA.Deadlines(desk.P1, e.now)
		if !f.Equal(e.now.Add(15*time.Minute)) || !r.Equal(e.now.Add(4*time.Hour)) {
			t.Fatalf("P1 deadlines %v %v", f, r)
		}
		e.now = opened.Add(23 * time.Hour)
		urgent := e.tweet("s1", "Now an accident at the same signal in Jayanagar, a man is lying on the road, send help", an{cat: "emergency", urgency: 95, emergency: true, station: jayanagar})
		urgent.InReplyTo = "x1"
		c2 := e.one(t, urgent)
		// Both deadlines of the case (P2 by hand) are earlier than a P1's
		// counted from now: they stay.
		if c2.ID != c.ID || c2.Priority != desk.P1 || !c2.FirstResponseDue.Equal(opened.Add(time.Hour)) || !c2.ResolveDue.Equal(opened.Add(24*time.Hour)) {
			t.Fatalf("escalated: case %d P%d due %v / %v", c2.ID, c2.Priority, c2.FirstResponseDue, c2.ResolveDue)
		}
	})
}

// References are BCP-<year>-<six digits>, monotonic, and the year is the
// one in Bengaluru: a case opened at 19:00 UTC on 31 December is in the
// new year there, and its counter starts again.
func TestReferences(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		a := e.one(t, e.tweet("r1", "first", an{}))
		b := e.one(t, e.tweet("r2", "second", an{}))
		if a.Ref != "BCP-2026-000001" || b.Ref != "BCP-2026-000002" {
			t.Fatalf("refs %s %s", a.Ref, b.Ref)
		}
		e.now = time.Date(2026, 12, 31, 19, 0, 0, 0, time.UTC)
		if c := e.one(t, e.tweet("r3", "new year in Bengaluru", an{})); c.Ref != "BCP-2027-000001" {
			t.Fatalf("ref %s", c.Ref)
		}
		if c, err := e.desk.CaseByRef(context.Background(), b.Ref, desk.Scope{}); err != nil || c.ID != b.ID {
			t.Fatalf("by ref: %v %v", c.ID, err)
		}
	})
}

// Scoped queries: a station officer sees, reads and changes only their
// own station's cases and posts; the zero scope sees all.
func TestScopedQueries(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		ctx := context.Background()
		j := e.one(t, e.tweet("q1", "Chain snatching in Jayanagar", an{cat: "theft", urgency: 40, station: jayanagar}))
		k := e.one(t, e.tweet("q2", "Noise in Koramangala", an{cat: "noise_nuisance", urgency: 5, station: koramangala}))
		none := e.one(t, e.tweet("q3", "Where do I pay a traffic fine?", an{cat: "information_request"}))
		jay := desk.Scope{Restricted: true, UnitID: e.unitID(t, jayanagar)}
		list, _, err := e.desk.ListCases(ctx, desk.CaseFilter{}, jay)
		if err != nil || len(list) != 1 || list[0].ID != j.ID {
			t.Fatalf("station officer's list: %v %v", list, err)
		}
		for _, id := range []int64{k.ID, none.ID} {
			if _, err := e.desk.GetCase(ctx, id, jay); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("case %d of another unit: %v", id, err)
			}
			if _, err := e.desk.Timeline(ctx, id, jay); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("timeline %d of another unit: %v", id, err)
			}
			if _, err := e.desk.Comment(ctx, id, jay, 0, "note"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("comment on case %d of another unit: %v", id, err)
			}
		}
		posts, err := e.desk.ListPosts(ctx, desk.PostFilter{}, jay)
		if err != nil || len(posts) != 1 || posts[0].CaseID != j.ID {
			t.Fatalf("station officer's posts: %d %v", len(posts), err)
		}
		all, _, _ := e.desk.ListCases(ctx, desk.CaseFilter{}, desk.Scope{})
		if len(all) != 3 {
			t.Fatalf("unrestricted list: %d", len(all))
		}
		// A case escalated to another station leaves the first one's view.
		r := e.tweet("q2", "They are now threatening us with sticks, Jayanagar side, come fast", an{cat: "public_order", urgency: 90, emergency: true, station: jayanagar})
		r.InReplyTo = "x2"
		e.one(t, r)
		list, _, _ = e.desk.ListCases(ctx, desk.CaseFilter{}, jay)
		if len(list) != 2 {
			t.Fatalf("after escalation the station sees %d cases, want 2", len(list))
		}
		if _, err := e.desk.GetCase(ctx, k.ID, desk.Scope{Restricted: true, UnitID: e.unitID(t, koramangala)}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the first station still sees the escalated case: %v", err)
		}
	})
}

// News items are listening material: never a case.
func TestNewsIsNotACase(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		n := e.tweet("", "Traffic diversion on Hosur road for metro work", an{cat: "traffic_parking"})
		n.Platform, n.Kind, n.Author = post.RSS, post.KindNews, post.Author{}
		if c := e.put(t, nil, n)[0]; c.ID != 0 {
			t.Fatalf("news opened case %d", c.ID)
		}
	})
}
