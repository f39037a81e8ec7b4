package alert

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/watch"
)

// On a young desk (5 days of term counts) a word seen only today raises
// nothing; with 16 days, a new hashtag used by 30 posts today is raised,
// and words used steadily, however often, are not.
func TestTermDetectorNeedsHistory(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
		day := store.Millis(now) - store.Millis(now)%86400000
		ins := func(kind, term string, d, n int64) {
			if _, err := db.Write.Exec(`INSERT INTO term_daily (kind, day, term, posts) VALUES ($1, $2, $3, $4)`, kind, d, term, n); err != nil {
				t.Fatal(err)
			}
		}
		d := TermDetector(db, TermOptions{})
		history := func(from, to int64) {
			for i := from; i <= to; i++ {
				ins(watch.TermWord, "traffic", day-i*86400000, 120)
				ins(watch.TermWord, "police", day-i*86400000, 300)
				ins(watch.TermWord, "kidnapping", day-i*86400000, 1)
				ins(watch.TermHashtag, "#blrtraffic", day-i*86400000, 20)
			}
		}
		history(1, 5)
		ins(watch.TermWord, "traffic", day, 70)
		ins(watch.TermWord, "police", day, 160)
		ins(watch.TermHashtag, "#blrtraffic", day, 12)
		ins(watch.TermHashtag, "#shivajinagarriots", day, 30)
		ins(watch.TermWord, "kidnapping", day, 40) // words are the dashboard's, not alerts
		sigs, err := d.Detect(ctx, now)
		if err != nil || len(sigs) != 0 {
			t.Fatalf("young desk: %+v %v", sigs, err)
		}
		history(6, 16)
		sigs, err = d.Detect(ctx, now)
		if err != nil || len(sigs) != 1 {
			t.Fatalf("%+v %v", sigs, err)
		}
		s := sigs[0]
		if s.Key != "hashtag:#shivajinagarriots" || s.Detail.Observed != 30 || s.Severity != Warning {
			t.Fatalf("%+v", s)
		}
		if txt := Texts(s); txt["en"].Subject != fmt.Sprintf("Emerging term “#shivajinagarriots”: 30 posts yesterday and today, about %.1f expected", s.Detail.Expected) || txt["kn"].Subject == "" {
			t.Fatalf("%+v", txt)
		}
	})
}

// Every notification text is in both languages.
func TestTextsInBothLanguages(t *testing.T) {
	for k := range texts["en"] {
		if texts["kn"][k] == "" {
			t.Errorf("%s: no Kannada", k)
		}
	}
	for k := range texts["kn"] {
		if texts["en"][k] == "" {
			t.Errorf("%s: no English", k)
		}
	}
}
