package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/kaval-desk/kaval/internal/connector/telegram"
	"github.com/kaval-desk/kaval/internal/connector/telegram/tgfake"
	"github.com/kaval-desk/kaval/internal/store"
)

// stateCase is the part of a case the reply-state tests read.
type stateCase struct {
	ID              int64
	Ref             string
	Status          string
	StatusCode      string     `json:"status_code"`
	FirstResponseAt *time.Time `json:"first_response_at"`
	ReplyFailed     bool       `json:"reply_failed"`
}

type stateDetail struct {
	Case     stateCase
	Timeline []struct {
		Kind string
		Body map[string]any
	}
}

func (d stateDetail) events(kind string) []map[string]any {
	var out []map[string]any
	for _, e := range d.Timeline {
		if e.Kind == kind {
			out = append(out, e.Body)
		}
	}
	return out
}

// telegramCase connects a Telegram bot channel to fake, delivers one
// citizen message from a group through the webhook and returns the case.
func telegramCase(t *testing.T, a *apiRec, fake *tgfake.Server, text string) (channelID int64, c caseJSON) {
	t.Helper()
	const secret = "hook-secret-states"
	var ch channelJSON
	if code := a.do(t, "admin", "POST", "/api/v1/channels", map[string]any{"platform": "telegram", "name": "Police bot",
		"config":  map[string]string{"api_url": fake.URL(), "mode": "webhook"},
		"secrets": map[string]string{"bot_token": "7000000002:AAStates", "webhook_secret": secret}}, &ch); code != 201 {
		t.Fatalf("create channel: %d %+v", code, ch)
	}
	fake.SetWebhook(a.srv.URL+ch.WebhookPath, secret)
	fake.PushMessage(telegram.Message{Chat: telegram.Chat{ID: -1001234500001, Type: "supergroup", Title: "HSR residents"},
		From: &telegram.User{ID: 5151, FirstName: "Ravi", Username: "ravi_hsr"}, Text: text})
	if st, err := fake.DeliverPending(context.Background()); err != nil || len(st) != 1 || st[0] != 200 {
		t.Fatalf("webhook delivery: %v %v", st, err)
	}
	return ch.ID, a.waitCase(t, "telegram")
}

func counter(t *testing.T, a *apiRec, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := a.Web.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for k, v := range labels {
				if !hasLabel(m, k, v) {
					continue metrics
				}
			}
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

func hasLabel(m *dto.Metric, k, v string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == k && strings.HasPrefix(l.GetValue(), v) {
			return true
		}
	}
	return false
}

