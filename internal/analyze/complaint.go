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
