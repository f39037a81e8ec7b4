package ui_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
)

// unreadRow reports whether the inbox shows case id as unread.
func unreadRow(t *testing.T, body string, id int64) bool {
	t.Helper()
	m := regexp.MustCompile(fmt.Sprintf(`<tr id="case-%d" class="([^"]*)"`, id)).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("case %d not in the inbox", id)
	}
	return strings.Contains(m[1], "unread")
}

// Unread is per person: opening a case reads it for that person only, and
// the citizen writing again makes it unread again.
func TestInboxUnreadPerUser(t *testing.T) {
	e := newDeskEnv(t)
	id := e.put("pothole near the school gate", false)
	agent, sup := e.login(auth.RoleAgent), e.login(auth.RoleSupervisor)
	if !unreadRow(t, agent.get("/desk/inbox").body, id) {
		t.Fatal("a case never opened is not unread")
	}
	agent.get(fmt.Sprintf("/desk/cases/%d", id))
	if unreadRow(t, agent.get("/desk/inbox").body, id) {
		t.Fatal("opened, still unread")
	}
	if !unreadRow(t, sup.get("/desk/inbox").body, id) {
		t.Fatal("the agent's opening read it for the supervisor")
	}
	if e.count(`SELECT count(*) FROM case_reads WHERE case_id = $1`, id) != 1 {
		t.Fatal("the read is not stored")
	}
}

// The language a person picks is stored as theirs and follows them to a
// browser that never saw it.
func TestLanguageFollowsUser(t *testing.T) {
	e := newDeskEnv(t)
	agent := e.login(auth.RoleAgent)
	if r := agent.post("/desk/lang", url.Values{"lang": {"kn"}, "next": {"/desk/inbox"}}); r.status != 303 {
		t.Fatalf("switch: %d", r.status)
	}
	if e.count(`SELECT count(*) FROM user_prefs WHERE user_id = $1 AND lang = 'kn'`, e.users[auth.RoleAgent].ID) != 1 {
		t.Fatal("the choice is not stored")
	}
	fresh := e.login(auth.RoleAgent) // a new cookie jar: another browser
	if r := fresh.get("/desk/inbox"); !strings.Contains(r.body, `<html lang="kn"`) {
		t.Fatalf("the other browser speaks: %.300s", r.body)
	}
	if r := e.login(auth.RoleSupervisor).get("/desk/inbox"); strings.Contains(r.body, `<html lang="kn"`) {
		t.Fatal("another person got the agent's language")
	}
}
