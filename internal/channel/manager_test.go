package channel

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/channel/chantest"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/lease"
	"github.com/kaval-desk/kaval/internal/store"
)

// eventually polls cond until it holds or 15 s pass (a deadline for a
// hung test, never a timing assertion).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type mgrEnv struct {
	db   *store.DB
	st   *Store
	sink chantest.DBSink
	logs *lockedWriter
}

func newMgrEnv(t *testing.T, db *store.DB) *mgrEnv {
	return &mgrEnv{db: db, st: NewStore(db, testBox(t)), sink: chantest.DBSink{DB: db}, logs: &lockedWriter{w: &bytes.Buffer{}}}
}

func (e *mgrEnv) manager(t *testing.T, opt Options) *Manager {
	t.Helper()
	opt.Sink, opt.Checkpoints = e.sink, e.sink
	opt.Log = slog.New(slog.NewJSONHandler(e.logs, nil))
	opt.MinBackoff, opt.MaxBackoff = 5*time.Millisecond, 20*time.Millisecond
	if opt.Resync == 0 {
		opt.Resync = time.Hour // tests call Sync
	}
	m := NewManager(e.st, opt)
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return m
}

func (e *mgrEnv) create(t *testing.T, name, url string, paused bool) Channel {
	t.Helper()
	c, err := e.st.Create(context.Background(), Spec{Platform: chantest.Platform, Name: name, Paused: paused,
		Config: map[string]string{"base_url": url, "poll": "5ms"}, Secrets: Secrets{"token": tokenValue, "webhook_secret": "whsec"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestManagerPollsPausesResumes(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newMgrEnv(t, db)
		srv := chantest.NewServer(tokenValue)
		defer srv.Close()
		c := e.create(t, "desk", srv.URL, false)
		calls := &countingTransport{}
		m := e.manager(t, Options{HTTP: &http.Client{Transport: calls}})
		srv.AddEvent("chain snatching near Forum mall")
		srv.AddEvent("ಕಳ್ಳತನ ಆಗಿದೆ")
		eventually(t, "two posts ingested", func() bool { return e.sink.Count(ctx) == 2 })
		eventually(t, "checkpoint after the batch", func() bool {
			cp, _ := e.sink.LoadCheckpoint(ctx, "tally:"+itoa(c.ID))
			return cp["since"] == "2"
		})
		if s, err := m.Sender(c.ID); err != nil || s == nil {
			t.Fatalf("sender: %v", err)
		}
		h, err := m.Health(ctx, c.ID)
		if err != nil || !h.Running || h.Rate.Limit != 100 || h.LastEventAt.IsZero() {
			t.Fatalf("health: %+v %v", h, err)
		}

		// Pause: the poller stops, sending is refused, webhooks answer 503.
		e.st.Pause(ctx, c.ID, "maintenance")
		if err := m.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Sender(c.ID); !errors.Is(err, ErrNotRunning) {
			t.Fatalf("paused sender: %v", err)
		}
		// Sync has waited for the connector's Run to return, so every
		// request it made is over: none may start from here on.
		polls := calls.n.Load()
		srv.AddEvent("while paused")
		hooks := httptest.NewServer(m.Handler())
		defer hooks.Close()
		body := []byte(`[{"id":100,"text":"pushed"}]`)
		if code := postHook(t, hooks.URL+"/hooks/"+itoa(c.ID), body, chantest.Sign("whsec", body)); code != 503 {
			t.Fatalf("paused webhook: %d", code)
		}
		if code := postHook(t, hooks.URL+"/hooks/9999", body, "x"); code != 404 {
			t.Fatalf("unknown webhook: %d", code)
		}
		if code := postHook(t, hooks.URL+"/hooks/abc", body, "x"); code != 404 {
			t.Fatalf("bad id webhook: %d", code)
		}
		if calls.n.Load() != polls || e.sink.Count(ctx) != 2 {
			t.Fatalf("polled while paused")
		}

		// Resume: the missed event arrives; a signed webhook is stored, a
		// forged one refused.
		e.st.Resume(ctx, c.ID)
		m.Sync(ctx)
		eventually(t, "missed event", func() bool { return e.sink.Count(ctx) == 3 })
		if code := postHook(t, hooks.URL+"/hooks/"+itoa(c.ID), body, chantest.Sign("whsec", body)); code != 200 {
			t.Fatalf("webhook: %d", code)
		}
		if code := postHook(t, hooks.URL+"/hooks/"+itoa(c.ID), body, chantest.Sign("wrong", body)); code != 401 {
			t.Fatalf("forged webhook: %d", code)
		}
		if e.sink.Count(ctx) != 4 {
			t.Fatalf("posts %d", e.sink.Count(ctx))
		}
		if strings.Contains(e.logs.String(), tokenValue) {
			t.Fatal("token in logs")
		}
	})
}

func TestManagerRestartsOnConfigChangeAndFailure(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newMgrEnv(t, db)
		dead := chantest.NewServer(tokenValue)
		dead.Close() // connection refused: Run fails, is restarted with backoff
		c := e.create(t, "desk", dead.URL, false)
		m := e.manager(t, Options{})
		eventually(t, "restarts", func() bool {
			h, _ := m.Health(ctx, c.ID)
			return h.Restarts >= 3 && len(h.Errors) > 0
		})
		srv := chantest.NewServer(tokenValue)
		defer srv.Close()
		srv.AddEvent("hello")
		if _, err := e.st.Update(ctx, c.ID, Patch{Config: map[string]string{"base_url": srv.URL, "poll": "5ms"}}); err != nil {
			t.Fatal(err)
		}
		m.Sync(ctx)
		eventually(t, "polls on the new URL", func() bool { return e.sink.Count(ctx) == 1 })

		// The platform stops accepting the token: the channel is stopped
		// for an admin, not hammered.
		srv.SetToken("rotated")
		eventually(t, "error status", func() bool {
			g, _ := e.st.Get(ctx, c.ID)
			return g.Status == Errored && strings.Contains(g.StatusReason, "invalid token")
		})
		eventually(t, "stopped", func() bool { _, err := m.Sender(c.ID); return errors.Is(err, ErrNotRunning) })
		if strings.Contains(e.logs.String(), tokenValue) {
			t.Fatal("token in logs")
		}
	})
}

