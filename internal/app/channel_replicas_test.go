package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/bus/bustest"
	"github.com/kaval-desk/kaval/internal/channel"
	"github.com/kaval-desk/kaval/internal/connector/telegram/tgfake"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// A channel created on one replica takes deliveries on the other at once:
// the change goes over the bus. The replicas' periodic resync is set to an
// hour here, so without the notice the second replica would refuse the
// channel's webhooks with 503 for the whole test (10 s by default).
func TestChannelCreatedOnOneReplicaServesOnAll(t *testing.T) {
	db := store.NewTestPostgres(t)
	natsURL := bustest.StartNATS(t)
	getenv := func(k string) string {
		if k == "KAVAL_MASTER_KEY" {
			return "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		}
		return ""
	}
	ctx := context.Background()
	var replicas []*App
	var servers []*httptest.Server
	for i := range 2 {
		a, err := New(ctx, Config{DB: db.ConnURL(), Bus: natsURL, DataDir: t.TempDir(), Getenv: getenv,
			AuthConfig: auth.Config{Hash: auth.TestHashParams}, ChannelResync: time.Hour})
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		a.Start(ctx)
		t.Cleanup(a.Close)
		srv := httptest.NewServer(a.Handler())
		t.Cleanup(srv.Close)
		replicas, servers = append(replicas, a), append(servers, srv)
	}
	fake := tgfake.New("7000000001:AAH-test")
	defer fake.Close()
	c, err := replicas[0].Channels.Create(ctx, channel.Spec{Platform: post.Telegram, Name: "Police bot",
		Config:  map[string]string{"api_url": fake.URL(), "mode": "webhook"},
		Secrets: channel.Secrets{"bot_token": "7000000001:AAH-test", "webhook_secret": "hook-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := replicas[0].Manager.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	update := []byte(`{"update_id":1,"message":{"message_id":7,"date":1767225600,"chat":{"id":4242,"type":"private","first_name":"Asha"},"from":{"id":4242,"is_bot":false,"first_name":"Asha"},"text":"Chain snatching near Jayanagar 4th block just now"}}`)
	deliver := func(srv *httptest.Server) int {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/hooks/%d", srv.URL, c.ID), bytes.NewReader(update))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "hook-secret")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := deliver(servers[0]); code != 200 {
		t.Fatalf("the replica that created the channel: %d", code)
	}
	// The other replica: no 503 once the notice arrived (it is not waited
	// for by time: an hour's resync would never come in the test).
	deadline := time.Now().Add(30 * time.Second)
	for {
		code := deliver(servers[1])
		if code == 200 {
			break
		}
		if code != 503 || time.Now().After(deadline) {
			t.Fatalf("the other replica answers %d", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
