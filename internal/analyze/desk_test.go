package analyze

import "testing"

// TestEmergencyIsDangerNow: the false alarms (a jam, noise, a
// protest, a scam already done, "please help" about a pothole) are not
// emergencies; danger now is.
func TestEmergencyIsDangerNow(t *testing.T) {
	e := engine(t)
	for _, s := range []string{
		"@blrcitytraffic huge traffic jam at the junction for an hour, please help, nothing is moving",
		"Please help, there is a big pothole on our road and bikes keep falling",
		"Loud music from the marriage hall every night, please help us sleep",
		"Large protest at Freedom Park today, the road is blocked",
		"I got a call yesterday, shared my OTP and 40,000 was debited from my account, please help",
		"My bike was stolen from outside my house last night",
		"Garbage has not been cleared for a week, urgent action needed",
	} {
		if a := e.Analyze(Input{Text: s}); a.Emergency.Label {
			t.Errorf("%q: emergency %+v", s, a.Emergency)
		}
	}
	for _, s := range []string{
		"Fire in a 3rd floor flat near the park, people stuck inside, send fire engine now",
		"Accident on the ring road, a bike rider is bleeding and unconscious, send ambulance",
		"Chain snatching happening right now near the bus stop, please help",
		"A man is beating a woman on the road right now, she is screaming, send police",
		"My 8 year old son is missing from the park for 30 minutes, please help now",
	} {
		if a := e.Analyze(Input{Text: s}); !a.Emergency.Label {
			t.Errorf("%q: not an emergency %+v", s, a.Emergency)
		}
	}
}

// TestEmergencyRules checks the lexicon part alone, on a neutral logit.
func TestEmergencyRules(t *testing.T) {
	at := func(s string) float32 { return EmergencyRules(s)(-1) }
	if z := at("please help, pothole on the road"); z > 0 {
		t.Errorf("a cry for help about a pothole made an emergency: %.2f", z)
	}
	if z := at("please help, fire in the building, people trapped"); z <= 0 {
		t.Errorf("fire with a cry for help not an emergency: %.2f", z)
	}
	if z := at("my phone was stolen yesterday"); z >= -1 {
		t.Errorf("an after-the-fact theft was not pulled down: %.2f", z)
	}
	if z := at("someone is stealing the battery from the car right now, please help"); z <= 0 {
		t.Errorf("a theft in progress not an emergency: %.2f", z)
	}
}

// TestEveryCategoryCanWin: each category of the taxonomy is the top
// category of a post plainly about it (the issue found spam, public order
// and complaints against police never predicted).
func TestEveryCategoryCanWin(t *testing.T) {
	e := engine(t)
	for _, c := range []struct{ text, cat string }{
		{"Follow back for follow back, earn money from home, click here", "spam"},
		{"Protesters have blocked the road near the town hall with a rally", "public_order"},
		{"The constable demanded a bribe and refused to register my FIR", "police_complaint"},
		{"Kudos to the traffic police for the quick response, great job", "appreciation"},
		{"A car has been abandoned on our street for three months, please remove it", "traffic_parking"},
		{"Is it true that there will be a curfew tonight? This message is going around on WhatsApp", "rumour"},
		{"Lost my wallet in an auto near the market this morning", "lost_found"},
		{"Someone created a fake profile with my photos and is asking my friends for money", "cybercrime_fraud"},
		{"A man keeps following me from the metro and passing lewd comments", "womens_safety"},
		{"How do I apply for a police clearance certificate?", "information_request"},
	} {
		a := e.Analyze(Input{Text: c.text})
		if len(a.Categories) == 0 || a.Categories[0].Name != c.cat {
			t.Errorf("%q: categories %+v, want %s first", c.text, a.Categories, c.cat)
		}
	}
}

// TestRarelyNoCategory: a post where no category reaches 0.5 still gets
// the best one when it is at least CategoryFloor.
func TestRarelyNoCategory(t *testing.T) {
	a := engine(t).Analyze(Input{Text: "The road near our apartment is in a very bad state for months"})
	if len(a.Categories) == 0 {
		t.Errorf("no category: %+v", a)
	}
}

func TestOtherScriptsAreNotRomanised(t *testing.T) {
	e := engine(t)
	for _, s := range []string{"@user Привет, как дела? https://t.co/abc123", "@BlrCityPolice Привет всем друзья мои"} {
		if a := e.Analyze(Input{Text: s}); a.Lang != "und" {
			t.Errorf("%q: lang %s", s, a.Lang)
		}
	}
}
