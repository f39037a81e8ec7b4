package query

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

var (
	engOnce sync.Once
	engine  *analyze.Engine
	engErr  error
)

// realAnalyzer is the engine the desk runs, so fields and places are the
// models' own answers, stored by intake as the desk stores them.
func realAnalyzer(t testing.TB) post.Analyzer {
	engOnce.Do(func() { engine, engErr = analyze.Default() })
	if engErr != nil {
		t.Fatal(engErr)
	}
	return func(p *post.Post) post.Analysis {
		return engine.Analyze(analyze.Input{Text: p.Text, Platform: p.Platform, AuthorLocation: p.Author.Location, Lat: p.Lat, Lon: p.Lon})
	}
}

// corpus is hostile to word matching on purpose: scripts, case endings,
// variants, hashtags, handles, links, e-mail addresses, hyphens, numbers.
var corpus = []struct{ platform, handle, text string }{
	{post.X, "ravi_k", "Chain snatching near Forum mall Koramangala, please help @BLRCityPolice"},
	{post.X, "asha", "chain-snatching again in Jayanagar 4th block. Police?"},
	{post.Facebook, "meena", "ಕೋರಮಂಗಲದಲ್ಲಿ ಸರಗಳ್ಳತನ ನಡೆದಿದೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ"},
	{post.Facebook, "suresh", "ನಮ್ಮ ಮನೆ ಕಳ್ಳತನವಾಗಿದೆ ಜಯನಗರ"},
	{post.X, "rahul", "मेरी बाइक चोरी हो गई कोरमंगला में, मदद करो"},
	{post.X, "vikas", "bhai meri bike chori ho gayi Indiranagar mein, plz help"},
	{post.Telegram, "kiran", "Koramangaladalli kallatana aagide, sahaya maadi"},
	{post.X, "deepa", "Huge jam at Silk Board #BlrTraffic #BengaluruRains"},
	{post.X, "blr_news", "Read https://news.example/theft-koramangala for the theft story"},
	{post.X, "anil", "write to me at koramangala@example.com about the theft"},
	{post.Mastodon, "geeta", "Fire broke out in a building near Whitefield, fire brigade on the way"},
	{post.X, "hari", "building on fire in HSR Layout!!! pleeease help"},
	{post.X, "neha", "Thanks @BLRCityPolice for the quick help, great work"},
	{post.Bluesky, "omkar", "UPI fraud: someone took 1.5 lakh via OTP scam, cops not responding"},
	{post.X, "sunil", "Loud music at 2am in Indiranagar, noise nuisance every weekend"},
	{post.Instagram, "zoya", "Fake news spreading on WhatsApp about a child kidnapping gang in Hebbal, verify before forwarding"},
	{post.X, "ravi_k", "Accident at Hebbal flyover, two injured, ambulance needed urgently"},
	{post.WhatsApp, "prakash", "ಹೆಬ್ಬಾಳ ಫ್ಲೈಓವರ್ ಬಳಿ ಅಪಘಾತ, ತುರ್ತು ಸಹಾಯ ಬೇಕು"},
	{post.X, "tanya", "#ಬೆಂಗಳೂರು ಮಳೆ ಜೋರಾಗಿದೆ, traffic jam everywhere"},
	{post.X, "kumar", "e-mail scam again. 10:30 today someone called asking my OTP"},
	{post.RSS, "", "Police arrest two for chain snatching in Koramangala and Jayanagar"},
	{post.X, "lakshmi", "Polis never came, theft complaint still pending in Adugodi"},
	{post.X, "farhan", "Bag stolen at the bus stand.Next day the cctv.footage was gone, v2.3 of the app crashed"},
}

