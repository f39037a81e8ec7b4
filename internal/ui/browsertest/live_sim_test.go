package browsertest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/connector/whatsapp/wafake"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate"
)

// TestInboxLiveWhileSimulatorSends: an agent's inbox is open while the
// simulator (the load generator of `kaval simulate` and `kaval demo`)
// sends signed WhatsApp Cloud webhooks to the desk; every new case appears
// in the open page without a reload.
func TestInboxLiveWhileSimulatorSends(t *testing.T) {
	env := Start(t, Options{})
	const appSecret, token, verify = "wa-app-secret-sim", "EAAG-sim-token", "verify-sim"
	fake := wafake.New(wafake.Options{AppSecret: appSecret, Token: token, VerifyToken: verify})
	defer fake.Close()
	hook := waChannel(t, env, fake, appSecret, token, verify)

	a := env.Browser(t)
	a.Login(auth.RoleAgent)
	a.Go("/desk/inbox")
	a.Eval(`window.__sameDocument = 1`)
	time.Sleep(300 * time.Millisecond) // the EventSource connects

	const n = 6
	start := time.Now()
	rep, err := simulate.Run(t.Context(), simulate.Config{Target: env.URL, Rate: 3, Count: n, Seed: 11, Workers: 2,
		Channels: map[string]simulate.Channel{post.WhatsApp: {URL: hook, Secret: appSecret}},
		Mix:      map[string]float64{post.WhatsApp: 1}})
	if err != nil || rep.Accepted == 0 || rep.Rejected+rep.Errors > 0 {
		t.Fatalf("simulator: %v\n%s", err, rep)
	}
	var cases int
	waitFor(t, "the simulated cases on the desk", func() bool {
		env.App.DB.Read.QueryRow(`SELECT count(*) FROM cases WHERE platform = 'whatsapp'`).Scan(&cases)
		var left int
		env.App.DB.Read.QueryRow("SELECT count(*) FROM posts WHERE stage < 2").Scan(&left)
		return cases > 0 && left == 0
	})
	waitFor(t, fmt.Sprintf("%d live rows in the open inbox", cases), func() bool {
		got, _ := strconv.Atoi(strings.Trim(a.Eval(`document.querySelectorAll("tr.case-row").length`), `"`))
		return got >= cases
	})
	t.Logf("%d events sent, %d cases live in the open inbox %v after the simulator started", rep.Events, cases, time.Since(start).Round(time.Millisecond))
	if a.Eval(`String(window.__sameDocument)`) != `"1"` {
		t.Fatal("the inbox reloaded: the rows did not arrive live")
	}
	a.pwned()
	a.Snap("desk-inbox-live")
}
