package analyze

import (
	"math"
	"sync"
)

// The decisions the lexicons take part in: the emergency flag (with the
// emergency head's logit) and the category scores (with the category
// head's probabilities). Exported helpers let training and
// cross-validation apply the very same rules outside an engine.

// emergencyLogit is the emergency head's logit moved by the lexicons: a
// police emergency is danger now. Words of danger (fire, crash, injured,
// stabbed, trapped: incidentLexicon), crimes said to be happening now
// (crimeLexicon with an immediacy word) and a missing child (always an
// emergency, unless the post says it was last week: afterLexicon) push up; with a cry for help or
// "now" they make the post an emergency whatever the model thinks of the
// rest. A cry for help alone ("please help", "urgent") only nudges, since
// citizens write it about potholes and jams; with "now" it is an
// emergency unless the post is about an everyday matter (a jam, a
// pothole, noise, a scam, a question: ordinaryCategory). Figurative use of
// disaster words, and after-the-fact or standing-problem markers without
// a danger word ("stolen yesterday", "for a week", "money was debited"),
// pull down.
func emergencyLogit(z float32, r *ruleScores) float32 {
	now := r.immediacy + EmergencyRule.WeakNow*r.weakNow
	inc := r.incident
	if EmergencyRule.Hypothetical > 0 && r.hypo > 0 {
		inc = 0 // "may cause an accident": a risk, not an event
	}
	if now > 0 {
		inc += r.crime
	}
	missingChild := r.child > 0 && r.missing > 0 && r.after == 0
	if missingChild {
		inc++
	}
	inc, dis := min(inc, 2), min(r.distress, 2)
	z += EmergencyRule.Incident*inc + EmergencyRule.Distress*dis
	ordinary := ConsumerMatter && r.consumer > 0
	for _, c := range ordinaryCategory {
		ordinary = ordinary || r.cat[c] > 0
	}
	if inc > 0 && (dis > 0 || now > 0) || dis > 0 && now > 0 && !ordinary || missingChild {
		z = max(z, 0) + EmergencyRule.Force
	}
	if r.figurative > 0 && dis == 0 {
		z -= 2.5 + 1.5*min(r.figurative, 2)
	}
	if r.after > 0 && inc == 0 {
		z -= EmergencyRule.After
	}
	if r.hypo > 0 && !missingChild {
		z -= EmergencyRule.Hypothetical
	}
	return z
}

// ordinaryCategory are the categories (Categories indexes) of everyday
// desk matters: a cry for help about one of them is not an emergency.
var ordinaryCategory = func() []int {
	var out []int
	for i, c := range Categories {
		switch c {
		case "traffic_parking", "civic", "noise_nuisance", "cybercrime_fraud", "information_request", "lost_found", "spam",
			"appreciation", "rumour", "police_complaint":
			out = append(out, i)
		}
	}
	return out
}()

// EmergencyRuleWeights are the lexicon weights of emergencyLogit, chosen
// by leave-one-source-out cross-validation (train.EmergencyCV, docs/MODELS.md).
// WeakNow weighs weakNowLexicon as immediacy and Hypothetical pulls down a
// post that names danger as a risk (session 7: 0 and 2; crisis F1 on
// held-out events 0.755 -> 0.769, false alarms on labelled desk posts 60
// -> 57, ordinary desk posts flagged 1.4% either way).
type EmergencyRuleWeights struct{ Incident, Distress, Force, After, WeakNow, Hypothetical float32 }

// EmergencyRule is the shipped setting (a variable so cross-validation can
// try others; nothing else writes it).
var EmergencyRule = EmergencyRuleWeights{Incident: 1.2, Distress: 0.3, Force: 1.5, After: 2, WeakNow: 0, Hypothetical: 2}

// EmergencyRules returns the lexicon rules of the engine for text as a
// function of the emergency head's raw logit, for training and
// cross-validation outside an engine (thresholds are chosen on the
// scores the engine will compute).
func EmergencyRules(text string) func(z float32) float32 {
	var r ruleScores
	cvMatcher().scan(text, &r)
	return func(z float32) float32 { return emergencyLogit(z, &r) }
}

var cvMatcher = sync.OnceValue(newMatcher)

// categoryRule is a category's score from its lexicon hits: one hit
// 0.57, two 0.76, saturating at 0.85 (a head that is sure wins).
func categoryRule(h float32) float32 {
	if h <= 0 {
		return 0
	}
	return 0.85 * (1 - float32(math.Exp(-1.1*float64(h))))
}

// categoryHits is what the lexicons say for category i of a post: the
// hits of categoryLexicon and categoryMoreLexicon, less those of
// categoryLessLexicon, and the hints of the agency handles it names.
func categoryHits(r *ruleScores, i int) float32 {
	return max(0, r.cat[i]+r.catMore[i]+r.handleCat[i])
}

// CategoryRules returns the lexicon scores of every category of text (by
// Categories index), for cross-validation of the category head outside an
// engine.
func CategoryRules(text string) [32]float32 {
	var r ruleScores
	cvMatcher().scan(text, &r)
	var out [32]float32
	for i := range Categories {
		out[i] = categoryRule(categoryHits(&r, i))
	}
	return out
}
