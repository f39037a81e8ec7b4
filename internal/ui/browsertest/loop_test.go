package browsertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/connector/whatsapp/wafake"
	"github.com/kaval-desk/kaval/internal/desk"
)

// waChannel connects a WhatsApp channel to a local fake of the Graph API
// (the platform faked only at the network edge) through the API, and
// returns its webhook URL.
func waChannel(t *testing.T, env *Env, fake *wafake.Server, appSecret, token, verify string) string {
	t.Helper()
	_, bearer, err := env.App.Auth.CreateToken(t.Context(), env.Users[auth.RoleAdmin].ID, "walk-through", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"platform": "whatsapp", "name": "Helpline WhatsApp",
		"config":  map[string]string{"graph_url": fake.GraphURL(), "phone_number_id": fake.PhoneNumberID()},
		"secrets": map[string]string{"app_secret": appSecret, "token": token, "verify_token": verify}})
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/channels", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var ch struct {
		WebhookURL string `json:"webhook_url"`
	}
	if res.StatusCode != 201 || json.Unmarshal(b, &ch) != nil || ch.WebhookURL == "" {
		t.Fatalf("create channel: %d %s", res.StatusCode, b)
	}
	if err := fake.Handshake(t.Context(), ch.WebhookURL); err != nil {
		t.Fatal(err)
	}
	return ch.WebhookURL
}

// waitFor polls ok until it holds or 20 s pass.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	waitUpTo(t, 20*time.Second, what, ok)
}

