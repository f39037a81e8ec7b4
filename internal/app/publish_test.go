package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/mastodon/mastofake"
	"github.com/kaval-desk/kaval/internal/store"
)

// pubItemJSON is an outbox item as the API shows a post.
type pubItemJSON struct {
	ID             int64
	Kind           string
	State          string
	ChannelID      int64 `json:"channel_id"`
	Text           string
	IdempotencyKey string `json:"idempotency_key"`
	NeedsApproval  bool   `json:"needs_approval"`
	CreatedBy      int64  `json:"created_by"`
	ApprovedBy     int64  `json:"approved_by"`
	ExternalID     string `json:"external_id"`
	URL            string
	LastError      string    `json:"last_error"`
	NextAttemptAt  time.Time `json:"next_attempt_at"`
	SentAt         time.Time `json:"sent_at"`
}

// waitPost waits for outbox item id to reach state.
func (a *apiRec) waitPost(t *testing.T, id int64, state string) pubItemJSON {
	t.Helper()
	return waitOutbox[pubItemJSON](t, a, id, state)
}

// An agent composes a post on the force's Mastodon account through the
// real HTTP API; it waits (the outbox worker is running) until a
// supervisor approves it, then the connector publishes it exactly once on
// the fake instance, and the item records the platform's id.
func TestPublishEndToEnd(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newRecordedApp(t, db)
		const token = "masto-token-Xy7Qp2-publish"
		fake := mastofake.New(token)
		defer fake.Close()

		var ch channelJSON
		if code := a.do(t, "admin", "POST", "/api/v1/channels", map[string]any{"platform": "mastodon", "name": "BCP on Mastodon", "check": true,
			"config":  map[string]string{"instance_url": fake.URL(), "stream": "none", "poll_interval": "off"},
			"secrets": map[string]string{"access_token": token}}, &ch); code != 201 || ch.Status != "active" {
			t.Fatalf("connect: %d %+v", code, ch)
		}
		posts := fmt.Sprintf("/api/v1/channels/%d/posts", ch.ID)

		// Roles without publish:write cannot compose.
		var e errJSON
		for _, role := range []string{"station_officer", "analyst"} {
			if code := a.do(t, role, "POST", posts, map[string]any{"text": "hello"}, &e); code != 403 || e.Error.Code != "forbidden" {
				t.Fatalf("%s composes: %d %+v", role, code, e)
			}
		}

		text := "Traffic advisory: Hosur Road flyover closed for repairs tonight 11 p.m.–5 a.m.; please use the service road. ಸಹಕಾರಕ್ಕೆ ಧನ್ಯವಾದಗಳು"
		var it pubItemJSON
		if code := a.do(t, "agent", "POST", posts, map[string]any{"text": text}, &it); code != 201 {
			t.Fatalf("compose: %d %+v", code, it)
		}
		if it.Kind != "publish" || it.State != "awaiting_approval" || !it.NeedsApproval || it.ChannelID != ch.ID ||
			it.CreatedBy != a.users["agent"] || it.Text != text {
			t.Fatalf("queued: %+v", it)
		}

		// It waits: the worker runs (it polls every second) but sends
		// nothing unapproved. Nobody but another approver can release it.
		time.Sleep(1500 * time.Millisecond)
		if got := a.waitPost(t, it.ID, "awaiting_approval"); got.ExternalID != "" {
			t.Fatalf("unapproved item: %+v", got)
		}
		if n := len(fake.Posted()); n != 0 {
			t.Fatalf("the instance got %d posts before approval", n)
		}
		if code := a.do(t, "agent", "POST", fmt.Sprintf("/api/v1/outbox/%d/approve", it.ID), nil, &e); code != 403 {
			t.Fatalf("the agent approves their own post: %d %+v", code, e)
		}

		var approved pubItemJSON
		if code := a.do(t, "supervisor", "POST", fmt.Sprintf("/api/v1/outbox/%d/approve", it.ID), nil, &approved); code != 200 ||
			approved.ApprovedBy != a.users["supervisor"] {
			t.Fatalf("approve: %d %+v", code, approved)
		}
		sent := a.waitPost(t, it.ID, "sent")
		got := fake.Posted()
		if len(got) != 1 {
			t.Fatalf("the instance got %d posts, want 1: %+v", len(got), got)
		}
		st := got[0]
		if st.Status.Content != "<p>"+text+"</p>" || st.Status.InReplyToID != "" || st.Status.Visibility != "public" ||
			st.IdempotencyKey != it.IdempotencyKey || st.Replayed != 0 {
			t.Fatalf("posted %+v (key %q), want a public status with the text and key %q", st.Status, st.IdempotencyKey, it.IdempotencyKey)
		}
		if sent.ExternalID != st.Status.ID || sent.URL != st.Status.URL || sent.SentAt.IsZero() {
			t.Fatalf("sent item %+v, platform status %s %s", sent, st.Status.ID, st.Status.URL)
		}

		// A scheduled post, approved at once by another approver, is sent
		// only once its time has come.
		at := time.Now().Add(3 * time.Second).Truncate(time.Second).Add(time.Second)
		var sched pubItemJSON
		if code := a.do(t, "supervisor", "POST", posts, map[string]any{"text": "Reminder: dial 112 in any emergency, 24×7.",
			"not_before": at.Format(time.RFC3339)}, &sched); code != 201 || !sched.NextAttemptAt.Equal(at) || sched.State != "awaiting_approval" {
			t.Fatalf("schedule: %d %+v (want next attempt %v)", code, sched, at)
		}
		if code := a.do(t, "supervisor", "POST", fmt.Sprintf("/api/v1/outbox/%d/approve", sched.ID), nil, &e); code != 403 || e.Error.Code != "own_item" {
			t.Fatalf("the supervisor approves their own post: %d %+v", code, e)
		}
		if code := a.do(t, "admin", "POST", fmt.Sprintf("/api/v1/outbox/%d/approve", sched.ID), nil, &sched); code != 200 || sched.State != "pending" {
			t.Fatalf("admin approves: %d %+v", code, sched)
		}
		done := a.waitPost(t, sched.ID, "sent")
		if done.SentAt.Before(at) {
			t.Fatalf("scheduled for %v, sent at %v", at, done.SentAt)
		}
		if got := fake.Posted(); len(got) != 2 || !strings.Contains(got[1].Status.Content, "dial 112") {
			t.Fatalf("after the scheduled post the instance has %+v", got)
		}

		// The publishing queue and the audit trail.
		var list struct{ Items []pubItemJSON }
		if a.do(t, "agent", "GET", "/api/v1/outbox?kind=publish&state=sent", nil, &list); len(list.Items) != 2 {
			t.Fatalf("sent posts: %+v", list.Items)
		}
		var audit []struct {
			Action, Actor, Target string
			Details               map[string]any
		}
		a.do(t, "admin", "GET", "/api/v1/audit?action=publish.&limit=100", nil, &audit)
		if len(audit) != 2 || audit[1].Target != fmt.Sprintf("outbox:%d", it.ID) || audit[1].Actor != "agent" || audit[1].Details["platform"] != "mastodon" {
			t.Fatalf("publish audit: %+v", audit)
		}
		a.do(t, "admin", "GET", fmt.Sprintf("/api/v1/audit?action=outbox.approve&target=outbox:%d", it.ID), nil, &audit)
		if len(audit) != 1 || audit[0].Actor != "supervisor" || audit[0].Details["kind"] != "publish" {
			t.Fatalf("approve audit: %+v", audit)
		}
		a.noSecrets(t, token)
	})
}
