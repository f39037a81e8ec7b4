package simulate

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
)

var webhookPlatforms = []string{post.X, post.Facebook, post.Messenger, post.Instagram, post.WhatsApp, post.Telegram}

func testChannels() map[string]Channel {
	return map[string]Channel{
		post.X:         {ChannelID: "1", Secret: "x-consumer-secret"},
		post.Facebook:  {ChannelID: "2", Secret: "meta-app-secret"},
		post.Messenger: {ChannelID: "2", Secret: "meta-app-secret"},
		post.Instagram: {ChannelID: "2", Secret: "meta-app-secret"},
		post.WhatsApp:  {ChannelID: "3", Secret: "wa-app-secret"},
		post.Telegram:  {ChannelID: "4", Secret: "tg-secret_token"},
	}
}

// checker verifies every delivery against each platform's documented
// signature scheme, computed here independently of the emitters.
type checker struct {
	mu       sync.Mutex
	got      map[string]int // channel id → verified deliveries
	problems []string
	bodies   map[string][][]byte
}

func (c *checker) fail(format string) {
	c.mu.Lock()
	c.problems = append(c.problems, format)
	c.mu.Unlock()
}

func (c *checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id := strings.TrimPrefix(r.URL.Path, "/hooks/")
	ok := false
	switch id {
	case "1": // X: base64 HMAC-SHA256 of the raw body with the consumer secret
		m := hmac.New(sha256.New, []byte("x-consumer-secret"))
		m.Write(body)
		ok = r.Header.Get("X-Twitter-Webhooks-Signature") == "sha256="+base64.StdEncoding.EncodeToString(m.Sum(nil))
		var v struct {
			ForUserID string `json:"for_user_id"`
			Tweets    []struct {
				IDStr string `json:"id_str"`
				Text  string `json:"text"`
				User  struct {
					IDStr string `json:"id_str"`
				} `json:"user"`
				CreatedAt string `json:"created_at"`
			} `json:"tweet_create_events"`
			DMs []struct {
				Type string `json:"type"`
			} `json:"direct_message_events"`
		}
		if json.Unmarshal(body, &v) != nil || v.ForUserID == "" || len(v.Tweets)+len(v.DMs) != 1 {
			c.fail("x shape: " + string(body))
		}
		for _, t := range v.Tweets {
			if _, err := time.Parse(time.RubyDate, t.CreatedAt); err != nil || t.IDStr == "" || t.Text == "" || t.User.IDStr == "" {
				c.fail("x tweet: " + string(body))
			}
		}
	case "2", "3": // Meta and WhatsApp: lowercase hex HMAC-SHA256 with the app secret, plus legacy SHA-1
		secret := map[string]string{"2": "meta-app-secret", "3": "wa-app-secret"}[id]
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		m1 := hmac.New(sha1.New, []byte(secret))
		m1.Write(body)
		ok = r.Header.Get("X-Hub-Signature-256") == "sha256="+hex.EncodeToString(m.Sum(nil)) &&
			r.Header.Get("X-Hub-Signature") == "sha1="+hex.EncodeToString(m1.Sum(nil))
		for _, b := range body {
			if b >= 0x80 {
				c.fail("meta body not ASCII-escaped")
				break
			}
		}
		var v struct {
			Object string `json:"object"`
			Entry  []struct {
				ID        string            `json:"id"`
				Changes   []json.RawMessage `json:"changes"`
				Messaging []json.RawMessage `json:"messaging"`
			} `json:"entry"`
		}
		if json.Unmarshal(body, &v) != nil || len(v.Entry) != 1 || len(v.Entry[0].Changes)+len(v.Entry[0].Messaging) != 1 {
			c.fail("meta shape: " + string(body))
		}
		if want := map[string]string{"3": "whatsapp_business_account"}[id]; want != "" && v.Object != want {
			c.fail("whatsapp object " + v.Object)
		}
	case "4": // Telegram: the secret token header, compared as is
		ok = r.Header.Get("X-Telegram-Bot-Api-Secret-Token") == "tg-secret_token"
		var v struct {
			UpdateID int64 `json:"update_id"`
			Message  struct {
				MessageID int64 `json:"message_id"`
				Chat      struct {
					ID   int64  `json:"id"`
					Type string `json:"type"`
				} `json:"chat"`
				Date int64 `json:"date"`
			} `json:"message"`
		}
		if json.Unmarshal(body, &v) != nil || v.UpdateID == 0 || v.Message.MessageID == 0 || v.Message.Chat.ID == 0 || v.Message.Date == 0 {
			c.fail("telegram shape: " + string(body))
		}
	}
	if !ok {
		c.fail("bad signature on channel " + id)
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	c.mu.Lock()
	c.got[id]++
	c.bodies[id] = append(c.bodies[id], body)
	c.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func TestWebhooksAreSignedInEachPlatformsScheme(t *testing.T) {
	c := &checker{got: map[string]int{}, bodies: map[string][][]byte{}}
	srv := httptest.NewServer(c)
	defer srv.Close()
	rep, err := Run(context.Background(), Config{Target: srv.URL, Rate: 100000, Count: 400, Seed: 9, Workers: 4, Channels: testChannels()})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.problems[:min(len(c.problems), 5)] {
		t.Error(p)
	}
	if rep.Events != 400 {
		t.Fatalf("%d events", rep.Events)
	}
	if rep.Requests < rep.Events || rep.Accepted != rep.Requests || rep.Rejected != 0 || rep.Errors != 0 {
		t.Fatalf("report %+v", rep.Counts)
	}
	total := 0
	for _, n := range c.got {
		total += n
	}
	if int64(total) != rep.Requests {
		t.Fatalf("server verified %d of %d requests", total, rep.Requests)
	}
	for _, p := range webhookPlatforms {
		if rep.Platforms[p] == nil || rep.Platforms[p].Events == 0 {
			t.Errorf("no %s events", p)
		}
	}
	if rep.Statuses["200"] != rep.Requests || rep.P99 < rep.P50 || rep.P50 <= 0 {
		t.Fatalf("statuses %v, p50 %v p99 %v", rep.Statuses, rep.P50, rep.P99)
	}
	if !strings.Contains(rep.String(), "whatsapp") {
		t.Fatalf("summary: %s", rep)
	}
}

func TestRejectionsAndErrorsAreCounted(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{Target: srv.URL, Rate: 100000, Count: 100, Workers: 1, Token: "s",
		Channels: map[string]Channel{post.X: {ChannelID: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accepted != 50 || rep.Rejected != 50 || rep.Statuses["503"] != 50 || !strings.Contains(rep.FirstError, "503") {
		t.Fatalf("%+v %v %q", rep.Counts, rep.Statuses, rep.FirstError)
	}
	srv.Close()
	rep, err = Run(context.Background(), Config{Target: srv.URL, Rate: 100000, Count: 5, Token: "s",
		Channels: map[string]Channel{post.X: {ChannelID: "1"}}})
	if err != nil || rep.Errors != 5 || rep.FirstError == "" {
		t.Fatalf("closed server: %v %+v", err, rep.Counts)
	}
}

func TestDurationAndCountBounds(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	defer srv.Close()
	chs := map[string]Channel{post.Telegram: {ChannelID: "4", Secret: "s"}}

	rep, err := Run(context.Background(), Config{Target: srv.URL, Rate: 200, Duration: 300 * time.Millisecond, Channels: chs})
	if err != nil {
		t.Fatal(err)
	}
	// At most the bucket's burst plus rate × duration; well above zero.
	if limit := int64(200*0.3) + 20 + 1; rep.Events > limit || rep.Events < 10 {
		t.Fatalf("%d events in 300ms at 200/s (limit %d)", rep.Events, limit)
	}

	rep, err = Run(context.Background(), Config{Target: srv.URL, Rate: 100000, Count: 37, Channels: chs})
	if err != nil || rep.Events != 37 {
		t.Fatalf("count bound: %v %d", err, rep.Events)
	}

	// A cancelled context stops the run.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err = Run(ctx, Config{Target: srv.URL, Rate: 10, Count: 1000, Channels: chs})
	if err != nil || rep.Events > 1 {
		t.Fatalf("cancelled: %v %d", err, rep.Events)
	}
}

func TestInjectorsDrivePullPlatforms(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]scenario.Event{}
	inj := InjectorFunc(func(_ context.Context, e scenario.Event) error {
		mu.Lock()
		got[e.Platform] = append(got[e.Platform], e)
		mu.Unlock()
		return nil
	})
	var seen atomic.Int64
	rep, err := Run(context.Background(), Config{Rate: 100000, Count: 300, Seed: 2,
		Inject:  map[string]Injector{post.Mastodon: inj, post.Bluesky: inj, post.RSS: inj},
		OnEvent: func(scenario.Event) { seen.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for p, es := range got {
		n += len(es)
		if p != post.Mastodon && p != post.Bluesky && p != post.RSS {
			t.Fatalf("injected into %s", p)
		}
	}
	if n != 300 || rep.Accepted != 300 || seen.Load() != 300 || rep.Statuses["injected"] != 300 {
		t.Fatalf("injected %d, report %+v, seen %d", n, rep.Counts, seen.Load())
	}
}

func TestSameSeedSameTraffic(t *testing.T) {
	run := func() []string {
		var mu sync.Mutex
		var texts []string
		_, err := Run(context.Background(), Config{Rate: 100000, Count: 50, Seed: 5, Workers: 1,
			Inject: map[string]Injector{post.Mastodon: InjectorFunc(func(_ context.Context, e scenario.Event) error {
				mu.Lock()
				texts = append(texts, e.Text)
				mu.Unlock()
				return nil
			})}})
		if err != nil {
			t.Fatal(err)
		}
		return texts
	}
	a, b := run(), run()
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatal("same seed, different traffic")
	}
}

// Prebuilt deliveries are the same signed traffic as deliveries built on
// the fly, only built before the clock starts.
func TestPrebuiltTrafficIsTheSame(t *testing.T) {
	run := func(prebuild bool) map[string][]string {
		c := &checker{got: map[string]int{}, bodies: map[string][][]byte{}}
		srv := httptest.NewServer(c)
		defer srv.Close()
		rep, err := Run(context.Background(), Config{Target: srv.URL, Rate: 100000, Count: 120, Seed: 3, Workers: 1,
			Channels: testChannels(), Prebuild: prebuild, Now: func() time.Time { return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range c.problems {
			t.Fatal(p)
		}
		if rep.Events != 120 || rep.Accepted != rep.Requests {
			t.Fatalf("prebuild %v: report %+v", prebuild, rep.Counts)
		}
		out := map[string][]string{}
		for id, bs := range c.bodies {
			for _, b := range bs {
				out[id] = append(out[id], string(b))
			}
		}
		return out
	}
	live, pre := run(false), run(true)
	if fmt.Sprint(live) != fmt.Sprint(pre) {
		t.Fatal("prebuilt deliveries differ from live ones")
	}
	if _, err := Run(context.Background(), Config{Target: "http://127.0.0.1:1", Rate: 1, Duration: time.Second,
		Channels: testChannels(), Prebuild: true}); err == nil {
		t.Fatal("prebuild without a count accepted")
	}
}

func TestConfigErrors(t *testing.T) {
	chs := map[string]Channel{post.X: {ChannelID: "1", Secret: "s"}}
	for name, cfg := range map[string]Config{
		"no rate":         {Target: "http://127.0.0.1:1", Count: 1, Channels: chs},
		"no bound":        {Target: "http://127.0.0.1:1", Rate: 1, Channels: chs},
		"nothing to send": {Target: "http://127.0.0.1:1", Rate: 1, Count: 1},
		"no secret":       {Target: "http://127.0.0.1:1", Rate: 1, Count: 1, Channels: map[string]Channel{post.X: {ChannelID: "1"}}},
		"no channel id":   {Target: "http://127.0.0.1:1", Rate: 1, Count: 1, Channels: map[string]Channel{post.X: {Secret: "s"}}},
		"pull platform":   {Target: "http://127.0.0.1:1", Rate: 1, Count: 1, Channels: map[string]Channel{post.RSS: {ChannelID: "1", Secret: "s"}}},
		"bad tg chat":     {Target: "http://127.0.0.1:1", Rate: 1, Count: 1, Channels: map[string]Channel{post.Telegram: {ChannelID: "1", AccountID: "abc"}}},
		"no target":       {Rate: 1, Count: 1, Channels: chs},
	} {
		if _, err := Run(context.Background(), cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLoadChannels(t *testing.T) {
	chs, err := LoadChannels(strings.NewReader(`{"x": {"channel_id": "7", "secret": "k", "account_id": "42"}, "telegram": {"url": "http://127.0.0.1:9/tg"}}`))
	if err != nil || chs[post.X].ChannelID != "7" || chs[post.X].AccountID != "42" || chs[post.Telegram].URL == "" {
		t.Fatalf("%v %+v", err, chs)
	}
	if _, err := LoadChannels(strings.NewReader(`{"x": {"chanel_id": "7"}}`)); err == nil {
		t.Fatal("typo accepted")
	}
}

func TestASCIIJSONRoundTrips(t *testing.T) {
	in := map[string]string{"t": "ಜಯನಗರ बेंगलुरु 🙏 a/b \"q\" \\ \u2028"}
	out := asciiJSON(mustJSON(in))
	for _, b := range out {
		if b >= 0x80 {
			t.Fatalf("non-ASCII byte in %s", out)
		}
	}
	var back map[string]string
	if err := json.Unmarshal(out, &back); err != nil || back["t"] != in["t"] {
		t.Fatalf("%v %q", err, back["t"])
	}
	if !strings.Contains(string(out), `\ud83d\ude4f`) || !strings.Contains(string(out), `a\/b`) {
		t.Fatalf("escapes: %s", out)
	}
}

func TestEntityOffsets(t *testing.T) {
	text := "ಜಯನಗರ 🙏 @BlrCityPolice help #Bengaluru"
	ents := utf16Entities(text)
	if len(ents) != 2 {
		t.Fatalf("%v", ents)
	}
	m := ents[0].(map[string]any)
	// ಜಯನಗರ is 5 UTF-16 units, the space 1, 🙏 2 (a surrogate pair), the space 1.
	if m["type"] != "mention" || m["offset"] != 9 || m["length"] != 14 {
		t.Fatalf("%v", m)
	}
	x := entities(text, "@")
	if len(x) != 1 || x[0] != [2]int{8, 22} { // code points: 🙏 counts once
		t.Fatalf("%v", x)
	}
}

// BenchmarkRun measures the simulator's own ceiling: 1,000 signed webhook
// deliveries per iteration to a server that only answers 200.
func BenchmarkRun(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	var events int64
	for b.Loop() {
		rep, err := Run(context.Background(), Config{Target: srv.URL, Rate: 1e9, Count: 1000, Workers: 8, Channels: testChannels()})
		if err != nil || rep.Accepted != rep.Requests {
			b.Fatalf("%v %+v", err, rep.Counts)
		}
		events += rep.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
