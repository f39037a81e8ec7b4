package ingest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

func testPost(i int) post.Post {
	return post.Post{
		Platform: post.X, ExternalID: fmt.Sprint(1000 + i), Kind: post.KindMention,
		Author:    post.Author{ExternalID: fmt.Sprint(i % 7), Handle: fmt.Sprintf("citizen%d", i%7)},
		Text:      fmt.Sprintf("Chain snatching near Jayanagar 4th block #%d, please help @BlrCityPolice", i),
		CreatedAt: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC),
	}
}

func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Read.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSubmitStoresDedupesAndPublishes(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		b := bus.NewInProc(100)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		got := make(chan string, 100)
		go b.Subscribe(ctx, SubjectStored, "t", bus.SubOptions{}, func(ctx context.Context, msgs [][]byte) error {
			for _, m := range msgs {
				got <- string(m)
			}
			return nil
		})
		time.Sleep(20 * time.Millisecond)
		in := New(db, b, Options{})
		defer in.Close()
		posts := []post.Post{testPost(1), testPost(2), testPost(1)}
		res, err := in.Submit(ctx, posts)
		if err != nil {
			t.Fatal(err)
		}
		if res[0].ID == 0 || res[1].ID == 0 || res[0].Duplicate || res[1].Duplicate {
			t.Fatalf("first two should be stored: %+v", res)
		}
		if !res[2].Duplicate || res[2].ID != res[0].ID {
			t.Fatalf("third is a duplicate of the first: %+v", res)
		}
		res2, err := in.Submit(ctx, []post.Post{testPost(2)})
		if err != nil || !res2[0].Duplicate || res2[0].ID != res[1].ID {
			t.Fatalf("redelivery: %+v %v", res2, err)
		}
		if n := count(t, db, "SELECT count(*) FROM posts"); n != 2 {
			t.Fatalf("posts = %d, want 2", n)
		}
		seen := map[string]bool{}
		for len(seen) < 2 {
			select {
			case id := <-got:
				seen[id] = true
			case <-time.After(5 * time.Second):
				t.Fatalf("published %v", seen)
			}
		}
		select {
		case id := <-got:
			t.Fatalf("duplicate published again: %s", id)
		case <-time.After(50 * time.Millisecond):
		}
	})
}

func TestInvalidPostsChangeNothing(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		in := New(db, nil, Options{})
		defer in.Close()
		lat := 12.9
		bad := []post.Post{
			{ExternalID: "1", Text: "no platform"},
			{Platform: "x", Text: "no id"},
			{Platform: "X; DROP TABLE posts", ExternalID: "1", Text: "bad platform"},
			{Platform: "x", ExternalID: "2", Text: "bad \xff utf8"},
			{Platform: "x", ExternalID: "3", Text: strings.Repeat("a", MaxText+1)},
			{Platform: "x", ExternalID: "4", Text: "half coords", Lat: &lat},
			{Platform: "x", ExternalID: "5", Text: "raw not json", Raw: []byte("{")},
			{Platform: "x", ExternalID: "6", Text: "  "},
			{Platform: "x", ExternalID: "7", Text: "from the future", CreatedAt: time.Now().Add(72 * time.Hour)},
		}
		res, err := in.Submit(context.Background(), bad)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Err == nil || !IsValidation(r.Err) {
				t.Errorf("post %d: want a validation error, got %+v", i, r)
			}
		}
		if n := count(t, db, "SELECT count(*) FROM posts"); n != 0 {
			t.Fatalf("stored %d invalid posts", n)
		}
	})
}

func TestTextIsCleanedAndSQLIsData(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		in := New(db, nil, Options{})
		defer in.Close()
		// "ಕೋರಮಂಗಲ" in decomposed form plus a control character and SQL.
		p := post.Post{Platform: "x", ExternalID: "'); DELETE FROM posts; --", Text: "Robbery\x07 at ಕೋರಮಂಗಲ'; DROP TABLE cases; --"}
		res, err := in.Submit(context.Background(), []post.Post{p})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res[0].Err)
		}
		var text string
		db.Read.QueryRow("SELECT text FROM posts WHERE id = $1", res[0].ID).Scan(&text)
		if strings.ContainsRune(text, '\x07') || !strings.Contains(text, "DROP TABLE cases") {
			t.Fatalf("stored %q", text)
		}
		if n := count(t, db, "SELECT count(*) FROM cases"); n != 0 {
			t.Fatal("cases touched")
		}
	})
}

