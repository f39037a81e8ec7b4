package analyze

import (
	"strings"
	"testing"
)

func engine(t testing.TB) *Engine {
	t.Helper()
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func hasCat(cs []string, name string) bool {
	for _, c := range cs {
		if c == name {
			return true
		}
	}
	return false
}

func TestScriptsAndLanguages(t *testing.T) {
	e := engine(t)
	for _, c := range []struct{ text, lang, script string }{
		{"ನಮ್ಮ ಮನೆಯ ಹತ್ತಿರ ಕಳ್ಳತನ ಆಗಿದೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ", "kn", "Knda"},
		{"मेरे घर के पास चोरी हो गई है कृपया मदद करें", "hi", "Deva"},
		{"எங்கள் வீட்டில் திருட்டு நடந்தது", "ta", "Taml"},
		{"మా ఇంటి దగ్గర దొంగతనం జరిగింది", "te", "Telu"},
		{"ഞങ്ങളുടെ വീട്ടിൽ മോഷണം നടന്നു", "ml", "Mlym"},
		{"میرے گھر کے پاس چوری ہو گئی ہے", "ur", "Arab"},
		{"The traffic signal at the junction has not been working since morning", "en", "Latn"},
		{"yenu guru nimma area alli tumba traffic ide swalpa nodi", "kn-Latn", "Latn"},
		{"bhai yeh traffic kab khatam hoga kuch karo yaar", "hi-Latn", "Latn"},
		{"🙏🙏🔥", "und", "Zyyy"},
	} {
		a := e.Analyze(Input{Text: c.text})
		if a.Lang != c.lang || a.Script != c.script {
			t.Errorf("%q: got %s/%s, want %s/%s", c.text, a.Lang, a.Script, c.lang, c.script)
		}
	}
	if a := e.Analyze(Input{Text: "ನಮ್ಮ ಏರಿಯಾದಲ್ಲಿ traffic jam is very bad today please help"}); !a.CodeMixed {
		t.Errorf("Kannada + English not flagged code-mixed: %+v", a)
	}
	if a := e.Analyze(Input{Text: "The meeting is at five in the evening today"}); a.CodeMixed {
		t.Errorf("plain English flagged code-mixed")
	}
}

func TestChainSnatching(t *testing.T) {
	a := engine(t).Analyze(Input{Text: "Chain snatching near Jayanagar 4th block right now please help"})
	var cats []string
	for _, c := range a.Categories {
		cats = append(cats, c.Name)
	}
	if !a.Emergency.Label || !hasCat(cats, "theft") || a.Urgency < 70 {
		t.Fatalf("emergency %+v categories %v urgency %d", a.Emergency, cats, a.Urgency)
	}
	if a.Sentiment.Label == "positive" {
		t.Errorf("sentiment positive")
	}
}

func TestFigurative(t *testing.T) {
	e := engine(t)
	for _, s := range []string{"this song is fire", "my inbox is a disaster", "that movie trailer is fire 🔥🔥", "she killed it on stage last night"} {
		if a := e.Analyze(Input{Text: s}); a.Emergency.Label {
			t.Errorf("%q: emergency %+v", s, a.Emergency)
		}
	}
	for _, s := range []string{"Fire in the building next to mine in Koramangala, people trapped, please send help",
		"ದಯವಿಟ್ಟು ಕಾಪಾಡಿ ನಮ್ಮ ಮನೆಗೆ ಬೆಂಕಿ ಬಿದ್ದಿದೆ", "bachao koi mere peeche aa raha hai please police bhejo abhi",
		"Accident on Hosur road flyover, two bikers injured, need ambulance"} {
		if a := e.Analyze(Input{Text: s}); !a.Emergency.Label {
			t.Errorf("%q: not an emergency %+v", s, a.Emergency)
		}
	}
}

func TestSentiment(t *testing.T) {
	e := engine(t)
	if a := e.Analyze(Input{Text: "Bike stolen near Forum mall, please help"}); a.Sentiment.Label == "positive" {
		t.Errorf("stolen bike is positive: %+v", a.Sentiment)
	}
	if a := e.Analyze(Input{Text: "Thank you so much Bengaluru police, wonderful quick response, great job!"}); a.Sentiment.Label != "positive" {
		t.Errorf("thanks not positive: %+v", a.Sentiment)
	}
	if a := e.Analyze(Input{Text: "Worst experience ever, the officer was rude and useless, pathetic"}); a.Sentiment.Label != "negative" {
		t.Errorf("complaint not negative: %+v", a.Sentiment)
	}
}

// TestPlaceNamesAreNotLanguage: Indian place names in a short English post
// must not make it romanised Kannada (they are masked for the Latin
// language head).
func TestPlaceNamesAreNotLanguage(t *testing.T) {
	e := engine(t)
	for _, text := range []string{
		"Fire near Silk Board, help now!",
		"Accident at Hebbal flyover, ambulance needed",
		"Huge jam at Koramangala and Madiwala again",
	} {
		if a := e.Analyze(Input{Text: text}); a.Lang != "en" {
			t.Errorf("%q: lang %s, want en (places %v)", text, a.Lang, a.Places)
		}
	}
	// Romanised Kannada with a place name stays Kannada.
	if a := e.Analyze(Input{Text: "Silk Board hatra thumba traffic ide, yaaru enu madtilla guru"}); a.Lang != "kn-Latn" {
		t.Errorf("romanised Kannada with a place: lang %s", a.Lang)
	}
}

// TestHandlesAreNotWords: an account name is not what the post is about.
func TestHandlesAreNotWords(t *testing.T) {
	e := engine(t)
	a := e.Analyze(Input{Text: "@Cheatedbuyer @CyberDost @FireBrigade thanks for the update on the meeting"})
	for _, c := range a.Categories {
		if c.Name == "cybercrime_fraud" {
			t.Errorf("handles matched the fraud lexicon: %v", a.Categories)
		}
	}
	if a.Emergency.Label {
		t.Errorf("@FireBrigade made an emergency: %+v", a.Emergency)
	}
}

func TestUrgencyNotFromSentiment(t *testing.T) {
	e := engine(t)
	angry := e.Analyze(Input{Text: "This pothole on our road is absolutely terrible, worst civic body ever, disgusting"})
	calm := e.Analyze(Input{Text: "There is a fire in the shop below our house right now, please come"})
	if angry.Urgency >= calm.Urgency || angry.Urgency > 40 {
		t.Errorf("angry pothole urgency %d, calm fire %d", angry.Urgency, calm.Urgency)
	}
}

func TestCategories(t *testing.T) {
	e := engine(t)
	for _, c := range []struct{ text, cat string }{
		{"Cars parked on the footpath near the signal, traffic jam every evening", "traffic_parking"},
		{"Got a call asking for my OTP and money was debited from my bank account, fraud", "cybercrime_fraud"},
		{"Garbage not collected for a week in our street, BBMP please act", "civic"},
		{"Loud music from the pub next door till 2 am every night", "noise_nuisance"},
		{"My father went missing since yesterday evening, last seen near Majestic", "missing_person"},
		{"Ganja being sold openly near the college gate", "drugs"},
		{"How to apply for police verification for passport?", "information_request"},
		{"Thank you @BlrCityPolice for the quick response, great job", "appreciation"},
		{"Received a call to scan a QR code to get my refund, then money was gone. Share your UPI pin they said", "cybercrime_fraud"},
		{"Boys near the bus stop keep teasing women and passing lewd comments every evening", "womens_safety"},
		{"ಬಸ್ ನಿಲ್ದಾಣದಲ್ಲಿ ಹುಡುಗಿಯರಿಗೆ ಕಿರುಕುಳ ನೀಡುತ್ತಿದ್ದಾರೆ", "womens_safety"},
		{"Koi ladka roz chhedkhani karta hai college ke bahar", "womens_safety"},
	} {
		a := e.Analyze(Input{Text: c.text})
		var cats []string
		for _, x := range a.Categories {
			cats = append(cats, x.Name)
		}
		if !hasCat(cats, c.cat) {
			t.Errorf("%q: categories %v, want %s", c.text, cats, c.cat)
		}
	}
	seen := map[string]bool{}
	for _, c := range Categories {
		if seen[c] || strings.ToLower(c) != c || strings.Contains(c, " ") {
			t.Errorf("bad category name %q", c)
		}
		seen[c] = true
	}
}

func TestHostileInput(t *testing.T) {
	e := engine(t)
	inputs := []string{
		"", " ", "\xff\xfe\xfd", strings.Repeat("a", 1<<20), "😀😀😀🙏",
		"ಕನ್ನಡ हिंदी தமிழ் తెలుగు മലയാളം اردو English",
		"یہ سڑک بہت خراب ہے پولیس مدد کرے",
		"a" + strings.Repeat("\u0301", 10000),
		strings.Repeat("#BengaluruTraffic ", 10000),
	}
	for _, s := range inputs {
		a := e.Analyze(Input{Text: s})
		if a.Urgency < 0 || a.Urgency > 100 || len(a.SimHash) != 16 || a.Categories == nil || a.PII == nil || a.Places == nil {
			t.Errorf("input of %d bytes: %+v", len(s), a)
		}
	}
}

func TestDeterministic(t *testing.T) {
	e := engine(t)
	s := "Chain snatching near Jayanagar right now please help"
	a, b := e.Analyze(Input{Text: s}), e.Analyze(Input{Text: s})
	if a.Emergency != b.Emergency || a.Urgency != b.Urgency || a.Sentiment != b.Sentiment {
		t.Fatal("not deterministic")
	}
	if e.Version() == "" {
		t.Fatal("empty version")
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"", "help", "ಸಹಾಯ ಮಾಡಿ", "#a#b#c", "\xff", "http://x @y #Z!!!", "pleeeease hellppp",
		"आग लगी है अभी", "a\u0301\u0301\u0301", "\u202e\u200d"} {
		f.Add(s)
	}
	e := engine(f)
	f.Fuzz(func(t *testing.T, s string) {
		a := e.Analyze(Input{Text: s})
		if a.Urgency < 0 || a.Urgency > 100 || len(a.SimHash) != 16 {
			t.Fatalf("bad analysis %+v", a)
		}
	})
}

func BenchmarkAnalyze(b *testing.B) {
	e := engine(b)
	posts := []string{
		"Chain snatching near Jayanagar 4th block right now please help, the thief went towards the metro station on a black bike",
		"ನಮ್ಮ ಏರಿಯಾದಲ್ಲಿ ತುಂಬಾ ಟ್ರಾಫಿಕ್ ಜಾಮ್ ಆಗಿದೆ, ದಯವಿಟ್ಟು ಯಾರನ್ನಾದರೂ ಕಳುಹಿಸಿ ಸರ್",
		"bhai yeh traffic kab khatam hoga Silk Board pe 2 ghante se phase hain kuch karo @blrcitytraffic",
		"Cars parked on the footpath near the signal at Indiranagar 100 ft road, pedestrians forced onto the road every evening",
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Analyze(Input{Text: posts[i%len(posts)]})
	}
}

var benchPosts = []string{
	"Chain snatching near Jayanagar 4th block right now please help, the thief went towards the metro station on a black bike",
	"ನಮ್ಮ ಏರಿಯಾದಲ್ಲಿ ತುಂಬಾ ಟ್ರಾಫಿಕ್ ಜಾಮ್ ಆಗಿದೆ, ದಯವಿಟ್ಟು ಯಾರನ್ನಾದರೂ ಕಳುಹಿಸಿ ಸರ್",
	"bhai yeh traffic kab khatam hoga Silk Board pe 2 ghante se phase hain kuch karo @blrcitytraffic",
	"Cars parked on the footpath near the signal at Indiranagar 100 ft road, pedestrians forced onto the road every evening",
}

// BenchmarkAnalyzeNoPlaces is the whole chain without the gazetteer.
func BenchmarkAnalyzeNoPlaces(b *testing.B) {
	full := engine(b)
	e, err := New(full.m)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.Analyze(Input{Text: benchPosts[i%len(benchPosts)]})
		i++
	}
}

