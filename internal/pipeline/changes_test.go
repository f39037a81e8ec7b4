package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// An edit and a deletion end to end, on both stores: intake applies them
// (new text, earlier version kept, re-analysed, re-indexed, edited_at /
// deleted_at), the pipeline puts them on the case's timeline, a
// redelivery changes nothing, search no longer finds what was deleted, and
// the retention purge really empties the text.
func TestEditsAndDeletionsEndToEnd(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		e.in.Close()
		e.in = ingest.New(db, nil, ingest.Options{Now: func() time.Time { return e.now }, Analyze: keywordAnalyzer, DeletedRetention: 48 * time.Hour})
		t.Cleanup(e.in.Close)
		ids := e.put(t, mention("e1", "asha", "Signal not working near the bus stand"), mention("e2", "ravi", "Chain snatched, help, Jayanagar"))
		if err := e.pl.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		c1 := e.caseOf(t, ids[0])
		if c1.Priority == desk.P1 || c1.Subject != "Signal not working near the bus stand" {
			t.Fatalf("before the edit: %+v", c1)
		}

		// The citizen edits: "help" and a place appear.
		e.now = e.now.Add(5 * time.Minute)
		edit := post.Change{Platform: post.X, ExternalID: "e1", Op: post.ChangeEdit, Text: "Signal not working in Koramangala, help, accident", At: e.now.Add(-time.Minute)}
		for range 2 { // the second is a redelivery
			if err := e.in.Apply(ctx, []post.Change{edit}); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.pl.NoteChanges(ctx, nil); err != nil {
			t.Fatal(err)
		}
		p, _, err := e.desk.GetPost(ctx, ids[0], desk.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Text != edit.Text || p.EditedAt == nil || !p.EditedAt.Equal(edit.At) || p.Analysis == nil || !p.Analysis.Emergency.Label || p.Analysis.Urgency == 0 ||
			p.Analysis.Station == nil || *p.Analysis.Station != "Koramangala PS" {
			t.Fatalf("edited post %+v", p)
		}
		vs, err := e.desk.PostVersions(ctx, ids[0], desk.Scope{})
		if err != nil || len(vs) != 1 || vs[0].Text != "Signal not working near the bus stand" || !vs[0].ReplacedAt.Equal(edit.At) {
			t.Fatalf("versions %+v %v", vs, err)
		}
		found := func(q string) bool {
			ps, err := e.desk.ListPosts(ctx, desk.PostFilter{Q: q}, desk.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				if p.ID == ids[0] {
					return true
				}
			}
			return false
		}
		if !found("accident") || found("bus stand") {
			t.Fatal("search still has the old text or not the new")
		}
		ev := e.timeline(t, c1.ID, desk.EventPostEdited)
		if ev != 1 {
			t.Fatalf("%d post_edited events, want 1", ev)
		}
		c := e.caseOf(t, ids[0])
		if c.Subject != "Signal not working in Koramangala, help, accident" {
			t.Fatalf("subject did not follow the edit: %q", c.Subject)
		}
		// The edit made it a cry for help in Koramangala: the case follows,
		// as it would for a new post of that urgency.
		if c.Priority != desk.P1 || c.UnitName != "Koramangala PS" || c.Status != desk.StatusNew || e.timeline(t, c1.ID, "priority") != 1 {
			t.Fatalf("case did not follow the edited post: %+v", c)
		}
		// An older edit arriving late is kept as a version only.
		late := post.Change{Platform: post.X, ExternalID: "e1", Op: post.ChangeEdit, Text: "Signal not working", At: e.now.Add(-4 * time.Minute)}
		if err := e.in.Apply(ctx, []post.Change{late, late}); err != nil {
			t.Fatal(err)
		}
		if p, _, _ := e.desk.GetPost(ctx, ids[0], desk.Scope{}); p.Text != edit.Text {
			t.Fatalf("a late edit replaced the newer text: %q", p.Text)
		}
		if vs, _ := e.desk.PostVersions(ctx, ids[0], desk.Scope{}); len(vs) != 2 {
			t.Fatalf("%d versions after a late edit, want 2", len(vs))
		}

		// The citizen deletes it.
		del := post.Change{Platform: post.X, ExternalID: "e1", Op: post.ChangeDelete, At: e.now, Raw: []byte(`{"status":{"id":"e1"}}`)}
		for range 2 {
			if err := e.in.Apply(ctx, []post.Change{del}); err != nil {
				t.Fatal(err)
			}
		}
		// Unknown posts: nothing happens, nothing fails.
		if err := e.in.Apply(ctx, []post.Change{{Platform: post.X, ExternalID: "never-seen", Op: post.ChangeDelete}}); err != nil {
			t.Fatal(err)
		}
		if err := e.pl.NoteChanges(ctx, nil); err != nil {
			t.Fatal(err)
		}
		p, _, _ = e.desk.GetPost(ctx, ids[0], desk.Scope{})
		if p.DeletedAt == nil || p.Text != edit.Text {
			t.Fatalf("deleted post must keep its text as evidence: %+v", p)
		}
		if found("accident") {
			t.Fatal("a deleted post is still found by search")
		}
		if n := e.timeline(t, c1.ID, desk.EventPostDeleted); n != 1 {
			t.Fatalf("%d post_deleted events", n)
		}
		if c := e.caseOf(t, ids[0]); c.Subject != desk.DeletedSubject {
			t.Fatalf("subject of a deleted post: %q", c.Subject)
		}

		// Retention: nothing before it runs out, everything after.
		e.now = e.now.Add(47 * time.Hour)
		if n, err := e.in.PurgeDeleted(ctx); err != nil || n != 0 {
			t.Fatalf("purged %d before the retention ran out (%v)", n, err)
		}
		e.now = e.now.Add(2 * time.Hour)
		if n, err := e.in.PurgeDeleted(ctx); err != nil || n != 1 {
			t.Fatalf("purged %d, want 1 (%v)", n, err)
		}
		var text, raw string
		db.Read.QueryRow("SELECT text, raw FROM posts WHERE id = $1", ids[0]).Scan(&text, &raw)
		if text != "" || raw != "" {
			t.Fatalf("purge left %q %q", text, raw)
		}
		if vs, _ := e.desk.PostVersions(ctx, ids[0], desk.Scope{}); len(vs) != 3 || vs[0].Text != "" || vs[1].Text != "" || len(vs[2].Raw) != 0 {
			t.Fatalf("purge left versions %+v", vs)
		}
		// The other citizen's post is untouched throughout.
		if p, _, _ := e.desk.GetPost(ctx, ids[1], desk.Scope{}); p.Text != "Chain snatched, help, Jayanagar" || p.DeletedAt != nil || p.EditedAt != nil {
			t.Fatalf("%+v", p)
		}
	})
}