// waitUpTo is waitFor with its own limit, for conditions that wait on
// simulated traffic rather than on the desk.
func waitUpTo(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestReplyApprovalDeliveredLoop walks the whole loop of one WhatsApp
// conversation in Chromium, the platform faked only at the network edge:
// a citizen writes; an agent replies with a template (the draft keeps
// {name}: a private citizen's name is never shown to the agent); the reply
// waits for a supervisor, who approves it in the approvals queue; WhatsApp
// takes it and reports it delivered, and the case shows "Delivered". The
// agent escalates to Jayanagar; the station officer, working in Kannada,
// records the FIR; the desk is prompted to tell the citizen and does (the
// reply approved and delivered again); the citizen's public status page
// shows the FIR and the reply, in Kannada too, without personal data.
func TestReplyApprovalDeliveredLoop(t *testing.T) {
	env := Start(t, Options{})
	ctx := t.Context()
	const appSecret, token, verify = "wa-app-secret-loop", "EAAG-loop-token", "verify-loop"
	fake := wafake.New(wafake.Options{AppSecret: appSecret, Token: token, VerifyToken: verify})
	defer fake.Close()
	hook := waChannel(t, env, fake, appSecret, token, verify)

	const citizen = "919812300077"
	msg := fake.Text(citizen, "Meera Rao", "A man follows me from the bus stop near Jayanagar 4th block every night "+xss[1], "", time.Time{})
	if code, err := fake.Deliver(ctx, hook, fake.Payload(msg)); err != nil || code != 200 {
		t.Fatalf("delivery: %d %v", code, err)
	}
	var caseID int64
	waitFor(t, "the WhatsApp case", func() bool {
		env.App.DB.Read.QueryRow(`SELECT id FROM cases WHERE platform = 'whatsapp'`).Scan(&caseID)
		return caseID != 0
	})
	cp := fmt.Sprintf("/desk/cases/%d", caseID)

	// A supervisor writes the templates.
	sup := env.Browser(t)
	sup.Login(auth.RoleSupervisor)
	for _, tpl := range []struct{ name, purpose, en, kn string }{
		{"Acknowledge", "acknowledge", "Dear {name}, we have your report {ref}. A patrol will contact you; in danger call 112.", "{name}, ನಿಮ್ಮ ದೂರು {ref} ಸ್ವೀಕರಿಸಿದ್ದೇವೆ."},
		{"Station acted", "station_action", "Update on {ref}: {action}.", "{ref} ಕುರಿತು: {action}."},
	} {
		sup.Go("/desk/templates")
		sup.Fill(`input[name=name]`, tpl.name)
		sup.Select(`select[name=purpose]`, tpl.purpose)
		sup.Fill(`textarea[name=body_en]`, tpl.en)
		sup.Fill(`textarea[name=body_kn]`, tpl.kn)
		sup.Submit(`form.stack button[type=submit]`)
	}
	var ackID, tellID int64
	env.App.DB.Read.QueryRow(`SELECT id FROM reply_templates WHERE name = 'Acknowledge'`).Scan(&ackID)
	env.App.DB.Read.QueryRow(`SELECT id FROM reply_templates WHERE name = 'Station acted'`).Scan(&tellID)
	if ackID == 0 || tellID == 0 {
		t.Fatal("the templates were not saved")
	}

	// The agent replies with the template.
	a := env.Browser(t)
	a.Login(auth.RoleAgent)
	a.Go(cp)
	a.pwned()
	a.Select("#tpl-lang", "en")
	a.Select("#tpl", fmt.Sprint(ackID))
	waitFor(t, "the template in the composer", func() bool {
		return strings.Contains(a.Eval(`document.querySelector("#reply-text").value`), "we have your report")
	})
	if v := a.Eval(`document.querySelector("#reply-text").value`); !strings.Contains(v, "Dear {name},") || strings.Contains(v, "Meera") {
		t.Fatalf("the agent's draft: %s", v)
	}
	a.Submit(`#reply button[type=submit]`)
	if !strings.Contains(a.Text(".replies"), "Awaiting approval") {
		t.Fatalf("the case does not show the reply waiting: %s", a.Text(".thread"))
	}
	if len(fake.Sent()) != 0 {
		t.Fatal("a reply awaiting approval was sent")
	}

	// The supervisor approves it in the approvals queue; WhatsApp takes it.
	approve := func(n int) {
		t.Helper()
		sup.Go("/desk/approvals")
		sup.pwned()
		if !sup.Exists(`.approval form input[value=approve]`) {
			t.Fatalf("nothing to approve: %s", sup.Text("main"))
		}
		if n == 1 {
			// The approver sees what the citizen wrote beside the reply.
			if asked := sup.Text(".approval .asked"); !strings.Contains(asked, "bus stop") {
				t.Fatalf("the approval lacks the citizen's message: %q", asked)
			}
			sup.Check("desk-approvals-waiting")
		}
		sup.Submit(`.approval form:has(input[value=approve]) button[type=submit]`)
		waitFor(t, "WhatsApp to receive the reply", func() bool { return len(fake.Sent()) == n })
		if err := fake.FlushStatuses(ctx, hook); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the delivery report", func() bool {
			var k int
			env.App.DB.Read.QueryRow(`SELECT count(*) FROM outbox WHERE case_id = $1 AND delivery_status = 'delivered'`, caseID).Scan(&k)
			return k == n
		})
	}
	approve(1)
	if got := fake.Sent()[0]; got.To != citizen || !strings.HasPrefix(got.Text, "Dear Meera Rao, we have your report BCP-") {
		t.Fatalf("WhatsApp got %+v", got)
	}
	a.Go(cp)
	if !strings.Contains(a.Text(".replies"), "Delivered") {
		t.Fatalf("the case does not show the delivery: %s", a.Text(".replies"))
	}
	if strings.Contains(a.Text("main"), "Meera") {
		t.Fatal("the agent sees the private citizen's name")
	}
	a.Snap("desk-case-delivered")

	// Escalate to Jayanagar.
	a.Select("#esc-unit", fmt.Sprint(env.Unit))
	a.Fill("#esc-note", "Woman followed at night, please send the patrol")
	a.Submit(`#escalate button[type=submit]`)

	// The station officer, in Kannada, records the FIR.
	s := env.Browser(t)
	s.Login(auth.RoleStationOfficer)
	s.Lang("kn")
	s.Go("/desk/station")
	if !s.Exists(fmt.Sprintf("#case-%d", caseID)) || !strings.Contains(s.Text("h1"), "ಠಾಣೆ") {
		t.Fatalf("the station's queue (Kannada): %s", s.Text("main"))
	}
	s.Go(cp)
	if lang := s.Eval(`document.documentElement.lang`); lang != `"kn"` {
		t.Fatalf("page language %s", lang)
	}
	s.Click(`input[name=action][value=fir_registered]`)
	s.Fill(`input[name=fir_number]`, "0777/2026")
	s.Submit(`#station-action button[type=submit]`)
	if !strings.Contains(s.Text(".timeline"), "ಎಫ್‌ಐಆರ್ ದಾಖಲಿಸಲಾಗಿದೆ") {
		t.Fatalf("the station's action is not on the Kannada timeline: %s", s.Text(".timeline"))
	}
	s.Snap("desk-station-acted")

	// The desk is prompted to tell the citizen, and does.
	a.Go(cp)
	if !a.Exists(".prompt") {
		t.Fatal("no prompt to tell the citizen")
	}
	a.Click(fmt.Sprintf(`.prompt a[href*="draft=%d"]`, tellID))
	if v := a.Eval(`document.querySelector("#reply-text").value`); !strings.Contains(v, "FIR 0777/2026") {
		t.Fatalf("the tell template: %s", v)
	}
	a.Submit(`#reply button[type=submit]`)
	approve(2)
	if got := fake.Sent()[1]; !strings.Contains(got.Text, "FIR 0777/2026") {
		t.Fatalf("WhatsApp got %+v", got)
	}

	// The citizen's status page shows it, in their language, without personal data.
	c, err := env.App.Desk.GetCase(ctx, caseID, desk.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	p := env.Browser(t)
	p.Go("/report/status?ref=" + c.Ref + "&code=" + desk.FormatStatusCode(c.StatusCode))
	body := p.Text("main")
	for _, want := range []string{c.Ref, "an FIR has been registered", "The police replied", "Jayanagar"} {
		if !strings.Contains(body, want) {
			t.Errorf("the status page lacks %q: %s", want, body)
		}
	}
	for _, private := range []string{"Meera", citizen, "bus stop", "0777/2026"} {
		if strings.Contains(body, private) {
			t.Errorf("the status page shows %q", private)
		}
	}
	p.Check("public-status-told")
	p.Go("/report/status?ref=" + c.Ref + "&code=" + desk.FormatStatusCode(c.StatusCode) + "&lang=kn")
	if body := p.Text("main"); !strings.Contains(body, "ಎಫ್‌ಐಆರ್") {
		t.Errorf("the Kannada status page: %s", body)
	}
	for _, b := range []*Browser{a, sup, s, p} {
		b.CheckCSP()
	}
}
