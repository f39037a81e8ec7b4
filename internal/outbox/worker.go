package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/store"
)

// Senders finds the live Sender of a channel; channel.Manager implements
// it. An error wrapping store.ErrNotFound means the channel is gone (the
// item fails); any other error means it is not running here right now
// (paused, starting): the item waits.
type Senders interface {
	Sender(channelID int64) (connector.Sender, error)
}

// AuthReporter is implemented by Senders that want to hear about expired
// credentials found while sending (channel.Manager stops the channel and
// marks it for an admin).
type AuthReporter interface {
	AuthExpired(ctx context.Context, channelID int64, err error)
}

// Metrics are the outbox's Prometheus counters.
type Metrics struct {
	Sent     *prometheus.CounterVec // platform
	Failed   *prometheus.CounterVec // platform, class
	Retries  *prometheus.CounterVec // platform, class
	Unknown  *prometheus.CounterVec // platform
	Duration *prometheus.HistogramVec
}

// NewMetrics makes the counters and registers them on reg (nil: not
// registered, e.g. in tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kaval_outbox_sent_total",
			Help: "Replies and posts the platform accepted."}, []string{"platform"}),
		Failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kaval_outbox_failed_total",
			Help: "Items that failed for good, by error class."}, []string{"platform", "class"}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kaval_outbox_retries_total",
			Help: "Attempts rescheduled after a transient failure or rate limit."}, []string{"platform", "class"}),
		Unknown: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kaval_outbox_unknown_total",
			Help: "Items whose outcome is unknown and wait for a person."}, []string{"platform"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kaval_outbox_send_seconds",
			Help: "Time the platform took to answer a send.", Buckets: prometheus.DefBuckets}, []string{"platform"}),
	}
	if reg != nil {
		reg.MustRegister(m.Sent, m.Failed, m.Retries, m.Unknown, m.Duration)
	}
	return m
}

// WorkerOptions tune a Worker; zero values take the defaults shown.
type WorkerOptions struct {
	ID          string        // this replica's claim name (default: random)
	Batch       int           // rows claimed per pass (32)
	Concurrency int           // sends in flight (4)
	MaxAttempts int           // tries for retryable failures before failed (6)
	BaseBackoff time.Duration // first retry delay; doubles with jitter (10s)
	MaxBackoff  time.Duration // (30m)
	RateLimited time.Duration // wait when a rate limit gives no Retry-After (1m)
	Unavailable time.Duration // wait when the channel is not running (30s)
	SendTimeout time.Duration // per send (60s)
	ClaimTTL    time.Duration // claim lifetime; must exceed SendTimeout (SendTimeout + 1m)
	Poll        time.Duration // idle poll (1s)
	// Rate is the token bucket per channel (default 1 per second, burst 5).
	Rate func(channelID int64, platform string) (rate.Limit, int)
	// RecoverAll turns every row in sending into unknown at start-up; set it
	// for single-process (SQLite) deployments. Otherwise only expired claims.
	RecoverAll bool
	Metrics    *Metrics
	Log        *slog.Logger
	Now        func() time.Time
	Jitter     func() float64 // in [0,1) (default math/rand)
}

// Worker sends due outbox rows.
type Worker struct {
	o   *Outbox
	s   Senders
	opt WorkerOptions

	mu          sync.Mutex
	limiters    map[int64]*rate.Limiter
	pausedUntil map[int64]time.Time
}

// NewWorker makes a worker over o sending through s.
func NewWorker(o *Outbox, s Senders, opt WorkerOptions) *Worker {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if opt.ID == "" {
		opt.ID = fmt.Sprintf("outbox-%016x", rand.Uint64())
	}
	if opt.Batch <= 0 {
		opt.Batch = 32
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 4
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 6
	}
	def(&opt.BaseBackoff, 10*time.Second)
	def(&opt.MaxBackoff, 30*time.Minute)
	def(&opt.RateLimited, time.Minute)
	def(&opt.Unavailable, 30*time.Second)
	def(&opt.SendTimeout, time.Minute)
	def(&opt.ClaimTTL, opt.SendTimeout+time.Minute)
	def(&opt.Poll, time.Second)
	if opt.Rate == nil {
		opt.Rate = func(int64, string) (rate.Limit, int) { return 1, 5 }
	}
	if opt.Metrics == nil {
		opt.Metrics = NewMetrics(nil)
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = o.now
	}
	if opt.Jitter == nil {
		opt.Jitter = rand.Float64
	}
	return &Worker{o: o.WithClock(opt.Now), s: s, opt: opt, limiters: map[int64]*rate.Limiter{}, pausedUntil: map[int64]time.Time{}}
}

