package lease

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

func TestAcquireRenewRelease(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		s := New(db).WithClock(func() time.Time { return now })

		ok, err := s.Acquire(ctx, "channel:1", "a", time.Minute)
		if err != nil || !ok {
			t.Fatalf("a acquire: %v %v", ok, err)
		}
		if ok, _ := s.Acquire(ctx, "channel:1", "b", time.Minute); ok {
			t.Fatal("b took a live lease")
		}
		if ok, _ := s.Acquire(ctx, "channel:1", "a", time.Minute); !ok {
			t.Fatal("a could not re-acquire its own lease")
		}
		if ok, _ := s.Renew(ctx, "channel:1", "b", time.Minute); ok {
			t.Fatal("b renewed a's lease")
		}
		now = now.Add(2 * time.Minute) // a's lease expired
		if ok, _ := s.Acquire(ctx, "channel:1", "b", time.Minute); !ok {
			t.Fatal("b could not take an expired lease")
		}
		if ok, _ := s.Renew(ctx, "channel:1", "a", time.Minute); ok {
			t.Fatal("a renewed a lease it lost")
		}
		h, exp, err := s.Holder(ctx, "channel:1")
		if err != nil || h != "b" || !exp.Equal(now.Add(time.Minute)) {
			t.Fatalf("holder %q %v %v", h, exp, err)
		}
		s.Release(ctx, "channel:1", "a") // not a's: no effect
		if h, _, _ := s.Holder(ctx, "channel:1"); h != "b" {
			t.Fatalf("a released b's lease")
		}
		if err := s.Release(ctx, "channel:1", "b"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.Acquire(ctx, "channel:1", "a", time.Minute); !ok {
			t.Fatal("a could not take a released lease")
		}
	})
}

// Many contenders racing for the same free lease: exactly one wins.
func TestAcquireRace(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		s := New(db)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.Acquire(context.Background(), "poller", string(rune('a'+i)), time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d winners", wins.Load())
		}
	})
}

// Hold hands the singleton over when its holder stops: two replicas, one
// runs; cancel it and the other takes over; never both at once.
func TestHoldHandover(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		s := New(db)
		var running, maxRunning atomic.Int32
		started := make(chan string, 4)
		work := func(who string) func(context.Context) {
			return func(ctx context.Context) {
				n := running.Add(1)
				if n > maxRunning.Load() {
					maxRunning.Store(n)
				}
				started <- who
				<-ctx.Done()
				running.Add(-1)
			}
		}
		ctxA, stopA := context.WithCancel(context.Background())
		ctxB, stopB := context.WithCancel(context.Background())
		defer stopB()
		doneA := make(chan struct{})
		go func() { s.Hold(ctxA, "sched", "A", 300*time.Millisecond, work("A")); close(doneA) }()
		first := <-started
		go s.Hold(ctxB, "sched", "B", 300*time.Millisecond, work("B"))
		if first != "A" {
			t.Fatalf("first runner %s", first)
		}
		stopA()
		<-doneA
		select {
		case who := <-started:
			if who != "B" {
				t.Fatalf("second runner %s", who)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("B never took over")
		}
		if maxRunning.Load() != 1 {
			t.Fatalf("%d ran at once", maxRunning.Load())
		}
	})
}