func TestManagerCheck(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newMgrEnv(t, db)
		srv := chantest.NewServer(tokenValue)
		defer srv.Close()
		c := e.create(t, "desk", srv.URL, true)
		m := e.manager(t, Options{})
		if err := m.Check(ctx, c.ID); err != nil {
			t.Fatalf("check: %v", err)
		}
		srv.SetToken("other")
		err := m.Check(ctx, c.ID)
		if connector.ClassOf(err) != connector.AuthExpired || !strings.Contains(err.Error(), "invalid token") {
			t.Fatalf("bad token: %v", err)
		}
		if err := m.CheckSettings(ctx, connector.Channel{Platform: chantest.Platform, Config: map[string]string{"base_url": "ftp://x"}}); err == nil {
			t.Fatal("bad settings accepted")
		}
	})
}

// Two replicas: the channel's poller runs on exactly one; when it stops
// the other takes over. Both serve webhooks and sends.
func TestManagerLeaseSingleton(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newMgrEnv(t, db)
		srv := chantest.NewServer(tokenValue)
		defer srv.Close()
		c := e.create(t, "desk", srv.URL, false)
		ls := lease.New(db)
		a := NewManager(e.st, Options{Sink: e.sink, Checkpoints: e.sink, Leases: ls, Holder: "A", LeaseTTL: 300 * time.Millisecond,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Resync: time.Hour})
		if err := a.Start(ctx); err != nil {
			t.Fatal(err)
		}
		eventually(t, "A runs", func() bool { h, _ := a.Health(ctx, c.ID); return h.Running })
		b := e.manager(t, Options{Leases: ls, Holder: "B", LeaseTTL: 300 * time.Millisecond})
		if holder, _, _ := ls.Holder(ctx, "channel:"+itoa(c.ID)); holder != "A" {
			t.Fatalf("holder %q", holder)
		}
		if _, err := b.Sender(c.ID); err != nil {
			t.Fatalf("B cannot send: %v", err)
		}
		b.mu.RLock()
		bRunning := b.runs[c.ID].running
		b.mu.RUnlock()
		if bRunning {
			t.Fatal("both replicas run the poller")
		}
		a.Stop()
		eventually(t, "B takes over", func() bool {
			b.mu.RLock()
			defer b.mu.RUnlock()
			r := b.runs[c.ID]
			r.mu.Lock()
			defer r.mu.Unlock()
			return r.running
		})
		srv.AddEvent("after failover")
		eventually(t, "B polls", func() bool { return e.sink.Count(ctx) == 1 })
	})
}

func postHook(t *testing.T, url string, body []byte, sig string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("X-Tally-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
