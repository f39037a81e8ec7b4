package whatsapp_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/connector/whatsapp"
	"github.com/kaval-desk/kaval/internal/connector/whatsapp/wafake"
	"github.com/kaval-desk/kaval/internal/post"
)

const (
	appSecret = "wa-app-secret"
	token     = "system-user-token"
	verify    = "wa-verify"
)

type rig struct {
	f    *wafake.Server
	c    *whatsapp.Connector
	sink *conntest.Sink
	cp   *conntest.Checkpoints
	st   *memStatuses
	hook *httptest.Server
	now  time.Time
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{sink: conntest.NewSink(), cp: conntest.NewCheckpoints(), st: &memStatuses{}, now: time.Date(2026, 8, 20, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return r.now }
	r.f = wafake.New(wafake.Options{AppSecret: appSecret, Token: token, VerifyToken: verify, Now: clock})
	t.Cleanup(r.f.Close)
	c, err := connector.New(connector.Channel{ID: 9, Platform: post.WhatsApp,
		Config:  map[string]string{"graph_url": r.f.GraphURL(), "phone_number_id": r.f.PhoneNumberID()},
		Secrets: map[string]string{"app_secret": appSecret, "token": token, "verify_token": verify}},
		connector.Deps{Sink: r.sink, Checkpoints: r.cp, Statuses: r.st, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	r.c = c.(*whatsapp.Connector)
	r.hook = httptest.NewServer(r.c.Webhook())
	t.Cleanup(r.hook.Close)
	return r
}

func (r *rig) deliver(t *testing.T, b []byte) int {
	t.Helper()
	code, err := r.f.Deliver(context.Background(), r.hook.URL, b)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func rawPost(t *testing.T, url string, body []byte, sig string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	if sig != "" {
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestWebhookMessages(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	if err := r.f.Handshake(ctx, r.hook.URL); err != nil {
		t.Fatal(err)
	}
	if metafake.Handshake(ctx, r.hook.URL, "nope") == nil {
		t.Fatal("wrong verify token accepted")
	}
	txt := r.f.Text("919845012345", "Asha", "My bike was stolen outside the library", "wamid.OURS", time.Time{})
	loc := r.f.Location("919845012345", "Asha", 12.9716, 77.5946, "Cubbon Park", "Kasturba Rd", time.Time{})
	img := r.f.Image("919845012345", "Asha", "1234567890", "number plate", []byte("jpeg"), time.Time{})
	react := r.f.Reaction("919845012345", "Asha", "wamid.OURS", "👍", time.Time{})
	body := r.f.Payload(txt, loc, img, react)

	if code := rawPost(t, r.hook.URL, body, ""); code != 401 {
		t.Fatalf("missing signature %d", code)
	}
	if code := rawPost(t, r.hook.URL, body, metafake.Sign("x", body)); code != 403 {
		t.Fatalf("bad signature %d", code)
	}
	if r.sink.Len() != 0 {
		t.Fatal("stored unsigned")
	}
	for range 3 {
		if code := r.deliver(t, body); code != 200 {
			t.Fatal(code)
		}
	}
	if r.sink.Len() != 3 || r.sink.Dupes() != 6 {
		t.Fatalf("posts %d dupes %d", r.sink.Len(), r.sink.Dupes())
	}
	p, _ := r.sink.GetID(post.WhatsApp, txt.ID)
	thread := r.f.PhoneNumberID() + ":919845012345"
	if !p.Private || p.Kind != post.KindDirectMessage || p.ThreadID != thread || p.InReplyTo != "wamid.OURS" || p.Author.Name != "Asha" || p.Channel != r.f.PhoneNumberID() || p.CreatedAt != r.now {
		t.Fatalf("text %+v", p)
	}
	l, _ := r.sink.GetID(post.WhatsApp, loc.ID)
	if l.Lat == nil || *l.Lat != 12.9716 || *l.Lon != 77.5946 || !strings.Contains(l.Text, "Cubbon Park") {
		t.Fatalf("location %+v", l)
	}
	i, _ := r.sink.GetID(post.WhatsApp, img.ID)
	if i.Text != "[image id=1234567890] number plate" || !bytes.Contains(i.Raw, []byte(`"1234567890"`)) {
		t.Fatalf("image %+v", i)
	}
	if r.c.Counter("ignored") != 3 { // the reaction, three times
		t.Fatalf("ignored %d", r.c.Counter("ignored"))
	}
	if r.cp.Get("whatsapp:9:102290129340398", "last_message_time") == "" {
		t.Fatal("no checkpoint")
	}
	if code := r.deliver(t, body[:len(body)-3]); code != 400 {
		t.Fatalf("truncated %d", code)
	}
	if code := r.deliver(t, []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"message_template_status_update","value":{}}]}]}`)); code != 200 {
		t.Fatalf("unknown field %d", code)
	}
	big := bytes.Repeat([]byte("{"), 10<<20)
	if code := rawPost(t, r.hook.URL, big, metafake.Sign(appSecret, big)); code != 413 {
		t.Fatalf("10 MB %d", code)
	}
	r.sink.SetFail(errors.New("db down"))
	if code := r.deliver(t, r.f.Payload(r.f.Text("919845000000", "B", "hi", "", time.Time{}))); code != 503 {
		t.Fatalf("ingest failure answered %d", code)
	}
}

func TestReplyWindowTemplateAndStatuses(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	in := r.f.Text("919845012345", "Asha", "Any update on my complaint?", "", time.Time{})
	r.deliver(t, r.f.Payload(in))
	p, _ := r.sink.GetID(post.WhatsApp, in.ID)
	tg := connector.Target{Channel: p.Channel, ParentID: p.ExternalID, ThreadID: p.ThreadID, LastInboundAt: p.CreatedAt}

	res, err := r.c.Reply(ctx, tg, connector.Message{Text: "We've logged your report as #B-2291."})
	if err != nil {
		t.Fatal(err)
	}
	sent := r.f.Sent()
	if len(sent) != 1 || sent[0].To != "919845012345" || sent[0].ContextID != in.ID || sent[0].Type != "text" || sent[0].ID != res.ExternalID {
		t.Fatalf("sent %+v", sent)
	}
	if err := r.f.FlushStatuses(ctx, r.hook.URL); err != nil {
		t.Fatal(err)
	}
	st := r.st.all()
	if len(st) != 2 || st[0].id != res.ExternalID || st[0].status != "sent" || st[1].status != "delivered" || st[0].platform != post.WhatsApp {
		t.Fatalf("statuses %+v", st)
	}

	// Window closed: refused without a template, template sent with one.
	r.now = r.now.Add(25 * time.Hour)
	if _, err := r.c.Reply(ctx, tg, connector.Message{Text: "late"}); connector.ClassOf(err) != connector.WindowClosed {
		t.Fatalf("closed window: %v", err)
	}
	if len(r.f.Sent()) != 1 {
		t.Fatal("sent outside the window")
	}
	if _, err := r.c.Reply(ctx, tg, connector.Message{Text: "late", Template: &connector.Template{Name: "case_update", Language: "en_US", Params: []string{"B-2291", "closed"}}}); err != nil {
		t.Fatal(err)
	}
	if s := r.f.Sent()[1]; s.Type != "template" || s.Template != "case_update" || s.Language != "en_US" || strings.Join(s.Params, ",") != "B-2291,closed" {
		t.Fatalf("template %+v", s)
	}
	if _, err := r.c.Reply(ctx, connector.Target{Recipient: "919845012345", LastInboundAt: r.now}, connector.Message{Text: strings.Repeat("अ", 4097)}); connector.ClassOf(err) != connector.Invalid {
		t.Fatalf("4097 chars: %v", err)
	}
	var ce *connector.Error
	for _, c := range []struct {
		e     wafake.Error
		class connector.Class
		wait  time.Duration
	}{
		{wafake.Error{Code: 130429, Message: "Rate limit hit"}, connector.RateLimited, 5 * time.Second},
		{wafake.Error{Code: 131056, Message: "(Business Account, Consumer Account) pair rate limit hit"}, connector.RateLimited, 6 * time.Second},
		{wafake.Error{Code: 80007, Message: "Rate limit issues"}, connector.RateLimited, time.Minute},
		{wafake.Error{Code: 131047, Message: "Re-engagement message"}, connector.WindowClosed, 0},
		{wafake.Error{Code: 190, Message: "token expired", HTTPStatus: 401}, connector.AuthExpired, 0},
		{wafake.Error{Code: 131000, Message: "Something went wrong", HTTPStatus: 500}, connector.Retryable, 0},
		{wafake.Error{Code: 131026, Message: "Message Undeliverable"}, connector.Permanent, 0},
	} {
		r.f.FailNext(1, c.e)
		_, err := r.c.Reply(ctx, connector.Target{Recipient: "919845012345", LastInboundAt: r.now}, connector.Message{Text: "x"})
		if !errors.As(err, &ce) || ce.Class != c.class || ce.RetryAfter != c.wait || ce.Code == "" {
			t.Fatalf("code %d: %v (retry %v)", c.e.Code, err, ce.RetryAfter)
		}
	}
	if _, err := r.c.Reply(ctx, connector.Target{Recipient: "+91 98450", LastInboundAt: r.now}, connector.Message{Text: "x"}); connector.ClassOf(err) != connector.Invalid {
		t.Fatalf("bad wa_id: %v", err)
	}
	if _, err := r.c.Publish(ctx, connector.Message{Text: "x"}); connector.ClassOf(err) != connector.Invalid {
		t.Fatal("publish must be refused")
	}
	if err := r.c.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOutsideWindowFailedStatus(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	// The user wrote two days ago (the fake knows); our record wrongly says
	// now. WhatsApp accepts, then reports failure 131047 asynchronously.
	old := r.f.Text("919845099999", "C", "hello", "", r.now.Add(-48*time.Hour))
	r.deliver(t, r.f.Payload(old))
	res, err := r.c.Reply(ctx, connector.Target{Recipient: "919845099999", LastInboundAt: r.now}, connector.Message{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.f.FlushStatuses(ctx, r.hook.URL); err != nil {
		t.Fatal(err)
	}
	st := r.st.all()
	if len(st) != 1 || st[0].id != res.ExternalID || st[0].status != "failed" || !strings.HasPrefix(st[0].detail, "131047") {
		t.Fatalf("%+v", st)
	}
}
