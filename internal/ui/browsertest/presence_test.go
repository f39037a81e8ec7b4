package browsertest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kaval-desk/kaval/internal/auth"
)

// TestPresenceWarning: with a case open in two browsers, each sees that
// the other has it open, and the supervisor sees the agent typing a reply
// (the composer's beats), without reloading.
func TestPresenceWarning(t *testing.T) {
	env := Start(t, Options{})
	n := 0
	deskPut(t, env, &n, "water logging under the Silk Board flyover")
	var id int64
	env.App.DB.Read.QueryRow("SELECT min(id) FROM cases").Scan(&id)
	cp := fmt.Sprintf("/desk/cases/%d", id)

	a := env.Browser(t)
	a.Login(auth.RoleAgent)
	a.Go(cp)
	sup := env.Browser(t)
	sup.Login(auth.RoleSupervisor)
	sup.Go(cp)
	waitFor(t, "the supervisor to see the agent on the case", func() bool {
		return strings.Contains(sup.Text("#presence"), "Anita Agent")
	})
	waitFor(t, "the agent to see the supervisor on the case", func() bool {
		return strings.Contains(a.Text("#presence"), "Suresh Supervisor")
	})
	// From here the supervisor's warning has no poll of its own: only the
	// live stream can change it.
	sup.Eval(`(function () { var p = document.getElementById("presence"), c = p.cloneNode(true);
		c.removeAttribute("hx-post"); c.removeAttribute("hx-trigger"); p.replaceWith(c); return "ok"; })()`)
	a.Run(chromedp.Click(chromedp.CSS("#reply-text")), chromedp.SendKeys(chromedp.CSS("#reply-text"), "We are sending"))
	waitFor(t, "the supervisor to see the agent typing (pushed)", func() bool {
		return strings.Contains(sup.Text("#presence"), "typing")
	})
	sup.Snap("desk-case-presence")
	// The agent stops typing: the composer says so a few seconds later.
	waitFor(t, "the typing warning to clear (pushed)", func() bool {
		s := sup.Text("#presence")
		return strings.Contains(s, "Anita Agent") && !strings.Contains(s, "typing")
	})
	a.CheckCSP()
	// The agent leaves the case: gone at once.
	a.Go("/desk/inbox")
	waitFor(t, "the agent's presence to clear (pushed)", func() bool {
		return !strings.Contains(sup.Text("#presence"), "Anita Agent")
	})
	sup.CheckCSP()
}
