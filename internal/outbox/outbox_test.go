package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/time/rate"

	"github.com/kaval-desk/kaval/internal/channel/chantest"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/store"
)

func init() { chantest.Register() }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock               { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

// senders builds real tally connectors (HTTP to the fake platform) by
// channel id: the outbox's view of channel.Manager.
type senders struct {
	mu    sync.Mutex
	conns map[int64]connector.Connector
}

func (s *senders) Sender(id int64) (connector.Sender, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.conns[id]
	if !ok {
		return nil, fmt.Errorf("channel %d: %w", id, store.ErrNotFound)
	}
	if c == nil {
		return nil, errors.New("channel paused")
	}
	return c, nil
}

type env struct {
	db   *store.DB
	clk  *clock
	srv  *chantest.Server
	o    *outbox.Outbox
	s    *senders
	chID int64
}

func setup(t *testing.T, db *store.DB) *env {
	t.Helper()
	srv := chantest.NewServer("tok")
	t.Cleanup(srv.Close)
	clk := newClock()
	var id int64
	if err := db.Write.QueryRow(`INSERT INTO channels (platform, name, config, created_at, updated_at) VALUES ($1, 'desk', '{}', 1, 1) RETURNING id`,
		chantest.Platform).Scan(&id); err != nil {
		t.Fatal(err)
	}
	c, err := connector.New(connector.Channel{ID: id, Platform: chantest.Platform, Name: "desk",
		Config: map[string]string{"base_url": srv.URL}, Secrets: map[string]string{"token": "tok"}},
		connector.Deps{Now: clk.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), HTTP: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	return &env{db: db, clk: clk, srv: srv, o: outbox.New(db).WithClock(clk.Now), s: &senders{conns: map[int64]connector.Connector{id: c}}, chID: id}
}

func (e *env) worker(opt outbox.WorkerOptions) *outbox.Worker {
	opt.Now = e.clk.Now
	opt.Jitter = func() float64 { return 1 }
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opt.Rate == nil {
		opt.Rate = func(int64, string) (rate.Limit, int) { return rate.Inf, 1 }
	}
	if opt.SendTimeout == 0 {
		opt.SendTimeout = 5 * time.Second
	}
	return outbox.NewWorker(e.o, e.s, opt)
}

func (e *env) reply(t *testing.T, key, text string, approval bool) int64 {
	t.Helper()
	id, err := e.o.Enqueue(context.Background(), outbox.Item{IdempotencyKey: key, ChannelID: e.chID, Kind: outbox.Reply,
		CaseID: 7, Target: connector.Target{ParentID: "p1"}, Text: text, NeedsApproval: approval, CreatedBy: 3})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *env) get(t *testing.T, id int64) outbox.Item {
	t.Helper()
	it, err := e.o.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func runOnce(t *testing.T, w *outbox.Worker) {
	t.Helper()
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestStateMachineAndIdempotency(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := setup(t, db)
		a := e.reply(t, "case7-r1", "Namaskara, we are on it", true)
		if again := e.reply(t, "case7-r1", "Namaskara, we are on it", true); again != a {
			t.Fatalf("same key made a second row: %d %d", a, again)
		}
		if _, err := e.o.Enqueue(ctx, outbox.Item{IdempotencyKey: "case7-r1", ChannelID: e.chID, Kind: outbox.Reply,
			Target: connector.Target{ParentID: "p1"}, Text: "different"}); !errors.Is(err, outbox.ErrConflict) {
			t.Fatalf("key reuse with other text: %v", err)
		}
		it := e.get(t, a)
		if it.State != outbox.AwaitingApproval || it.CaseID != 7 || it.Target.ParentID != "p1" || it.Platform != chantest.Platform {
			t.Fatalf("enqueued: %+v", it)
		}
		// Not sendable before approval.
		w := e.worker(outbox.WorkerOptions{})
		runOnce(t, w)
		if e.srv.Posts.Load() != 0 {
			t.Fatal("sent before approval")
		}
		if err := e.o.Retry(ctx, a, 1); !errors.Is(err, outbox.ErrState) {
			t.Fatalf("retry of awaiting: %v", err)
		}
		if err := e.o.Approve(ctx, a, 9); err != nil {
			t.Fatal(err)
		}
		if err := e.o.Approve(ctx, a, 9); !errors.Is(err, outbox.ErrState) {
			t.Fatalf("double approve: %v", err)
		}
		if it := e.get(t, a); it.State != outbox.Pending || it.ApprovedBy != 9 || it.ApprovedAt.IsZero() {
			t.Fatalf("approved: %+v", it)
		}
		b := e.reply(t, "case7-r2", "second", true)
		if err := e.o.Reject(ctx, b, 9, "tone"); err != nil {
			t.Fatal(err)
		}
		if it := e.get(t, b); it.State != outbox.Cancelled || it.DecisionNote != "rejected: tone" || it.DecidedBy != 9 {
			t.Fatalf("rejected: %+v", it)
		}
		c := e.reply(t, "case7-r3", "third", false)
		if err := e.o.Cancel(ctx, c, 4, "duplicate of r1"); err != nil {
			t.Fatal(err)
		}
		runOnce(t, w)
		if it := e.get(t, a); it.State != outbox.Sent || it.ExternalID != "m1" || it.Attempts != 1 || it.SentAt.IsZero() {
			t.Fatalf("sent: %+v", it)
		}
		if err := e.o.Cancel(ctx, a, 4, "too late"); !errors.Is(err, outbox.ErrState) {
			t.Fatalf("cancel of sent: %v", err)
		}
		if sent := e.srv.Sent(); len(sent) != 1 || sent[0].Key != "case7-r1" || sent[0].Parent != "p1" {
			t.Fatalf("platform got %+v", sent)
		}
		if _, err := e.o.Get(ctx, 999); !errors.Is(err, outbox.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		list, err := e.o.List(ctx, outbox.Filter{States: []outbox.State{outbox.Cancelled}, CaseID: 7})
		if err != nil || len(list) != 2 {
			t.Fatalf("list cancelled: %d %v", len(list), err)
		}
		if list, _ := e.o.List(ctx, outbox.Filter{ChannelID: e.chID + 1}); len(list) != 0 {
			t.Fatalf("list other channel: %d", len(list))
		}
	})
}

func TestEnqueueRejectsBadInput(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		for _, it := range []outbox.Item{
			{IdempotencyKey: "", ChannelID: e.chID, Kind: outbox.Publish, Text: "x"},
			{IdempotencyKey: "k", ChannelID: e.chID, Kind: "dm", Text: "x"},
			{IdempotencyKey: "k", ChannelID: e.chID, Kind: outbox.Publish, Text: "  \u200b "},
			{IdempotencyKey: "k", ChannelID: e.chID, Kind: outbox.Reply, Text: "no parent"},
			{IdempotencyKey: "k", ChannelID: 424242, Kind: outbox.Publish, Text: "no channel"},
			{IdempotencyKey: "k", ChannelID: e.chID, Kind: outbox.Publish, Text: strings.Repeat("x", outbox.MaxText+1)},
		} {
			if _, err := e.o.Enqueue(context.Background(), it); err == nil {
				t.Errorf("accepted %+v", it.Kind)
			}
		}
		if l, _ := e.o.List(context.Background(), outbox.Filter{}); len(l) != 0 {
			t.Fatalf("%d rows stored", len(l))
		}
	})
}

// A row left in sending by a crash becomes unknown and is never re-sent;
// a person's Retry sends it.
func TestCrashLeavesUnknownNeverResent(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := setup(t, db)
		a := e.reply(t, "k-a", "crashed mid-send", false)
		b := e.reply(t, "k-b", "claim expired on another replica", false)
		// Simulate: a process claimed both and died (b's claim on a replica
		// still inside its TTL).
		db.Write.Exec(`UPDATE outbox SET state = 'sending', attempts = 1, claimed_by = 'dead', claim_expires_at = $2 WHERE id = $1`,
			a, store.Millis(e.clk.Now().Add(-time.Second)))
		db.Write.Exec(`UPDATE outbox SET state = 'sending', attempts = 1, claimed_by = 'busy', claim_expires_at = $2 WHERE id = $1`,
			b, store.Millis(e.clk.Now().Add(time.Hour)))

		w := e.worker(outbox.WorkerOptions{})
		for range 3 {
			runOnce(t, w)
		}
		if it := e.get(t, a); it.State != outbox.Unknown || it.LastError != outbox.UnknownNote {
			t.Fatalf("expired claim: %+v", it)
		}
		if it := e.get(t, b); it.State != outbox.Sending {
			t.Fatalf("live claim touched: %+v", it)
		}
		// Single-process start-up: every sending row is from the dead process.
		if n, err := e.o.RecoverInterrupted(ctx, true); err != nil || n != 1 {
			t.Fatalf("recover all: %d %v", n, err)
		}
		runOnce(t, w)
		if e.srv.Posts.Load() != 0 {
			t.Fatalf("re-sent %d times without a person", e.srv.Posts.Load())
		}
		if err := e.o.Retry(ctx, a, 5); err != nil {
			t.Fatal(err)
		}
		runOnce(t, w)
		if it := e.get(t, a); it.State != outbox.Sent || it.DecidedBy != 5 {
			t.Fatalf("after retry: %+v", it)
		}
		if e.srv.Posts.Load() != 1 {
			t.Fatalf("posts %d", e.srv.Posts.Load())
		}
	})
}

