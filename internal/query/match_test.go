package query

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/post"
)

func str(s string) *string { return &s }

// koramangala is near Koramangala (a point of the ward), hsr 4 km away.
var (
	koramangala = post.Place{Text: "Koramangala", Lat: 12.9352, Lon: 77.6245, Station: "Koramangala PS", Source: "text"}
	whitefield  = post.Place{Text: "Whitefield", Lat: 12.9698, Lon: 77.7500, Station: "Whitefield PS", Source: "text"}
)

func mkPost(text string, a *post.Analysis) *post.Post {
	return &post.Post{Platform: post.X, Text: text, Author: post.Author{Handle: "@Ravi_K"}, Analysis: a}
}

func TestMatch(t *testing.T) {
	an := &post.Analysis{Lang: "kn-Latn", Sentiment: post.Sentiment{Label: "negative"}, Urgency: 72,
		Emergency: post.Flag{Label: true}, Categories: []post.Category{{Name: "theft", Score: 0.9}, {Name: "emergency", Score: 0.4}},
		Station: str("Adugodi PS"), TrafficStation: str("Adugodi Traffic PS"), Places: []post.Place{koramangala}}
	for _, c := range []struct {
		q, text string
		a       *post.Analysis
		want    bool
	}{
		{"chain snatching", "Chain snatching near Forum mall!", nil, true},
		{"chain snatching", "chain stolen", nil, false},
		{`"chain snatching"`, "snatching of a chain", nil, false},
		{`"chain snatching"`, "a CHAIN-snatching today", nil, true},
		{"snatch*", "two snatchers caught", nil, true},
		{"snatch", "two snatchers caught", nil, false},
		{"theft OR robbery", "a robbery at dawn", nil, true},
		{"theft AND NOT bike", "bike theft", nil, false},
		{"theft AND NOT bike", "phone theft", nil, true},
		// Kannada words match as prefixes (agglutination), in any case form.
		{"ಕೋರಮಂಗಲ", "ಕೋರಮಂಗಲದಲ್ಲಿ ಸರಗಳ್ಳತನ", nil, true},
		{"ಕಳ್ಳತನ", "ಮನೆ ಕಳ್ಳತನವಾಗಿದೆ", nil, true},
		{"ಕಳ್ಳತನ", "ಕಳ್ಳ ಸಿಕ್ಕಿದ", nil, false},
		// Decomposed input and a zero-width joiner fold to the same word.
		{"ಕೊಲೆ", "ಕೆ\u0cc2ಲೆ ಆಗಿದೆ", nil, true},
		{"ಕೋರಮಂಗಲ", "ಕೋರ\u200dಮಂಗಲದಲ್ಲಿ", nil, true},
		// Hindi in Devanagari and romanised.
		{"चोरी", "मेरी बाइक चोरी हो गई", nil, true},
		{"चोर", "चोरों ने लूटा", nil, true},
		{"chori", "meri bike chori ho gayi", nil, true},
		// Romanised Kannada takes case endings; English words do not stretch.
		{"koramangala", "Koramangaladalli kallatana", nil, true},
		{"koramangala", "koramangalakke hogi", nil, true},
		{"koramangala", "koramangalaxyz", nil, false},
		{"police", "policestation", nil, false},
		// Spelling variants both ways.
		{"please help", "plz hlp", nil, true},
		{"polis", "call the police", nil, true},
		// Hashtags and mentions.
		{"#BengaluruRains", "flooded #bengalururains", nil, true},
		{"#BengaluruRains", "bengalururains flooded", nil, false},
		{"bengalururains", "flooded #BengaluruRains", nil, true},
		{"@blrcitypolice", "@BLRCityPolice help", nil, true},
		{"@blrcitypolice", "blrcitypolice help", nil, false},
		{"#ಮಳೆ", "ಭಾರೀ #ಮಳೆ", nil, true},
		// Words in links and e-mail addresses do not count.
		{"theft", "see https://news.example/theft-case", nil, false},
		{"example", "mail me at someone@example.com", nil, false},
		{"@example", "mail me at someone@example.com", nil, false},
		// NEAR counts words between, in either order.
		{"fire NEAR/2 building", "building on fire", nil, true},
		{"fire NEAR/2 building", "fire broke out in the building", nil, false},
		{"fire NEAR/4 building", "fire broke out in the building", nil, true},
		{`"fire broke" NEAR/3 building`, "fire broke out in the building", nil, true},
		{"#fire NEAR/1 koramangala", "#fire koramangala", nil, true},
		// Fields.
		{"lang:kn", "x", an, true},
		{"lang:kn-Latn", "x", an, true},
		{"lang:en", "x", an, false},
		{"platform:x", "x", an, true},
		{"platform:facebook", "x", an, false},
		{"category:theft", "x", an, true},
		{"category:emergency", "x", an, false}, // only the top category
		{"sentiment:negative", "x", an, true},
		{"urgency>60", "x", an, true},
		{"urgency>72", "x", an, false},
		{"urgency>=72 urgency<=72 urgency=72", "x", an, true},
		{"emergency:true", "x", an, true},
		{"emergency:false", "x", an, false},
		{`station:"Adugodi PS"`, "x", an, true},
		{`station:"Adugodi Traffic PS"`, "x", an, true},
		{`station:"Koramangala PS"`, "x", an, false},
		{"author:ravi_k", "x", an, true},
		{"author:@RAVI_K", "x", an, true},
		{"author:ravi", "x", an, false},
		{"near:Koramangala", "x", an, true},
		{"near:Whitefield", "x", an, false},
		{"category:theft", "x", nil, false},
		{"emergency:false", "x", nil, true},
	} {
		q, err := Parse(c.q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.q, err)
		}
		d := NewDoc(mkPost(c.text, c.a))
		if got := q.Matches(d); got != c.want {
			t.Errorf("%q on %q = %v, want %v", c.q, c.text, got, c.want)
		}
		d.Release()
	}
}

// A set answers for each of its queries as each would alone, whatever
// words the queries share.
func TestSetMatchesLikeEachQuery(t *testing.T) {
	qs := []string{"theft", "theft OR robbery", `"chain snatching"`, "snatch* AND NOT bike", "ಕಳ್ಳತನ", "#fire NEAR/2 building",
		"please", "koramangala", "chain NEAR/1 snatching", "theft platform:x"}
	var parsed []*Query
	var ids []int64
	for i, s := range qs {
		q, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, q)
		ids = append(ids, int64(i+1))
	}
	set := Compile(ids, parsed)
	for _, text := range []string{"chain snatching and theft", "bike snatchers", "plz koramangaladalli", "ಮನೆ ಕಳ್ಳತನ",
		"#fire in the building", "robbery", "nothing here"} {
		d := NewDoc(mkPost(text, nil))
		got := set.Match(d, nil)
		var want []int64
		for i, q := range parsed {
			if q.Matches(d) {
				want = append(want, ids[i])
			}
		}
		if len(got) != len(want) {
			t.Errorf("%q: set %v, alone %v", text, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%q: set %v, alone %v", text, got, want)
				break
			}
		}
		d.Release()
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("chain snatching", "Chain snatching near #Forum @x https://a.b/c")
	f.Add("ಕೋರಮಂಗಲ NEAR/2 #ಮಳೆ", "ಕೋರ\u200dಮಂಗಲದಲ್ಲಿ #ಮಳೆ a@b.c")
	f.Fuzz(func(t *testing.T, qs, text string) {
		q, err := Parse(qs)
		if err != nil {
			return
		}
		d := NewDoc(mkPost(text, nil))
		q.Matches(d) // must not panic
		d.Release()
	})
}
