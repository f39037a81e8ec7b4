package desk

import "github.com/kaval-desk/kaval/internal/post"

// Priority thresholds on the analysis's urgency (0..100). P1 means a person
// must look within minutes (DefaultSLA: 15 minutes), so it is kept for
// distress the analysis is sure of. Urgency already carries the emergency
// head's confidence (an emergency post starts at 40 + 60·(score−0.5), so
// 55 at a score of 0.75), the category's weight and the immediacy and
// distress cues ("right now", "help", "send someone"); the thresholds below
// were chosen on the demo traffic and on labelled data (docs/TRIAGE.md,
// TestPriorityShare): with them one post in eighteen of the demo stream is
// P1 instead of one in eleven, no stolen vehicle or UPI fraud reported
// after the fact is, and a missing child still is.
const (
	// P1Urgency: an emergency at this urgency is P1 whatever it is about,
	// save the after-the-fact and nuisance categories below.
	P1Urgency = 80
	// P1PeopleUrgency: an emergency about a person at risk (a missing
	// child, a woman followed, an elderly person in danger) is P1 from here.
	P1PeopleUrgency = 60
	// P1SureUrgency: above this, the analysis saw an emergency with
	// immediacy and distress cues: P1 even for a theft (a snatching in
	// progress, the thieves still in sight).
	P1SureUrgency = 90
	// P2Urgency: high priority (a first response within the hour).
	P2Urgency = 60
)

// peopleAtRisk are the categories where a person, not property, is in
// danger.
var peopleAtRisk = map[string]bool{"missing_person": true, "child_safety": true, "womens_safety": true, "elderly": true}

// notP1 are the categories that are not distress by themselves: property
// lost after the fact, fraud, nuisances, civic matters, rumours (a desk
// counters them within the hour, P2), praise and questions. Only an
// emergency the analysis is sure of (P1SureUrgency) makes them P1.
var notP1 = map[string]bool{
	"theft": true, "cybercrime_fraud": true, "lost_found": true, "traffic_parking": true, "noise_nuisance": true,
	"civic": true, "drugs": true, "rumour": true, "police_complaint": true, "appreciation": true,
	"information_request": true, "spam": true,
}

// PriorityFor derives a priority from the analysis: the emergency flag,
// urgency and category. Urgency drives it, never sentiment: an angry
// complaint about parking is not a distress call.
func PriorityFor(a *post.Analysis) int {
	if a == nil {
		return P3
	}
	cat := a.TopCategory()
	u := a.Urgency
	if a.Emergency.Label {
		switch {
		case u >= P1SureUrgency,
			u >= P1Urgency && !notP1[cat],
			u >= P1PeopleUrgency && peopleAtRisk[cat]:
			return P1
		}
		return P2
	}
	if u >= P2Urgency {
		return P2
	}
	switch cat {
	case "appreciation", "spam":
		return P4
	}
	return P3
}
