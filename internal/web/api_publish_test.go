package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/web"
)

// addChannel stores a channel row directly (the channel API and its
// platform registry are not what these tests are about).
func addChannel(t *testing.T, db *store.DB, platform, name, status, config string) int64 {
	t.Helper()
	var id int64
	if err := db.Write.QueryRow(`INSERT INTO channels (platform, name, config, status, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, 1) RETURNING id`,
		platform, name, config, status).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func countRows(t *testing.T, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.Read.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPublishRefusesBadInputAndQueuesNothing(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		mountAll(e)
		masto := addChannel(t, db, "mastodon", "BCP on Mastodon", "active", `{"instance_url":"https://mastodon.example"}`)
		ig := addChannel(t, db, "instagram", "BCP on Instagram", "active", `{"ig_user_id":"1784"}`)
		messenger := addChannel(t, db, "messenger", "BCP inbox", "active", `{}`)
		paused := addChannel(t, db, "mastodon", "Old account", "paused", `{}`)
		tg := addChannel(t, db, "telegram", "Bot without a channel", "active", `{}`)
		tgPub := addChannel(t, db, "telegram", "Bot with a channel", "active", `{"publish_chat":"@blrcitypolice"}`)
		xch := addChannel(t, db, "x", "BCP on X", "active", `{"mode":"webhook"}`)
		bsky := addChannel(t, db, "bluesky", "BCP on Bluesky", "active", `{"handle":"blrcitypolice.bsky.social"}`)
		fb := addChannel(t, db, "facebook", "BCP Page", "active", `{"page_id":"1044"}`)
		fbNoPage := addChannel(t, db, "facebook", "Page without an id", "active", `{}`)
		smallMasto := addChannel(t, db, "mastodon", "Instance with 100 characters", "active", `{"instance_url":"https://mastodon.example","max_chars":"100"}`)
		badMasto := addChannel(t, db, "mastodon", "Broken settings", "active", `{"max_chars":"many"}`)
		wa := addChannel(t, db, "whatsapp", "Helpline", "active", `{"phone_number_id":"1090"}`)
		feed := addChannel(t, db, "rss", "News feed", "active", `{"url":"https://news.example/rss"}`)
		img := []string{"https://cdn.example/1.jpg"}
		agent := e.tokens[auth.RoleAgent]
		path := func(id int64) string { return fmt.Sprintf("/api/v1/channels/%d/posts", id) }
		ok := "Heavy rain: avoid the Hebbal flyover underpass until 6 p.m."
		future := time.Now().Add(2 * time.Hour).Format(time.RFC3339)
		eleven := make([]string, 11)
		for i := range eleven {
			eleven[i] = fmt.Sprintf("https://cdn.example/%d.jpg", i)
		}
		cases := []struct {
			name   string
			ch     int64
			body   any
			status int
			code   string
			field  string
		}{
			{"empty text", masto, map[string]any{"text": ""}, 422, "invalid", "text"},
			{"blank text", masto, map[string]any{"text": " \u200b\n\t "}, 422, "invalid", "text"},
			{"no text", masto, map[string]any{"media": []string{}}, 422, "invalid", "text"},
			{"text too long", masto, map[string]any{"text": strings.Repeat("ಕ", web.MaxPostBytes/3+1)}, 422, "invalid", "text"},
			{"invalid utf8", masto, "{\"text\":\"ok \xff\xfe\"}", 400, "invalid_utf8", ""},
			{"text not a string", masto, `{"text":42}`, 400, "wrong_type", "text"},
			{"unknown field", masto, map[string]any{"text": ok, "needs_approval": false}, 400, "unknown_field", "needs_approval"},
			{"media not https", ig, map[string]any{"text": ok, "media": []string{"http://cdn.example/a.jpg"}}, 422, "invalid", "media"},
			{"media scheme", ig, map[string]any{"text": ok, "media": []string{"javascript:alert(1)"}}, 422, "invalid", "media"},
			{"media file", ig, map[string]any{"text": ok, "media": []string{"file:///etc/passwd"}}, 422, "invalid", "media"},
			{"media relative", ig, map[string]any{"text": ok, "media": []string{"/uploads/a.jpg"}}, 422, "invalid", "media"},
			{"media credentials", ig, map[string]any{"text": ok, "media": []string{"https://user:pw@cdn.example/a.jpg"}}, 422, "invalid", "media"},
			{"media with space", ig, map[string]any{"text": ok, "media": []string{"https://cdn.example/a b.jpg"}}, 422, "invalid", "media"},
			{"media repeated", ig, map[string]any{"text": ok, "media": []string{"https://cdn.example/a.jpg", "https://cdn.example/a.jpg"}}, 422, "invalid", "media"},
			{"eleven media", ig, map[string]any{"text": ok, "media": eleven}, 422, "invalid", "media"},
			{"media not strings", ig, `{"text":"x","media":[1]}`, 400, "wrong_type", "media"},
			{"instagram without image", ig, map[string]any{"text": ok}, 422, "invalid", "media"},
			{"media on a text-only platform", masto, map[string]any{"text": ok, "media": []string{"https://cdn.example/a.jpg"}}, 422, "invalid", "media"},
			{"not_before not a time", masto, map[string]any{"text": ok, "not_before": "tomorrow 9am"}, 422, "invalid", "not_before"},
			{"not_before without offset", masto, map[string]any{"text": ok, "not_before": "2030-01-01T09:00:00"}, 422, "invalid", "not_before"},
			{"not_before in the past", masto, map[string]any{"text": ok, "not_before": "2020-01-01T09:00:00+05:30"}, 422, "invalid", "not_before"},
			{"not_before years ahead", masto, map[string]any{"text": ok, "not_before": time.Now().AddDate(3, 0, 0).Format(time.RFC3339)}, 422, "invalid", "not_before"},
			{"key too long", masto, map[string]any{"text": ok, "idempotency_key": strings.Repeat("k", 129)}, 422, "invalid", "idempotency_key"},
			{"key with control", masto, map[string]any{"text": ok, "idempotency_key": "a\u0007b"}, 422, "invalid", "idempotency_key"},
			{"no such channel", 999999, map[string]any{"text": ok}, 404, "not_found", ""},
			{"messenger has no posts", messenger, map[string]any{"text": ok}, 422, "cannot_publish", ""},
			{"telegram without publish_chat", tg, map[string]any{"text": ok}, 422, "cannot_publish", ""},
			{"paused channel", paused, map[string]any{"text": ok, "not_before": future}, 409, "channel_inactive", ""},
			// Each platform's own rules, from its connector.
			{"x over 280 weighted", xch, map[string]any{"text": strings.Repeat("交", 141)}, 422, "invalid", "text"},
			{"x media", xch, map[string]any{"text": ok, "media": img}, 422, "invalid", "media"},
			{"bluesky over 300 graphemes", bsky, map[string]any{"text": strings.Repeat("ಕಾ", 301)}, 422, "invalid", "text"},
			{"telegram over 4096", tgPub, map[string]any{"text": strings.Repeat("ಕ", 4097)}, 422, "invalid", "text"},
			{"mastodon over the instance's max_chars", smallMasto, map[string]any{"text": strings.Repeat("m", 101)}, 422, "invalid", "text"},
			{"mastodon settings broken", badMasto, map[string]any{"text": ok}, 422, "cannot_publish", ""},
			{"instagram 31 hashtags", ig, map[string]any{"text": strings.Repeat("#blr ", 31), "media": img}, 422, "invalid", "text"},
			{"instagram 21 mentions", ig, map[string]any{"text": strings.Repeat("@someone ", 21), "media": img}, 422, "invalid", "text"},
			{"instagram caption over 2200", ig, map[string]any{"text": strings.Repeat("ಕ", 2201), "media": img}, 422, "invalid", "text"},
			{"facebook two images", fb, map[string]any{"text": ok, "media": []string{"https://cdn.example/1.jpg", "https://cdn.example/2.jpg"}}, 422, "invalid", "media"},
			{"facebook without page_id", fbNoPage, map[string]any{"text": ok}, 422, "cannot_publish", ""},
			{"whatsapp has no posts", wa, map[string]any{"text": ok}, 422, "cannot_publish", ""},
			{"feeds are read-only", feed, map[string]any{"text": ok}, 422, "cannot_publish", ""},
		}
		for _, c := range cases {
			st, m, _ := e.req("POST", path(c.ch), agent, c.body)
			if st != c.status || errCode(m) != c.code || errField(m) != c.field {
				t.Errorf("%s: got %d %v, want %d %s field %q", c.name, st, m, c.status, c.code, c.field)
				continue
			}
			if msg, _ := m["error"].(map[string]any)["message"].(string); msg == "" {
				t.Errorf("%s: no message", c.name)
			}
		}
		if st, m, _ := e.req("POST", "/api/v1/channels/abc/posts", agent, map[string]any{"text": ok}); st != 400 || errCode(m) != "invalid_id" {
			t.Errorf("bad channel id: %d %v", st, m)
		}
		// Roles without publish:write, and nobody at all.
		for _, r := range []auth.Role{auth.RoleStationOfficer, auth.RoleAnalyst} {
			if st, m, _ := e.req("POST", path(masto), e.tokens[r], map[string]any{"text": ok}); st != 403 || errCode(m) != "forbidden" {
				t.Errorf("%s: %d %v", r, st, m)
			}
		}
		if st, m, _ := e.req("POST", path(masto), "", map[string]any{"text": ok}); st != 401 || errCode(m) != "unauthenticated" {
			t.Errorf("anonymous: %d %v", st, m)
		}
		if n := countRows(t, db, `SELECT count(*) FROM outbox`); n != 0 {
			t.Fatalf("%d outbox rows after refused requests", n)
		}
		if n := countRows(t, db, `SELECT count(*) FROM audit_log WHERE action LIKE 'publish.%'`); n != 0 {
			t.Fatalf("%d publish audit entries after refused requests", n)
		}
	})
}

