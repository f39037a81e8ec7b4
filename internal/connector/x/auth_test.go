package x_test

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/x"
	"github.com/kaval-desk/kaval/internal/connector/x/xfake"
	"github.com/kaval-desk/kaval/internal/post"
)

// memSecrets stands in for the channel store's sealed secrets.
type memSecrets struct {
	mu    sync.Mutex
	m     map[string]string
	saves int
}

func (s *memSecrets) LoadSecrets(context.Context) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.m), nil
}

func (s *memSecrets) SaveSecrets(_ context.Context, set map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	maps.Copy(s.m, set)
	s.saves++
	return nil
}

func (s *memSecrets) get(k string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k]
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func userConn(t *testing.T, f *xfake.Server, secrets map[string]string, store connector.SecretStore, now func() time.Time) *x.Connector {
	t.Helper()
	secrets = maps.Clone(secrets)
	if secrets["consumer_secret"] == "" {
		secrets["consumer_secret"] = consumer // mode webhook needs it
	}
	c, err := connector.New(connector.Channel{ID: 8, Platform: post.X,
		Config:  map[string]string{"base_url": f.URL(), "user_id": f.UserID(), "handle": f.Handle(), "mode": "webhook"},
		Secrets: secrets},
		connector.Deps{Sink: conntest.NewSink(), Checkpoints: conntest.NewCheckpoints(), Secrets: store, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return c.(*x.Connector)
}

// An access token about to expire is renewed with the refresh token; X
// rotates the refresh token, the new one is stored, and a connector built
// after a restart from the stored secrets keeps working.
func TestOAuth2RefreshRotationSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	clk := &testClock{t: time.Date(2026, 8, 20, 9, 0, 0, 0, time.UTC)}
	f := xfake.New(xfake.Options{ConsumerSecret: consumer, UserToken: "at-0", UserTokenExpires: clk.Now().Add(10 * time.Minute),
		RefreshToken: "rt-0", ClientID: "cid", ClientSecret: "csec", Now: clk.Now})
	t.Cleanup(f.Close)
	store := &memSecrets{m: map[string]string{"consumer_secret": consumer, "user_access_token": "at-0", "refresh_token": "rt-0",
		"client_id": "cid", "client_secret": "csec", "user_token_expires_at": strconv.FormatInt(clk.Now().Add(10*time.Minute).Unix(), 10)}}
	sec, _ := store.LoadSecrets(ctx)
	c := userConn(t, f, sec, store, clk.Now)
	parent := f.AddTweet(xfake.Tweet{Text: "@CityPoliceHQ signal not working at Hebbal flyover"})

	if _, err := c.Reply(ctx, connector.Target{ParentID: parent.ID}, connector.Message{Text: "Traffic police informed."}); err != nil {
		t.Fatal(err)
	}
	if f.Refreshes() != 0 || f.Sent()[0].Token != "at-0" {
		t.Fatalf("a valid token was refreshed: %d, %+v", f.Refreshes(), f.Sent())
	}
	clk.Add(15 * time.Minute) // at-0 is dead now
	if _, err := c.Publish(ctx, connector.Message{Text: "Hebbal flyover: signal repaired."}); err != nil {
		t.Fatal(err)
	}
	if f.Refreshes() != 1 || f.Sent()[1].Token != "xat-1" {
		t.Fatalf("refreshes %d, sent %+v", f.Refreshes(), f.Sent())
	}
	if store.get("refresh_token") != "xrt-1" || store.get("user_access_token") != "xat-1" {
		t.Fatalf("rotated pair not stored: %v", store.m)
	}
	if exp, _ := strconv.ParseInt(store.get("user_token_expires_at"), 10, 64); time.Unix(exp, 0).Sub(clk.Now()) != 2*time.Hour {
		t.Fatalf("expiry %s", store.get("user_token_expires_at"))
	}
	if live := f.LiveRefreshTokens(); len(live) != 1 || live[0] != "xrt-1" {
		t.Fatalf("live refresh tokens %v: rt-0 must be dead", live)
	}

	// Restart three hours later: the connector starts from the stored
	// secrets, whose access token has expired meanwhile.
	clk.Add(3 * time.Hour)
	sec, _ = store.LoadSecrets(ctx)
	c2 := userConn(t, f, sec, store, clk.Now)
	if err := c2.Check(ctx); err != nil {
		t.Fatalf("check after restart: %v", err)
	}
	if f.Refreshes() != 2 || store.get("refresh_token") != "xrt-2" {
		t.Fatalf("refreshes %d, stored %q", f.Refreshes(), store.get("refresh_token"))
	}
}

// Two replicas hold the same pair. The first renews it; the second, whose
// refresh token X has just killed, picks the stored pair up instead of
// failing.
func TestOAuth2RefreshRaceBetweenReplicas(t *testing.T) {
	ctx := context.Background()
	clk := &testClock{t: time.Date(2026, 8, 20, 9, 0, 0, 0, time.UTC)}
	f := xfake.New(xfake.Options{ConsumerSecret: consumer, UserToken: "at-0", UserTokenExpires: clk.Now().Add(time.Minute / 2),
		RefreshToken: "rt-0", ClientID: "cid", Now: clk.Now})
	t.Cleanup(f.Close)
	store := &memSecrets{m: map[string]string{"consumer_secret": consumer, "user_access_token": "at-0", "refresh_token": "rt-0", "client_id": "cid"}}
	secA, _ := store.LoadSecrets(ctx)
	secB, _ := store.LoadSecrets(ctx)
	a := userConn(t, f, secA, store, clk.Now)
	b := userConn(t, f, secB, store, clk.Now)
	clk.Add(time.Minute)
	if _, err := a.Publish(ctx, connector.Message{Text: "from replica A"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Publish(ctx, connector.Message{Text: "from replica B"}); err != nil {
		t.Fatalf("replica B: %v", err)
	}
	if f.Refreshes() != 1 {
		t.Fatalf("%d refreshes: B should have adopted A's pair", f.Refreshes())
	}
	if s := f.Sent(); len(s) != 2 || s[1].Token != "xat-1" {
		t.Fatalf("sent %+v", s)
	}
}

// X refuses a token we believed valid (revoked): renew once and repeat the
// post, which X had not created. A refresh X refuses stops the channel.
func TestOAuth2RevokedTokenAndDeadRefreshToken(t *testing.T) {
	ctx := context.Background()
	clk := &testClock{t: time.Date(2026, 8, 20, 9, 0, 0, 0, time.UTC)}
	f := xfake.New(xfake.Options{ConsumerSecret: consumer, UserToken: "at-0", RefreshToken: "rt-0", ClientID: "cid", Now: clk.Now})
	t.Cleanup(f.Close)
	store := &memSecrets{m: map[string]string{"user_access_token": "at-0", "refresh_token": "rt-0", "client_id": "cid"}}
	sec, _ := store.LoadSecrets(ctx)
	c := userConn(t, f, sec, store, clk.Now)
	f.RevokeAccess("at-0")
	if _, err := c.Publish(ctx, connector.Message{Text: "after revocation"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Sent()); n != 1 || f.Refreshes() != 1 {
		t.Fatalf("sent %d, refreshes %d", n, f.Refreshes())
	}

	// The stored refresh token is dead (the app was de-authorised).
	dead := &memSecrets{m: map[string]string{"user_access_token": "gone", "refresh_token": "rt-dead", "client_id": "cid"}}
	sec, _ = dead.LoadSecrets(ctx)
	c = userConn(t, f, sec, dead, clk.Now)
	_, err := c.Publish(ctx, connector.Message{Text: "never sent"})
	if connector.ClassOf(err) != connector.AuthExpired || !strings.Contains(err.Error(), "Value passed for the token was invalid") {
		t.Fatalf("got %v, want auth_expired with X's description", err)
	}
	if len(f.Sent()) != 1 {
		t.Fatal("posted with a dead token")
	}

	// Without refresh credentials an expired token is plainly AuthExpired.
	c = userConn(t, f, map[string]string{"user_access_token": "gone"}, nil, clk.Now)
	if _, err := c.Publish(ctx, connector.Message{Text: "never sent either"}); connector.ClassOf(err) != connector.AuthExpired {
		t.Fatalf("got %v", err)
	}
}

// OAuth 1.0a: replies signed with HMAC-SHA1 are accepted; a wrong secret,
// a skewed clock and a replayed request are refused with 401.
func TestOAuth1UserContext(t *testing.T) {
	ctx := context.Background()
	clk := &testClock{t: time.Date(2026, 8, 20, 9, 0, 0, 0, time.UTC)}
	o := xfake.Options{ConsumerKey: "ck", ConsumerSecret: "cs/+&", AccessToken: "99887766-tok", AccessTokenSecret: "ts=ok", Now: clk.Now}
	f := xfake.New(o)
	t.Cleanup(f.Close)
	good := map[string]string{"consumer_key": "ck", "consumer_secret": "cs/+&", "access_token": "99887766-tok", "access_token_secret": "ts=ok"}
	parent := f.AddTweet(xfake.Tweet{Text: "@CityPoliceHQ loud music at 2 a.m. in HSR sector 2"})
	c := userConn(t, f, good, nil, clk.Now)
	if err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := c.Reply(ctx, connector.Target{ParentID: parent.ID}, connector.Message{Text: "A patrol is on its way – ಧನ್ಯವಾದ!"})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Sent(); len(s) != 1 || s[0].Token != "oauth1:99887766-tok" || s[0].ID != res.ExternalID || s[0].InReplyTo != parent.ID {
		t.Fatalf("sent %+v", s)
	}
	if _, err := c.Reply(ctx, connector.Target{Recipient: "44196397000"}, connector.Message{Text: "Please share the address by DM."}); err != nil {
		t.Fatalf("DM: %v", err)
	}

	bad := maps.Clone(good)
	bad["access_token_secret"] = "wrong"
	if _, err := userConn(t, f, bad, nil, clk.Now).Publish(ctx, connector.Message{Text: "bad secret"}); connector.ClassOf(err) != connector.AuthExpired {
		t.Fatalf("wrong secret: %v", err)
	}
	skewed := func() time.Time { return clk.Now().Add(10 * time.Minute) }
	if _, err := userConn(t, f, good, nil, skewed).Publish(ctx, connector.Message{Text: "skewed clock"}); connector.ClassOf(err) != connector.AuthExpired {
		t.Fatalf("skewed clock: %v", err)
	}

	// The same signed request twice: the second is a replay.
	u, _ := url.Parse(f.URL() + "/2/users/me")
	h := x.SignOAuth1("GET", u, nil, x.OAuth1Credentials{ConsumerKey: "ck", ConsumerSecret: "cs/+&", Token: "99887766-tok", TokenSecret: "ts=ok"}, clk.Now(), "fixed-nonce")
	for i, want := range []int{200, 401} {
		req, _ := http.NewRequest("GET", u.String(), nil)
		req.Header.Set("Authorization", h)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("request %d: HTTP %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	if n := len(f.Sent()); n != 2 {
		t.Fatalf("%d sent, want 2 (reply and DM)", n)
	}
}
