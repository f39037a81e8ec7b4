package analyze

import "testing"

func topRule(text string) (string, float32) {
	s := CategoryRules(text)
	best, bs := "none", float32(0)
	for i, c := range Categories {
		if s[i] > bs {
			best, bs = c, s[i]
		}
	}
	return best, bs
}

// TestCategoryMoreLexicon: the session 9 phrases name the thin categories
// in English, Hindi, Kannada and romanised forms.
func TestCategoryMoreLexicon(t *testing.T) {
	for _, c := range []struct{ text, cat string }{
		{"Police did not register my complaint and there is no reply yet", "police_complaint"},
		{"थाने में गया पर कोई कार्रवाई नहीं हुई", "police_complaint"},
		{"Station ge hode, yaavude krama illa, spandisuttilla", "police_complaint"},
		{"Heartfelt gratitude to the team, wonderful job in the rains", "appreciation"},
		{"#सतलोक_चलना_है watch Sadhna TV at 7:30 pm", "spam"},
		{"Stop spreading fake news, this video is doctored", "rumour"},
		{"This account is spreading hate and derogatory posts against a religion", "public_order"},
		{"Which documents are mandatory to carry while driving? Can I show them on my phone?", "information_request"},
		{"MH02AB1234 parked on the zebra crossing again", "traffic_parking"},
		{"ಗಾಳಿ ಸುದ್ದಿ ಹರಡುತ್ತಿದ್ದಾರೆ", "rumour"},
	} {
		if got, _ := topRule(c.text); got != c.cat {
			t.Errorf("%q: lexicon says %s, want %s", c.text, got, c.cat)
		}
	}
}

// TestAnyUpdateIsNotAQuestion: chasing an earlier complaint is not an
// information request.
func TestAnyUpdateIsNotAQuestion(t *testing.T) {
	s := CategoryRules("@MumbaiPolice any update on this?")
	if s[indexOfCat("information_request")] != 0 || s[indexOfCat("police_complaint")] == 0 {
		t.Errorf("any update: information_request %.2f police_complaint %.2f", s[indexOfCat("information_request")], s[indexOfCat("police_complaint")])
	}
}

// TestHandleHints: an agency's handle hints at the category, for the
// category scores only: the emergency decision's lexicon evidence is the
// same with or without it.
func TestHandleHints(t *testing.T) {
	with := CategoryRules("@mybmc @BBMPCOMM it has been like this for days")
	if with[indexOfCat("civic")] == 0 {
		t.Errorf("a post to the city corporation got no civic hint: %v", with)
	}
	if s := CategoryRules("@MTPTraffic it has been like this for days"); s[indexOfCat("traffic_parking")] == 0 {
		t.Errorf("a post to a traffic police handle got no traffic hint")
	}
	var a, b ruleScores
	m := newMatcher()
	m.scan("@mybmc please help now, someone will fall", &a)
	m.scan("please help now, someone will fall", &b)
	if a.cat != b.cat || a.distress != b.distress || a.immediacy != b.immediacy {
		t.Errorf("a handle changed the emergency decision's evidence")
	}
	for _, h := range []string{"", "@", "@x", "@mybmcmybmcmybmcmybmcmybmcmybmcmybmcmybmcmybmc", "@MYBMC\xff\xfe"} {
		CategoryRules(h) // hostile handles: no panic
	}
}

// TestComplaintByCategory: a scam or noise report is a complaint even
// where the head is unsure; thanks are not made complaints.
func TestComplaintByCategory(t *testing.T) {
	e := engine(t)
	for _, c := range []struct {
		text string
		want bool
	}{
		{"Got a fake call, they asked for my OTP and 20000 was debited from my bank account", true},
		{"Loud music from the pub next door till 2 am every night, cannot sleep", true},
	} {
		if a := e.Analyze(Input{Text: c.text}); a.Complaint.Label != c.want {
			t.Errorf("%q: complaint %v (%.2f, categories %+v), want %v", c.text, a.Complaint.Label, a.Complaint.Score, a.Categories, c.want)
		}
	}
	if !ComplaintByCategory("head+matter", -3, "cybercrime_fraud") || ComplaintByCategory("head+matter", -3, "appreciation") ||
		!ComplaintByCategory("head", 1, "none") || ComplaintByCategory("both", 3, "spam") {
		t.Error("ComplaintByCategory rules")
	}
}

func indexOfCat(c string) int {
	for i, x := range Categories {
		if x == c {
			return i
		}
	}
	return -1
}

// TestHandleHintsAllocateNothing: the scan stays allocation-free with
// agency handles in the post.
func TestHandleHintsAllocateNothing(t *testing.T) {
	m := newMatcher()
	text := "@mybmc @MTPTraffic @BBMPCOMM @SomeoneElse_123 garbage on the road near the signal, no reply yet"
	if n := testing.AllocsPerRun(100, func() {
		var r ruleScores
		m.scan(text, &r)
	}); n != 0 {
		t.Errorf("scan allocates %.0f times per post", n)
	}
}