// The platform took the request and never answered: unknown, not retried.
func TestTimeoutAfterSendIsUnknown(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		e.srv.Script(chantest.Response{Hang: true, Accept: true})
		a := e.reply(t, "k", "hello", false)
		m := outbox.NewMetrics(nil)
		w := e.worker(outbox.WorkerOptions{SendTimeout: 50 * time.Millisecond, Metrics: m})
		runOnce(t, w)
		it := e.get(t, a)
		if it.State != outbox.Unknown || it.ErrorClass != "unknown" {
			t.Fatalf("hang: %+v", it)
		}
		runOnce(t, w)
		if e.srv.Posts.Load() != 1 || len(e.srv.Sent()) != 1 {
			t.Fatalf("posted %d times", e.srv.Posts.Load())
		}
		if v := testutil.ToFloat64(m.Unknown.WithLabelValues(chantest.Platform)); v != 1 {
			t.Fatalf("unknown metric %v", v)
		}
	})
}

func TestRetryBackoffThenFail(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		m := outbox.NewMetrics(nil)
		w := e.worker(outbox.WorkerOptions{MaxAttempts: 3, BaseBackoff: 10 * time.Second, Metrics: m})
		e.srv.Script(chantest.Response{Status: 503, Code: "busy", Message: "try later"}, chantest.Response{Status: 500, Code: "oops", Message: "internal"})
		a := e.reply(t, "k1", "first", false)
		runOnce(t, w)
		it := e.get(t, a)
		if it.State != outbox.Pending || it.Attempts != 1 || !it.NextAttemptAt.Equal(e.clk.Now().Add(10*time.Second)) || it.ErrorCode != "busy" {
			t.Fatalf("after 503: %+v", it)
		}
		runOnce(t, w) // not due yet
		if e.srv.Posts.Load() != 1 {
			t.Fatalf("retried before backoff: %d", e.srv.Posts.Load())
		}
		e.clk.Add(10 * time.Second)
		runOnce(t, w)
		if it := e.get(t, a); it.State != outbox.Pending || it.Attempts != 2 || !it.NextAttemptAt.Equal(e.clk.Now().Add(20*time.Second)) {
			t.Fatalf("after 500: %+v", it)
		}
		e.clk.Add(20 * time.Second)
		runOnce(t, w)
		if it := e.get(t, a); it.State != outbox.Sent || it.Attempts != 3 {
			t.Fatalf("third try: %+v", it)
		}
		// Out of attempts: failed with the platform's own message.
		e.srv.Script(chantest.Response{Status: 502, Message: "bad gateway A"}, chantest.Response{Status: 502, Message: "bad gateway B"},
			chantest.Response{Status: 502, Message: "bad gateway C"})
		b := e.reply(t, "k2", "second", false)
		for range 3 {
			runOnce(t, w)
			e.clk.Add(time.Hour)
		}
		it = e.get(t, b)
		if it.State != outbox.Failed || !strings.Contains(it.LastError, "bad gateway C") || it.ErrorClass != "retryable" {
			t.Fatalf("exhausted: %+v", it)
		}
		if v := testutil.ToFloat64(m.Retries.WithLabelValues(chantest.Platform, "retryable")); v != 4 {
			t.Fatalf("retries metric %v", v)
		}
		if v := testutil.ToFloat64(m.Sent.WithLabelValues(chantest.Platform)); v != 1 {
			t.Fatalf("sent metric %v", v)
		}
		if v := testutil.ToFloat64(m.Failed.WithLabelValues(chantest.Platform, "retryable")); v != 1 {
			t.Fatalf("failed metric %v", v)
		}
	})
}