// Run recovers interrupted sends, then sends due rows until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	if n, err := w.o.RecoverInterrupted(ctx, w.opt.RecoverAll); err != nil {
		return err
	} else if n > 0 {
		w.opt.Log.Warn("outbox: interrupted sends need a person", "unknown", n)
	}
	t := time.NewTicker(w.opt.Poll)
	defer t.Stop()
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.opt.Log.Error("outbox: pass failed", "err", err)
		}
		if n == w.opt.Batch {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-w.o.Ready():
		}
	}
}

// RunOnce makes one pass: it turns expired claims into unknown, claims due
// rows (holding back those whose channel is rate limited), sends them and
// records the outcomes. It returns how many rows it claimed or deferred.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	if n, err := w.o.RecoverInterrupted(ctx, false); err != nil {
		return 0, err
	} else if n > 0 {
		w.opt.Log.Warn("outbox: claims expired while sending; outcome unknown", "unknown", n)
	}
	items, seen, err := w.claim(ctx)
	if err != nil {
		return 0, err
	}
	sem := make(chan struct{}, w.opt.Concurrency)
	var wg sync.WaitGroup
	for _, it := range items {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			w.send(ctx, it)
		}()
	}
	wg.Wait()
	return seen, nil
}

func (w *Worker) limiter(ch int64, platform string) *rate.Limiter {
	l, ok := w.limiters[ch]
	if !ok {
		r, b := w.opt.Rate(ch, platform)
		l = rate.NewLimiter(r, b)
		w.limiters[ch] = l
	}
	return l
}

