// Package bus is the queue seam between intake and the workers that run
// after the durable write (analysis, case threading, rules, live updates).
//
// The database stays the source of truth: a message only says "look at
// these rows", so a lost in-process message costs latency, never data
// (workers also sweep for unfinished rows at start-up). Two
// implementations: an in-process one for the embedded default and NATS
// JetStream for scale-out, where each consumer group shares its work
// across replicas.
package bus

import (
	"context"
	"errors"
)

// Handler processes a batch of messages of one subject. Returning nil
// acknowledges the batch; an error asks for redelivery (JetStream) or is
// logged (in-process, where the database sweep recovers).
type Handler func(ctx context.Context, msgs [][]byte) error

// Bus publishes to subjects and delivers each message once per group.
type Bus interface {
	// Publish sends each payload as one message on subject.
	Publish(ctx context.Context, subject string, payloads ...[]byte) error
	// Subscribe delivers messages of subject to h in batches of at most
	// maxBatch; each message goes to one subscriber of the group. With
	// fanout true, every subscriber gets every message (live updates
	// across replicas) and group is ignored. It runs until ctx ends.
	Subscribe(ctx context.Context, subject, group string, opt SubOptions, h Handler) error
	Close() error
}

// SubOptions tune a subscription.
type SubOptions struct {
	MaxBatch int  // default 512
	Fanout   bool // every subscriber gets every message
}

// ErrClosed is returned after Close.
var ErrClosed = errors.New("bus: closed")

func (o SubOptions) batch() int {
	if o.MaxBatch <= 0 {
		return 512
	}
	return o.MaxBatch
}
