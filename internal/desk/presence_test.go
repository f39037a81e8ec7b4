package desk_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/desk"
)

// A live case page observes every beat from the bus, and so does Run: a
// beat arrives more than once and an older one may come after a newer.
// "Stopped typing" and "closed the page" must hold against those replays.
func TestPresenceIdleAndGoneHoldAgainstReplays(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	b := bus.NewInProc(0)
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var seen [][]byte
	sub := make(chan struct{})
	go b.Subscribe(ctx, desk.PresenceSubject, "", bus.SubOptions{Fanout: true}, func(_ context.Context, msgs [][]byte) error {
		for _, m := range msgs {
			seen = append(seen, append([]byte(nil), m...))
			sub <- struct{}{}
		}
		return nil
	})
	time.Sleep(50 * time.Millisecond)
	p := desk.NewPresence(b, clock)
	other := desk.NewPresence(nil, clock) // another replica, fed by hand in any order
	p.Beat(ctx, 7, 1, "Asha", true, false)
	<-sub
	now = now.Add(time.Second)
	p.Idle(ctx, 7, 1, "Asha")
	<-sub
	if o := p.Others(7, 2); len(o) != 1 || o[0].Typing {
		t.Fatalf("after idle: %+v", o)
	}
	// Replays: the idle beat, then the older typing beat.
	for _, m := range [][]byte{seen[1], seen[0], seen[0]} {
		if id := other.Observe(m); id != 7 {
			t.Fatalf("Observe = %d, want case 7", id)
		}
	}
	if o := other.Others(7, 2); len(o) != 1 || o[0].Typing || o[0].Name != "Asha" {
		t.Fatalf("an old typing beat replayed after idle: %+v", o)
	}
	now = now.Add(time.Second)
	p.Beat(ctx, 7, 1, "Asha", false, true)
	<-sub
	other.Observe(seen[2])
	other.Observe(seen[0]) // an older beat after "gone"
	if o := other.Others(7, 2); len(o) != 0 {
		t.Fatalf("gone, but still shown: %+v", o)
	}
	// Back on the case later: shown again, since then.
	now = now.Add(time.Second)
	p.Beat(ctx, 7, 1, "Asha", false, false)
	<-sub
	other.Observe(seen[3])
	if o := other.Observe([]byte(`{"c":0}`)); o != 0 {
		t.Fatal("a beat without a case was observed")
	}
	o := other.Others(7, 2)
	if len(o) != 1 || !o[0].Since.Equal(now) {
		t.Fatalf("back on the case: %+v", o)
	}
	var raw map[string]any
	json.Unmarshal(seen[1], &raw)
	if raw["i"] != true {
		t.Fatalf("the idle beat on the wire: %s", seen[1])
	}
}

// A live page of one case applies that case's beats only; another case's
// beat is left to Run (each open page no longer applies every page's).
func TestObserveCaseKeepsToItsCase(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	src := desk.NewPresence(nil, func() time.Time { return now })
	b := bus.NewInProc(0)
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var msg []byte
	got := make(chan struct{}, 1)
	go b.Subscribe(ctx, desk.PresenceSubject, "", bus.SubOptions{Fanout: true}, func(_ context.Context, msgs [][]byte) error {
		msg = append([]byte(nil), msgs[0]...)
		got <- struct{}{}
		return nil
	})
	time.Sleep(50 * time.Millisecond)
	desk.NewPresence(b, func() time.Time { return now }).Beat(ctx, 7, 1, "Asha", true, false)
	<-got
	if c := src.ObserveCase(msg, 8); c != 0 || len(src.Others(7, 2)) != 0 {
		t.Fatalf("case 8's page applied case 7's beat (%d)", c)
	}
	if c := src.ObserveCase(msg, 7); c != 7 || len(src.Others(7, 2)) != 1 {
		t.Fatalf("case 7's page did not apply its beat (%d)", c)
	}
}
