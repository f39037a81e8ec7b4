package desk_test

import (
	"context"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/store"
)

// Unread is per person and per case: never opened, or opened before the
// citizen wrote again.
func TestUnreadPerUser(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		a := e.post(t, "a", "streetlight out in Jayanagar")
		b := e.post(t, "b", "noise at night")
		asha, ravi := e.users["asha"], e.users["ravi"]
		unread := func(user int64) map[int64]bool {
			t.Helper()
			cs := []desk.Case{}
			for _, id := range []int64{a.ID, b.ID} {
				c, err := e.desk.GetCase(ctx, id, desk.Scope{})
				if err != nil {
					t.Fatal(err)
				}
				cs = append(cs, c)
			}
			u, err := e.desk.Unread(ctx, user, cs)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		if u := unread(asha); !u[a.ID] || !u[b.ID] {
			t.Fatalf("never opened: %v", u)
		}
		e.now = e.now.Add(time.Minute)
		if err := e.desk.MarkSeen(ctx, asha, a.ID); err != nil {
			t.Fatal(err)
		}
		if u := unread(asha); u[a.ID] || !u[b.ID] {
			t.Fatalf("after asha opened a: %v", u)
		}
		if u := unread(ravi); !u[a.ID] {
			t.Fatalf("asha's opening marked it read for ravi: %v", u)
		}
		// The citizen writes again: unread again for asha.
		e.now = e.now.Add(time.Minute)
		e.post(t, "a", "still dark tonight near Jayanagar")
		if u := unread(asha); !u[a.ID] {
			t.Fatalf("a new post did not mark it unread: %v", u)
		}

		if l, err := e.desk.UserLang(ctx, asha); err != nil || l != "" {
			t.Fatalf("no language yet: %q %v", l, err)
		}
		for _, l := range []string{"kn", "en"} {
			if err := e.desk.SetUserLang(ctx, asha, l); err != nil {
				t.Fatal(err)
			}
			if got, _ := e.desk.UserLang(ctx, asha); got != l {
				t.Fatalf("language %q, want %q", got, l)
			}
		}
	})
}

// PlaceTexts: the places the first post's analysis matched in its text.
func TestPlaceTexts(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		a := e.post(t, "a", "chain snatched near 4th block jayanagar")
		b := e.post(t, "b", "noise at night")
		if _, err := db.Write.Exec(`UPDATE posts SET analysis = $1 WHERE case_id = $2`,
			`{"places":[{"text":"4th block jayanagar","start":20,"end":39,"source":"text"},{"text":"Hebbal","start":0,"end":0,"source":"author_location"}]}`, a.ID); err != nil {
			t.Fatal(err)
		}
		got, err := e.desk.PlaceTexts(ctx, []desk.Case{a, b})
		if err != nil || len(got[a.ID]) != 1 || got[a.ID][0] != "4th block jayanagar" || len(got[b.ID]) != 0 {
			t.Fatalf("%v %v", got, err)
		}
	})
}
