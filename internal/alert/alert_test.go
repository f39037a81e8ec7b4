package alert

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/lease"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/store"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Read.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func setup(t *testing.T, db *store.DB) (*Service, *clock, *auth.Principal) {
	ctx := context.Background()
	svc := auth.New(db, auth.Config{Hash: auth.TestHashParams})
	u, _, err := svc.CreateUser(ctx, auth.NewUser{Username: "sunil", Role: auth.RoleSupervisor, Password: "a long enough password 1"})
	if err != nil {
		t.Fatal(err)
	}
	p := &auth.Principal{UserID: u.ID, Username: "sunil", Role: auth.RoleSupervisor, Perms: auth.PermsOf(auth.RoleSupervisor)}
	c := &clock{t: time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)}
	n := notify.New(db, notify.Config{}, notify.Options{Now: c.now})
	return New(db, Options{Notify: n, Now: c.now, DefaultCooldown: time.Hour}), c, p
}

func spike(sev string, observed int64) Signal {
	return Signal{Kind: KindQuerySpike, Key: "query:7", Subject: "Chain snatching, Koramangala", Severity: sev, Link: "/desk/watch/queries/7",
		Detail: Detail{Observed: observed, Expected: 1.5, Score: 4.2, Hour: time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)}}
}

// An alert is opened and notified once; seen again it is counted, not
// notified; a higher severity notifies again; acknowledged (audited, once)
// it cools down; after the cooldown the same signal opens a new alert.
func TestDedupeCooldownAcknowledge(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c, sup := setup(t, db)
		notes := func() int { return count(t, db, "SELECT COUNT(*) FROM notifications WHERE kind = 'alert.spike.query'") }
		a, o, err := s.Raise(ctx, spike(Warning, 9))
		if err != nil || o != Opened || a.State != StateOpen || a.Raised != 1 || a.Key != "query:7" || a.Detail.Observed != 9 {
			t.Fatalf("first: %+v %s %v", a, o, err)
		}
		if notes() != 1 {
			t.Fatalf("%d notifications", notes())
		}
		c.add(time.Minute)
		b, o, err := s.Raise(ctx, spike(Warning, 12))
		if err != nil || o != Repeated || b.ID != a.ID || b.Raised != 2 || b.Detail.Observed != 12 || notes() != 1 {
			t.Fatalf("repeat: %+v %s %v, %d notifications", b, o, err, notes())
		}
		b, o, err = s.Raise(ctx, spike(Critical, 30))
		if err != nil || o != Escalated || b.ID != a.ID || b.Severity != Critical || notes() != 2 {
			t.Fatalf("escalation: %+v %s %v, %d notifications", b, o, err, notes())
		}
		// A lower severity later does not lower the alert.
		if b, _, _ = s.Raise(ctx, spike(Warning, 10)); b.Severity != Critical {
			t.Fatalf("severity lowered: %+v", b)
		}

		if _, err := s.Acknowledge(ctx, sup, a.ID, "Koramangala PS informed; patrol sent"); err != nil {
			t.Fatal(err)
		}
		_, err = s.Acknowledge(ctx, sup, a.ID, "again")
		var conf *Conflict
		if !errors.As(err, &conf) {
			t.Fatalf("second acknowledgement: %v", err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM audit_log WHERE action = 'alert.acknowledge' AND target = $1", "alert:"+itoa(a.ID)); n != 1 {
			t.Fatalf("%d audit entries", n)
		}
		if _, err := s.Acknowledge(ctx, sup, 999999, ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown alert: %v", err)
		}

		c.add(30 * time.Minute)
		b, o, err = s.Raise(ctx, spike(Critical, 25))
		if err != nil || o != Suppressed || b.ID != a.ID || b.State != StateAcknowledged || b.AckedBy != "sunil" || notes() != 2 {
			t.Fatalf("cooldown: %+v %s %v", b, o, err)
		}
		c.add(31 * time.Minute)
		b, o, err = s.Raise(ctx, spike(Warning, 8))
		if err != nil || o != Opened || b.ID == a.ID || notes() != 3 {
			t.Fatalf("after the cooldown: %+v %s %v", b, o, err)
		}
		open, err := s.List(ctx, Filter{State: StateOpen})
		if err != nil || len(open) != 1 || open[0].ID != b.ID {
			t.Fatalf("open: %+v %v", open, err)
		}
		all, _ := s.List(ctx, Filter{})
		if len(all) != 2 || all[1].AckNote != "Koramangala PS informed; patrol sent" {
			t.Fatalf("all: %+v", all)
		}
		// Bad signals change nothing.
		for _, bad := range []Signal{{Kind: "", Key: "k", Subject: "s", Severity: Warning}, {Kind: "x", Key: "k", Subject: "s", Severity: "panic"},
			{Kind: "x", Key: "k", Subject: "s", Severity: Info, Link: "https://evil.example/"}, {Kind: "x", Key: "", Subject: "s", Severity: Info}} {
			if _, _, err := s.Raise(ctx, bad); err == nil {
				t.Fatalf("accepted %+v", bad)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM alerts"); n != 2 {
			t.Fatalf("%d alerts", n)
		}
	})
}

// Replicas raising the same new signal at once open one alert, notified
// once.
func TestConcurrentRaiseOpensOne(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _, _ := setup(t, db)
		var wg sync.WaitGroup
		var opened atomic.Int32
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, o, err := s.Raise(ctx, spike(Warning, 9))
				if err != nil {
					t.Error(err)
				}
				if o == Opened {
					opened.Add(1)
				}
			}()
		}
		wg.Wait()
		if opened.Load() != 1 || count(t, db, "SELECT COUNT(*) FROM alerts") != 1 ||
			count(t, db, "SELECT raised FROM alerts") != 8 || count(t, db, "SELECT COUNT(*) FROM notifications") != 1 {
			t.Fatalf("opened %d; %d alerts", opened.Load(), count(t, db, "SELECT COUNT(*) FROM alerts"))
		}
	})
}

// Two replicas' loops: only the lease holder runs the detectors.
func TestLoopHoldsTheLease(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c, _ := setup(t, db)
		var runs atomic.Int32
		det := DetectorFunc{N: "test", F: func(ctx context.Context, now time.Time) ([]Signal, error) {
			runs.Add(1)
			return []Signal{{Kind: "test", Key: "one", Subject: "Something odd", Severity: Info, Detail: Detail{Title: map[string]string{"en": "Something odd"}}}}, nil
		}}
		ls := lease.New(db).WithClock(c.now)
		a := &Loop{Service: s, Leases: ls, Detectors: []Detector{det}, Holder: "replica-a", Now: c.now}
		b := &Loop{Service: s, Leases: ls, Detectors: []Detector{det}, Holder: "replica-b", Now: c.now}
		for i := 0; i < 3; i++ {
			if _, err := a.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			if out, err := b.Tick(ctx); err != nil || out != nil {
				t.Fatalf("b ran while a held the lease: %v %v", out, err)
			}
			c.add(time.Minute)
		}
		if runs.Load() != 3 || count(t, db, "SELECT COUNT(*) FROM alerts") != 1 {
			t.Fatalf("%d runs", runs.Load())
		}
		// a stops (no renewal): b takes over after the lease's 3 minutes.
		c.add(4 * time.Minute)
		if out, err := b.Tick(ctx); err != nil || out[Repeated] != 1 {
			t.Fatalf("b after a stopped: %v %v", out, err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
