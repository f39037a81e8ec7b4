package analyze

import "strings"

// Session 9: phrases for the categories a desk was missing (complaints
// against police, appreciation, information requests, spam, rumours,
// public order, women's safety), in English, Kannada, Hindi and their
// romanised forms, written after labelling 739 more real posts to police
// handles (docs/LABELLING.md) and kept only where they helped out of
// source (train.DeskCacheCV, docs/MODELS.md "Session 9").
//
// They count for the category scores only (categoryHits), not for the
// lexicon evidence the emergency decision and the danger-now stage read
// (ruleScores.cat): those were fitted on categoryLexicon as it was, and a
// thank-you or a question is not evidence about danger.
var categoryMoreLexicon = map[string][]string{
	"police_complaint": {
		// Inaction and no answer, said of police.
		"no reply", "no reply yet", "still no reply", "no revert", "no follow up", "no followup", "any update", "any updates",
		"no improvement", "blind eye", "of no use", "no use complaining", "same reply", "standard reply", "no action by police",
		"police did not", "police didn't", "police do not", "police don't", "police never", "police not", "police are not",
		"police is not", "cops not", "why no action", "never take action", "not bothered", "nobody cares", "no one cares",
		"police standing", "cops standing", "police present", "traffic police present", "no cop", "no cops", "no police", "not a single cop", "chit chatting", "chitchatting",
		"hiding behind", "hide behind", "took bribe", "take bribe", "taking bribe", "bribery", "extortion", "selective",
		"called 100", "dial 100", "dialled 100", "tried calling", "not registered my", "did not register", "didn't register",
		"refused to take", "not accepting", "register my complaint", "collect fines", "collecting fine", "only fines",
		// Hindi, Kannada, romanised.
		"कार्रवाई नहीं", "कार्यवाही नहीं", "जवाब नहीं", "सुनवाई नहीं", "घूस", "हफ्ता वसूली", "पुलिस सो",
		"koi action nahi", "koi karyawahi nahi", "koi jawab nahi", "sunwai nahi", "ghoos", "hafta vasuli", "police so rahi",
		"ಕ್ರಮ ಕೈಗೊಂಡಿಲ್ಲ", "ಯಾವುದೇ ಕ್ರಮ", "ಸ್ಪಂದಿಸುತ್ತಿಲ್ಲ", "ಪ್ರತಿಕ್ರಿಯೆ ಇಲ್ಲ", "ನಿರ್ಲಕ್ಷ್ಯ",
		"krama kaigondilla", "yaavude krama", "spandisuttilla", "lancha"},
	"appreciation": {
		"thank u so much", "thanks a lot", "many thanks", "heartfelt", "gratitude", "salaam", "proud of you", "best police",
		"wonderful job", "amazing job", "excellent job", "fantastic job", "awesome job", "doing a great", "great initiative",
		"good initiative", "thankfully", "instant reply", "quick reply", "prompt reply", "immediate response",
		"immediate action", "thanks once again", "superhero", "super hero", "saviour", "selfless", "tirelessly",
		"dhanyawad", "aabhar", "आभार", "सलाम", "बहुत धन्यवाद", "ಶ್ಲಾಘನೀಯ", "ಉತ್ತಮ ಕೆಲಸ", "ಕೃತಜ್ಞತೆ", "krutajnate"},
	"information_request": {
		"can i", "can we", "is it mandatory", "mandatory", "which documents", "list of documents", "whom to", "where should",
		"what should i", "what to do", "can you tell", "need information", "need info", "want to know", "wanted to know",
		"is it open", "open today", "is there traffic", "which route", "please clarify", "kindly clarify", "what is the status",
		"kya karna", "kahan shikayat", "kaha complaint", "kab tak", "कहां शिकायत", "क्या करें", "कैसे करें",
		"ಎಲ್ಲಿ ದೂರು", "ಏನು ಮಾಡಬೇಕು", "yelli dooru", "enu madabeku"},
	"spam": {
		"satlok*", "सतलोक", "sant rampal*", "संत रामपाल", "tatvadarshi", "तत्वदर्शी", "sadhna tv", "ishwar tv", "godmorning*",
		"kabir is god", "supreme god", "entered to win", "chance to win", "enter to win", "promotion", "coupon*",
		"available on amazon", "order now", "shop now", "limited offer", "happy ganesh", "happy diwali", "happy independence",
		"happy republic", "happy new year", "happy holi", "eid mubarak", "happy dussehra", "happy birthday", "good morning",
		"shubh prabhat", "शुभ प्रभात", "शुभकामनाएं", "ಶುಭೋದಯ", "ಶುಭಾಶಯ", "shubhashaya"},
	"rumour": {
		"spreading fake", "spreading rumours", "spreading rumors", "spreading lies", "rumour monger*", "rumor monger*",
		"really true", "fake post", "fake tweet", "propaganda", "misleading", "fabricated", "doctored", "jhooth*", "jhuthi khabar",
		"fake khabar", "फर्जी खबर", "झूठी खबर", "ಗಾಳಿ ಸುದ್ದಿ", "ಗಾಳಿಸುದ್ದಿ", "gaali suddi", "sullu suddi"},
	"public_order": {
		"spreading hate", "hateful", "hate mongering", "hate monger*", "against hindu*", "anti hindu", "anti muslim",
		"hindu haters", "religious", "conversion", "derogatory", "provocative", "inflammatory", "sedition", "instigat*",
		"bhadkau", "भड़काऊ", "बड़काऊ", "धार्मिक", "ಕೋಮು", "ಪ್ರಚೋದನ", "komu"},
	"traffic_parking": {
		// Vehicle numbers (MH 02, KA 01 joined), drivers and what they do.
		"mh0*", "mh1*", "mh4*", "ka0*", "ka5*", "heavy traffic", "traffic snarl*", "snarl*", "bumper2bumper", "congested",
		"conjested", "travel time", "hours in traffic", "cavalcade", "driving", "driver", "drivers", "bus driver",
		"refused to ply", "ply", "on meter", "meter", "fare", "zebra crossing", "opposite direction", "wrong turn", "u turn",
		"no entries", "road block", "road blocked", "blocked the road", "blocking the road", "diverted", "traffic advisory",
		"traffic update", "talking on phone", "underage", "dangerous driving", "careless driving", "two wheeler*", "tempo",
		"bus lane", "lane discipline", "ट्रैफिक जाम", "गाड़ी", "ಟ್ರಾಫಿಕ್ ಜಾಮ್", "ವಾಹನ"},
	"civic": {
		"ward officer", "ward office", "corporator", "dog menace", "stray cattle", "demolition", "unauthorized construction",
		"unauthorised construction", "illegal construction", "illegal structure*", "stall*", "vendor*", "dirty", "stink*",
		"foul smell", "bad smell", "dengue", "white topping", "civic body", "municipal", "गंदगी", "पानी", "ಕಸದ", "ರಸ್ತೆ ಗುಂಡಿ",
		"gandagi", "paani", "neeru"},
	"womens_safety": {
		"sexual harassment", "metoo", "ladies compartment", "ladies coach", "women compartment", "womens compartment",
		"abusing a girl", "ladkiyon ko chhed", "ಲೈಂಗಿಕ ಕಿರುಕುಳ"},
}

