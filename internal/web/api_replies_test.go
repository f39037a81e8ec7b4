package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"

	// The platforms register their checks (connector.Validator), as the
	// app's platforms.go does.
	_ "github.com/kaval-desk/kaval/internal/connector/bluesky"
	_ "github.com/kaval-desk/kaval/internal/connector/mastodon"
	_ "github.com/kaval-desk/kaval/internal/connector/meta"
	_ "github.com/kaval-desk/kaval/internal/connector/rss"
	_ "github.com/kaval-desk/kaval/internal/connector/telegram"
	_ "github.com/kaval-desk/kaval/internal/connector/whatsapp"
	_ "github.com/kaval-desk/kaval/internal/connector/x"
)

// replyEnv mounts the desk and the reply API over e, and puts posts on the
// desk as a connector would (intake, then the pipeline threads them into
// cases).
type replyEnv struct {
	*env
	d  *desk.Desk
	in *ingest.Intake
}

func newReplyEnv(t *testing.T, db *store.DB) *replyEnv {
	e := newEnv(t, db)
	d := desk.New(db, desk.Options{})
	if err := d.ReloadUnits(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.srv.DeskAPI(d)
	in := ingest.New(db, nil, ingest.Options{})
	t.Cleanup(in.Close)
	e.srv.ReplyAPI(d, outbox.New(db))
	return &replyEnv{env: e, d: d, in: in}
}

// onDesk ingests p and returns the id of the case it was threaded into.
func (r *replyEnv) onDesk(t *testing.T, p post.Post) int64 {
	t.Helper()
	ctx := context.Background()
	if err := r.in.Ingest(ctx, []post.Post{p}); err != nil {
		t.Fatal(err)
	}
	if err := pipeline.New(r.db, r.d, nil, nil, pipeline.Options{}).Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	var caseID int64
	if err := r.db.Read.QueryRow(`SELECT case_id FROM posts WHERE platform = $1 AND external_id = $2`, p.Platform, p.ExternalID).Scan(&caseID); err != nil || caseID == 0 {
		t.Fatalf("post %s not on the desk: case %d, %v", p.ExternalID, caseID, err)
	}
	return caseID
}

func TestReplyRefusedByPlatformRulesQueuesNothing(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		r := newReplyEnv(t, db)
		xch := addChannel(t, db, "x", "BCP on X", "active", `{"mode":"webhook","user_id":"1500000000000000001"}`)
		caseID := r.onDesk(t, post.Post{Platform: post.X, ExternalID: "1790000000000000001", ChannelID: xch, Channel: "1500000000000000001",
			ThreadID: "1790000000000000001", Author: post.Author{ExternalID: "42", Handle: "meera_blr"},
			Text: "@BlrCityPolice signal at Silk Board junction has been out for an hour, total jam", CreatedAt: time.Now().Add(-time.Minute)})
		sup := r.tokens[auth.RoleSupervisor]
		path := fmt.Sprintf("/api/v1/cases/%d/replies", caseID)
		link := "https://btp.karnataka.gov.in/traffic-advisories/2026/silk-board-junction-signal-maintenance-diversions-tonight"

		refused := []struct{ name, text string }{
			{"281 Latin characters", strings.Repeat("a", 281)},
			// 257 characters and a 110-byte link that counts 23: 281.
			{"a link counts 23", strings.Repeat("b", 257) + " " + link[:110]},
			// CJK counts 2 a character on X: 141 of them are 282.
			{"wide characters count 2", strings.Repeat("交", 141)},
			{"281 Kannada code points", strings.Repeat("ಕ", 281)},
		}
		for _, c := range refused {
			st, m, _ := r.req("POST", path, sup, map[string]any{"text": c.text})
			msg, _ := m["error"].(map[string]any)["message"].(string)
			if st != 422 || errCode(m) != "invalid" || errField(m) != "text" || !strings.Contains(msg, "x: text is") || !strings.Contains(msg, "limit 280") {
				t.Errorf("%s: got %d %v, want 422 invalid text naming X's 280 limit", c.name, st, m)
			}
		}
		if n := countRows(t, db, `SELECT count(*) FROM outbox`); n != 0 {
			t.Fatalf("%d outbox rows after refused replies", n)
		}
		if n := countRows(t, db, `SELECT count(*) FROM audit_log WHERE action = 'reply.create'`); n != 0 {
			t.Fatalf("%d reply.create audit entries after refused replies", n)
		}
		if n := countRows(t, db, fmt.Sprintf(`SELECT count(*) FROM cases WHERE id = %d AND first_response_at IS NOT NULL`, caseID)); n != 0 {
			t.Fatal("a refused reply stopped the first-response clock")
		}

		// Right at the limit, as X counts it: each is queued.
		accepted := []struct{ name, text string }{
			{"280 Latin characters", strings.Repeat("a", 280)},
			{"a long link counts 23", strings.Repeat("c", 256) + " " + link}, // 256 + 1 + 23
			{"140 wide characters", strings.Repeat("交", 140)},
			// ಕನ್ನಡ is 5 code points (ಕ ನ ್ ನ ಡ), each weight 1: 56 × 5.
			{"280 Kannada code points", strings.Repeat("ಕನ್ನಡ", 56)},
		}
		for _, c := range accepted {
			if st, m, _ := r.req("POST", path, sup, map[string]any{"text": c.text}); st != 201 || m["state"] != "pending" {
				t.Errorf("%s: got %d %v, want 201 pending", c.name, st, m)
			}
		}
		if n := countRows(t, db, `SELECT count(*) FROM outbox`); n != len(accepted) {
			t.Fatalf("%d outbox rows, want %d", n, len(accepted))
		}

		// The shape of the post answered is the platform's rule too: a
		// post without a numeric X id cannot be replied to on X.
		bad := r.onDesk(t, post.Post{Platform: post.X, ExternalID: "not-a-tweet-id", ChannelID: xch, Author: post.Author{ExternalID: "43"},
			Text: "chain snatching near Jayanagar 4th block just now", CreatedAt: time.Now()})
		if st, m, _ := r.req("POST", fmt.Sprintf("/api/v1/cases/%d/replies", bad), sup, map[string]any{"text": "Please DM us the details."}); st != 422 || errField(m) != "post_id" {
			t.Errorf("reply to a post without an X id: %d %v", st, m)
		}
		if n := countRows(t, db, `SELECT count(*) FROM outbox`); n != len(accepted) {
			t.Fatalf("%d outbox rows after a refused reply, want %d", n, len(accepted))
		}
	})
}
