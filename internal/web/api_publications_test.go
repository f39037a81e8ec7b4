package web_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// Nothing publishes without its approvals through the API: not through
// the publication routes (authors, one person twice, a draft), not
// through the single-account route or the outbox's approval of its
// posts on an account whose rule needs two approvals.
func TestPublicationsApprovalCannotBeBypassed(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		mountAll(e)
		xch := addChannel(t, db, "x", "BCP on X", "active", `{"mode":"webhook"}`)
		bsky := addChannel(t, db, "bluesky", "BCP on Bluesky", "active", `{"handle":"blrcitypolice.bsky.social"}`)
		agent, sup, admin := e.tokens[auth.RoleAgent], e.tokens[auth.RoleSupervisor], e.tokens[auth.RoleAdmin]
		published := func() int {
			return countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = 'publish' AND state <> 'awaiting_approval' AND state <> 'cancelled'`)
		}

		// A legacy post queued while one approval suffices.
		st, old, _ := e.req("POST", fmt.Sprintf("/api/v1/channels/%d/posts", bsky), agent, map[string]any{"text": "Queued before the rule changed"})
		if st != http.StatusCreated {
			t.Fatalf("legacy post: %d %v", st, old)
		}
		if st, m, _ := e.req("PUT", "/api/v1/publish/policies", sup, map[string]any{"channel_id": 0, "levels": 2}); st != http.StatusForbidden {
			t.Fatalf("a supervisor set the approval rules: %d %v", st, m)
		}
		if st, m, _ := e.req("PUT", "/api/v1/publish/policies", admin, map[string]any{"channel_id": 0, "levels": 2}); st != http.StatusOK {
			t.Fatalf("policy: %d %v", st, m)
		}
		// The single-account route and the outbox's approval refuse.
		if st, m, _ := e.req("POST", fmt.Sprintf("/api/v1/channels/%d/posts", xch), agent, map[string]any{"text": "Trying the old door"}); st != http.StatusForbidden || errCode(m) != "needs_two_approvals" {
			t.Fatalf("legacy route under a two-level rule: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", fmt.Sprintf("/api/v1/outbox/%v/approve", old["id"]), sup, nil); st != http.StatusForbidden || errCode(m) != "needs_two_approvals" {
			t.Fatalf("outbox approval of a legacy post under a two-level rule: %d %v", st, m)
		}

		st, p, _ := e.req("POST", "/api/v1/publications", agent, map[string]any{"kind": "advisory", "title": "Rain",
			"texts":    map[string]string{"en": "Heavy rain: avoid the Hebbal underpass till 6 p.m.", "kn": "ಭಾರಿ ಮಳೆ: ಸಂಜೆ 6ರವರೆಗೆ ಹೆಬ್ಬಾಳ ಅಂಡರ್‌ಪಾಸ್ ಬಳಸಬೇಡಿ."},
			"versions": []map[string]any{{"channel_id": xch, "lang": "en"}, {"channel_id": bsky, "lang": "kn"}}})
		if st != http.StatusCreated || p["state"] != "draft" {
			t.Fatalf("create: %d %v", st, p)
		}
		path := fmt.Sprintf("/api/v1/publications/%v", p["id"])
		if st, m, _ := e.req("POST", path+"/approve", agent, nil); st != http.StatusForbidden {
			t.Fatalf("agent approve: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", path+"/approve", sup, nil); st != http.StatusConflict {
			t.Fatalf("draft approved: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", path+"/submit", agent, nil); st != http.StatusOK || m["levels"] != float64(2) {
			t.Fatalf("submit: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", path+"/approve", sup, map[string]any{"note": "fine"}); st != http.StatusOK || m["state"] != "in_review" {
			t.Fatalf("first approval: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", path+"/approve", sup, nil); st != http.StatusForbidden || errCode(m) != "already_approved" {
			t.Fatalf("one person twice: %d %v", st, m)
		}
		if n := published(); n != 0 {
			t.Fatalf("%d posts released before the second approval", n)
		}
		if st, m, _ := e.req("POST", path+"/comments", agent, map[string]any{"note": "Kannada checked by the PRO"}); st != http.StatusCreated {
			t.Fatalf("comment: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", path+"/approve", admin, nil); st != http.StatusOK || m["state"] != "approved" {
			t.Fatalf("second approval: %d %v", st, m)
		}
		if n := published(); n != 2 {
			t.Fatalf("%d posts released, want 2", n)
		}
		if st, m, _ := e.req("GET", path+"/results", agent, nil); st != http.StatusOK || m["total"] == nil {
			t.Fatalf("results: %d %v", st, m)
		}
		st, h, resp := e.req("GET", path+"/history", agent, nil)
		_ = h
		if st != http.StatusOK || resp == nil {
			t.Fatalf("history: %d", st)
		}

		// Emergency: out on one approval; the signature owed is listed.
		st, em, _ := e.req("POST", "/api/v1/publications", agent, map[string]any{"kind": "emergency", "title": "Fire",
			"texts": map[string]string{"en": "Fire at KR Market: keep away, let the fire engines through."}, "versions": []map[string]any{{"channel_id": xch, "lang": "en"}}})
		if st != http.StatusCreated {
			t.Fatalf("emergency: %d %v", st, em)
		}
		ep := fmt.Sprintf("/api/v1/publications/%v", em["id"])
		e.req("POST", ep+"/submit", agent, nil)
		if st, m, _ := e.req("POST", ep+"/approve", sup, nil); st != http.StatusOK || m["state"] != "approved" || m["after_sign_due"] != true {
			t.Fatalf("fast path: %d %v", st, m)
		}
		st, page, _ := e.req("GET", "/api/v1/publications?after_sign_due=true", agent, nil)
		if items, _ := page["items"].([]any); st != http.StatusOK || len(items) != 1 {
			t.Fatalf("owed signatures: %d %v", st, page)
		}
		if st, m, _ := e.req("POST", ep+"/after-sign", sup, nil); st != http.StatusForbidden {
			t.Fatalf("releaser signed after the fact: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", ep+"/after-sign", admin, map[string]any{"note": "read"}); st != http.StatusOK || m["after_sign_due"] == true {
			t.Fatalf("after-sign: %d %v", st, m)
		}
	})
}

// Images: multipart upload with alt text; the public URL answers only once
// the publication is approved, as an image that cannot run as a page.
func TestPublicationImages(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		mountAll(e)
		bsky := addChannel(t, db, "bluesky", "BCP on Bluesky", "active", `{}`)
		agent, sup := e.tokens[auth.RoleAgent], e.tokens[auth.RoleSupervisor]
		_, p, _ := e.req("POST", "/api/v1/publications", agent, map[string]any{"title": "Map",
			"texts": map[string]string{"en": "Diversion map for Sunday"}, "versions": []map[string]any{{"channel_id": bsky, "lang": "en"}}})
		path := fmt.Sprintf("/api/v1/publications/%v", p["id"])
		var img bytes.Buffer
		png.Encode(&img, image.NewGray(image.Rect(0, 0, 20, 10)))
		upload := func(data []byte, alt string) (int, map[string]any) {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			fw, _ := mw.CreateFormFile("file", "map.html")
			fw.Write(data)
			mw.WriteField("alt_en", alt)
			mw.Close()
			st, m, _ := e.req("POST", path+"/media", agent, body.Bytes(), "Content-Type", mw.FormDataContentType())
			return st, m
		}
		if st, m := upload([]byte("<html><script>alert(1)</script>"), "x"); st != http.StatusUnprocessableEntity {
			t.Fatalf("html as image: %d %v", st, m)
		}
		if st, m := upload(img.Bytes(), ""); st != http.StatusUnprocessableEntity || m["error"].(map[string]any)["field"] != "alt" {
			t.Fatalf("no alt: %d %v", st, m)
		}
		if st, m := upload(bytes.Repeat([]byte{0xff}, 6<<20), "big"); st != http.StatusUnprocessableEntity && st != http.StatusRequestEntityTooLarge {
			t.Fatalf("6 MB: %d %v", st, m)
		}
		st, m := upload(img.Bytes(), "Map of the diversion")
		if st != http.StatusCreated {
			t.Fatalf("upload: %d %v", st, m)
		}
		file := fmt.Sprintf("/media/%v.png", m["sha256"])
		get := func() *http.Response {
			resp, err := http.Get(e.ts.URL + file)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp
		}
		if r := get(); r.StatusCode != http.StatusNotFound {
			t.Fatalf("draft image public: %d", r.StatusCode)
		}
		e.req("POST", path+"/submit", agent, nil)
		if st, m, _ := e.req("POST", path+"/approve", sup, nil); st != http.StatusOK {
			t.Fatalf("approve: %d %v", st, m)
		}
		r := get()
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
			r.Header.Get("Content-Security-Policy") != "default-src 'none'; sandbox" {
			t.Fatalf("public image: %d %v", r.StatusCode, r.Header)
		}
		// Scheduling an approved, already released post is refused once sending started (here: never sent, so it moves).
		at := time.Now().Add(3 * time.Hour).Format(time.RFC3339)
		if st, m, _ := e.req("POST", path+"/schedule", agent, map[string]any{"scheduled_at": at}); st != http.StatusOK {
			t.Fatalf("schedule: %d %v", st, m)
		}
	})
}

// A station's Atom feed carries the public advisories targeted at it once
// approved and due, escaped as XML; an unknown station is 404; only
// administrators set a station's accounts.
func TestStationFeed(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		mountAll(e)
		bsky := addChannel(t, db, "bluesky", "BCP on Bluesky", "active", `{}`)
		tg := addChannel(t, db, "telegram", "Adugodi PS channel", "active", `{"publish_chat":"@adugodips"}`)
		agent, sup, admin := e.tokens[auth.RoleAgent], e.tokens[auth.RoleSupervisor], e.tokens[auth.RoleAdmin]
		unit := fmt.Sprintf("/api/v1/publish/stations/%d", e.unit)
		if st, m, _ := e.req("PUT", unit, sup, map[string]any{"telegram_channel": tg}); st != http.StatusForbidden {
			t.Fatalf("supervisor set a station group: %d %v", st, m)
		}
		if st, m, _ := e.req("PUT", unit, admin, map[string]any{"telegram_channel": tg}); st != http.StatusOK || m["telegram_channel"] != float64(tg) {
			t.Fatalf("station group: %d %v", st, m)
		}
		text := "Adugodi: <b>road</b> works on Hosur Road & diversions tonight"
		_, p, _ := e.req("POST", "/api/v1/publications", agent, map[string]any{"title": "Works", "stations": []int64{e.unit},
			"texts": map[string]string{"en": text}, "versions": []map[string]any{{"channel_id": bsky, "lang": "en"}}})
		path := fmt.Sprintf("/api/v1/publications/%v", p["id"])
		feed := func(p string) (int, string) {
			resp, err := http.Get(e.ts.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if st, body := feed("/feeds/stations/adugodi.atom"); st != http.StatusOK || strings.Contains(body, "Hosur") {
			t.Fatalf("draft in the feed: %d %s", st, body)
		}
		e.req("POST", path+"/submit", agent, nil)
		if st, m, _ := e.req("POST", path+"/approve", sup, nil); st != http.StatusOK {
			t.Fatalf("approve: %d %v", st, m)
		}
		if n := countRows(t, db, fmt.Sprintf(`SELECT COUNT(*) FROM outbox WHERE channel_id = %d AND state = 'pending'`, tg)); n != 1 {
			t.Fatalf("%d posts queued for the station's Telegram channel", n)
		}
		st, body := feed("/feeds/stations/adugodi.atom")
		if st != http.StatusOK || !strings.Contains(body, "&lt;b&gt;road&lt;/b&gt; works on Hosur Road &amp; diversions") || !strings.Contains(body, `<feed xmlns="http://www.w3.org/2005/Atom"`) {
			t.Fatalf("station feed: %d %s", st, body)
		}
		if _, body := feed("/feeds/advisories.atom"); !strings.Contains(body, "Hosur Road") {
			t.Fatalf("force feed: %s", body)
		}
		if st, _ := feed("/feeds/stations/nowhere.atom"); st != http.StatusNotFound {
			t.Fatalf("unknown station: %d", st)
		}
		if st, _ := feed("/feeds/stations/ps%25.atom"); st != http.StatusNotFound {
			t.Fatalf("wildcard station: %d", st)
		}
	})
}
