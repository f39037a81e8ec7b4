package outbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kaval-desk/kaval/internal/channel/chantest"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/store"
)

func benchDBs(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, store.NewTestSQLite(b)) })
	if store.PostgresURL() != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, store.NewTestPostgres(b)) })
	}
}

func benchEnv(b *testing.B, db *store.DB) (*outbox.Outbox, *senders, int64) {
	srv := chantest.NewServer("tok")
	b.Cleanup(srv.Close)
	var id int64
	if err := db.Write.QueryRow(`INSERT INTO channels (platform, name, config, created_at, updated_at) VALUES ($1, 'desk', '{}', 1, 1) RETURNING id`,
		chantest.Platform).Scan(&id); err != nil {
		b.Fatal(err)
	}
	c, err := connector.New(connector.Channel{ID: id, Platform: chantest.Platform, Config: map[string]string{"base_url": srv.URL},
		Secrets: map[string]string{"token": "tok"}}, connector.Deps{HTTP: &http.Client{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return outbox.New(db), &senders{conns: map[int64]connector.Connector{id: c}}, id
}

// BenchmarkEnqueue: durable, idempotent inserts of replies.
func BenchmarkEnqueue(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *store.DB) {
		o, _, ch := benchEnv(b, db)
		ctx := context.Background()
		b.ResetTimer()
		for i := range b.N {
			if _, err := o.Enqueue(ctx, outbox.Item{IdempotencyKey: fmt.Sprintf("k%d", i), ChannelID: ch, Kind: outbox.Reply,
				Target: connector.Target{ParentID: "p"}, Text: "We have alerted Adugodi PS; reference BCP-2026-004217"}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
	})
}

// BenchmarkEnqueueClaimSend: enqueue, claim (mark sending durably), send
// over loopback HTTP to the fake platform, record sent — the whole path.
func BenchmarkEnqueueClaimSend(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *store.DB) {
		o, s, ch := benchEnv(b, db)
		ctx := context.Background()
		w := outbox.NewWorker(o, s, outbox.WorkerOptions{Batch: 64, Concurrency: 4, Poll: time.Millisecond,
			Rate: func(int64, string) (rate.Limit, int) { return rate.Inf, 1 }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		b.ResetTimer()
		for i := range b.N {
			if _, err := o.Enqueue(ctx, outbox.Item{IdempotencyKey: fmt.Sprintf("k%d", i), ChannelID: ch, Kind: outbox.Publish,
				Text: "Traffic advisory: Hosur Road diversion"}); err != nil {
				b.Fatal(err)
			}
			if i%64 == 63 {
				w.RunOnce(ctx)
			}
		}
		for {
			n, err := w.RunOnce(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		b.StopTimer()
		if l, _ := o.List(ctx, outbox.Filter{States: []outbox.State{outbox.Pending, outbox.Sending}}); len(l) != 0 {
			b.Fatalf("%d not sent", len(l))
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
	})
}
