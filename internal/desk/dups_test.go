package desk_test

import (
	"context"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
)

var tree = an{cat: "emergency", urgency: 92, emergency: true, station: jayanagar}

// Three citizens report the same fallen tree in near-identical words: the
// desk sees one case with three reporters, not three P1 cases. Each post
// stays in the case (each reporter gets their own reply), the timeline says
// which report each copies, and a reporter's follow-up finds the case.
func TestNearDuplicatesFromSeveralCitizensAreOneCase(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		first := e.one(t, e.tweet("a1", "A big tree fell on the road near 5th Block Jayanagar, blocking traffic", tree))
		e.now = e.now.Add(4 * time.Minute)
		second := e.one(t, e.tweet("a2", "RT @a1: A big tree fell on the road near 5th Block Jayanagar, blocking traffic 😱", tree))
		e.now = e.now.Add(9 * time.Minute)
		third := e.one(t, e.tweet("a3", "A big tree fell on the road near 5th Block Jayanagar, blocking traffic @BlrCityPolice", tree))
		if second.ID != first.ID || third.ID != first.ID || third.PostCount != 3 {
			t.Fatalf("cases %d, %d, %d (%d posts)", first.ID, second.ID, third.ID, third.PostCount)
		}
		if n := e.count(t, "SELECT count(*) FROM cases WHERE priority = 1"); n != 1 {
			t.Fatalf("%d P1 cases for one fallen tree", n)
		}
		posts, err := e.desk.ListPosts(context.Background(), desk.PostFilter{CaseID: first.ID}, desk.Scope{})
		if err != nil || len(posts) != 3 {
			t.Fatalf("case posts: %d %v", len(posts), err)
		}
		authors := map[string]bool{}
		for _, p := range posts {
			authors[p.Author.ExternalID] = true
		}
		if len(authors) != 3 {
			t.Fatalf("reporters %v", authors)
		}
		var copies int
		for _, ev := range e.timeline(t, first.ID, "post") {
			if ev.Body["via"] == "near_duplicate" {
				copies++
				if ev.Body["copy_of"] == nil || ev.Body["distance"] == nil {
					t.Fatalf("near-duplicate event without its source: %+v", ev.Body)
				}
			}
		}
		if copies != 2 {
			t.Fatalf("%d near-duplicate events, want 2", copies)
		}
		// The second reporter writes again: their post finds the case.
		e.now = e.now.Add(20 * time.Minute)
		if c := e.one(t, e.tweet("a2", "Still nobody here to clear it, buses are stuck", an{urgency: 30})); c.ID != first.ID {
			t.Fatalf("a reporter's follow-up opened case %d", c.ID)
		}
	})
}

// Copies are clustered only at the same place, within the window, among
// posts long enough to say something, and never across a private and a
// public conversation; a resolved case is not joined.
func TestNearDuplicatesNeedPlaceTimeAndSubstance(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		text := "A big tree fell on the road near 5th Block, blocking traffic"
		first := e.one(t, e.tweet("b1", text, tree))
		elsewhere := tree
		elsewhere.station = koramangala
		if c := e.one(t, e.tweet("b2", text, elsewhere)); c.ID == first.ID {
			t.Fatal("a copy at another station joined")
		}
		if c := e.one(t, e.whatsapp("b3", text, tree)); c.ID == first.ID {
			t.Fatal("a private message joined a public case")
		}
		short := an{urgency: 90, emergency: true, station: jayanagar}
		s1 := e.one(t, e.tweet("b4", "Please help", short))
		if c := e.one(t, e.tweet("b5", "please help!", short)); c.ID == s1.ID {
			t.Fatal("two short generic posts clustered")
		}
		e.now = e.now.Add(desk.DupWindow + time.Minute)
		if c := e.one(t, e.tweet("b6", text, tree)); c.ID == first.ID {
			t.Fatal("a copy after the window joined")
		}
		later := e.one(t, e.tweet("b7", "Completely different: chain snatching near 5th Block by two men on a bike", tree))
		resolved := desk.StatusResolved
		if _, err := e.desk.Update(context.Background(), later.ID, desk.Scope{}, 0, desk.Change{Status: &resolved}); err != nil {
			t.Fatal(err)
		}
		if c := e.one(t, e.tweet("b8", "Completely different: chain snatching near 5th Block by two men on a bike!", tree)); c.ID == later.ID {
			t.Fatal("a copy joined a resolved case")
		}
	})
}

// Each replica keeps its own window of recent reports, but the store is the
// truth: a copy threaded on a second replica joins the case the first one
// opened, whichever read the place first. Copies within one transaction
// (one pipeline chunk) find each other too.
func TestNearDuplicatesAcrossReplicas(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		other := e.newDesk(t)
		// The second replica reads the place before anything is there.
		e.put(t, other, e.tweet("c0", "Water logging near Jayanagar 4th block bus stand again today", an{cat: "civic", urgency: 10, station: jayanagar}))
		first := e.one(t, e.tweet("c1", "A big tree fell on the road near 5th Block Jayanagar, blocking traffic", tree))
		got := e.put(t, other, e.tweet("c2", "A big tree fell on the road near 5th Block Jayanagar, blocking traffic!", tree))[0]
		if got.ID != first.ID {
			t.Fatalf("the second replica opened case %d for a copy of case %d", got.ID, first.ID)
		}
		batch := e.put(t, nil,
			e.tweet("d1", "Mob gathering at Koramangala 6th block, vehicles being damaged, need police now", an{cat: "public_order", urgency: 85, emergency: true, station: koramangala}),
			e.tweet("d2", "Mob gathering at Koramangala 6th block, vehicles being damaged, need police now @BlrCityPolice", an{cat: "public_order", urgency: 85, emergency: true, station: koramangala}))
		if batch[0].ID != batch[1].ID {
			t.Fatalf("copies in one transaction: cases %d and %d", batch[0].ID, batch[1].ID)
		}
	})
}

// Fingerprints older than the window are pruned from the store.
func TestFingerprintsArePruned(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		e.one(t, e.tweet("p1", "A big tree fell on the road near 5th Block Jayanagar, blocking traffic", tree))
		if n := e.count(t, "SELECT count(*) FROM fingerprints"); n != 1 {
			t.Fatalf("%d fingerprints", n)
		}
		e.now = e.now.Add(desk.DupWindow + time.Minute)
		if err := e.desk.PruneFingerprints(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := e.count(t, "SELECT count(*) FROM fingerprints"); n != 0 {
			t.Fatalf("%d fingerprints after the window", n)
		}
	})
}
