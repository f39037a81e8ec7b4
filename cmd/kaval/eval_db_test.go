package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/analyze/labels"
	"github.com/kaval-desk/kaval/internal/store"
)

// TestEvalDeskCommand: kaval eval --db scores the embedded engine on the
// corrections stored in a desk's database.
func TestEvalDeskCommand(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "kaval.db")
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) // 2026-W49
	for _, l := range []labels.Label{
		{Text: "Fire in the building near Koramangala 5th block, people trapped, send help now", Task: "emergency", Label: "true", CreatedAt: at},
		{Text: "Thank you traffic police for the quick help today", Task: "emergency", Label: "false", CreatedAt: at},
		{Text: "Chain snatching near Indiranagar metro", Task: "station", Label: "Indiranagar PS", CreatedAt: at},
	} {
		if _, err := labels.Save(ctx, db, l); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	out, errs, code := runWith(t, func(string) string { return "" }, "eval", "--db", dsn)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"3 corrections", "| emergency | 2 | 2 (100.0%) |", "| 2026-W49 | emergency | 2 |", "| station | Indiranagar PS |"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