var agreementQueries = []string{
	"chain snatching", `"chain snatching"`, "snatch*", "theft", "theft OR chori OR चोरी OR ಕಳ್ಳತನ",
	"ಕೋರಮಂಗಲ", "koramangala", "koramangala AND NOT theft", "please", "help AND NOT @blrcitypolice",
	"@blrcitypolice", "#blrtraffic", "#ಬೆಂಗಳೂರು", "fire NEAR/2 building", "fire NEAR/1 building", `"fire brigade" OR "traffic jam"`,
	"police", "otp", "e-mail", "example", "lang:kn", "lang:hi", "lang:en", "platform:x", "platform:facebook OR platform:telegram",
	"category:theft", "category:theft AND NOT platform:x", "sentiment:negative", "urgency>60", "urgency<=20", "emergency:true",
	"emergency:false AND NOT lang:en", `station:"Koramangala PS"`, `station:"Hebbal PS" OR station:"Hebbal Traffic PS"`,
	"author:ravi_k", "author:@RAVI_K AND accident", "near:Koramangala", "near:Hebbal~1km", "near:Koramangala accident OR fire",
	"NOT theft AND (help OR sahaya OR ಸಹಾಯ)", "1.5", "lakh NEAR/5 scam", "2am", "ಅಪಘಾತ OR apaghata",
	"next", "footage", "cctv footage", `"stand next"`, "3 OR crashed",
}

// The history filter (SQL on either store, then the matcher) and the live
// matcher on the analysed post in memory select the same posts.
func TestHistoryAgreesWithLiveMatcher(t *testing.T) {
	an := realAnalyzer(t)
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		in := ingest.New(db, nil, ingest.Options{Now: func() time.Time { return now }, Analyze: an})
		defer in.Close()
		posts := make([]post.Post, len(corpus))
		for i, c := range corpus {
			posts[i] = post.Post{Platform: c.platform, ExternalID: fmt.Sprint("e", i), Kind: post.KindMention,
				Author: post.Author{ExternalID: fmt.Sprint("a", i), Handle: c.handle}, Text: c.text,
				CreatedAt: now.Add(time.Duration(i-len(corpus)) * time.Minute)}
		}
		res, err := in.Submit(ctx, posts)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]int64, len(res))
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("post %d: %v", i, r.Err)
			}
			ids[i] = r.ID
		}
		// The pipeline indexes posts for full-text search on SQLite.
		d := desk.New(db, desk.Options{Now: func() time.Time { return now }})
		if err := pipeline.New(db, d, nil, an, pipeline.Options{Now: func() time.Time { return now }}).Process(ctx, ids); err != nil {
			t.Fatal(err)
		}
		for _, qs := range agreementQueries {
			q, err := Parse(qs)
			if err != nil {
				t.Fatalf("%s: %v", qs, err)
			}
			var live []string
			for i := range posts {
				doc := NewDoc(&posts[i])
				if q.Matches(doc) {
					live = append(live, posts[i].ExternalID)
				}
				doc.Release()
			}
			page, err := History(ctx, db, q, HistoryFilter{Since: now.Add(-24 * time.Hour), Limit: 500})
			if err != nil {
				t.Fatalf("%s: %v", qs, err)
			}
			var hist []string
			for _, p := range page.Posts {
				hist = append(hist, p.ExternalID)
			}
			slices.Sort(live)
			slices.Sort(hist)
			if !slices.Equal(live, hist) {
				t.Errorf("%s: live %v, history %v", qs, live, hist)
			}
			if testing.Verbose() {
				t.Logf("%-45s %2d posts, %2d rows read", qs, len(hist), page.Scanned)
			}
		}
		// A post its author deleted leaves history, for word and field
		// queries alike.
		if _, err := db.Write.Exec("UPDATE posts SET deleted_at = $1 WHERE id = $2", store.Millis(now), ids[0]); err != nil {
			t.Fatal(err)
		}
		for _, qs := range []string{"chain snatching", "author:ravi_k"} {
			q, _ := Parse(qs)
			page, err := History(ctx, db, q, HistoryFilter{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page.Posts {
				if p.ID == ids[0] {
					t.Errorf("%s: a deleted post is in history", qs)
				}
			}
			if len(page.Posts) == 0 {
				t.Errorf("%s: nothing left", qs)
			}
		}
	})
}