func TestConcurrentSubmitExactlyOnce(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		in := New(db, nil, Options{MaxBatch: 64})
		defer in.Close()
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 200 {
					// Every worker offers the same 200 posts.
					if _, err := in.Submit(context.Background(), []post.Post{testPost(i)}); err != nil {
						t.Error(w, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if n := count(t, db, "SELECT count(*) FROM posts"); n != 200 {
			t.Fatalf("posts = %d, want 200", n)
		}
	})
}

func TestCheckpoints(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		in := New(db, nil, Options{})
		defer in.Close()
		ctx := context.Background()
		m, err := in.LoadCheckpoint(ctx, "x:mentions:1")
		if err != nil || len(m) != 0 {
			t.Fatal(m, err)
		}
		in.SaveCheckpoint(ctx, "x:mentions:1", map[string]string{"since_id": "1"})
		in.SaveCheckpoint(ctx, "x:mentions:1", map[string]string{"since_id": "1234567890123456789"})
		m, _ = in.LoadCheckpoint(ctx, "x:mentions:1")
		if m["since_id"] != "1234567890123456789" {
			t.Fatal(m)
		}
	})
}

// A noted checkpoint needs no waiting caller and no post to be committed,
// and one noted while posts are queued rides their commit; the last note of
// a source wins.
func TestNoteCheckpoint(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		in := New(db, nil, Options{})
		defer in.Close()
		ctx := context.Background()
		in.NoteCheckpoint("whatsapp:1:a", map[string]string{"last_message_time": "1"})
		in.NoteCheckpoint("whatsapp:1:a", map[string]string{"last_message_time": "2"})
		in.NoteCheckpoint("whatsapp:1:b", map[string]string{"last_message_time": "3"})
		eventually := func(src, want string) {
			t.Helper()
			deadline := time.Now().Add(5 * time.Second)
			for {
				if m, _ := in.LoadCheckpoint(ctx, src); m["last_message_time"] == want {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("note %s=%s never committed", src, want)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		eventually("whatsapp:1:a", "2")
		eventually("whatsapp:1:b", "3")
		in.NoteCheckpoint("whatsapp:1:a", map[string]string{"last_message_time": "4"})
		if _, err := in.Submit(ctx, []post.Post{{Platform: "whatsapp", ExternalID: "n1", Text: "hello"}}); err != nil {
			t.Fatal(err)
		}
		eventually("whatsapp:1:a", "4")
	})
}

func FuzzNormalise(f *testing.F) {
	f.Add("x", "1", "hello", "h", `{"a":1}`)
	f.Add("telegram", "-100:5", "ಕೋರಮಂಗಲದಲ್ಲಿ ಕಳ್ಳತನ", "", "")
	f.Add("", "\x00", "\xff\xfe", "\u202e", "[")
	f.Fuzz(func(t *testing.T, platform, id, text, handle, raw string) {
		p := post.Post{Platform: platform, ExternalID: id, Text: text, Author: post.Author{Handle: handle}, Raw: []byte(raw)}
		if err := Normalise(&p, time.Now()); err != nil {
			return
		}
		if p.Platform == "" || p.ExternalID == "" || p.CreatedAt.IsZero() {
			t.Fatalf("accepted incomplete post %+v", p)
		}
		for _, s := range []string{p.Text, p.ExternalID, p.Author.Handle} {
			if strings.IndexByte(s, 0) >= 0 {
				t.Fatal("NUL accepted")
			}
		}
		if len(p.Raw) > 0 && !jsonValid(p.Raw) {
			t.Fatal("invalid raw accepted")
		}
	})
}

func TestInsertColumnsAgree(t *testing.T) {
	names := strings.Split(AnalysisColumnNames, ",")
	a, err := AnalysisColumns(&post.Analysis{})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != len(noAnalysis) || len(a) != len(names) || insertColumns != 21+len(names) {
		t.Fatalf("columns %d, empty values %d, values %d, insertColumns %d", len(names), len(noAnalysis), len(a), insertColumns)
	}
}
