package web_test

import (
	"context"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/store"
)

// A post its author deleted: roles without pii:view see that it was
// deleted, not its text or payload, and cannot read its versions; a
// supervisor sees the evidence. An edited post shows edited_at.
func TestDeletedPostMaskedEditedShown(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := desk.New(db, desk.Options{})
		e.srv.DeskAPI(d)
		in := ingest.New(db, nil, ingest.Options{})
		t.Cleanup(in.Close)
		ctx := context.Background()
		res, err := in.Submit(ctx, []post.Post{
			{Platform: post.X, ExternalID: "d1", Author: post.Author{ExternalID: "9"}, Text: "my neighbour Ravi beats his wife, flat 4B"},
			{Platform: post.X, ExternalID: "d2", Author: post.Author{ExternalID: "8"}, Text: "road blocked"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Apply(ctx, []post.Change{
			{Platform: post.X, ExternalID: "d1", Op: post.ChangeDelete, Raw: []byte(`{"status":{"id":"d1"}}`)},
			{Platform: post.X, ExternalID: "d2", Op: post.ChangeEdit, Text: "road blocked near Adugodi"},
		}); err != nil {
			t.Fatal(err)
		}
		del, ed := "/api/v1/posts/"+itoa(res[0].ID), "/api/v1/posts/"+itoa(res[1].ID)
		for _, r := range []auth.Role{auth.RoleAnalyst, auth.RoleAgent} {
			st, m, _ := e.req("GET", del, e.tokens[r], nil)
			if st != 200 || m["text"] != privacy.DeletedText || m["deleted_at"] == nil || m["raw"] != nil {
				t.Fatalf("%s sees %d %v", r, st, m)
			}
			if st, _, _ := e.req("GET", del+"/versions", e.tokens[r], nil); st != 403 {
				t.Fatalf("%s reads versions: %d", r, st)
			}
			st, m, _ = e.req("GET", ed, e.tokens[r], nil)
			if st != 200 || m["text"] != "road blocked near Adugodi" || m["edited_at"] == nil {
				t.Fatalf("%s: edited post %d %v", r, st, m)
			}
		}
		// Masked by default for everyone; a supervisor opens it (audited).
		st, m, _ := e.req("GET", del, e.tokens[auth.RoleSupervisor], nil)
		if st != 200 || m["text"] != privacy.DeletedText {
			t.Fatalf("supervisor is shown %d %v", st, m)
		}
		st, m, _ = e.req("POST", del+"/unmask", e.tokens[auth.RoleSupervisor], nil)
		if st != 200 || m["text"] != "my neighbour Ravi beats his wife, flat 4B" || m["deleted_at"] == nil {
			t.Fatalf("supervisor sees %d %v", st, m)
		}
		st, m, _ = e.req("GET", ed+"/versions", e.tokens[auth.RoleSupervisor], nil)
		vs, _ := m["versions"].([]any)
		if st != 200 || len(vs) != 1 || vs[0].(map[string]any)["text"] != "road blocked" {
			t.Fatalf("versions: %d %v", st, m)
		}
		// Search never finds a deleted post, whoever asks.
		st, m, _ = e.req("GET", "/api/v1/posts?q=neighbour", e.tokens[auth.RoleSupervisor], nil)
		if ps, _ := m["posts"].([]any); st != 200 || len(ps) != 0 {
			t.Fatalf("search found a deleted post: %d %v", st, m)
		}
	})
}