// A platform whose terms ask for sooner deletion (Change.PurgeWithin)
// purges sooner; an edit of a post never stored, sent whole, is stored.
func TestPurgeWithinAndEditOfUnknownPost(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		ids := e.put(t, mention("x1", "asha", "pothole on 100ft road"))
		if err := e.in.Apply(ctx, []post.Change{{Platform: post.X, ExternalID: "x1", Op: post.ChangeDelete, PurgeWithin: 24 * time.Hour}}); err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(25 * time.Hour)
		if n, err := e.in.PurgeDeleted(ctx); err != nil || n != 1 {
			t.Fatalf("purged %d (%v), want the X post after a day", n, err)
		}
		whole := mention("x2", "ravi", "edited before we saw it")
		if err := e.in.Apply(ctx, []post.Change{{Platform: post.X, ExternalID: "x2", Op: post.ChangeEdit, Text: whole.Text, Post: &whole}}); err != nil {
			t.Fatal(err)
		}
		var n int
		db.Read.QueryRow("SELECT count(*) FROM posts WHERE platform = 'x' AND external_id = 'x2'").Scan(&n)
		if n != 1 || ids[0] == 0 {
			t.Fatalf("edit of an unknown post stored %d posts", n)
		}
	})
}

func (e *env) timeline(t *testing.T, caseID int64, kind string) int {
	t.Helper()
	ev, err := e.desk.Timeline(context.Background(), caseID, desk.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, x := range ev {
		if x.Kind == kind {
			n++
			if x.Body["post_id"] == nil && kind != "priority" {
				t.Fatalf("event without post id: %+v", x)
			}
		}
	}
	return n
}