// CategoryMore switches categoryMoreLexicon and categoryLessLexicon on (a
// variable so cross-validation can measure without them; set before the
// first analysis).
var CategoryMore = true

// categoryLessLexicon are phrases that mislead a category's lexicon: "any
// update" is a chase of an earlier complaint, not a question.
var categoryLessLexicon = map[string][]string{
	"information_request": {"any update", "any updates"},
}

// handleLexicon maps the handles of agencies (lowercased prefixes) to the
// category of what citizens write to them: a post copied to the city
// corporation is mostly about a civic matter, one copied to a traffic
// police handle about traffic. Handles are otherwise skipped by the scan
// (an organisation named is not the subject, see scan), so they are hints
// of HandleHint lexicon hits each, at most two, for the category scores
// only.
var handleLexicon = []struct {
	prefix, cat string
}{
	{"mybmc", "civic"}, {"mcgm", "civic"}, {"bmcmumbai", "civic"}, {"bbmp", "civic"}, {"chairmanbwssb", "civic"},
	{"bwssb", "civic"}, {"nammabescom", "civic"}, {"bescom", "civic"}, {"mybest", "civic"}, {"bmtc", "civic"},
	{"westernrly", "civic"}, {"central_railway", "civic"}, {"railminindia", "civic"}, {"railwayseva", "civic"},
	{"drm", "civic"}, {"mmrda", "civic"}, {"tmcatweetaway", "civic"},
	{"mtptraffic", "traffic_parking"}, {"mumbaitraffic", "traffic_parking"}, {"trafficofmumbai", "traffic_parking"},
	{"blrcitytraffic", "traffic_parking"}, {"btppubliceye", "traffic_parking"}, {"dtptraffic", "traffic_parking"},
	{"mumbairto", "traffic_parking"}, {"roadsofmumbai", "traffic_parking"},
}

// HandleHint is the lexicon weight of one agency handle (a variable so
// cross-validation can try others).
var HandleHint float32 = 1

func handleCategory(h string) (int, bool) {
	if len(h) < 3 {
		return 0, false
	}
	var buf [32]byte
	n := min(len(h), len(buf))
	for i := 0; i < n; i++ {
		c := h[i]
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		buf[i] = c
	}
	l := string(buf[:n])
	for _, e := range handleLexicon {
		if strings.HasPrefix(l, e.prefix) {
			return handleCatIndex[e.cat], true
		}
	}
	return 0, false
}

var handleCatIndex = func() map[string]int {
	m := map[string]int{}
	for i, c := range Categories {
		m[c] = i
	}
	return m
}()
