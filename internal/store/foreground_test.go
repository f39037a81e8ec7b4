package store

import (
	"context"
	"testing"
	"time"
)

// Background work waits while a foreground transaction is queued or
// running, goes as soon as none is, and never waits longer than its bound.
func TestBackgroundStepsAside(t *testing.T) {
	var f foreground
	ctx := context.Background()
	f.wait(ctx, time.Hour) // none: returns at once

	f.enter()
	f.enter()
	done := make(chan struct{})
	go func() { f.wait(ctx, time.Hour); close(done) }()
	select {
	case <-done:
		t.Fatal("background went while foreground transactions were queued")
	case <-time.After(50 * time.Millisecond):
	}
	f.leave()
	select {
	case <-done:
		t.Fatal("background went while a foreground transaction was still running")
	case <-time.After(50 * time.Millisecond):
	}
	f.leave()
	<-done

	f.enter()
	start := time.Now()
	f.wait(ctx, 10*time.Millisecond)
	if time.Since(start) > 5*time.Second {
		t.Fatal("background waited past its bound")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	f.wait(cctx, time.Hour)
	f.leave()
}
