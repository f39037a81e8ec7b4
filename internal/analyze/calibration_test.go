package analyze

import (
	"math"
	"testing"
)

// The published emergency score is a calibrated probability that keeps the
// order of the raw score in each part of the decision, so a flagged post
// never shows a lower probability than its threshold's, and an unset map
// is the raw sigmoid.
func TestEmergencyCalibration(t *testing.T) {
	for name, c := range map[string]Platt{"head": EmergencyCalibration.Head, "stage": EmergencyCalibration.Stage} {
		if c.A <= 0 {
			t.Fatalf("%s map %+v does not keep the order of scores", name, c)
		}
		prev := float32(-1)
		for l := float32(-10); l <= 10; l += 0.25 {
			p := c.Apply(l)
			if p < prev || p < 0 || p > 1 || math.IsNaN(float64(p)) {
				t.Fatalf("%s map at %v: %v after %v", name, l, p, prev)
			}
			prev = p
		}
	}
	if got := (Platt{}).Apply(1.5); got != sigmoid(1.5) {
		t.Fatalf("unset map: %v", got)
	}
	e := engine(t)
	for _, text := range []string{
		"Fire in the building at MG Road, people trapped on the third floor, please send help now",
		"Accident at Silk Board junction, a biker is bleeding on the road, need ambulance",
		"Huge traffic jam at Hebbal flyover since an hour, please help",
		"Garbage set on fire near our layout again, the smoke is everywhere, BBMP please act",
		"My Fire TV app keeps crashing, customer care please help now",
		"Someone stole my phone yesterday at the bus stand, FIR filed",
		"Thank you police for the quick response last night",
		"",
	} {
		a := e.Analyze(Input{Text: text})
		if text == "" {
			if a.Emergency.Label || a.Emergency.Score != 0 {
				t.Fatalf("empty post: %+v", a.Emergency)
			}
			continue
		}
		s := e.score(text, a.Places)
		if a.Emergency.Label != (s.Emergency >= s.EmergencyAt) {
			t.Fatalf("%q: flag %v, raw %v at %v", text, a.Emergency.Label, s.Emergency, s.EmergencyAt)
		}
		if s.EmergencyP < 0 || s.EmergencyP > 1 {
			t.Fatalf("%q: probability %v", text, s.EmergencyP)
		}
		if math.Abs(a.Emergency.Score-round3(float64(s.EmergencyP))) > 1e-9 {
			t.Fatalf("%q: published %v, calibrated %v", text, a.Emergency.Score, s.EmergencyP)
		}
	}
}
