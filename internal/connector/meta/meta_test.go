package meta_test

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
	"github.com/kaval-desk/kaval/internal/connector/meta"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/post"
)

const (
	appSecret = "app-secret"
	pageToken = "page-token"
	verify    = "verify-me"
)

type rig struct {
	f     *metafake.Server
	c     *meta.Connector
	sink  *conntest.Sink
	cp    *conntest.Checkpoints
	st    *memStatuses
	hook  *httptest.Server
	now   time.Time
	clock func() time.Time
}

func newRig(t *testing.T, platform string, cfg map[string]string) *rig {
	t.Helper()
	r := &rig{sink: conntest.NewSink(), cp: conntest.NewCheckpoints(), st: &memStatuses{}, now: time.Date(2026, 8, 20, 9, 0, 0, 0, time.UTC)}
	r.clock = func() time.Time { return r.now }
	r.f = metafake.New(metafake.Options{AppSecret: appSecret, PageToken: pageToken, VerifyToken: verify, Now: r.clock})
	t.Cleanup(r.f.Close)
	config := map[string]string{"graph_url": r.f.GraphURL(), "page_id": r.f.PageID(), "ig_user_id": r.f.IGUserID(), "verify_token": verify}
	for k, v := range cfg {
		config[k] = v
	}
	c, err := connector.New(connector.Channel{ID: 3, Platform: platform, Config: config,
		Secrets: map[string]string{"app_secret": appSecret, "page_token": pageToken}},
		connector.Deps{Sink: r.sink, Checkpoints: r.cp, Statuses: r.st, Now: r.clock})
	if err != nil {
		t.Fatal(err)
	}
	r.c = c.(*meta.Connector)
	r.hook = httptest.NewServer(r.c.Webhook())
	t.Cleanup(r.hook.Close)
	return r
}

