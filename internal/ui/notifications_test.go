package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/store"
)

// The bell counts a person's own notifications; opening one marks it read
// and goes where it points; citizen-ish text in a notification is inert.
func TestNotificationsPages(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		n := notify.New(db, notify.Config{}, notify.Options{})
		e.ui.NotifyPages(n)
		sup := e.users[auth.RoleSupervisor]
		id, _, err := n.Send(context.Background(), notify.Notification{Kind: "sla.breach", Severity: notify.Critical, Link: "/desk/cases/7",
			Text: map[string]notify.Text{"en": {Subject: "Case 7 breached <script>alert(1)</script>", Body: "Nobody answered"},
				"kn": {Subject: "ಪ್ರಕರಣ 7 ಗಡುವು ಮೀರಿದೆ"}}}, notify.Audience{Users: []int64{sup.ID}})
		if err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		b.login(auth.RoleSupervisor)
		page := b.get("/desk/notifications")
		if page.status != 200 || !strings.Contains(page.body, "/desk/notifications/bell") || !strings.Contains(page.body, `sse-connect="/desk/notifications/live"`) {
			t.Fatalf("page %d: bell slot missing: %s", page.status, page.body)
		}
		if strings.Contains(page.body, "<script>alert") || !strings.Contains(page.body, "Case 7 breached &lt;script&gt;") {
			t.Fatalf("subject not escaped")
		}
		if bell := b.get("/desk/notifications/bell"); !strings.Contains(bell.body, "1 unread") {
			t.Fatalf("bell: %s", bell.body)
		}
		b.post("/desk/lang", url.Values{"lang": {"kn"}})
		if kn := b.get("/desk/notifications"); !strings.Contains(kn.body, "ಪ್ರಕರಣ 7 ಗಡುವು ಮೀರಿದೆ") {
			t.Fatalf("Kannada text not shown")
		}
		// Someone else cannot open (mark read) it.
		other := e.browser()
		other.login(auth.RoleAgent)
		if r := other.post(fmt.Sprintf("/desk/notifications/%d/open", id), url.Values{}); r.status != http.StatusNotFound {
			t.Fatalf("agent opened the supervisor's notification: %d", r.status)
		}
		if bell := other.get("/desk/notifications/bell"); strings.Contains(bell.body, "unread") && !strings.Contains(bell.body, "visually-hidden") {
			t.Fatalf("agent's bell: %s", bell.body)
		}
		r := b.post(fmt.Sprintf("/desk/notifications/%d/open", id), url.Values{})
		if r.status != http.StatusSeeOther || r.hdr.Get("Location") != "/desk/cases/7" {
			t.Fatalf("open: %d %q", r.status, r.hdr.Get("Location"))
		}
		if k, _ := n.Unread(context.Background(), sup.ID); k != 0 {
			t.Fatalf("still unread")
		}
		// Contact: a bad address changes nothing, a good one is kept.
		b.post("/desk/notifications/contact", url.Values{"email": {"not an address"}})
		if c, _ := n.ContactOf(context.Background(), sup.ID); c.Email != "" {
			t.Fatalf("bad address stored")
		}
		b.post("/desk/notifications/contact", url.Values{"email": {"sup@example.org"}, "telegram_chat": {"-1001234"}})
		if c, _ := n.ContactOf(context.Background(), sup.ID); c.Email != "sup@example.org" || c.TelegramChat != "-1001234" {
			t.Fatalf("contact %+v", c)
		}
	})
}
