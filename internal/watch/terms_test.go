package watch

import (
	"context"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

func TestTermsOfAPost(t *testing.T) {
	text := "Flooding at #SilkBoard again!! #BengaluruRains @blrcitypolice see https://example.org/floods mail ravi.kumar@example.com call 9845012345 ಕೋರಮಂಗಲದಲ್ಲಿ ನೀರು ನೀರು"
	a := &post.Analysis{Places: []post.Place{{Text: "Silk  Board"}}, PII: []post.Span{{Type: "phone", Start: len(text) - len("9845012345 ಕೋರಮಂಗಲದಲ್ಲಿ ನೀರು ನೀರು"), End: len(text) - len(" ಕೋರಮಂಗಲದಲ್ಲಿ ನೀರು ನೀರು")}}}
	got := terms(text, a)
	for _, want := range [][2]string{{TermHashtag, "#silkboard"}, {TermHashtag, "#bengalururains"}, {TermPlace, "silk board"},
		{TermWord, "flooding"}, {TermWord, "again"}, {TermWord, "ಕೋರಮಂಗಲದಲ್ಲಿ"}, {TermWord, "ನೀರು"}} {
		if !got[want] {
			t.Errorf("missing %v in %v", want, got)
		}
	}
	for _, bad := range []string{"blrcitypolice", "example", "org", "floods", "ravi", "kumar", "com", "9845012345", "silkboard", "at"} {
		if got[[2]string{TermWord, bad}] {
			t.Errorf("counted %q", bad)
		}
	}
}

// The pipeline counts each post's terms once; the top hashtags and places
// and the emerging terms read them back, on both stores.
func TestTermRollups(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC)
		dashPosts(t, db, now) // "post number N": words post, number
		day := store.Millis(now) - store.Millis(now)%dayMs
		var posts, today int64
		db.Read.QueryRow("SELECT COUNT(*) FROM posts WHERE created_at >= $1", day).Scan(&today)
		db.Read.QueryRow("SELECT posts FROM term_daily WHERE kind = 'word' AND term = 'number' AND day = $1", day).Scan(&posts)
		if posts != today || today == 0 {
			t.Fatalf("'number' today: %d, posts today %d", posts, today)
		}
		// A history: #rains steady at 2 a day, #flood new, #traffic up.
		ins := func(kind, term string, d, n int64) {
			if _, err := db.Write.Exec(`INSERT INTO term_daily (kind, day, term, posts) VALUES ($1, $2, $3, $4)
				ON CONFLICT (kind, day, term) DO UPDATE SET posts = excluded.posts`, kind, d, term, n); err != nil {
				t.Fatal(err)
			}
		}
		for i := int64(1); i <= 16; i++ {
			ins(TermHashtag, "#rains", day-i*dayMs, 2)
			ins(TermHashtag, "#traffic", day-i*dayMs, 3)
			ins(TermPlace, "koramangala", day-i*dayMs, 4)
		}
		ins(TermHashtag, "#rains", day, 2)
		ins(TermHashtag, "#traffic", day, 30)
		ins(TermHashtag, "#flood", day, 12)
		top, err := TopTerms(ctx, db, TermHashtag, now.Add(-7*24*time.Hour), now, 2)
		if err != nil || len(top) != 2 || top[0] != (TermCount{"#traffic", 3*7 + 30}) || top[1].Term != "#rains" {
			t.Fatalf("top: %+v %v", top, err)
		}
		em, err := EmergingTerms(ctx, db, now, 10)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]Emerging{}
		for _, e := range em {
			found[e.Term] = e
		}
		if e := found["#flood"]; !e.New || e.Recent != 12 {
			t.Fatalf("#flood: %+v in %+v", e, em)
		}
		if e := found["#traffic"]; e.New || e.Recent != 33 {
			t.Fatalf("#traffic: %+v in %+v", e, em)
		}
		if _, ok := found["#rains"]; ok {
			t.Fatalf("steady #rains emerging: %+v", em)
		}
		if _, err := TopTerms(ctx, db, "word", now.Add(-time.Hour), now, 5); err == nil {
			t.Fatal("top words accepted")
		}
	})
}
