package outbox_test

import (
	"context"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Run at start-up (single process): rows left sending become unknown, and
// a newly enqueued row is sent once the worker is woken.
func TestWorkerRunRecoversThenSends(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		e := setup(t, db)
		e.o = outbox.New(db) // real clock
		stuck := e.reply(t, "stuck", "was sending at the crash", false)
		db.Write.Exec(`UPDATE outbox SET state = 'sending', claimed_by = 'old-process', claim_expires_at = $2 WHERE id = $1`,
			stuck, store.Millis(time.Now().Add(time.Hour)))
		w := outbox.NewWorker(e.o, e.s, outbox.WorkerOptions{RecoverAll: true, Poll: time.Hour})
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		fresh := e.reply(t, "fresh", "new reply", false)
		deadline := time.Now().Add(15 * time.Second)
		for e.get(t, fresh).State != outbox.Sent {
			if time.Now().After(deadline) {
				t.Fatalf("not sent: %+v", e.get(t, fresh))
			}
			time.Sleep(5 * time.Millisecond)
		}
		if it := e.get(t, stuck); it.State != outbox.Unknown {
			t.Fatalf("stuck row: %+v", it)
		}
		if n := e.srv.Posts.Load(); n != 1 {
			t.Fatalf("%d posts", n)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// Hostile text and keys: a clear error or a clean stored row, never a
// panic or a half-stored row.
func FuzzEnqueue(f *testing.F) {
	db := store.NewTestSQLite(f)
	var ch int64
	if err := db.Write.QueryRow(`INSERT INTO channels (platform, name, config, created_at, updated_at) VALUES ('tally', 'f', '{}', 1, 1) RETURNING id`).Scan(&ch); err != nil {
		f.Fatal(err)
	}
	o := outbox.New(db)
	f.Add("k1", "ಪೊಲೀಸ್ ಸಹಾಯ ಬೇಕು", "p1")
	f.Add("k2", "\x00\x01<script>alert(1)</script>", "")
	f.Add("", "text", "p")
	f.Add("k\xff", "e\u0301\u200b", "p")
	f.Add("k3", "'); DROP TABLE outbox; --", "1' OR '1'='1")
	f.Fuzz(func(t *testing.T, key, text, parent string) {
		id, err := o.Enqueue(context.Background(), outbox.Item{IdempotencyKey: key, ChannelID: ch, Kind: outbox.Reply,
			Target: connector.Target{ParentID: parent}, Text: text})
		if err != nil {
			return
		}
		it, err := o.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if it.IdempotencyKey != key {
			t.Fatalf("key %q stored as %q", key, it.IdempotencyKey)
		}
		if it.Text != textnorm.Clean(text) || !utf8.ValidString(it.Text) {
			t.Fatalf("text %q stored as %q", text, it.Text)
		}
	})
}