func TestRateLimitPausesChannel(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		w := e.worker(outbox.WorkerOptions{Concurrency: 1})
		e.srv.Script(chantest.Response{Status: 429, Code: "rate", Message: "slow down", RetryAfter: "30"})
		a := e.reply(t, "k1", "one", false)
		runOnce(t, w)
		it := e.get(t, a)
		if it.State != outbox.Pending || it.Attempts != 0 || !it.NextAttemptAt.Equal(e.clk.Now().Add(30*time.Second)) || it.ErrorClass != "rate_limited" {
			t.Fatalf("after 429: %+v", it)
		}
		// Another item for the paused channel waits without a request.
		b := e.reply(t, "k2", "two", false)
		runOnce(t, w)
		if e.srv.Posts.Load() != 1 {
			t.Fatalf("sent while paused: %d", e.srv.Posts.Load())
		}
		if it := e.get(t, b); it.State != outbox.Pending || it.NextAttemptAt.Before(e.clk.Now().Add(30*time.Second)) {
			t.Fatalf("b not held: %+v", it)
		}
		e.clk.Add(30 * time.Second)
		runOnce(t, w)
		if e.get(t, a).State != outbox.Sent || e.get(t, b).State != outbox.Sent {
			t.Fatalf("after pause: %+v %+v", e.get(t, a), e.get(t, b))
		}
	})
}