func TestPublishQueuesForFourEyes(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		mountAll(e)
		masto := addChannel(t, db, "mastodon", "BCP on Mastodon", "active", `{"instance_url":"https://mastodon.example"}`)
		ig := addChannel(t, db, "instagram", "BCP on Instagram", "active", `{"ig_user_id":"1784"}`)
		agent, sup, admin := e.tokens[auth.RoleAgent], e.tokens[auth.RoleSupervisor], e.tokens[auth.RoleAdmin]
		path := func(id int64) string { return fmt.Sprintf("/api/v1/channels/%d/posts", id) }
		id := func(m map[string]any) string { return itoa(int64(m["id"].(float64))) }

		// An agent's post waits; a double-click returns the same item.
		body := map[string]any{"text": "  Traffic advisory: Silk Board junction diversions tonight 10 p.m.–5 a.m.  "}
		st, first, _ := e.req("POST", path(masto), agent, body)
		if st != 201 || first["kind"] != "publish" || first["state"] != "awaiting_approval" || first["needs_approval"] != true ||
			first["text"] != "Traffic advisory: Silk Board junction diversions tonight 10 p.m.–5 a.m." ||
			first["created_by"] != float64(e.users[auth.RoleAgent].ID) || first["channel_id"] != float64(masto) || first["platform"] != "mastodon" {
			t.Fatalf("queue: %d %v", st, first)
		}
		if st, again, _ := e.req("POST", path(masto), agent, body); st != 200 || again["id"] != first["id"] {
			t.Fatalf("double click: %d %v (first %v)", st, again, first["id"])
		}
		// A client key: the same key again returns the item; the same key
		// with other words is a conflict; another user's equal key is theirs.
		keyed := map[string]any{"text": "Helpline 112 works 24×7 in Kannada and English.", "idempotency_key": "compose-77"}
		st, k1, _ := e.req("POST", path(masto), agent, keyed)
		if st != 201 {
			t.Fatalf("keyed: %d %v", st, k1)
		}
		if st, m, _ := e.req("POST", path(masto), agent, keyed); st != 200 || m["id"] != k1["id"] {
			t.Fatalf("keyed again: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", path(masto), agent, map[string]any{"text": "Other words", "idempotency_key": "compose-77"}); st != 409 || errCode(m) != "conflict" {
			t.Fatalf("key reused for other words: %d %v", st, m)
		}
		st, supItem, _ := e.req("POST", path(masto), sup, keyed)
		if st != 201 || supItem["id"] == k1["id"] || supItem["state"] != "awaiting_approval" {
			t.Fatalf("a supervisor's post (same client key) must be its own item and wait too: %d %v", st, supItem)
		}
		// Scheduled, with images on Instagram.
		at := time.Now().Add(3 * time.Hour).Truncate(time.Second)
		st, sched, _ := e.req("POST", path(ig), agent, map[string]any{"text": "Road safety week #BengaluruTraffic",
			"media": []string{"https://cdn.example/1.jpg", "https://cdn.example/2.jpg"}, "not_before": at.In(time.FixedZone("IST", 19800)).Format(time.RFC3339)})
		if st != 201 || len(sched["media"].([]any)) != 2 || sched["next_attempt_at"] != at.UTC().Format(time.RFC3339) {
			t.Fatalf("scheduled: %d %v (want next_attempt_at %s)", st, sched, at.UTC().Format(time.RFC3339))
		}

		// Four eyes: the agent may not approve at all, the supervisor not
		// their own post, another approver may.
		if st, m, _ := e.req("POST", "/api/v1/outbox/"+id(first)+"/approve", agent, nil); st != 403 || errCode(m) != "forbidden" {
			t.Fatalf("agent approves: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", "/api/v1/outbox/"+id(supItem)+"/approve", sup, nil); st != 403 || errCode(m) != "own_item" {
			t.Fatalf("supervisor approves own post: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", "/api/v1/outbox/"+id(first)+"/approve", sup, nil); st != 200 || m["state"] != "pending" ||
			m["approved_by"] != float64(e.users[auth.RoleSupervisor].ID) {
			t.Fatalf("supervisor approves the agent's post: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", "/api/v1/outbox/"+id(supItem)+"/approve", admin, nil); st != 200 || m["state"] != "pending" {
			t.Fatalf("admin approves the supervisor's post: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", "/api/v1/outbox/"+id(k1)+"/reject", sup, map[string]any{"reason": "duplicate of the pinned post"}); st != 200 || m["state"] != "cancelled" {
			t.Fatalf("reject: %d %v", st, m)
		}

		// The publishing queue: kind=publish lists posts only.
		st, m, _ := e.req("GET", "/api/v1/outbox?kind=publish&state=awaiting_approval", agent, nil)
		items, _ := m["items"].([]any)
		if st != 200 || len(items) != 1 || items[0].(map[string]any)["id"] != sched["id"] {
			t.Fatalf("awaiting posts: %d %v", st, m)
		}
		if st, m, _ := e.req("GET", "/api/v1/outbox?kind=reply", agent, nil); st != 200 || len(m["items"].([]any)) != 0 {
			t.Fatalf("replies: %d %v", st, m)
		}
		if st, m, _ := e.req("GET", "/api/v1/outbox?kind=tweet", agent, nil); st != 400 || errField(m) != "kind" {
			t.Fatalf("bad kind: %d %v", st, m)
		}

		// The audit log has one publish.create per queued post (not per
		// request) and the decisions with their kind.
		st, m, _ = e.req("GET", "/api/v1/audit?action=publish.", admin, nil)
		if list := m["list"].([]any); st != 200 || len(list) != 4 {
			t.Fatalf("publish audit: %d %v", st, m)
		}
		st, m, _ = e.req("GET", "/api/v1/audit?action=outbox.approve&target=outbox:"+id(first), admin, nil)
		list := m["list"].([]any)
		if st != 200 || len(list) != 1 || list[0].(map[string]any)["actor"] != "u-supervisor" ||
			list[0].(map[string]any)["details"].(map[string]any)["kind"] != "publish" {
			t.Fatalf("approve audit: %d %v", st, m)
		}
		if n := countRows(t, db, `SELECT count(*) FROM outbox`); n != 4 {
			t.Fatalf("%d outbox rows, want 4", n)
		}
		if st, m, _ := e.req("GET", "/api/v1/audit/verify", admin, nil); st != 200 || m["ok"] != true {
			t.Fatalf("audit chain: %d %v", st, m)
		}
	})
}
