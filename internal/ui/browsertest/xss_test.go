package browsertest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/connector/whatsapp/wafake"
)

// TestStoredXSSInertEverywhere: every stored-XSS payload, arriving as a
// citizen's WhatsApp messages and then carried into a template, an
// internal note, a reply awaiting approval and a search, renders as text
// on every page it reaches (inbox, search, case, notes and mentions,
// templates, approvals), runs nothing, and causes zero CSP violations.
func TestStoredXSSInertEverywhere(t *testing.T) {
	env := Start(t, Options{})
	ctx := t.Context()
	const appSecret, token, verify = "wa-app-secret-xss", "EAAG-xss-token", "verify-xss"
	fake := wafake.New(wafake.Options{AppSecret: appSecret, Token: token, VerifyToken: verify})
	defer fake.Close()
	hook := waChannel(t, env, fake, appSecret, token, verify)
	for i, x := range xss {
		msg := fake.Text(fmt.Sprint("9198450000", 10+i), x, x+" near Jayanagar", "", time.Time{})
		if code, err := fake.Deliver(ctx, hook, fake.Payload(msg)); err != nil || code != 200 {
			t.Fatalf("delivery: %d %v", code, err)
		}
	}
	var caseID int64
	waitFor(t, "the cases", func() bool {
		var k int
		env.App.DB.Read.QueryRow(`SELECT count(*), min(id) FROM cases`).Scan(&k, &caseID)
		return k == len(xss)
	})
	cp := fmt.Sprintf("/desk/cases/%d", caseID)
	all := strings.Join(xss, " ")

	sup := env.Browser(t)
	sup.Login(auth.RoleSupervisor)
	sup.Go("/desk/templates")
	sup.Fill(`input[name=name]`, xss[0])
	sup.Fill(`textarea[name=body_en]`, all+" {ref}")
	sup.Submit(`form.stack button[type=submit]`)
	sup.pwned()
	sup.Go("/desk/templates")
	sup.pwned()

	a := env.Browser(t)
	a.Login(auth.RoleAgent)
	for _, path := range []string{"/desk/inbox", "/desk/inbox?q=" + url.QueryEscape(xss[0]), "/desk/inbox?q=" + url.QueryEscape(`"><svg onload=window.__pwned=9>`), "/desk/inbox?q=Jayanagar", cp} {
		a.Go(path)
		a.pwned()
	}
	// The template into the composer, sent: it waits for approval.
	var tpl int64
	env.App.DB.Read.QueryRow(`SELECT id FROM reply_templates`).Scan(&tpl)
	a.Select("#tpl", fmt.Sprint(tpl))
	waitFor(t, "the draft", func() bool { return strings.Contains(a.Eval(`document.querySelector("#reply-text").value`), "BCP-") })
	a.pwned()
	a.Submit(`#reply button[type=submit]`)
	a.pwned()
	a.Fill("#note-text", "@supervisor look "+all)
	a.Submit(`#note button[type=submit]`)
	a.pwned()
	a.Go(cp)
	a.pwned()

	for _, path := range []string{"/desk/approvals", "/desk/mentions", cp, "/desk/inbox"} {
		sup.Go(path)
		sup.pwned()
	}
	sup.Go("/desk/approvals")
	if !sup.Exists(".approval") {
		t.Fatalf("the hostile reply is not in the approvals queue: %s", sup.Text("main"))
	}
	sup.Snap("desk-approvals-hostile")
	for _, b := range []*Browser{a, sup} {
		b.CheckCSP()
	}
}
