package ui_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
)

// The composer's draft of a private conversation keeps {name}: the
// citizen's name is filled in only when the reply is queued (the API's
// test, internal/app TestDraftKeepsNameOfPrivateAuthor, follows it out).
func TestDraftKeepsPrivateName(t *testing.T) {
	e := newDeskEnv(t)
	priv := e.put("someone is following me home", true)
	pub := e.put("signal broken at the junction", false)
	tpl, err := e.a.Desk.SaveTemplate(context.Background(), desk.Template{Name: "Hello", Bodies: map[string]string{"en": "Dear {name}, noted: {ref}."}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var handle string
	e.a.DB.Read.QueryRow(`SELECT a.handle FROM cases c JOIN authors a ON a.id = c.author_id WHERE c.id = $1`, priv).Scan(&handle)
	if handle == "" {
		t.Fatal("no handle seeded")
	}
	for _, role := range []auth.Role{auth.RoleAgent, auth.RoleSupervisor} {
		b := e.login(role)
		r := b.post(fmt.Sprintf("/desk/cases/%d/draft", priv), url.Values{"template_id": {fmt.Sprint(tpl.ID)}, "lang": {"en"}}, "HX-Request", "true")
		if r.status != 200 || strings.Contains(r.body, handle) || !strings.Contains(r.body, "Dear {name}, noted") {
			t.Fatalf("%s's draft: %d %s", role, r.status, r.body)
		}
		if r := b.get(fmt.Sprintf("/desk/cases/%d?draft=%d", priv, tpl.ID)); strings.Contains(r.body, "Dear @"+handle) || !strings.Contains(r.body, "Dear {name}, noted") {
			t.Fatalf("%s's page draft leaks the name", role)
		}
	}
	r := e.login(auth.RoleAgent).post(fmt.Sprintf("/desk/cases/%d/draft", pub), url.Values{"template_id": {fmt.Sprint(tpl.ID)}, "lang": {"en"}}, "HX-Request", "true")
	if !strings.Contains(r.body, "Dear @citizen") {
		t.Fatalf("public draft: %s", r.body)
	}
}
