package alert

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/kaval-desk/kaval/internal/lease"
)

// Detector looks at the stream and says what is unusual now. Detectors
// are pluggable: add one to the Loop (rumour clusters, emerging terms, a
// negative surge toward the force…). A detector is read-only (the rumour
// detector excepted: it names its clusters in the store, under the
// Loop's lease); the Loop raises what it returns, and Raise deduplicates,
// so returning the same signal on every run is right for as long as it
// holds.
type Detector interface {
	Name() string
	Detect(ctx context.Context, now time.Time) ([]Signal, error)
}

// DetectorFunc adapts a function to a Detector.
type DetectorFunc struct {
	N string
	F func(ctx context.Context, now time.Time) ([]Signal, error)
}

func (d DetectorFunc) Name() string { return d.N }
func (d DetectorFunc) Detect(ctx context.Context, now time.Time) ([]Signal, error) {
	return d.F(ctx, now)
}

// LeaseName is the lease a running Loop holds: one replica detects at a
// time, so two replicas do not judge (and raise) the same hour twice.
const LeaseName = "alert.detectors"

// Loop runs the detectors every Every on the replica holding the lease.
type Loop struct {
	Service   *Service
	Leases    *lease.Store
	Detectors []Detector
	Every     time.Duration // default 1 minute
	Holder    string        // default host:pid:random
	Now       func() time.Time
}

// Add plugs in more detectors (before Run).
func (l *Loop) Add(d ...Detector) { l.Detectors = append(l.Detectors, d...) }

func (l *Loop) defaults() {
	if l.Every <= 0 {
		l.Every = time.Minute
	}
	if l.Now == nil {
		l.Now = time.Now
	}
	if l.Holder == "" {
		host, _ := os.Hostname()
		var b [4]byte
		rand.Read(b[:])
		l.Holder = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
}

// Run detects until ctx ends. The lease outlives three periods, so a
// replica that stops is replaced within about three minutes.
func (l *Loop) Run(ctx context.Context) {
	l.defaults()
	t := time.NewTicker(l.Every)
	defer t.Stop()
	for {
		if _, err := l.Tick(ctx); err != nil && ctx.Err() == nil {
			l.Service.opt.Log.Warn("alert: detectors failed", "err", err)
		}
		select {
		case <-ctx.Done():
			l.Leases.Release(context.Background(), LeaseName, l.Holder)
			return
		case <-t.C:
		}
	}
}

// Tick takes or renews the lease and, holding it, runs every detector
// once and raises what they found. It reports the outcomes; a failing
// detector does not stop the others (its error is returned after).
func (l *Loop) Tick(ctx context.Context) (map[Outcome]int, error) {
	l.defaults()
	held, err := l.Leases.Acquire(ctx, LeaseName, l.Holder, 3*l.Every)
	if err != nil || !held {
		return nil, err
	}
	now := l.Now()
	out := map[Outcome]int{}
	var first error
	for _, d := range l.Detectors {
		sigs, err := d.Detect(ctx, now)
		if err != nil {
			if first == nil {
				first = fmt.Errorf("alert: detector %s: %w", d.Name(), err)
			}
			continue
		}
		for _, sig := range sigs {
			_, o, err := l.Service.Raise(ctx, sig)
			if err != nil {
				if first == nil {
					first = fmt.Errorf("alert: detector %s: %w", d.Name(), err)
				}
				continue
			}
			out[o]++
		}
	}
	return out, first
}
