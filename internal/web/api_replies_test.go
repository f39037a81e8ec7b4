package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
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
	if err := r.in.Ingest(context.Background(), []post.Post{p}); err != nil {
		t.Fatal(err)
	}
	return r.caseOf(t, p.Platform, p.ExternalID)
}

// caseOf threads what is stored into cases and returns the case of the
// post (platform, externalID).
func (r *replyEnv) caseOf(t *testing.T, platform, externalID string) int64 {
	t.Helper()
	if err := pipeline.New(r.db, r.d, nil, nil, pipeline.Options{}).Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	var caseID int64
	if err := r.db.Read.QueryRow(`SELECT case_id FROM posts WHERE platform = $1 AND external_id = $2`, platform, externalID).Scan(&caseID); err != nil || caseID == 0 {
		t.Fatalf("post %s not on the desk: case %d, %v", externalID, caseID, err)
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
			e, _ := m["error"].(map[string]any)
			msg, _ := e["message"].(string)
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

// stampSink is intake as the channel manager hands it to a connector: each
// post carries the channel it came through.
type stampSink struct {
	in *ingest.Intake
	id int64
}

func (s stampSink) Ingest(ctx context.Context, posts []post.Post) error {
	for i := range posts {
		posts[i].ChannelID = s.id
	}
	return s.in.Ingest(ctx, posts)
}

type oneSender struct {
	id int64
	s  connector.Sender
}

func (o oneSender) Sender(id int64) (connector.Sender, error) {
	if id != o.id {
		return nil, fmt.Errorf("no channel %d", id)
	}
	return o.s, nil
}

// An Instagram @mention of the force in another account's comment or
// caption arrives by webhook, becomes a case, and the reply queued through
// the API goes out through POST /{ig-user-id}/mentions onto that comment
// or media (the comment-replies edge is refused on another account's
// media).
func TestInstagramMentionReplyLandsOnTheMention(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := newReplyEnv(t, db)
		const secret, token = "ig-app-secret-1", "EAAG-page-token-1"
		fake := metafake.New(metafake.Options{AppSecret: secret, PageToken: token})
		defer fake.Close()
		cfg := fmt.Sprintf(`{"graph_url":%q,"page_id":%q,"ig_user_id":%q,"verify_token":"v","reconcile_every":"0"}`, fake.GraphURL(), fake.PageID(), fake.IGUserID())
		chID := addChannel(t, db, "instagram", "BCP on Instagram", "active", cfg)
		c, err := connector.New(connector.Channel{ID: chID, Platform: post.Instagram,
			Config:  map[string]string{"graph_url": fake.GraphURL(), "page_id": fake.PageID(), "ig_user_id": fake.IGUserID(), "verify_token": "v"},
			Secrets: map[string]string{"app_secret": secret, "page_token": token}},
			connector.Deps{Sink: stampSink{r.in, chID}, Checkpoints: r.in})
		if err != nil {
			t.Fatal(err)
		}
		hook := httptest.NewServer(c.Webhook())
		defer hook.Close()

		const media, comment, captionMedia = "17920000000000005", "17900000000000077", "17920000000000009"
		inComment := fake.IGMention(comment, media, "asha.k", "@blrcitypolice my bike was stolen outside Indiranagar metro", time.Now().Add(-2*time.Minute))
		inCaption := fake.IGMention("", captionMedia, "ravi.blr", "Water logging at Silk Board again @blrcitypolice", time.Now().Add(-time.Minute))
		for _, e := range []metafake.Entry{inComment, inCaption} {
			if code, err := fake.Deliver(ctx, hook.URL, metafake.Payload(e)); err != nil || code != 200 {
				t.Fatalf("mention webhook: %d %v", code, err)
			}
		}
		commentCase := r.caseOf(t, post.Instagram, comment)
		captionCase := r.caseOf(t, post.Instagram, captionMedia)

		sup := r.tokens[auth.RoleSupervisor]
		for _, c := range []struct {
			caseID int64
			text   string
		}{{commentCase, "Sorry to hear this, Asha. Please file an e-FIR at ksp.karnataka.gov.in; Indiranagar PS will follow up."},
			{captionCase, "Thank you, Ravi. Traffic police are on their way to Silk Board."}} {
			if st, m, _ := r.req("POST", fmt.Sprintf("/api/v1/cases/%d/replies", c.caseID), sup, map[string]any{"text": c.text}); st != 201 || m["state"] != "pending" {
				t.Fatalf("reply: %d %v", st, m)
			}
		}
		// Over Instagram's comment limit: refused at the API.
		if st, m, _ := r.req("POST", fmt.Sprintf("/api/v1/cases/%d/replies", commentCase), sup, map[string]any{"text": strings.Repeat("ಕ", 2201)}); st != 422 || errField(m) != "text" {
			t.Fatalf("2,201 characters to an Instagram mention: %d %v", st, m)
		}

		w := outbox.NewWorker(outbox.New(db), oneSender{chID, c}, outbox.WorkerOptions{})
		if n, err := w.RunOnce(ctx); err != nil || n != 2 {
			t.Fatalf("worker: %d sent, %v", n, err)
		}
		sent := fake.Sent()
		if len(sent) != 2 {
			t.Fatalf("sent %+v", sent)
		}
		got := map[string]metafake.Sent{}
		for _, s := range sent {
			if s.Kind != "ig_mention_reply" {
				t.Fatalf("a mention reply went out as %q: %+v", s.Kind, s)
			}
			got[s.Parent] = s
		}
		if s := got[comment]; s.Media != media || !strings.HasPrefix(s.Text, "Sorry to hear this, Asha") {
			t.Fatalf("comment mention answered on %+v", s)
		}
		if s := got[captionMedia]; s.Media != captionMedia || !strings.HasPrefix(s.Text, "Thank you, Ravi") {
			t.Fatalf("caption mention answered on %+v", s)
		}
		if n := countRows(t, db, `SELECT count(*) FROM outbox WHERE state = 'sent' AND external_id <> ''`); n != 2 {
			t.Fatalf("%d items sent with the platform's id, want 2", n)
		}
	})
}
