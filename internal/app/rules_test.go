package app

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/rules"
	"github.com/kaval-desk/kaval/internal/store"
)

// Automation rules through the API on a whole desk: only administrators
// and supervisors manage them, refused rules name their field, a dry run
// counts past posts, and a rule acts on the next post in the pipeline.
func TestRulesEndToEnd(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ta := newTestApp(t, db)
		put := func(id, text string) {
			var ir intakeResp
			p := post.Post{Platform: post.X, ExternalID: id, Kind: post.KindMention, Author: post.Author{ExternalID: "u" + id, Handle: "citizen" + id},
				Text: text, CreatedAt: time.Now()}
			if code := ta.call(t, "admin", "POST", "/api/v1/posts", map[string]any{"posts": []post.Post{p}}, &ir); code != 200 || ir.Stored != 1 {
				t.Fatalf("intake: %d %+v", code, ir)
			}
			ta.waitSettled(t)
		}
		put("1", "Chain snatching near Forum mall Koramangala")
		put("2", "When does the passport office open?")
		rule := map[string]any{"name": "Snatching", "enabled": true, "conditions": map[string]any{"query": `"chain snatching" OR snatch*`},
			"actions": map[string]any{"priority": 1, "tags": []string{"snatching"}}}
		for _, who := range []string{"agent", "analyst", "station_officer"} {
			if code := ta.call(t, who, "POST", "/api/v1/rules", rule, nil); code != http.StatusForbidden {
				t.Fatalf("%s create: %d", who, code)
			}
		}
		var bad struct{ Error struct{ Code, Field string } }
		if code := ta.call(t, "supervisor", "POST", "/api/v1/rules/check", map[string]any{"name": "x", "conditions": map[string]any{"query": "a AND"},
			"actions": map[string]any{"tags": []string{"x"}}}, &bad); code != http.StatusUnprocessableEntity || bad.Error.Field != "query" {
			t.Fatalf("check: %d %+v", code, bad)
		}
		var dry rules.DryRunResult
		if code := ta.call(t, "supervisor", "POST", "/api/v1/rules/dry-run?days=7", rule, &dry); code != 200 || dry.Count != 1 || !dry.Exact || dry.Scanned != 2 {
			t.Fatalf("dry run: %d %+v", code, dry)
		}
		var made rules.Rule
		if code := ta.call(t, "supervisor", "POST", "/api/v1/rules", rule, &made); code != http.StatusCreated || made.ID == 0 || !made.Enabled {
			t.Fatalf("create: %d %+v", code, made)
		}
		if err := ta.Engine.Reload(t.Context()); err != nil {
			t.Fatal(err)
		}
		put("3", "snatchers on 80 feet road again")
		var cs []desk.Case
		var page struct{ Cases []desk.Case }
		if code := ta.call(t, "admin", "GET", "/api/v1/cases?limit=10", nil, &page); code != 200 {
			t.Fatalf("cases: %d", code)
		}
		cs = page.Cases
		tagged := 0
		for _, c := range cs {
			if slices.Contains(c.Tags, "snatching") {
				tagged++
				if c.Priority != desk.P1 {
					t.Fatalf("priority: %+v", c)
				}
			}
		}
		if tagged != 1 {
			t.Fatalf("%d cases tagged by the rule (only the post after it was made): %+v", tagged, cs)
		}
		made.Stop = true
		if code := ta.call(t, "admin", "PUT", fmt.Sprintf("/api/v1/rules/%d", made.ID), made, &made); code != 200 || !made.Stop {
			t.Fatalf("update: %d %+v", code, made)
		}
		made.Version = 1
		if code := ta.call(t, "admin", "PUT", fmt.Sprintf("/api/v1/rules/%d", made.ID), made, nil); code != http.StatusConflict {
			t.Fatalf("stale update: %d", code)
		}
		if code := ta.call(t, "admin", "DELETE", fmt.Sprintf("/api/v1/rules/%d", made.ID), nil, nil); code != http.StatusNoContent {
			t.Fatalf("delete: %d", code)
		}
		if code := ta.call(t, "admin", "GET", fmt.Sprintf("/api/v1/rules/%d", made.ID), nil, nil); code != http.StatusNotFound {
			t.Fatalf("get deleted: %d", code)
		}
		var list []rules.Rule
		if code := ta.call(t, "supervisor", "GET", "/api/v1/rules", nil, &list); code != 200 || len(list) != 0 {
			t.Fatalf("list: %d %+v", code, list)
		}
	})
}
