package ui_test

import (
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
)

// The inbox's filters fold behind a summary that names the active ones on
// one line, in the page's language.
func TestInboxFilterSummary(t *testing.T) {
	e := newDeskEnv(t)
	e.put("pothole on 80 ft road", false)
	b := e.login(auth.RoleAgent)
	body := b.get("/desk/inbox").body
	sum := body[strings.Index(body, `<details class="filters-box"`):]
	sum = sum[:strings.Index(sum, "</summary>")]
	if !strings.Contains(sum, "none: every case that needs action") {
		t.Fatalf("default summary: %s", sum)
	}
	body = b.get("/desk/inbox?status=open,new&platform=x&assignee=me&overdue=true&q=" + "%3Cb%3Ejam").body
	sum = body[strings.Index(body, `<details class="filters-box"`):]
	sum = sum[:strings.Index(sum, "</summary>")]
	for _, want := range []string{"Status: Open, New", "Platform: X", "Assignee: Me", "Overdue only", "Search: “&lt;b&gt;jam”"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q: %s", want, sum)
		}
	}
}