func TestTokenBucketPerChannel(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		w := e.worker(outbox.WorkerOptions{Rate: func(int64, string) (rate.Limit, int) { return rate.Every(10 * time.Second), 2 }})
		for i := range 5 {
			e.reply(t, fmt.Sprintf("k%d", i), fmt.Sprintf("msg %d", i), false)
		}
		runOnce(t, w)
		if n := e.srv.Posts.Load(); n != 2 {
			t.Fatalf("burst: %d sent", n)
		}
		runOnce(t, w)
		if n := e.srv.Posts.Load(); n != 2 {
			t.Fatalf("no tokens yet: %d sent", n)
		}
		e.clk.Add(10 * time.Second)
		runOnce(t, w)
		if n := e.srv.Posts.Load(); n != 3 {
			t.Fatalf("one token later: %d sent", n)
		}
	})
}

func TestPermanentClasses(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		w := e.worker(outbox.WorkerOptions{})
		cases := []struct {
			resp  chantest.Response
			class string
		}{
			{chantest.Response{Status: 400, Code: "131026", Message: "Message undeliverable"}, "permanent"},
			{chantest.Response{Status: 422, Code: "too_long", Message: "Text too long"}, "invalid"},
			{chantest.Response{Status: 403, Code: "window", Message: "Re-engagement message outside 24h"}, "window_closed"},
			{chantest.Response{Status: 409, Code: "dup", Message: "Status is a duplicate."}, "duplicate"},
			{chantest.Response{Status: 401, Code: "auth", Message: "Token expired"}, "auth_expired"},
		}
		for i, c := range cases {
			e.srv.Script(c.resp)
			id := e.reply(t, fmt.Sprintf("p%d", i), fmt.Sprintf("text %d", i), false)
			runOnce(t, w)
			it := e.get(t, id)
			if it.State != outbox.Failed || it.ErrorClass != c.class || it.ErrorCode != c.resp.Code || !strings.Contains(it.LastError, c.resp.Message) {
				t.Errorf("%s: %+v", c.class, it)
			}
		}
		if n := e.srv.Posts.Load(); n != int64(len(cases)) {
			t.Fatalf("retried a permanent failure: %d posts", n)
		}
		// Duplicate after an earlier attempt: our first try landed.
		e.srv.Script(chantest.Response{Status: 500, Accept: true}, chantest.Response{Status: 409, Code: "dup", Message: "duplicate"})
		id := e.reply(t, "dup2", "landed before", false)
		runOnce(t, w)
		e.clk.Add(time.Hour)
		runOnce(t, w)
		if it := e.get(t, id); it.State != outbox.Sent || !strings.Contains(it.LastError, "duplicate") {
			t.Fatalf("duplicate after retry: %+v", it)
		}
	})
}

