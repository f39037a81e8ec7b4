package outbox_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/channel/chantest"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/store"
)

// outcomes records what the outcome hook was told.
type outcomes struct {
	mu  sync.Mutex
	got []outbox.Item
}

func (o *outcomes) hook(_ context.Context, tx *sql.Tx, it outbox.Item) error {
	if tx == nil {
		panic("outcome told outside a transaction")
	}
	o.mu.Lock()
	o.got = append(o.got, it)
	o.mu.Unlock()
	return nil
}

func (o *outcomes) states() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, it := range o.got {
		s := string(it.State)
		if it.DeliveryStatus == "failed" {
			s += "/undelivered"
		}
		out = append(out, s)
	}
	return out
}

// The hook hears every final outcome of an item, whichever path records
// it: sent, failed, left unknown by a crash, reported undelivered later.
func TestOutcomeHookHearsEveryPath(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := setup(t, db)
		var o outcomes
		e.o.OnOutcome(o.hook)
		w := e.worker(outbox.WorkerOptions{})

		sent := e.reply(t, "k-sent", "we are on it", false)
		runOnce(t, w)
		if got := o.states(); len(got) != 1 || got[0] != "sent" || o.got[0].ID != sent || o.got[0].ExternalID == "" {
			t.Fatalf("after a send: %v", got)
		}
		e.o.DeliveryStatus(ctx, chantest.Platform, e.get(t, sent).ExternalID, "failed", e.clk.Now().Add(time.Second), "131026 receiver incapable")
		e.o.DeliveryStatus(ctx, chantest.Platform, e.get(t, sent).ExternalID, "failed", e.clk.Now().Add(2*time.Second), "again") // told once
		if got := o.states(); len(got) != 2 || got[1] != "sent/undelivered" || o.got[1].DeliveryDetail != "131026 receiver incapable" {
			t.Fatalf("after an undelivered status: %v", got)
		}

		e.srv.Script(chantest.Response{Status: 400, Code: "131026", Message: "Message undeliverable"})
		failed := e.reply(t, "k-failed", "second", false)
		runOnce(t, w)
		if got := o.states(); len(got) != 3 || got[2] != "failed" || o.got[2].ID != failed || o.got[2].LastError == "" {
			t.Fatalf("after a failure: %v %+v", got, e.get(t, failed))
		}

		lost := e.reply(t, "k-lost", "third", false)
		db.Write.Exec(`UPDATE outbox SET state = 'sending', claimed_by = 'dead' WHERE id = $1`, lost)
		if n, err := e.o.RecoverInterrupted(ctx, true); err != nil || n != 1 {
			t.Fatalf("recover: %d %v", n, err)
		}
		if got := o.states(); len(got) != 4 || got[3] != "unknown" || o.got[3].ID != lost {
			t.Fatalf("after a crash: %v", got)
		}
	})
}