func (r *rig) deliver(t *testing.T, body []byte) int {
	t.Helper()
	code, err := r.f.Deliver(context.Background(), r.hook.URL, body)
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

func TestWebhookPageMessengerInstagram(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, post.Facebook, nil)
	if err := r.f.Handshake(ctx, r.hook.URL); err != nil {
		t.Fatal(err)
	}
	if err := metafake.Handshake(ctx, r.hook.URL, "wrong"); err == nil {
		t.Fatal("handshake with a wrong verify token accepted")
	}

	comment, c := r.f.FeedComment(metafake.Comment{FromID: "6020000000000001", FromName: "Jo Resident", Message: "Is the road by the school still closed?"})
	visitor := r.f.VisitorPost(r.f.PageID()+"_900", "6020000000000003", "Ravi", "Streetlight out on 5th cross", time.Time{})
	mention := r.f.PageMention("202020202020_303030303030", "303030303030_404040404040", "6020000000000002", "Sam", "@City Police thank you!", time.Time{})
	lat, lon := 12.93, 77.62
	dm, m := r.f.MessengerMessage(metafake.Message{PSID: "7100000000000001", Text: "I need to report a lost wallet", Image: "https://lookaside.fbsbx.com/x", Lat: &lat, Lon: &lon})
	echo, _ := r.f.MessengerMessage(metafake.Message{PSID: "7100000000000001", Text: "our own reply", Echo: true})
	batch := metafake.Payload(comment, visitor, mention, dm, echo)

	// Unsigned or mis-signed: refused, nothing stored.
	if code := rawPost(t, r.hook.URL, batch, ""); code != 401 {
		t.Fatalf("missing signature: %d", code)
	}
	if code := rawPost(t, r.hook.URL, batch, metafake.Sign("other", batch)); code != 403 {
		t.Fatalf("bad signature: %d", code)
	}
	if r.sink.Len() != 0 {
		t.Fatal("stored without a valid signature")
	}
	for range 2 { // redelivery
		if code := r.deliver(t, batch); code != 200 {
			t.Fatalf("deliver: %d", code)
		}
	}
	if r.sink.Len() != 4 || r.sink.Dupes() != 4 {
		t.Fatalf("posts %d dupes %d", r.sink.Len(), r.sink.Dupes())
	}
	p, ok := r.sink.GetID(post.Facebook, c.ID)
	if !ok || p.Kind != post.KindComment || p.ThreadID != c.PostID || p.InReplyTo != c.PostID || p.Author.Name != "Jo Resident" || p.Channel != r.f.PageID() || len(p.Raw) == 0 {
		t.Fatalf("comment %+v", p)
	}
	if p, _ := r.sink.GetID(post.Facebook, r.f.PageID()+"_900"); p.Kind != post.KindPost {
		t.Fatalf("visitor post %+v", p)
	}
	if p, _ := r.sink.GetID(post.Facebook, "303030303030_404040404040"); p.Kind != post.KindMention || p.Author.Name != "Sam" {
		t.Fatalf("mention %+v", p)
	}
	d, _ := r.sink.GetID(post.Messenger, m.MID)
	if !d.Private || d.Kind != post.KindDirectMessage || d.ThreadID != r.f.PageID()+":7100000000000001" || d.Lat == nil || *d.Lat != lat ||
		!strings.Contains(d.Text, "[image]") || !d.CreatedAt.Equal(m.Time.Truncate(time.Millisecond)) {
		t.Fatalf("messenger %+v", d)
	}
	if r.c.Counter("ignored") != 2 { // the echo, twice
		t.Fatalf("ignored %d", r.c.Counter("ignored"))
	}
	if r.cp.Get("meta:3:"+r.f.PageID(), "last_entry_time") == "" {
		t.Fatal("entry time checkpoint not saved")
	}

	// Instagram: a comment and a comment mention (text fetched from Graph).
	igc, ic := r.f.IGComment(metafake.IGCommentIn{FromID: "17850000000000009", Username: "jo.res", Text: "@springfieldpd is the festival route closed?"})
	igm := r.f.IGMention("17900000000000077", "17920000000000005", "asha.k", "@springfieldpd bike stolen at Indiranagar", time.Time{})
	if code := r.deliver(t, metafake.Payload(igc, igm)); code != 200 {
		t.Fatalf("instagram: %d", code)
	}
	if p, _ := r.sink.GetID(post.Instagram, ic.ID); p.Kind != post.KindComment || p.ThreadID != ic.MediaID || p.Author.Handle != "jo.res" {
		t.Fatalf("ig comment %+v", p)
	}
	if p, _ := r.sink.GetID(post.Instagram, "17900000000000077"); p.Kind != post.KindMention || p.Text != "@springfieldpd bike stolen at Indiranagar" || p.Author.Handle != "asha.k" {
		t.Fatalf("ig mention %+v", p)
	}
	// A mention Graph no longer shows is kept as a placeholder.
	gone := metafake.Payload(metafake.Entry{Object: "instagram", ID: r.f.IGUserID(), Time: 1787217400,
		Change: map[string]any{"field": "mentions", "value": map[string]string{"comment_id": "1790000000000404", "media_id": "1"}}})
	if code := r.deliver(t, gone); code != 200 {
		t.Fatalf("gone mention: %d", code)
	}
	if p, _ := r.sink.GetID(post.Instagram, "1790000000000404"); !strings.Contains(p.Text, "unavailable") {
		t.Fatalf("placeholder %+v", p)
	}
	// A transient lookup failure refuses the delivery so Meta retries.
	igm2 := r.f.IGMention("17900000000000078", "17920000000000005", "b", "@springfieldpd again", time.Time{})
	r.f.FailNext(1, metafake.Error{Code: 2, Message: "An unexpected error has occurred. Please retry your request later.", Transient: true, HTTPStatus: 500})
	body := metafake.Payload(igm2)
	if code := r.deliver(t, body); code != 503 {
		t.Fatalf("transient lookup: %d", code)
	}
	if code := r.deliver(t, body); code != 200 {
		t.Fatalf("retry: %d", code)
	}

	// Delivery receipts go to the status sink.
	if code := r.deliver(t, metafake.Payload(r.f.MessengerDelivery("7100000000000001", []string{"m_sent1"}, time.Time{}))); code != 200 {
		t.Fatal(code)
	}
	if st := r.st.all(); len(st) != 1 || st[0].id != "m_sent1" || st[0].status != "delivered" || st[0].platform != post.Messenger {
		t.Fatalf("statuses %+v", st)
	}
	// Unknown fields and objects are acknowledged and counted.
	before := r.c.Counter("ignored")
	unk := []byte(`{"object":"page","entry":[{"id":"1","time":1,"changes":[{"field":"ratings","value":{}}]}]}`)
	if code := r.deliver(t, unk); code != 200 || r.c.Counter("ignored") != before+1 {
		t.Fatalf("unknown field: %d", code)
	}
	if code := r.deliver(t, []byte(`{"object":"user","entry":[]}`)); code != 200 {
		t.Fatalf("unknown object: %d", code)
	}
	if code := r.deliver(t, batch[:len(batch)-7]); code != 400 {
		t.Fatalf("truncated: %d", code)
	}
	big := bytes.Repeat([]byte(" "), 10<<20)
	if code := rawPost(t, r.hook.URL, big, metafake.Sign(appSecret, big)); code != 413 {
		t.Fatalf("10 MB: %d", code)
	}
	n := r.sink.Len()
	r.sink.SetFail(errors.New("db down"))
	fresh, _ := r.f.FeedComment(metafake.Comment{FromID: "9", Message: "new"})
	if code := r.deliver(t, metafake.Payload(fresh)); code != 503 || r.sink.Len() != n {
		t.Fatalf("ingest failure answered %d", code)
	}
}

