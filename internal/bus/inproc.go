package bus

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// InProc is the embedded bus: one buffered queue per (subject, group).
// Publish blocks when a queue is full, which is the back-pressure intake
// needs rather than unbounded memory.
type InProc struct {
	mu     sync.Mutex
	groups map[string]map[string]*queue // subject → group → queue
	closed bool
	size   int
	seq    int
}

type queue struct {
	ch      chan []byte
	subs    int
	closeCh chan struct{}
}

// NewInProc returns an in-process bus whose queues hold up to size
// messages each (default 65536).
func NewInProc(size int) *InProc {
	if size <= 0 {
		size = 65536
	}
	return &InProc{groups: map[string]map[string]*queue{}, size: size}
}

func (b *InProc) queue(subject, group string) *queue {
	g := b.groups[subject]
	if g == nil {
		g = map[string]*queue{}
		b.groups[subject] = g
	}
	q := g[group]
	if q == nil {
		q = &queue{ch: make(chan []byte, b.size), closeCh: make(chan struct{})}
		g[group] = q
	}
	return q
}

func (b *InProc) Publish(ctx context.Context, subject string, payloads ...[]byte) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	var qs []*queue
	for _, q := range b.groups[subject] {
		qs = append(qs, q)
	}
	b.mu.Unlock()
	for _, q := range qs {
		for _, p := range payloads {
			select {
			case q.ch <- p:
			case <-q.closeCh:
				return ErrClosed
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// Subscribe in-process: messages published before the first subscriber of a
// group existed are not delivered (the database sweep covers them).
func (b *InProc) Subscribe(ctx context.Context, subject, group string, opt SubOptions, h Handler) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	if opt.Fanout {
		// A private group per subscriber gives fan-out.
		b.seq++
		group = fmt.Sprintf("\x00fanout-%d", b.seq)
	}
	q := b.queue(subject, group)
	q.subs++
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		q.subs--
		if opt.Fanout {
			delete(b.groups[subject], group)
		}
		b.mu.Unlock()
	}()
	max := opt.batch()
	batch := make([][]byte, 0, max)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return nil
		case <-q.closeCh:
			return nil
		case m := <-q.ch:
			batch = append(batch, m)
		}
		// Take what is already waiting: natural batching, no added delay.
	fill:
		for len(batch) < max {
			select {
			case m := <-q.ch:
				batch = append(batch, m)
			default:
				break fill
			}
		}
		if err := h(ctx, batch); err != nil {
			slog.Warn("bus: handler failed", "subject", subject, "group", group, "n", len(batch), "err", err)
		}
	}
}

func (b *InProc) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	for _, g := range b.groups {
		for _, q := range g {
			close(q.closeCh)
		}
	}
	return nil
}
