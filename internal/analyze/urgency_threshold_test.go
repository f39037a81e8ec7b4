package analyze

import "testing"

// A desk may move the emergency threshold as far as 1: a post flagged
// there is at the top of the emergency band, not NaN.
func TestUrgencyAtThresholdOne(t *testing.T) {
	s := &Scores{Emergency: 1, EmergencyAt: 1}
	if u := urgency(s, true); u < 70 || u > 100 {
		t.Fatalf("urgency %d", u)
	}
}
