package alert

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/notify/smtpfake"
	"github.com/kaval-desk/kaval/internal/store"
)

// A new alert reaches a supervisor's e-mail (a local SMTP server), the
// signed webhook (a local receiver checks the signature) and the desk's
// bell; a repeat reaches nobody; an escalation reaches them again.
func TestAlertsAreDelivered(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		smtp, err := smtpfake.Start()
		if err != nil {
			t.Fatal(err)
		}
		defer smtp.Close()
		const secret = "a webhook secret of some length"
		var mu sync.Mutex
		var hooks []notify.WebhookPayload
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if err := notify.Verify(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
				t.Errorf("webhook: %v", err)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			var p notify.WebhookPayload
			json.Unmarshal(body, &p)
			mu.Lock()
			hooks = append(hooks, p)
			mu.Unlock()
		}))
		defer hook.Close()
		users := auth.New(db, auth.Config{Hash: auth.TestHashParams})
		sup, _, err := users.CreateUser(ctx, auth.NewUser{Username: "sunil", Role: auth.RoleSupervisor, Password: "a long enough password 1"})
		if err != nil {
			t.Fatal(err)
		}
		n := notify.New(db, notify.Config{BaseURL: "https://desk.example.org", SMTP: notify.SMTPConfig{Addr: smtp.Addr(), From: "kaval@desk.example.org"},
			Webhook: notify.WebhookConfig{URL: hook.URL + "/alerts", Secret: secret}}, notify.Options{})
		if _, err := n.SetContact(ctx, sup.ID, notify.Contact{Email: "sunil@example.org"}); err != nil {
			t.Fatal(err)
		}
		s := New(db, Options{Notify: n})
		deliver := func() {
			t.Helper()
			for i := 0; i < 10; i++ {
				if k, err := n.DeliverDue(ctx); err != nil || k == 0 {
					return
				}
			}
		}
		a, _, err := s.Raise(ctx, spike(Warning, 9))
		if err != nil {
			t.Fatal(err)
		}
		deliver()
		s.Raise(ctx, spike(Warning, 11)) // a repeat: nobody told
		deliver()
		if len(smtp.Messages()) != 1 || len(hooks) != 1 {
			t.Fatalf("%d mails, %d webhooks after a new alert and a repeat", len(smtp.Messages()), len(hooks))
		}
		m := smtp.Messages()[0]
		if !strings.Contains(m.Data, "Chain snatching, Koramangala") || !strings.Contains(strings.Join(m.To, ","), "sunil@example.org") {
			t.Fatalf("mail: %+v", m)
		}
		if h := hooks[0]; h.Kind != "alert.spike.query" || h.Severity != Warning || !strings.HasSuffix(h.Link, "/desk/watch/alerts#alert-"+itoa(a.ID)) ||
			!strings.Contains(h.Text["kn"].Subject, "ಏರಿಕೆ") {
			t.Fatalf("webhook: %+v", h)
		}
		if k, _ := n.Unread(ctx, sup.ID); k != 1 {
			t.Fatalf("bell: %d unread", k)
		}
		s.Raise(ctx, spike(Critical, 40))
		deliver()
		if len(smtp.Messages()) != 2 || len(hooks) != 2 || hooks[1].Severity != Critical {
			t.Fatalf("escalation: %d mails, %+v", len(smtp.Messages()), hooks)
		}
	})
}
