package store

import (
	"context"
	"testing"
	"time"
)

// Background work lets the foreground transactions queued before it go
// first, is not held back by ones that queue later (a steady stream must
// not starve it), and never waits past its bound.
func TestBackgroundStepsAside(t *testing.T) {
	var f foreground
	ctx := context.Background()
	f.wait(ctx, time.Hour) // none queued: returns at once

	f.enter()
	f.enter()
	done := make(chan struct{})
	go func() { f.wait(ctx, time.Hour); close(done) }()
	time.Sleep(20 * time.Millisecond) // let the waiter take its snapshot
	f.enter()                         // queued after the waiter: not waited for
	select {
	case <-done:
		t.Fatal("background went while foreground transactions queued before it were waiting")
	case <-time.After(50 * time.Millisecond):
	}
	f.leave()
	select {
	case <-done:
		t.Fatal("background went while one queued before it was still running")
	case <-time.After(50 * time.Millisecond):
	}
	f.leave()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("background kept waiting for a transaction queued after it")
	}

	start := time.Now()
	f.wait(ctx, 10*time.Millisecond) // one still queued: the bound ends the wait
	if time.Since(start) > 5*time.Second {
		t.Fatal("background waited past its bound")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	f.wait(cctx, time.Hour)
	f.leave()
	f.wait(ctx, time.Hour) // all finished: returns at once
}