// A paused channel holds its items; a deleted one fails them.
func TestUnavailableChannel(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		w := e.worker(outbox.WorkerOptions{Unavailable: time.Minute})
		conn := e.s.conns[e.chID]
		e.s.conns[e.chID] = nil // paused
		a := e.reply(t, "k", "hold me", false)
		runOnce(t, w)
		if it := e.get(t, a); it.State != outbox.Pending || it.Attempts != 0 || !it.NextAttemptAt.Equal(e.clk.Now().Add(time.Minute)) {
			t.Fatalf("paused: %+v", it)
		}
		e.s.conns[e.chID] = conn
		e.clk.Add(time.Minute)
		runOnce(t, w)
		if it := e.get(t, a); it.State != outbox.Sent {
			t.Fatalf("resumed: %+v", it)
		}
		delete(e.s.conns, e.chID)
		b := e.reply(t, "k2", "orphan", false)
		runOnce(t, w)
		if it := e.get(t, b); it.State != outbox.Failed || !strings.Contains(it.LastError, "deleted") {
			t.Fatalf("deleted: %+v", it)
		}
	})
}

func TestDeliveryStatus(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := setup(t, db)
		a := e.reply(t, "k", "hi", false)
		runOnce(t, e.worker(outbox.WorkerOptions{}))
		ext := e.get(t, a).ExternalID
		t0 := e.clk.Now()
		var sink connector.StatusSink = e.o
		sink.DeliveryStatus(ctx, chantest.Platform, ext, "read", t0.Add(2*time.Second), "")
		sink.DeliveryStatus(ctx, chantest.Platform, ext, "delivered", t0.Add(time.Second), "") // late, older
		sink.DeliveryStatus(ctx, chantest.Platform, "nope", "read", t0, "")                    // unknown id: ignored
		if it := e.get(t, a); it.DeliveryStatus != "read" || !it.DeliveryAt.Equal(t0.Add(2*time.Second)) {
			t.Fatalf("status: %+v", it)
		}
		sink.DeliveryStatus(ctx, chantest.Platform, ext, "failed", t0.Add(3*time.Second), "131026 receiver incapable")
		if it := e.get(t, a); it.DeliveryStatus != "failed" || it.DeliveryDetail != "131026 receiver incapable" {
			t.Fatalf("failed status: %+v", it)
		}
	})
}

// Two workers (replicas) drain one queue: every item is sent exactly once.
func TestConcurrentWorkersSendOnce(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		const n = 40
		for i := range n {
			e.reply(t, fmt.Sprintf("c%d", i), fmt.Sprintf("text %d", i), false)
		}
		var wg sync.WaitGroup
		for r := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := e.worker(outbox.WorkerOptions{ID: fmt.Sprintf("replica-%d", r), Batch: 5})
				for range 40 {
					if k, err := w.RunOnce(context.Background()); err != nil {
						t.Error(err)
						return
					} else if k == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		seen := map[string]int{}
		for _, s := range e.srv.Sent() {
			seen[s.Key]++
		}
		if len(seen) != n || e.srv.Posts.Load() != n {
			t.Fatalf("sent %d distinct in %d posts", len(seen), e.srv.Posts.Load())
		}
		if l, _ := e.o.List(context.Background(), outbox.Filter{States: []outbox.State{outbox.Sent}, Limit: 100}); len(l) != n {
			t.Fatalf("%d rows sent", len(l))
		}
	})
}
