package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// A shift through the API: who may do what is enforced beside each route
// and inside the handler where it depends on the request.
func TestDeskWorkAPI(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		r := newReplyEnv(t, db)
		r.srv.DeskWorkAPI(r.d, desk.NewPresence(nil, nil))
		agent, sup, so := r.tokens[auth.RoleAgent], r.tokens[auth.RoleSupervisor], r.tokens[auth.RoleStationOfficer]
		xch := addChannel(t, db, "x", "BCP on X", "active", `{"mode":"webhook","user_id":"1500000000000000001"}`)
		caseID := r.onDesk(t, post.Post{Platform: post.X, ExternalID: "1790000000000000009", ChannelID: xch, Channel: "1500000000000000001",
			ThreadID: "1790000000000000009", Author: post.Author{ExternalID: "42", Handle: "meera_blr"},
			Text: "@BlrCityPolice rumour of kidnapping near school, call me 9845012345", CreatedAt: time.Now().Add(-time.Minute)})
		cp := fmt.Sprintf("/api/v1/cases/%d", caseID)

		// My language, stored as mine; only the desk's languages.
		if st, m, _ := r.req("PUT", "/api/v1/me/lang", agent, map[string]any{"lang": "kn"}); st != 200 || m["lang"] != "kn" {
			t.Fatalf("set lang: %d %v", st, m)
		}
		if st, m, _ := r.req("PUT", "/api/v1/me/lang", agent, map[string]any{"lang": "<b>"}); st != 422 || errField(m) != "lang" {
			t.Fatalf("bad lang: %d %v", st, m)
		}
		if _, m, _ := r.req("GET", "/api/v1/me/lang", agent, nil); m["lang"] != "kn" {
			t.Fatalf("get lang: %v", m)
		}
		if _, m, _ := r.req("GET", "/api/v1/me/lang", sup, nil); m["lang"] != "" {
			t.Fatalf("another person's lang: %v", m)
		}

		// Unread per caller: reading the case reads it for the agent only.
		unread := func(tok string) bool {
			_, m, _ := r.req("GET", "/api/v1/cases", tok, nil)
			for _, c := range m["cases"].([]any) {
				if c := c.(map[string]any); int64(c["id"].(float64)) == caseID {
					return c["unread"] == true
				}
			}
			t.Fatal("case not listed")
			return false
		}
		if !unread(agent) {
			t.Fatal("a case never read is not unread")
		}

		// Personal data: masked for the agent; unmasked one post at a time, audited.
		_, m, _ := r.req("GET", cp, agent, nil)
		if unread(agent) || !unread(sup) {
			t.Fatal("reading the case did not read it for the agent alone")
		}
		postID := int64(m["posts"].([]any)[0].(map[string]any)["id"].(float64))
		if text := m["posts"].([]any)[0].(map[string]any)["text"].(string); strings.Contains(text, "9845012345") {
			t.Fatalf("agent sees the phone number: %q", text)
		}
		if st, _, _ := r.req("POST", fmt.Sprintf("/api/v1/posts/%d/unmask", postID), agent, nil); st != 403 {
			t.Fatalf("agent unmasked: %d", st)
		}
		if st, m, _ := r.req("POST", fmt.Sprintf("/api/v1/posts/%d/unmask", postID), sup, nil); st != 200 || !strings.Contains(m["text"].(string), "9845012345") {
			t.Fatalf("supervisor unmask: %d %v", st, m)
		}
		if n := countRows(t, db, fmt.Sprintf(`SELECT count(*) FROM audit_log WHERE action = 'post.unmask' AND target = 'post:%d'`, postID)); n != 1 {
			t.Fatalf("%d unmask audit entries", n)
		}

		// Corrections: the chip changes and a label is stored.
		if st, m, _ := r.req("POST", cp+"/corrections", agent, map[string]any{"task": "category", "label": "rumour"}); st != 200 || m["category"] != "rumour" {
			t.Fatalf("correct: %d %v", st, m)
		}
		if st, m, _ := r.req("POST", cp+"/corrections", agent, map[string]any{"task": "category", "label": "<script>"}); st != 422 || errField(m) != "label" {
			t.Fatalf("bad correction: %d %v", st, m)
		}
		if n := countRows(t, db, `SELECT count(*) FROM labels WHERE task = 'category' AND label = 'rumour'`); n != 1 {
			t.Fatalf("%d labels", n)
		}

		// Templates: managed by supervisors, drafted by agents.
		tpl := map[string]any{"name": "Ack", "bodies": map[string]string{"en": "Ref {ref}: we are on it. {helpline}", "kn": "ಉಲ್ಲೇಖ {ref}"}}
		if st, _, _ := r.req("POST", "/api/v1/templates", agent, tpl); st != 403 {
			t.Fatalf("agent created a template: %d", st)
		}
		st, m, _ := r.req("POST", "/api/v1/templates", sup, tpl)
		if st != 201 {
			t.Fatalf("template: %d %v", st, m)
		}
		tplID := m["id"]
		st, m, _ = r.req("POST", cp+"/draft", agent, map[string]any{"template_id": tplID, "lang": "en"})
		if st != 200 || !strings.HasPrefix(m["text"].(string), "Ref BCP-") || !strings.Contains(m["text"].(string), "112") {
			t.Fatalf("draft: %d %v", st, m)
		}

		// The case is now a rumour: the agent's reply waits; a supervisor
		// edits it (checked against X's rules again) and approves it.
		st, m, _ = r.req("POST", cp+"/replies", agent, map[string]any{"text": m["text"]})
		if st != 201 || m["state"] != "awaiting_approval" {
			t.Fatalf("reply: %d %v", st, m)
		}
		item := fmt.Sprintf("/api/v1/outbox/%d", int64(m["id"].(float64)))
		if st, _, _ := r.req("POST", item+"/edit", agent, map[string]any{"text": "mine"}); st != 403 {
			t.Fatalf("agent edited: %d", st)
		}
		if st, m, _ := r.req("POST", item+"/edit", sup, map[string]any{"text": strings.Repeat("a", 281)}); st != 422 {
			t.Fatalf("edit over X's limit: %d %v", st, m)
		}
		if st, m, _ := r.req("POST", item+"/edit", sup, map[string]any{"text": "We have alerted the station. Please do not share unverified messages."}); st != 200 ||
			m["state"] != "awaiting_approval" || !strings.HasPrefix(m["text"].(string), "We have alerted") {
			t.Fatalf("edit: %d %v", st, m)
		}
		if st, m, _ := r.req("POST", item+"/approve", sup, nil); st != 200 || m["state"] != "pending" {
			t.Fatalf("approve after edit: %d %v", st, m)
		}

		// Escalation to the station officer's unit, their queue, their action.
		if st, m, _ := r.req("POST", cp+"/escalate", agent, map[string]any{"unit_id": r.unit}); st != 422 || errField(m) != "note" {
			t.Fatalf("escalation without note: %d %v", st, m)
		}
		if st, m, _ := r.req("GET", "/api/v1/cases?status=waiting_station", so, nil); st != 200 || len(m["cases"].([]any)) != 0 {
			t.Fatalf("station queue before: %d %v", st, m)
		}
		if st, m, _ := r.req("POST", cp+"/escalate", agent, map[string]any{"unit_id": r.unit, "note": "school near Adugodi"}); st != 200 || m["status"] != "waiting_station" {
			t.Fatalf("escalate: %d %v", st, m)
		}
		if st, m, _ := r.req("GET", "/api/v1/cases?status=waiting_station", so, nil); st != 200 || len(m["cases"].([]any)) != 1 {
			t.Fatalf("station queue: %d %v", st, m)
		}
		if st, m, _ := r.req("POST", cp+"/escalate", so, map[string]any{"unit_id": 1, "note": "not ours"}); st != 403 || errCode(m) != "out_of_scope" {
			t.Fatalf("station officer re-routed: %d %v", st, m)
		}
		if st, m, _ := r.req("POST", cp+"/station-action", so, map[string]any{"action": "not_police_matter", "note": "school confirmed all children safe"}); st != 200 ||
			!strings.Contains(fmt.Sprint(m["tags"]), desk.TagTellCitizen) {
			t.Fatalf("station action: %d %v", st, m)
		}

		// Views: sharing needs a supervisor; the query is checked.
		if st, _, _ := r.req("POST", "/api/v1/views", agent, map[string]any{"name": "all", "query": "", "shared": true}); st != 403 {
			t.Fatalf("agent shared a view: %d", st)
		}
		if st, m, _ := r.req("POST", "/api/v1/views", agent, map[string]any{"name": "bad", "query": "sort=random"}); st != 422 || errField(m) != "query" {
			t.Fatalf("bad view: %d %v", st, m)
		}
		if st, m, _ := r.req("POST", "/api/v1/views", agent, map[string]any{"name": "Mine, Kannada", "query": "lang=kn&junk=1&assignee=me"}); st != 201 || m["query"] != "assignee=me&lang=kn" {
			t.Fatalf("view: %d %v", st, m)
		}

		// Bulk: tagging is everyday work, assigning needs cases:assign.
		if st, _, _ := r.req("POST", "/api/v1/cases/bulk", agent, map[string]any{"case_ids": []int64{caseID}, "action": "assign", "assignee_id": r.users[auth.RoleAgent].ID}); st != 403 {
			t.Fatalf("agent bulk-assigned: %d", st)
		}
		if st, m, _ := r.req("POST", "/api/v1/cases/bulk", agent, map[string]any{"case_ids": []int64{caseID, 999}, "action": "tag", "tag": "school"}); st != 200 || len(m["done"].([]any)) != 1 {
			t.Fatalf("bulk tag: %d %v", st, m)
		}

		// Mentions and presence.
		if st, m, _ := r.req("POST", cp+"/comments", sup, map[string]any{"text": "@u-agent please tell the citizen"}); st != 201 {
			t.Fatalf("note: %d %v", st, m)
		}
		if st, m, _ := r.req("GET", "/api/v1/me/mentions?unread=true", agent, nil); st != 200 || m["unread"] != float64(1) {
			t.Fatalf("mentions: %d %v", st, m)
		}
		r.req("POST", cp+"/presence", agent, map[string]any{"typing": true})
		st, m, _ = r.req("POST", cp+"/presence", sup, nil)
		if others := m["list"].([]any); st != 200 || len(others) != 1 || others[0].(map[string]any)["typing"] != true {
			t.Fatalf("presence: %d %v", st, m)
		}
	})
}
