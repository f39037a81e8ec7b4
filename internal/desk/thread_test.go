package desk_test

import (
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
)

// The citizen: one X author complains about a jam, reports a bike
// theft, a UPI fraud and then a missing child (urgency 92), all within the
// thread window. Each matter is its own case; the missing child is P1,
// routed to its own station with a 15-minute deadline, not buried in the
// jam's case.
func TestSameAuthorDifferentMattersSplit(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		jam := e.one(t, e.tweet("ravi", "Silk Board junction jammed for an hour, no traffic police anywhere",
			an{cat: "traffic_parking", urgency: 7, station: koramangala, traffic: "Adugodi Traffic PS"}))
		e.now = e.now.Add(10 * time.Minute)
		bike := e.one(t, e.tweet("ravi", "Also my bike was stolen from outside my house in Koramangala last night",
			an{cat: "theft", urgency: 21, station: koramangala}))
		e.now = e.now.Add(10 * time.Minute)
		upi := e.one(t, e.tweet("ravi", "And someone took 49,999 from my account with a fake KYC link",
			an{cat: "cybercrime_fraud", urgency: 11}))
		e.now = e.now.Add(10 * time.Minute)
		child := e.one(t, e.tweet("ravi", "URGENT my 8 year old son is missing near Jayanagar 4th block since 30 minutes, please help",
			an{cat: "missing_person", urgency: 92, emergency: true, station: jayanagar}))

		ids := map[int64]bool{jam.ID: true, bike.ID: true, upi.ID: true, child.ID: true}
		if len(ids) != 4 {
			t.Fatalf("four matters in %d cases (jam %d, bike %d, upi %d, child %d)", len(ids), jam.ID, bike.ID, upi.ID, child.ID)
		}
		if child.Priority != desk.P1 || child.UnitName != jayanagar || child.Category != "missing_person" {
			t.Fatalf("missing child case: P%d %q %q", child.Priority, child.UnitName, child.Category)
		}
		if want := e.now.Add(15 * time.Minute); child.FirstResponseDue == nil || !child.FirstResponseDue.Equal(want) {
			t.Fatalf("missing child first response due %v, want %v", child.FirstResponseDue, want)
		}
		if jam.Priority != desk.P3 || jam.PostCount != 1 || bike.Priority != desk.P3 {
			t.Fatalf("jam P%d (%d posts), bike P%d", jam.Priority, jam.PostCount, bike.Priority)
		}
	})
}

// Follow-ups on the same matter, or saying nothing new ("any update?"),
// join the author's open case; so does an emergency follow-up of a case
// that is already as urgent.
func TestSameAuthorSameMatterJoins(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		theft := e.one(t, e.tweet("asha", "My scooter was stolen near Jayanagar 4th block metro",
			an{cat: "theft", urgency: 20, station: jayanagar}))
		e.now = e.now.Add(time.Hour)
		if c := e.one(t, e.tweet("asha", "Any update on my complaint?", an{cat: "information_request", urgency: 3})); c.ID != theft.ID {
			t.Fatalf("a question opened case %d instead of joining %d", c.ID, theft.ID)
		}
		if c := e.one(t, e.tweet("asha", "The scooter number is KA-05-XX-1234, Jayanagar", an{cat: "theft", urgency: 15, station: jayanagar})); c.ID != theft.ID || c.PostCount != 3 {
			t.Fatalf("same matter opened case %d (%d posts)", c.ID, c.PostCount)
		}
		// Another station is another matter, even for the same category.
		if c := e.one(t, e.tweet("asha", "And my neighbour's car was stolen in Koramangala", an{cat: "theft", urgency: 20, station: koramangala})); c.ID == theft.ID {
			t.Fatal("a theft at another station joined the first")
		}

		sos := e.one(t, e.tweet("meena", "Help, a man is following me near Jayanagar bus stand right now",
			an{cat: "womens_safety", urgency: 88, emergency: true, station: jayanagar}))
		e.now = e.now.Add(2 * time.Minute)
		again := e.one(t, e.tweet("meena", "He is still behind me, please send someone, Jayanagar",
			an{cat: "womens_safety", urgency: 90, emergency: true, station: jayanagar}))
		if again.ID != sos.ID || again.Priority != desk.P1 {
			t.Fatalf("emergency follow-up opened case %d (P%d) beside %d", again.ID, again.Priority, sos.ID)
		}
		// After the window, a new case whatever it is about.
		e.now = e.now.Add(25 * time.Hour)
		if c := e.one(t, e.tweet("meena", "Thank you Jayanagar police for coming so fast yesterday", an{cat: "appreciation", station: jayanagar})); c.ID == sos.ID {
			t.Fatal("a post after the thread window joined the old case")
		}
	})
}