// claim marks due rows sending in one transaction (FOR UPDATE SKIP LOCKED
// on PostgreSQL so replicas take disjoint rows; SQLite has one writer).
// Rows of a channel that is paused by a rate limit or out of tokens are
// pushed to when it can send instead.
func (w *Worker) claim(ctx context.Context) ([]Item, int, error) {
	now := w.opt.Now()
	var claimed []Item
	seen := 0
	err := w.o.db.Tx(ctx, func(tx *sql.Tx) error {
		claimed, seen = nil, 0
		q := `SELECT ` + columns + ` FROM outbox WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2`
		if w.o.db.Dialect == store.Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := tx.QueryContext(ctx, q, store.Millis(now), w.opt.Batch)
		if err != nil {
			return err
		}
		var due []Item
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				rows.Close()
				return err
			}
			due = append(due, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		seen = len(due)
		var ids []any
		w.mu.Lock()
		type deferral struct {
			id    int64
			until time.Time
		}
		var later []deferral
		for _, it := range due {
			if until, ok := w.pausedUntil[it.ChannelID]; ok && now.Before(until) {
				later = append(later, deferral{it.ID, until})
				continue
			}
			l := w.limiter(it.ChannelID, it.Platform)
			r := l.ReserveN(now, 1)
			if d := r.DelayFrom(now); !r.OK() || d > 0 {
				r.CancelAt(now)
				later = append(later, deferral{it.ID, now.Add(max(d, time.Millisecond))})
				continue
			}
			ids = append(ids, it.ID)
			it.State, it.Attempts = Sending, it.Attempts+1
			claimed = append(claimed, it)
		}
		w.mu.Unlock()
		for _, d := range later {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $2 WHERE id = $1`, d.id, store.Millis(d.until)); err != nil {
				return err
			}
		}
		if len(ids) == 0 {
			return nil
		}
		ph := make([]string, len(ids))
		for i := range ids {
			ph[i] = fmt.Sprintf("$%d", i+5)
		}
		args := append([]any{w.opt.ID, store.Millis(now.Add(w.opt.ClaimTTL)), store.Millis(now), string(Sending)}, ids...)
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET state = $4, attempts = attempts + 1, claimed_by = $1,
			claim_expires_at = $2, updated_at = $3 WHERE id IN (`+strings.Join(ph, ", ")+`)`, args...)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("outbox: unable to claim: %w", err)
	}
	return claimed, seen, nil
}

func (w *Worker) send(ctx context.Context, it Item) {
	log := w.opt.Log.With("outbox", it.ID, "channel", it.ChannelID, "platform", it.Platform)
	sender, err := w.s.Sender(it.ChannelID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			w.finish(ctx, it, Failed, "channel", "", "the channel was deleted: "+err.Error())
			return
		}
		// Nothing was sent: give the attempt back and wait for the channel.
		w.update(ctx, it, `state = 'pending', attempts = attempts - 1, next_attempt_at = $3, last_error = $4`,
			store.Millis(w.opt.Now().Add(w.opt.Unavailable)), "waiting for the channel: "+err.Error())
		return
	}
	msg := connector.Message{Text: it.Text, IdempotencyKey: it.IdempotencyKey, QueuedAt: it.CreatedAt, Template: it.Template, Media: it.Media}
	sctx, cancel := context.WithTimeout(ctx, w.opt.SendTimeout)
	start := time.Now()
	var res connector.Result
	if it.Kind == Reply {
		res, err = sender.Reply(sctx, it.Target, msg)
	} else {
		res, err = sender.Publish(sctx, msg)
	}
	cancel()
	w.opt.Metrics.Duration.WithLabelValues(it.Platform).Observe(time.Since(start).Seconds())
	if err == nil {
		w.sent(ctx, it, res, "")
		return
	}
	if ctx.Err() != nil { // shutting down mid-send: we cannot know what happened
		w.finish(context.WithoutCancel(ctx), it, Unknown, "unknown", "", UnknownNote+": "+err.Error())
		return
	}
	var pe *connector.Error
	errors.As(err, &pe)
	code := ""
	if pe != nil {
		code = pe.Code
	}
	class := connector.ClassOf(err)
	now := w.opt.Now()
	switch class {
	case connector.Retryable:
		if it.Attempts >= w.opt.MaxAttempts {
			w.finish(ctx, it, Failed, class.String(), code, fmt.Sprintf("gave up after %d attempts: %v", it.Attempts, err))
			return
		}
		w.opt.Metrics.Retries.WithLabelValues(it.Platform, class.String()).Inc()
		w.update(ctx, it, `state = 'pending', next_attempt_at = $3, last_error = $4, error_class = $5, error_code = $6`,
			store.Millis(now.Add(w.backoff(it.Attempts))), err.Error(), class.String(), code)
	case connector.RateLimited:
		wait := w.opt.RateLimited
		if pe != nil && pe.RetryAfter > 0 {
			wait = pe.RetryAfter
		}
		until := now.Add(wait)
		w.mu.Lock()
		if until.After(w.pausedUntil[it.ChannelID]) {
			w.pausedUntil[it.ChannelID] = until
		}
		w.mu.Unlock()
		log.Warn("outbox: rate limited; channel paused", "until", until)
		w.opt.Metrics.Retries.WithLabelValues(it.Platform, class.String()).Inc()
		// A rate-limited try does not use up the attempt budget.
		w.update(ctx, it, `state = 'pending', attempts = attempts - 1, next_attempt_at = $3, last_error = $4, error_class = $5, error_code = $6`,
			store.Millis(until), err.Error(), class.String(), code)
	case connector.Duplicate:
		// The platform already has this text. If we had tried before, our
		// earlier attempt most likely landed: count it as sent. On a first
		// attempt it is someone else's identical post: fail so a person
		// rewords it.
		if it.Attempts > 1 {
			w.sent(ctx, it, connector.Result{}, "platform reports a duplicate of an earlier attempt: "+err.Error())
			return
		}
		w.finish(ctx, it, Failed, class.String(), code, err.Error())
	case connector.Unknown:
		w.finish(ctx, it, Unknown, class.String(), code, UnknownNote+": "+err.Error())
	case connector.AuthExpired:
		w.finish(ctx, it, Failed, class.String(), code, err.Error())
		if ar, ok := w.s.(AuthReporter); ok {
			ar.AuthExpired(ctx, it.ChannelID, err)
		}
	default: // Permanent, Invalid, WindowClosed
		w.finish(ctx, it, Failed, class.String(), code, err.Error())
	}
}

