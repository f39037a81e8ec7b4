package outbox_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/store"
)

// EnqueueThen runs its hook in the enqueue's transaction for a new row
// only: a failing hook leaves no row, a repeated key runs no hook.
func TestEnqueueThenIsAtomicAndOnce(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		it := outbox.Item{IdempotencyKey: "publish:k1", ChannelID: e.chID, Kind: outbox.Publish, Text: "Roads closed near the stadium tonight", NeedsApproval: true, CreatedBy: 3}
		boom := errors.New("audit failed")
		if _, _, err := e.o.EnqueueThen(ctx, it, func(*sql.Tx, int64) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("hook error not returned: %v", err)
		}
		if items, _ := e.o.List(ctx, outbox.Filter{}); len(items) != 0 {
			t.Fatalf("a failed hook left %d rows", len(items))
		}
		calls := 0
		var hookID int64
		hook := func(tx *sql.Tx, id int64) error {
			calls++
			hookID = id
			// The row is visible inside the transaction.
			var n int
			return tx.QueryRow(`SELECT count(*) FROM outbox WHERE id = $1`, id).Scan(&n)
		}
		id, created, err := e.o.EnqueueThen(ctx, it, hook)
		if err != nil || !created || calls != 1 || hookID != id {
			t.Fatalf("first: id %d created %v calls %d hook id %d err %v", id, created, calls, hookID, err)
		}
		again, created, err := e.o.EnqueueThen(ctx, it, hook)
		if err != nil || created || again != id || calls != 1 {
			t.Fatalf("repeat: id %d (first %d) created %v calls %d err %v", again, id, created, calls, err)
		}
		it.Text = "Different words"
		if _, created, err := e.o.EnqueueThen(ctx, it, hook); !errors.Is(err, outbox.ErrConflict) || created || calls != 1 {
			t.Fatalf("same key, other text: created %v calls %d err %v", created, calls, err)
		}
	})
}

// A scheduled post is not sent before NotBefore, even once approved, and
// is sent after it; List filters by kind.
func TestScheduledPublishWaitsForNotBefore(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		at := e.clk.Now().Add(2 * time.Hour)
		id, err := e.o.Enqueue(ctx, outbox.Item{IdempotencyKey: "publish:sched", ChannelID: e.chID, Kind: outbox.Publish,
			Text: "Marathon on Sunday: traffic diversions from 5 a.m.", NeedsApproval: true, CreatedBy: 3, NotBefore: at})
		if err != nil {
			t.Fatal(err)
		}
		reply := e.reply(t, "reply:1", "Thank you, we are on it", false)
		w := e.worker(outbox.WorkerOptions{})
		if err := e.o.Approve(ctx, id, 9); err != nil {
			t.Fatal(err)
		}
		runOnce(t, w)
		if it := e.get(t, id); it.State != outbox.Pending || !it.NextAttemptAt.Equal(at) {
			t.Fatalf("before its time: %s next %v (want pending at %v)", it.State, it.NextAttemptAt, at)
		}
		if e.get(t, reply).State != outbox.Sent || len(e.srv.Sent()) != 1 {
			t.Fatalf("the unscheduled reply was not sent: %+v", e.srv.Sent())
		}
		e.clk.Add(2*time.Hour + time.Second)
		runOnce(t, w)
		if it := e.get(t, id); it.State != outbox.Sent {
			t.Fatalf("after its time: %s %s", it.State, it.LastError)
		}
		if s := e.srv.Sent(); len(s) != 2 || s[1].Parent != "" || s[1].Key != "publish:sched" {
			t.Fatalf("platform got %+v", s)
		}
		pubs, err := e.o.List(ctx, outbox.Filter{Kind: outbox.Publish})
		if err != nil || len(pubs) != 1 || pubs[0].ID != id {
			t.Fatalf("kind=publish: %+v %v", pubs, err)
		}
		reps, err := e.o.List(ctx, outbox.Filter{Kind: outbox.Reply})
		if err != nil || len(reps) != 1 || reps[0].ID != reply {
			t.Fatalf("kind=reply: %+v %v", reps, err)
		}
	})
}
