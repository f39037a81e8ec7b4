package app

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/store"
)

// A reply template's {name} is the citizen's name. In a private
// conversation that name is personal data: a draft shown on the desk
// (masked for everyone by default) keeps the {name} placeholder, and the
// name is filled in only when the reply is queued, so it reaches the
// citizen without ever being shown to an agent.
func TestDraftKeepsNameOfPrivateAuthor(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ta := newTestApp(t, db)
		ids := seedPII(t, ta)
		waCase, xCase := ids["cases"][0], ids["cases"][2]
		tpl, err := ta.Desk.SaveTemplate(context.Background(), desk.Template{Name: "Greeting",
			Bodies: map[string]string{"en": "Dear {name}, we have your report {ref}."}}, ta.users["supervisor"])
		if err != nil {
			t.Fatal(err)
		}
		for _, role := range []string{"agent", "supervisor"} {
			var out desk.Rendered
			if st := ta.call(t, role, "POST", fmt.Sprintf("/api/v1/cases/%d/draft", waCase), map[string]any{"template_id": tpl.ID, "lang": "en"}, &out); st != 200 {
				t.Fatalf("%s draft: %d", role, st)
			}
			if strings.Contains(out.Text, "Suresh") || strings.Contains(out.Text, "Gowda") || !strings.Contains(out.Text, "{name}") {
				t.Fatalf("%s's draft of a private conversation: %q", role, out.Text)
			}
		}
		// A public identity (an X name) is no secret: it is filled in.
		var out desk.Rendered
		if ta.call(t, "agent", "POST", fmt.Sprintf("/api/v1/cases/%d/draft", xCase), map[string]any{"template_id": tpl.ID, "lang": "en"}, &out); !strings.HasPrefix(out.Text, "Dear Meera,") {
			t.Fatalf("draft of a public post: %q", out.Text)
		}

		// Queued, the reply carries the name; the agent's answer does not show it.
		var item map[string]any
		if st := ta.call(t, "agent", "POST", fmt.Sprintf("/api/v1/cases/%d/replies", waCase), map[string]any{"text": "Dear {name}, we have your report {ref}."}, &item); st != 201 {
			t.Fatalf("reply: %d %v", st, item)
		}
		if s := fmt.Sprint(item["text"]); strings.Contains(s, "Suresh") || strings.Contains(s, "{name}") {
			t.Fatalf("the agent is answered with %q", s)
		}
		it, err := ta.Outbox.Get(context.Background(), int64(item["id"].(float64)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(it.Text, "Dear Suresh Gowda, we have your report ") || strings.Contains(it.Text, "{") {
			t.Fatalf("queued text %q", it.Text)
		}
	})
}
