package labels

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// TestEvaluate: corrections stored on either store are read back and the
// engine's agreement is counted by task, by label and by week.
func TestEvaluate(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w1 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC) // ISO 2026-W49
		w2 := w1.AddDate(0, 0, 7)
		for _, l := range []Label{
			{Text: "fire near the market, help", Task: "emergency", Label: "true", CreatedAt: w1},
			{Text: "pothole on 5th main", Task: "emergency", Label: "false", CreatedAt: w1},
			{Text: "thanks to the police", Task: "emergency", Label: "true", CreatedAt: w2},
			{Text: "pothole on 5th main", Task: "category", Label: "civic", CreatedAt: w2},
			{Text: "bike stolen | near | gate", Task: "station", Label: "Koramangala | PS", CreatedAt: w2},
		} {
			if _, err := Save(ctx, db, l); err != nil {
				t.Fatal(err)
			}
		}
		ls, err := ForTraining(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		// A fake engine: emergency when the text says fire, civic for
		// potholes, Koramangala for the bike.
		analyse := func(text string) post.Analysis {
			a := post.Analysis{Sentiment: post.Sentiment{Label: "neutral"}}
			a.Emergency.Label = strings.Contains(text, "fire")
			if strings.Contains(text, "pothole") {
				a.Categories = []post.Category{{Name: "civic", Score: 0.9}}
			}
			if strings.Contains(text, "bike") {
				s := "Koramangala | PS"
				a.Station = &s
			}
			return a
		}
		r := Evaluate(ls, analyse)
		if r.Total != 5 || r.Tasks["emergency"] != (Tally{3, 2}) || r.Tasks["category"] != (Tally{1, 1}) || r.Tasks["station"] != (Tally{1, 1}) {
			t.Fatalf("tasks %+v", r.Tasks)
		}
		if c := r.Classes["emergency"]["true"]; c.Desk != 2 || c.Both != 1 || c.Engine != 1 {
			t.Errorf("emergency true: %+v", c)
		}
		if r.Weeks["2026-W49"]["emergency"] != (Tally{2, 2}) || r.Weeks["2026-W50"]["emergency"] != (Tally{1, 0}) {
			t.Errorf("weeks %+v", r.Weeks)
		}
		var b strings.Builder
		r.Markdown(&b)
		for _, want := range []string{"| emergency | 3 | 2 (66.7%) |", "| 2026-W50 | emergency | 1 | 0 (0.0%) |", `Koramangala \| PS`} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("report lacks %q:\n%s", want, b.String())
			}
		}
	})
}
