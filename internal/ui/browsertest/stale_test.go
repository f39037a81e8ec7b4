package browsertest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
)

// TestStaleEditInBrowser: the agent's case page is older than the case
// (the supervisor escalated it meanwhile); "Mark resolved" shows the
// stale-edit screen with the supervisor's change, and re-applying works.
func TestStaleEditInBrowser(t *testing.T) {
	env := Start(t, Options{})
	n := 0
	deskPut(t, env, &n, "fight outside the bar on 100 ft road "+xss[0])
	var id int64
	env.App.DB.Read.QueryRow("SELECT min(id) FROM cases").Scan(&id)
	cp := fmt.Sprintf("/desk/cases/%d", id)

	a := env.Browser(t)
	a.Login(auth.RoleAgent)
	a.Go(cp)
	sup := env.Browser(t)
	sup.Login(auth.RoleSupervisor)
	sup.Go(cp)
	sup.Select("#esc-unit", fmt.Sprint(env.Unit))
	sup.Fill("#esc-note", "Patrol on the way "+xss[2])
	sup.Submit(`#escalate button[type=submit]`)

	a.Submit(`form[action$="/status"]:has(input[value=resolved]) button[type=submit]`)
	a.pwned()
	if !strings.Contains(a.Text("main"), "changed while you were working on it") || !strings.Contains(a.Text("main"), "Patrol on the way") {
		t.Fatalf("no stale-edit screen: %s", a.Text("main"))
	}
	a.Snap("desk-case-stale")
	a.Submit(`.stale form button[type=submit]`)
	if !strings.Contains(a.Text(".case-head"), "Resolved") {
		t.Fatalf("re-applied change missing: %s", a.Text(".case-head"))
	}
	a.CheckCSP()
}
