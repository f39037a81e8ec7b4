package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATS is the scale-out bus on NATS JetStream. All subjects live under
// "<prefix>." in one stream; each group is a durable pull consumer, so the
// replicas of a group share its messages and an unacknowledged batch is
// redelivered after AckWait.
type NATS struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	prefix string
}

// NATSOptions configure the stream.
type NATSOptions struct {
	Prefix  string        // subject prefix and stream name, default "kaval"
	MaxAge  time.Duration // how long messages are kept, default 24h
	AckWait time.Duration // redelivery after, default 60s
}

// DialNATS connects and makes sure the stream exists.
func DialNATS(ctx context.Context, url string, opt NATSOptions) (*NATS, error) {
	if opt.Prefix == "" {
		opt.Prefix = "kaval"
	}
	if opt.MaxAge == 0 {
		opt.MaxAge = 24 * time.Hour
	}
	nc, err := nats.Connect(url, nats.Name("kaval"), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("bus: unable to connect to %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: jetstream: %w", err)
	}
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:      strings.ToUpper(opt.Prefix),
		Subjects:  []string{opt.Prefix + ".>"},
		Retention: jetstream.LimitsPolicy,
		MaxAge:    opt.MaxAge,
		Storage:   jetstream.FileStorage,
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: unable to create stream: %w", err)
	}
	return &NATS{nc: nc, js: js, stream: st, prefix: opt.Prefix}, nil
}

func (b *NATS) subject(s string) string { return b.prefix + "." + s }

// Publish waits for JetStream's acknowledgement of every message, so a nil
// return means the messages are stored by the server.
func (b *NATS) Publish(ctx context.Context, subject string, payloads ...[]byte) error {
	futs := make([]jetstream.PubAckFuture, 0, len(payloads))
	for _, p := range payloads {
		f, err := b.js.PublishAsync(b.subject(subject), p)
		if err != nil {
			return fmt.Errorf("bus: publish: %w", err)
		}
		futs = append(futs, f)
	}
	for _, f := range futs {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("bus: publish: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (b *NATS) Subscribe(ctx context.Context, subject, group string, opt SubOptions, h Handler) error {
	cfg := jetstream.ConsumerConfig{
		FilterSubject: b.subject(subject),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       60 * time.Second,
		MaxAckPending: opt.batch() * 8,
	}
	if opt.Fanout {
		// An ephemeral consumer per subscriber that starts at new messages.
		cfg.DeliverPolicy = jetstream.DeliverNewPolicy
		cfg.InactiveThreshold = time.Minute
	} else {
		name := sanitize(subject + "-" + group)
		cfg.Durable = name
	}
	cons, err := b.stream.CreateOrUpdateConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("bus: unable to create consumer: %w", err)
	}
	for ctx.Err() == nil {
		batch, err := cons.Fetch(opt.batch(), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			slog.Warn("bus: fetch failed", "subject", subject, "err", err)
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
			}
			continue
		}
		var msgs []jetstream.Msg
		var data [][]byte
		for m := range batch.Messages() {
			msgs = append(msgs, m)
			data = append(data, m.Data())
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
			slog.Debug("bus: batch ended", "err", err)
		}
		if len(msgs) == 0 {
			continue
		}
		if err := h(ctx, data); err != nil {
			slog.Warn("bus: handler failed; batch will be redelivered", "subject", subject, "n", len(msgs), "err", err)
			for _, m := range msgs {
				m.NakWithDelay(time.Second)
			}
			continue
		}
		for _, m := range msgs {
			m.Ack()
		}
	}
	return nil
}

func (b *NATS) Close() error {
	b.nc.Drain()
	return nil
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '*' || r == '>' || r == '/' || r == '\\' || r <= ' ' {
			return '_'
		}
		return r
	}, s)
}
