package bus

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/bus/bustest"
)

// forEach runs the same behaviour against the in-process bus and a real
// JetStream server (embedded, on a random loopback port, in a temp dir).
func forEach(t *testing.T, fn func(t *testing.T, newBus func() Bus)) {
	t.Run("inproc", func(t *testing.T) {
		b := NewInProc(1024)
		t.Cleanup(func() { b.Close() })
		fn(t, func() Bus { return b })
	})
	t.Run("nats", func(t *testing.T) {
		url := StartTestNATS(t)
		fn(t, func() Bus {
			b, err := DialNATS(context.Background(), url, NATSOptions{Prefix: "test"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			return b
		})
	})
}

// StartTestNATS starts an embedded JetStream server for a test.
func StartTestNATS(t testing.TB) string { return bustest.StartNATS(t) }

func TestGroupSharesWorkExactlyOnce(t *testing.T) {
	forEach(t, func(t *testing.T, newBus func() Bus) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pub := newBus()
		var mu sync.Mutex
		seen := map[string]int{}
		var total sync.WaitGroup
		const n = 500
		total.Add(n)
		ready := make(chan struct{}, 2)
		for range 2 {
			sub := newBus()
			go sub.Subscribe(ctx, "posts.stored", "pipeline", SubOptions{MaxBatch: 50}, func(ctx context.Context, msgs [][]byte) error {
				mu.Lock()
				for _, m := range msgs {
					seen[string(m)]++
					total.Done()
				}
				mu.Unlock()
				return nil
			})
			ready <- struct{}{}
		}
		<-ready
		<-ready
		time.Sleep(200 * time.Millisecond) // let consumers register
		var payloads [][]byte
		for i := range n {
			payloads = append(payloads, []byte(fmt.Sprint(i)))
		}
		if err := pub.Publish(ctx, "posts.stored", payloads...); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { total.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d of %d delivered", len(seen), n)
		}
		mu.Lock()
		defer mu.Unlock()
		for k, c := range seen {
			if c != 1 {
				t.Fatalf("message %s delivered %d times", k, c)
			}
		}
		if len(seen) != n {
			t.Fatalf("got %d distinct, want %d", len(seen), n)
		}
	})
}

func TestFanoutReachesEverySubscriber(t *testing.T) {
	forEach(t, func(t *testing.T, newBus func() Bus) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		got := make(chan string, 10)
		for i := range 2 {
			sub := newBus()
			go sub.Subscribe(ctx, "case.updated", "", SubOptions{Fanout: true}, func(ctx context.Context, msgs [][]byte) error {
				for _, m := range msgs {
					got <- fmt.Sprintf("%d:%s", i, m)
				}
				return nil
			})
		}
		time.Sleep(300 * time.Millisecond)
		if err := newBus().Publish(ctx, "case.updated", []byte("7")); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for len(seen) < 2 {
			select {
			case s := <-got:
				seen[s] = true
			case <-time.After(10 * time.Second):
				t.Fatalf("fan-out reached %v", seen)
			}
		}
		if !seen["0:7"] || !seen["1:7"] {
			t.Fatalf("got %v", seen)
		}
	})
}

func TestNATSRedeliversFailedBatch(t *testing.T) {
	url := StartTestNATS(t)
	b, err := DialNATS(context.Background(), url, NATSOptions{Prefix: "redeliver"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	attempts := make(chan int, 10)
	n := 0
	go b.Subscribe(ctx, "x", "g", SubOptions{}, func(ctx context.Context, msgs [][]byte) error {
		n++
		attempts <- n
		if n == 1 {
			return fmt.Errorf("transient")
		}
		return nil
	})
	time.Sleep(200 * time.Millisecond)
	if err := b.Publish(ctx, "x", []byte("a")); err != nil {
		t.Fatal(err)
	}
	for want := 1; want <= 2; want++ {
		select {
		case got := <-attempts:
			if got != want {
				t.Fatalf("attempt %d, want %d", got, want)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("no attempt %d: failed batch not redelivered", want)
		}
	}
}