// BenchmarkScore is the models and lexicons: featurise, one pass over the
// weight table, every head.
func BenchmarkScore(b *testing.B) {
	e := engine(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.Score(benchPosts[i%len(benchPosts)])
		i++
	}
}

// BenchmarkRules is the lexicon scan alone.
func BenchmarkRules(b *testing.B) {
	e := engine(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		var rs ruleScores
		e.match.scan(benchPosts[i%len(benchPosts)], &rs)
		i++
	}
}

// BenchmarkPlaces is the gazetteer stage alone.
func BenchmarkPlaces(b *testing.B) {
	e := engine(b)
	if e.places == nil {
		b.Skip("no gazetteer")
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.places.Find(benchPosts[i%len(benchPosts)], nil, nil, "")
		i++
	}
}

// TestScanCountsEachPhraseOnce: a phrase repeated later in a post counts
// once, also past the first 16 distinct phrases (hitSet's overflow).
func TestScanCountsEachPhraseOnce(t *testing.T) {
	e := engine(t)
	words := []string{"traffic", "parking", "towing", "helmet", "footpath", "signal", "congestion", "gridlock", "flyover",
		"junction", "honking", "towed", "parked", "jam", "garbage", "pothole", "potholes", "streetlight", "drainage", "stolen", "theft"}
	once := strings.Join(words, " , ")
	var a, b ruleScores
	e.match.scan(once, &a)
	e.match.scan(once+" . "+once, &b)
	if a != b {
		t.Fatalf("repeated phrases counted again:\n%+v\n%+v", a, b)
	}
	if a.cat[1] < 10 {
		t.Fatalf("traffic words barely counted: %+v", a.cat)
	}
}