// A reply in the same conversation stays in its case even when it is an
// emergency about something else; the case then follows its most urgent
// post: priority, category, unit and deadlines, each change on the
// timeline by the system.
func TestConversationFollowsItsMostUrgentPost(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		root := e.tweet("kiran", "Loud music from a party in Koramangala 5th block for hours",
			an{cat: "noise_nuisance", urgency: 6, station: koramangala})
		c := e.one(t, root)
		if c.Priority != desk.P3 {
			t.Fatalf("noise case P%d", c.Priority)
		}
		opened := e.now
		e.now = e.now.Add(40 * time.Minute)
		r := e.tweet("kiran", "Now they are fighting with knives outside our gate in Jayanagar, someone is bleeding, send police",
			an{cat: "public_order", urgency: 95, emergency: true, station: jayanagar})
		r.InReplyTo = root.ExternalID
		got := e.one(t, r)
		if got.ID != c.ID {
			t.Fatalf("a reply in the conversation opened case %d", got.ID)
		}
		if got.Priority != desk.P1 || got.Category != "public_order" || got.UnitName != jayanagar || got.Urgency != 95 {
			t.Fatalf("case did not follow its most urgent post: P%d %q %q urgency %d", got.Priority, got.Category, got.UnitName, got.Urgency)
		}
		if want := e.now.Add(15 * time.Minute); !got.FirstResponseDue.Equal(want) {
			t.Fatalf("first response due %v, want %v (P1 from the urgent post)", got.FirstResponseDue, want)
		}
		if want := e.now.Add(4 * time.Hour); !got.ResolveDue.Equal(want) {
			t.Fatalf("resolve due %v, want %v", got.ResolveDue, want)
		}
		_ = opened
		ev := e.timeline(t, c.ID, "priority", "category", "unit")
		if len(ev) != 3 {
			t.Fatalf("timeline has %d escalation events, want priority, category, unit: %+v", len(ev), ev)
		}
		for _, x := range ev {
			if x.ActorID != 0 || x.Body["post_id"] == nil {
				t.Fatalf("escalation event not by the system or without its post: %+v", x)
			}
		}
		if p := ev[0].Body; num(p["from"]) != 3 || num(p["to"]) != 1 {
			t.Fatalf("priority event %+v", p)
		}
		if p := ev[1].Body; p["from"] != "noise_nuisance" || p["to"] != "public_order" {
			t.Fatalf("category event %+v", p)
		}
		if p := ev[2].Body; num(p["from"]) != e.unitID(t, koramangala) || num(p["to"]) != e.unitID(t, jayanagar) {
			t.Fatalf("unit event %+v", p)
		}
		// A calmer reply later changes nothing back and adds no events.
		e.now = e.now.Add(5 * time.Minute)
		calm := e.tweet("kiran", "Ok the patrol is here now", an{urgency: 4})
		calm.InReplyTo = r.ExternalID
		if got := e.one(t, calm); got.Priority != desk.P1 || got.UnitName != jayanagar || got.PostCount != 3 {
			t.Fatalf("after a calm reply: P%d %q %d posts", got.Priority, got.UnitName, got.PostCount)
		}
		if ev := e.timeline(t, c.ID, "priority", "category", "unit"); len(ev) != 3 {
			t.Fatalf("a calm reply changed the case: %d events", len(ev))
		}
	})
}

// A private conversation is one case: a distress message in a WhatsApp
// chat escalates the chat's case instead of opening a second one that two
// agents would answer in the same chat.
func TestPrivateConversationEscalates(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		c := e.one(t, e.whatsapp("9845", "Sir, how do I get a police clearance certificate?", an{cat: "information_request", urgency: 2}))
		e.now = e.now.Add(3 * time.Hour)
		got := e.one(t, e.whatsapp("9845", "Sir my daughter has not come home from tuition in Koramangala, 2 hours late, phone off",
			an{cat: "missing_person", urgency: 78, emergency: true, station: koramangala}))
		if got.ID != c.ID || got.Priority != desk.P1 || got.UnitName != koramangala || got.Category != "missing_person" || !got.Private {
			t.Fatalf("chat case %d→%d P%d %q %q private %v", c.ID, got.ID, got.Priority, got.UnitName, got.Category, got.Private)
		}
	})
}

// A reply to the force's own answer names a post the desk never received;
// the conversation's root still finds the case.
func TestReplyToOurAnswerFindsTheConversation(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		root := e.tweet("arun", "Chain snatched from my mother near Jayanagar 9th block market",
			an{cat: "theft", urgency: 40, station: jayanagar})
		c := e.one(t, root)
		r := e.tweet("bhavya", "I saw two men on a black Pulsar speed away towards the ring road",
			an{cat: "theft", urgency: 20})
		r.InReplyTo, r.ThreadID = "1999999999999999999", root.ExternalID // our reply's id, the conversation's root
		if got := e.one(t, r); got.ID != c.ID {
			t.Fatalf("a witness's reply in the conversation opened case %d instead of joining %d", got.ID, c.ID)
		}
	})
}

// Routing: a case goes to the station its post names, the traffic unit
// beside it; a name the force does not have routes nowhere.
func TestRouting(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *tenv) {
		c := e.one(t, e.tweet("u1", "Bus blocking the junction near Forum mall", an{cat: "traffic_parking", urgency: 5,
			station: koramangala, traffic: "Adugodi Traffic PS"}))
		if c.UnitName != koramangala || c.TrafficUnitID != e.unitID(t, "Adugodi Traffic PS") {
			t.Fatalf("routed to %q, traffic %d", c.UnitName, c.TrafficUnitID)
		}
		if c := e.one(t, e.tweet("u2", "Theft in Atlantis", an{cat: "theft", urgency: 20, station: "Atlantis PS"})); c.UnitID != 0 {
			t.Fatalf("unknown station routed to %d", c.UnitID)
		}
	})
}