// TestReplyStatesFollowThePlatform: a reply the platform refused neither
// stops the first-response clock nor counts as an answer; it is logged
// with the platform's reason, counted, put on the timeline and raised on
// the case. The next reply the platform accepts stops the clock, opens
// the new case (with a status event) and lowers the flag.
func TestReplyStatesFollowThePlatform(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newRecordedApp(t, db)
		fake := tgfake.New("7000000002:AAStates")
		defer fake.Close()
		_, c := telegramCase(t, a, fake, "@KavalPoliceBot streetlights on 27th Main HSR have been off for a week, please check")
		path := fmt.Sprintf("/api/v1/cases/%d", c.ID)
		before := counter(t, a, "kaval_outbox_failures_total", map[string]string{"platform": "telegram", "kind": "reply"})

		fake.FailNext("sendMessage", tgfake.Failure{Status: 400, Description: "Bad Request: chat not found"})
		var it itemJSON
		if code := a.do(t, "agent", "POST", path+"/replies", map[string]any{"text": "Thank you, we have told BESCOM and the HSR Layout station."}, &it); code != 201 {
			t.Fatalf("reply: %d %+v", code, it)
		}
		failed := a.waitItem(t, it.ID, "failed")
		if !strings.Contains(failed.LastError, "chat not found") {
			t.Fatalf("failed item keeps no platform reason: %+v", failed)
		}
		var d stateDetail
		a.do(t, "supervisor", "GET", path, nil, &d)
		if d.Case.Status != "new" || d.Case.FirstResponseAt != nil || !d.Case.ReplyFailed {
			t.Fatalf("after a failed reply the case is %+v; want new, clock running, reply_failed", d.Case)
		}
		ev := d.events("reply_failed")
		if len(ev) != 1 || ev[0]["outbox_id"] != float64(it.ID) || !strings.Contains(fmt.Sprint(ev[0]["reason"]), "chat not found") ||
			ev[0]["class"] != "permanent" || len(d.events("reply_sent")) != 0 || len(d.events("reply_queued")) != 1 {
			t.Fatalf("timeline after a failed reply: %+v", d.Timeline)
		}
		var page struct{ Cases []stateCase }
		if a.do(t, "agent", "GET", "/api/v1/cases?reply_failed=true", nil, &page); len(page.Cases) != 1 || page.Cases[0].ID != c.ID {
			t.Fatalf("cases?reply_failed=true: %+v", page.Cases)
		}
		statusPage := func() string {
			t.Helper()
			code, body := publicGet(t, a.testApp, "/report/status?ref="+d.Case.Ref+"&code="+d.Case.StatusCode)
			if code != 200 {
				t.Fatalf("status page: %d", code)
			}
			return body
		}
		if body := statusPage(); strings.Contains(body, "The police replied") {
			t.Fatal("the public status page says the police replied when the reply failed")
		}
		if n := counter(t, a, "kaval_outbox_failures_total", map[string]string{"platform": "telegram", "kind": "reply", "reason": "permanent"}); n != before+1 {
			t.Fatalf("failures counted %v, want %v", n, before+1)
		}
		if logs := a.logs.String(); !strings.Contains(logs, "chat not found") || !strings.Contains(logs, `"outbox":`+fmt.Sprint(it.ID)) {
			t.Fatalf("the failure is not logged with the platform's reason:\n%s", logs)
		}

		// The next reply goes out.
		var ok itemJSON
		if code := a.do(t, "agent", "POST", path+"/replies", map[string]any{"text": "BESCOM and HSR Layout station are informed. Reference {ref}, status code {status_code}: {status_url}"}, &ok); code != 201 {
			t.Fatalf("second reply: %d %+v", code, ok)
		}
		a.waitItem(t, ok.ID, "sent")
		// The acknowledgement carries the reference, the code and the link.
		sentMsgs := fake.Sent()
		got := sentMsgs[len(sentMsgs)-1].Text
		code := d.Case.StatusCode[:5] + "-" + d.Case.StatusCode[5:]
		if want := "Reference " + d.Case.Ref + ", status code " + code + ": /report/status?code=" + code + "&ref=" + d.Case.Ref; !strings.HasSuffix(got, want) {
			t.Fatalf("sent %q, want it to end %q", got, want)
		}
		a.do(t, "supervisor", "GET", path, nil, &d)
		if d.Case.Status != "open" || d.Case.FirstResponseAt == nil || d.Case.ReplyFailed {
			t.Fatalf("after a sent reply the case is %+v; want open, clock stopped, no reply_failed", d.Case)
		}
		if sent := d.events("reply_sent"); len(sent) != 1 || sent[0]["outbox_id"] != float64(ok.ID) || sent[0]["external_id"] == nil {
			t.Fatalf("reply_sent events: %+v", sent)
		}
		st := d.events("status")
		if len(st) != 1 || st[0]["from"] != "new" || st[0]["to"] != "open" || st[0]["reason"] != "reply_sent" {
			t.Fatalf("status events: %+v", st)
		}
		if a.do(t, "agent", "GET", "/api/v1/cases?reply_failed=true", nil, &page); len(page.Cases) != 0 {
			t.Fatalf("cases?reply_failed=true after a sent reply: %+v", page.Cases)
		}
		if body := statusPage(); !strings.Contains(body, "The police replied") || !strings.Contains(body, "Being handled") {
			t.Fatalf("the public status page after a sent reply:\n%s", body)
		}
	})
}