// backoff is exponential in the attempt number with jitter in [½, 1].
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.opt.BaseBackoff
	for i := 1; i < attempt && d < w.opt.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.opt.MaxBackoff)
	return time.Duration(float64(d) * (0.5 + w.opt.Jitter()/2))
}

func (w *Worker) sent(ctx context.Context, it Item, res connector.Result, note string) {
	// Recorded even if the claim expired meanwhile (row already unknown):
	// a real answer from the platform beats our guess.
	now := w.opt.Now()
	err := w.o.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'sent', external_id = $3, url = $4, sent_at = $5,
			updated_at = $5, last_error = $6, error_class = '', error_code = ''
			WHERE id = $1 AND claimed_by = $2 AND state IN ('sending', 'unknown')`,
			it.ID, w.opt.ID, res.ExternalID, res.URL, store.Millis(now), note)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return nil // no longer ours: nothing to tell
		}
		it.State, it.ExternalID, it.URL, it.SentAt, it.LastError, it.ErrorClass, it.ErrorCode = Sent, res.ExternalID, res.URL, now, note, "", ""
		return w.o.told(ctx, tx, it)
	})
	if err != nil {
		// The platform has it but we could not record that; the claim will
		// expire into unknown, which is the honest state.
		w.opt.Log.Error("outbox: sent but unable to record", "outbox", it.ID, "external_id", res.ExternalID, "err", err)
		return
	}
	w.opt.Metrics.Sent.WithLabelValues(it.Platform).Inc()
}

// finish records a final failure or an unknown outcome, tells the outcome
// hook in the same transaction, then logs and counts it.
func (w *Worker) finish(ctx context.Context, it Item, st State, class, code, msg string) {
	err := w.o.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE outbox SET state = $3, last_error = $4, error_class = $5, error_code = $6,
			claimed_by = '', claim_expires_at = 0, updated_at = $7 WHERE id = $1 AND claimed_by = $2 AND state = 'sending'`,
			it.ID, w.opt.ID, string(st), msg, class, code, store.Millis(w.opt.Now()))
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return nil
		}
		it.State, it.LastError, it.ErrorClass, it.ErrorCode = st, msg, class, code
		return w.o.told(ctx, tx, it)
	})
	if err != nil {
		w.opt.Log.Error("outbox: unable to record outcome", "outbox", it.ID, "state", st, "err", err)
		return
	}
	switch st {
	case Failed:
		w.opt.Metrics.Failed.WithLabelValues(it.Platform, class).Inc()
	case Unknown:
		w.opt.Metrics.Unknown.WithLabelValues(it.Platform).Inc()
	}
	CountFailure(w.opt.Log, it, class, code, msg)
}

// update changes a row this worker holds in sending ($1 id, $2 claim).
func (w *Worker) update(ctx context.Context, it Item, set string, args ...any) {
	all := append([]any{it.ID, w.opt.ID}, args...)
	all = append(all, store.Millis(w.opt.Now()))
	q := fmt.Sprintf(`UPDATE outbox SET %s, claimed_by = '', claim_expires_at = 0, updated_at = $%d WHERE id = $1 AND claimed_by = $2 AND state = 'sending'`, set, len(all))
	if _, err := w.o.db.Write.ExecContext(ctx, q, all...); err != nil {
		w.opt.Log.Error("outbox: unable to record outcome", "outbox", it.ID, "err", err)
	}
}
