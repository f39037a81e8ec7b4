package labels

import (
	"context"
	"errors"
	"testing"

	"github.com/kaval-desk/kaval/internal/store"
)

func TestSaveList(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := Save(ctx, db, Label{Text: "x", Task: "sentiment", Label: "happy"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad label accepted: %v", err)
		}
		if _, err := Save(ctx, db, Label{Text: " ", Task: "emergency", Label: "true"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("empty text accepted: %v", err)
		}
		for _, l := range []Label{
			{Text: "fire near the market, help", Task: "emergency", Label: "true"},
			{Text: "ganja sold near school", Task: "category", Label: "drugs"},
			{Text: "bad \xff text", Task: "sentiment", Label: "negative"},
		} {
			if _, err := Save(ctx, db, l); err != nil {
				t.Fatal(err)
			}
		}
		all, err := ForTraining(ctx, db)
		if err != nil || len(all) != 3 {
			t.Fatalf("got %d labels, %v", len(all), err)
		}
		cat, err := List(ctx, db, "category")
		if err != nil || len(cat) != 1 || cat[0].Label != "drugs" {
			t.Fatalf("category labels %+v %v", cat, err)
		}
	})
}
