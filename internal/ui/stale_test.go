package ui_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
)

// A stale edit: the agent's page is older than the case (the supervisor
// tagged and escalated it meanwhile). Closing from the old page applies
// nothing; the agent sees what changed and their own change, and applies
// it again on the case as it is now.
func TestStaleEditScreen(t *testing.T) {
	e := newDeskEnv(t)
	id := e.put("fight outside the bar on 100 ft road", false)
	agent, sup := e.login(auth.RoleAgent), e.login(auth.RoleSupervisor)
	cp := fmt.Sprintf("/desk/cases/%d", id)
	page := agent.get(cp).body
	m := regexp.MustCompile(`name="version" value="(\d+)"><input type="hidden" name="seen" value="(\d+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the case's forms carry no version")
	}
	if r := sup.post(cp+"/escalate", url.Values{"unit_id": {fmt.Sprint(e.unit)}, "note": {"send a patrol <b>now</b>"}}); r.status != 303 {
		t.Fatalf("escalate: %d %s", r.status, r.body)
	}
	r := agent.post(cp+"/status", url.Values{"status": {"closed"}, "version": {m[1]}, "seen": {m[2]}})
	if r.status != 409 || !strings.Contains(r.body, "changed while you were working on it") || !strings.Contains(r.body, "send a patrol &lt;b&gt;now&lt;/b&gt;") ||
		!strings.Contains(r.body, "Name supervisor") || !strings.Contains(r.body, "Apply my change") {
		t.Fatalf("stale screen: %d %s", r.status, r.body)
	}
	if e.count(`SELECT count(*) FROM cases WHERE id = $1 AND status = 'closed'`, id) != 0 {
		t.Fatal("a stale edit was applied")
	}
	n := regexp.MustCompile(`name="version" value="(\d+)"><input type="hidden" name="seen" value="(\d+)"`).FindStringSubmatch(r.body)
	if n == nil || n[1] == m[1] {
		t.Fatalf("the re-apply form carries no new version: %v", n)
	}
	if r := agent.post(cp+"/status", url.Values{"status": {"closed"}, "version": {n[1]}, "seen": {n[2]}}); r.status != 303 {
		t.Fatalf("re-apply: %d %s", r.status, r.body)
	}
	if e.count(`SELECT count(*) FROM cases WHERE id = $1 AND status = 'closed'`, id) != 1 {
		t.Fatal("the re-applied change is not there")
	}
}
