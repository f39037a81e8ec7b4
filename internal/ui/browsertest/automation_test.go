package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/app"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/channel"
	"github.com/kaval-desk/kaval/internal/connector/telegram"
	"github.com/kaval-desk/kaval/internal/connector/telegram/tgfake"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/notify/smtpfake"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// TestAutomation: a supervisor writes a rule that acknowledges citizens
// on Telegram; a citizen's message arrives through the bot's webhook and
// is acknowledged on its own, the reply visible on the case; the case
// then breaches its SLA and the alert reaches the supervisor's bell live
// (and their e-mail, and the desk's Telegram chat).
func TestAutomation(t *testing.T) {
	const token = "7000000001:AAH-automation"
	const alertChat = -1002000000077
	fake := tgfake.New(token)
	defer fake.Close()
	fake.Know(telegram.Chat{ID: alertChat, Type: "supergroup", Title: "Shift supervisors"}, 1)
	mail, err := smtpfake.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	envVars := map[string]string{
		"KAVAL_SMTP_ADDR": mail.Addr(), "KAVAL_SMTP_FROM": "desk@kaval.test",
		"KAVAL_TELEGRAM_BOT_TOKEN": token, "KAVAL_TELEGRAM_CHAT_ID": fmt.Sprint(alertChat), "KAVAL_TELEGRAM_API_URL": fake.URL(),
	}
	env := Start(t, Options{Configure: func(c *app.Config) { c.Getenv = func(k string) string { return envVars[k] } }})
	ctx := context.Background()
	a := env.App
	sup := env.Users[auth.RoleSupervisor]
	if _, err := a.Notify.SetContact(ctx, sup.ID, notify.Contact{Email: "suresh@kaval.test"}); err != nil {
		t.Fatal(err)
	}
	ch, err := a.Channels.Create(ctx, channel.Spec{Platform: post.Telegram, Name: "BCP bot",
		Config:  map[string]string{"api_url": fake.URL(), "mode": "webhook"},
		Secrets: channel.Secrets{"bot_token": token, "webhook_secret": "hook-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Manager.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	tpls, err := a.Desk.Templates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ackID int64
	for _, tp := range tpls {
		if tp.Name == "Helpline" { // no station needed: the acknowledgement goes out as is
			ackID = tp.ID
		}
	}

	// The supervisor writes the rule.
	b := env.Browser(t)
	b.Login(auth.RoleSupervisor)
	b.Go("/desk/admin/rules")
	b.Check("rules-empty")
	b.Go("/desk/admin/rules/new")
	b.Check("rule-new")
	b.Fill("#r-name", "Acknowledge Telegram citizens")
	b.Fill("#r-plat", "telegram")
	b.Select("#r-ack", fmt.Sprint(ackID))
	b.Submit(`.rule-submit button.primary`)
	if loc := b.Location(); !strings.HasSuffix(loc, "/desk/admin/rules") {
		t.Fatalf("after saving the rule: %s: %s", loc, b.Text("main"))
	}
	b.Check("rules-list")

	// A citizen writes to the bot.
	update := []byte(`{"update_id":1,"message":{"message_id":7,"date":` + fmt.Sprint(time.Now().Unix()) + `,"chat":{"id":4242,"type":"private","first_name":"Asha"},"from":{"id":4242,"is_bot":false,"first_name":"Asha"},"text":"My scooter was stolen outside Jayanagar 4th block metro"}}`)
	fake.Know(telegram.Chat{ID: 4242, Type: "private"}, 7)
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/hooks/%d", env.URL, ch.ID), bytes.NewReader(update))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "hook-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("webhook: %v %v", res, err)
	}
	res.Body.Close()

	// The acknowledgement goes out on its own.
	var caseID int64
	waitLong(t, 60*time.Second, "the acknowledgement to be sent", func() bool {
		var state string
		err := a.DB.Read.QueryRow(`SELECT o.case_id, o.state FROM outbox o WHERE o.idempotency_key LIKE 'rule-ack:%'`).Scan(&caseID, &state)
		return err == nil && state == "sent"
	})
	sent := fake.Sent()
	if len(sent) != 1 || sent[0].ChatID != 4242 || !strings.Contains(sent[0].Text, "We have noted your message") {
		t.Fatalf("the citizen got %+v", sent)
	}
	b.Go(fmt.Sprintf("/desk/cases/%d", caseID))
	if txt := b.Text("main"); !strings.Contains(txt, "We have noted your message") {
		t.Fatalf("the acknowledgement is not on the case: %s", txt)
	}
	b.Check("case-auto-acknowledged")

	// The case waits too long: its resolution deadline passes, the sweep
	// raises the breach, and the supervisor's bell (on an open page, no
	// reload) counts it.
	b.Go("/desk/admin/rules")
	waitLong(t, 10*time.Second, "the bell", func() bool { return b.Exists(".bell") })
	old := store.Millis(time.Now().Add(-8 * 24 * time.Hour))
	if _, err := a.DB.Write.Exec(`UPDATE cases SET created_at = $1 WHERE id = $2`, old, caseID); err != nil {
		t.Fatal(err)
	}
	// (The app's own sweep may get there first: either way one breach.)
	if _, err := a.Sweeper.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	waitLong(t, 20*time.Second, "the bell to count the breach", func() bool {
		return strings.Contains(b.Text(".bell"), "1 unread")
	})
	b.Go("/desk/notifications")
	if txt := b.Text("main"); !strings.Contains(txt, "missed its resolution target") {
		t.Fatalf("notifications page: %s", txt)
	}
	b.Check("notifications-breach")
	waitLong(t, 30*time.Second, "the breach by e-mail and Telegram", func() bool {
		tg := 0
		for _, s := range fake.Sent() {
			if s.ChatID == alertChat && strings.Contains(s.Text, "missed its resolution target") {
				tg++
			}
		}
		return tg == 1 && len(mail.Messages()) == 1
	})
	notes, err := a.Notify.List(ctx, sup.ID, true, 0, 10)
	if err != nil || len(notes) == 0 {
		t.Fatalf("notifications %+v %v", notes, err)
	}
	var breachID int64
	for _, n := range notes {
		if n.Kind == "sla.breach" {
			breachID = n.ID
		}
	}
	b.Submit(fmt.Sprintf("#note-%d .note-open button", breachID))
	if loc := b.Location(); !strings.HasSuffix(loc, fmt.Sprintf("/desk/cases/%d", caseID)) {
		t.Fatalf("opening the notification went to %s", loc)
	}
	if k, _ := a.Notify.Unread(ctx, sup.ID); k != len(notes)-1 {
		t.Fatalf("the opened notification is still unread (%d of %d)", k, len(notes))
	}
	// The SLA pages a supervisor uses next.
	b.Go("/desk/admin/sla")
	b.Check("sla-settings")
	b.Go("/desk/reports/sla?by=platform&from=" + time.Now().AddDate(0, 0, -10).Format(time.DateOnly))
	if txt := b.Text("main"); !strings.Contains(txt, "telegram") {
		t.Fatalf("breach report: %s", txt)
	}
	b.Check("sla-breach-report")
}

// waitLong is waitFor with its own bound (the outbox and the live bell
// take seconds on a loaded machine).
func waitLong(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