func TestRepliesLandOnTheRightParent(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, post.Facebook, nil)
	comment, c := r.f.FeedComment(metafake.Comment{FromID: "6020000000000001", Message: "Road closed?"})
	dm, m := r.f.MessengerMessage(metafake.Message{PSID: "7100000000000001", Text: "lost wallet"})
	igc, ic := r.f.IGComment(metafake.IGCommentIn{FromID: "178", Username: "jo", Text: "route?"})
	r.deliver(t, metafake.Payload(comment, dm))
	r.deliver(t, metafake.Payload(igc))
	target := func(platform, id string) connector.Target {
		p, ok := r.sink.GetID(platform, id)
		if !ok {
			t.Fatalf("%s %s not ingested", platform, id)
		}
		return connector.Target{Channel: p.Channel, ParentID: p.ExternalID, ThreadID: p.ThreadID, LastInboundAt: p.CreatedAt}
	}

	res, err := r.c.Reply(ctx, target(post.Facebook, c.ID), connector.Message{Text: "It reopens at 6 pm."})
	if err != nil {
		t.Fatal(err)
	}
	res2, err := r.c.Reply(ctx, target(post.Messenger, m.MID), connector.Message{Text: "Please visit the station with ID."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.c.Reply(ctx, target(post.Instagram, ic.ID), connector.Message{Text: "Yes, until 10 pm."}); err != nil {
		t.Fatal(err)
	}
	sent := r.f.Sent()
	if len(sent) != 3 || sent[0].Kind != "comment" || sent[0].Parent != c.ID || sent[0].ID != res.ExternalID ||
		sent[1].Kind != "message" || sent[1].Recipient != "7100000000000001" || sent[1].MessagingType != "RESPONSE" || sent[1].ID != res2.ExternalID ||
		sent[2].Kind != "ig_reply" || sent[2].Parent != ic.ID {
		t.Fatalf("sent %+v", sent)
	}

	// 24-hour window: closed → refused before sending.
	r.now = r.now.Add(25 * time.Hour)
	_, err = r.c.Reply(ctx, target(post.Messenger, m.MID), connector.Message{Text: "late"})
	if connector.ClassOf(err) != connector.WindowClosed || len(r.f.Sent()) != 3 {
		t.Fatalf("closed window: %v", err)
	}
	// Our clock says open but Meta says closed: the platform's code decides.
	tg := target(post.Messenger, m.MID)
	tg.LastInboundAt = r.now
	_, err = r.c.Reply(ctx, tg, connector.Message{Text: "late"})
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Class != connector.WindowClosed || ce.Code != "10/2018278" {
		t.Fatalf("platform window: %v", err)
	}

	if _, err := r.c.Reply(ctx, connector.Target{ParentID: "nonexistent_1"}, connector.Message{Text: "x"}); connector.ClassOf(err) != connector.Permanent {
		t.Fatalf("unknown parent: %v", err)
	}
	if _, err := r.c.Publish(ctx, connector.Message{Text: "Traffic advisory: MG Road closed 6-10 pm."}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.c.Publish(ctx, connector.Message{Text: "Traffic advisory: MG Road closed 6-10 pm."}); connector.ClassOf(err) != connector.Duplicate {
		t.Fatalf("duplicate: %v", err)
	}
	// Throttling codes come with HTTP 400; the code and usage headers decide.
	r.f.FailNext(1, metafake.Error{Code: 32, Message: "(#32) Page request limit reached", RegainMin: 2})
	_, err = r.c.Publish(ctx, connector.Message{Text: "a"})
	if !errors.As(err, &ce) || ce.Class != connector.RateLimited || ce.RetryAfter != 2*time.Minute || ce.Status != 400 {
		t.Fatalf("throttle 32: %v", err)
	}
	r.f.FailNext(1, metafake.Error{Code: 613, Message: "(#613) Calls to this api have exceeded the rate limit."})
	if _, err = r.c.Publish(ctx, connector.Message{Text: "b"}); !errors.As(err, &ce) || ce.Class != connector.RateLimited || ce.RetryAfter != time.Minute {
		t.Fatalf("throttle 613: %v", err)
	}
	r.f.FailNext(1, metafake.Error{Code: 190, Subcode: 463, Message: "Error validating access token: Session has expired"})
	if _, err = r.c.Publish(ctx, connector.Message{Text: "c"}); connector.ClassOf(err) != connector.AuthExpired {
		t.Fatalf("190: %v", err)
	}
	r.f.FailNext(1, metafake.Error{Code: 1, Message: "An unknown error occurred", HTTPStatus: 500})
	if _, err = r.c.Publish(ctx, connector.Message{Text: "d"}); connector.ClassOf(err) != connector.Retryable {
		t.Fatalf("500: %v", err)
	}
	if _, err = r.c.Reply(ctx, target(post.Facebook, c.ID), connector.Message{Text: strings.Repeat("a", 8001)}); connector.ClassOf(err) != connector.Invalid {
		t.Fatalf("too long: %v", err)
	}
	if err := r.c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	h := r.c.Health()
	if h.Rate.UsagePct <= 0 || len(h.Errors) == 0 || h.LastEventAt.IsZero() {
		t.Fatalf("health %+v", h)
	}
}

func TestMessengerHumanAgentAndPlatforms(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, post.Messenger, map[string]string{"human_agent": "true"})
	dm, m := r.f.MessengerMessage(metafake.Message{PSID: "7100000000000002", Text: "hello"})
	r.deliver(t, metafake.Payload(dm))
	r.now = r.now.Add(3 * 24 * time.Hour)
	tg := connector.Target{Channel: r.f.PageID(), ParentID: m.MID, Recipient: "7100000000000002", LastInboundAt: m.Time}
	if _, err := r.c.Reply(ctx, tg, connector.Message{Text: "An officer will call you."}); err != nil {
		t.Fatal(err)
	}
	if s := r.f.Sent(); s[0].MessagingType != "MESSAGE_TAG" || s[0].Tag != "HUMAN_AGENT" {
		t.Fatalf("%+v", s)
	}
	r.now = r.now.Add(5 * 24 * time.Hour)
	if _, err := r.c.Reply(ctx, tg, connector.Message{Text: "late"}); connector.ClassOf(err) != connector.WindowClosed {
		t.Fatalf("after 7 days: %v", err)
	}
	if _, err := r.c.Publish(ctx, connector.Message{Text: "x"}); connector.ClassOf(err) != connector.Invalid {
		t.Fatalf("messenger publish: %v", err)
	}
	// Instagram DMs go to the IG account's messages edge.
	igdm, im := r.f.MessengerMessage(metafake.Message{PSID: "IGSID1", Text: "help", Instagram: true})
	r.deliver(t, metafake.Payload(igdm))
	p, _ := r.sink.GetID(post.Instagram, im.MID)
	if _, err := r.c.Reply(ctx, connector.Target{Channel: p.Channel, ThreadID: p.ThreadID, LastInboundAt: p.CreatedAt}, connector.Message{Text: "ok"}); err != nil {
		t.Fatal(err)
	}
	if s := r.f.Sent(); s[len(s)-1].Kind != "ig_message" || s[len(s)-1].Recipient != "IGSID1" {
		t.Fatalf("%+v", s[len(s)-1])
	}
	if got := connector.Platforms(); !contains(got, "facebook") || !contains(got, "instagram") || !contains(got, "messenger") {
		t.Fatalf("registered %v", got)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
