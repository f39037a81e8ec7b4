package analyze

import "sync"

// A complaint stage, measured and not adopted (session 8): like the
// danger-now stage, a logistic regression over the complaint head's logit
// and the lexicons' categories (a scam or pothole report is a complaint,
// thanks and questions are not), fitted by `kaval train --cv
// complaint-stage` on the labelled police-desk posts and the authored set
// with every head logit out of source. With whole sources held out it
// scored macro-F1 0.677-0.681 on the real desk posts against 0.683 for the
// head alone (docs/MODELS.md), so the engine flags a complaint on the head
// alone; the features and the stage stay for the cross-validation that
// measures it.

// ComplaintFeatureCount is the number of features of the complaint stage:
// the head's logit, one per category of the taxonomy (its lexicon hits, at
// most 2), a cry for help and an after-the-fact marker.
const ComplaintFeatureCount = 1 + 18 + 2

func complaintFeatures(z float32, r *ruleScores) (x [ComplaintFeatureCount]float32) {
	x[0] = max(-8, min(8, z))
	for i := range Categories {
		x[1+i] = min(r.cat[i], 2)
	}
	x[19] = min(r.distress, 2)
	x[20] = min(r.after, 2)
	return x
}

// ComplaintStage is a fitted complaint stage: weights, then the bias.
type ComplaintStage [ComplaintFeatureCount + 1]float32

// Prob is the stage's probability that the post is a complaint.
func (c *ComplaintStage) Prob(x [ComplaintFeatureCount]float32) float32 {
	s := c[ComplaintFeatureCount]
	for i, v := range x {
		s += c[i] * v
	}
	return sigmoid(s)
}

// ComplaintFeatures returns the stage's features of text for a complaint
// head logit z (handles included), for fitting outside an engine.
func ComplaintFeatures(text string) func(z float32) [ComplaintFeatureCount]float32 {
	var r ruleScores
	complaintMatcher().scan(text, &r)
	return func(z float32) [ComplaintFeatureCount]float32 { return complaintFeatures(z, &r) }
}

var complaintMatcher = sync.OnceValue(newMatcher)

// complaintMatter are the categories whose report nearly always asks for
// something to be done (on the labelled desk posts of the training part,
// 80-100% of them are complaints): a scam, a theft, harassment, noise, a
// complaint against police. noComplaint are those that nearly never are:
// thanks, questions, spam (3%, 12%, 0%).
var complaintMatter, noComplaint = catSet("cybercrime_fraud", "theft", "womens_safety", "child_safety", "elderly", "drugs",
	"noise_nuisance", "police_complaint"), catSet("appreciation", "information_request", "spam")

func catSet(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// The engine's complaint flag is "head+matter" below (chosen out of
// source by train.DeskCacheCV, docs/MODELS.md "Session 9": macro-F1 on the
// labelled desk posts of held-out sources 0.688 for the head alone, 0.697
// with the category's matter; the other rules 0.521-0.692).
//
// ComplaintByCategory is a complaint decision from the complaint head's
// logit z and the post's first category top ("none" when it has none),
// by rule: "head" (z > 0 alone), "head+matter" (also every post whose
// category is a complaint matter), "head-nomatter" (not thanks, questions
// or spam), "both", "matter-only" (the category alone, with civic,
// traffic and public order). Measured out of source by train.DeskCacheCV.
func ComplaintByCategory(rule string, z float32, top string) bool {
	switch rule {
	case "head+matter":
		return z > 0 || complaintMatter[top]
	case "head-nomatter":
		return z > 0 && !noComplaint[top]
	case "both":
		return (z > 0 || complaintMatter[top]) && !noComplaint[top]
	case "matter-only":
		return complaintMatter[top] || top == "civic" || top == "traffic_parking" || top == "public_order"
	}
	return z > 0
}
