package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/lease"
	"github.com/kaval-desk/kaval/internal/post"
)

// ErrNotRunning is returned by Sender for a channel that exists but has
// no live connector on this replica (paused, errored, starting).
var ErrNotRunning = errors.New("channel: not running")

// Options are what a Manager gives connectors, and how it supervises them.
// Zero durations take the defaults shown.
type Options struct {
	Sink        connector.Sink
	Checkpoints connector.Checkpoints
	Statuses    connector.StatusSink
	Listening   connector.Listening // approved listening queries for keyword listening; may be nil
	HTTP        *http.Client
	Log         *slog.Logger
	Now         func() time.Time

	// Leases, when set, makes each channel's Run a singleton across
	// replicas (lease "channel:<id>" held by Holder). Webhooks and sending
	// work on every replica regardless.
	Leases   *lease.Store
	Holder   string        // this replica's name (default: random)
	LeaseTTL time.Duration // (30s)

	// Bus, when set, carries channel changes between replicas: Sync on one
	// replica tells the others to sync at once, instead of their refusing
	// a new channel's webhooks with 503 until their next resync.
	Bus bus.Bus

	MinBackoff  time.Duration // first restart delay after Run fails (1s)
	MaxBackoff  time.Duration // (5m)
	Resync      time.Duration // how often to pick up changes made elsewhere and save health (10s)
	MaxHookBody int64         // webhook body cap (4 MiB)
}

// Manager runs a connector for every active channel.
type Manager struct {
	st  *Store
	opt Options

	mu   sync.RWMutex
	runs map[int64]*run
	// syncMu makes syncs one at a time: two overlapping ones (a local
	// change, another replica's notice, the resync) could otherwise let
	// the one that read the channels first start a channel the other had
	// just stopped.
	syncMu sync.Mutex
	ctx    context.Context
	stop   context.CancelFunc
	bg     sync.WaitGroup
}

type run struct {
	ch     Channel
	conn   connector.Connector
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	running   bool // Run is live here (lease held)
	restarts  int
	errs      []string
	lastErrAt time.Time
}

// NewManager makes a manager over st; call Start.
func NewManager(st *Store, opt Options) *Manager {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opt.LeaseTTL, 30*time.Second)
	def(&opt.MinBackoff, time.Second)
	def(&opt.MaxBackoff, 5*time.Minute)
	def(&opt.Resync, 10*time.Second)
	if opt.MaxHookBody <= 0 {
		opt.MaxHookBody = 4 << 20
	}
	if opt.Holder == "" {
		opt.Holder = fmt.Sprintf("replica-%016x", rand.Uint64())
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Manager{st: st, opt: opt, runs: map[int64]*run{}}
}

// Start builds and runs the active channels, and keeps them in step with
// the store until ctx ends or Stop is called.
func (m *Manager) Start(ctx context.Context) error {
	m.mu.Lock()
	if m.ctx != nil {
		m.mu.Unlock()
		return errors.New("channel: manager already started")
	}
	m.ctx, m.stop = context.WithCancel(ctx)
	m.mu.Unlock()
	if err := m.sync(ctx); err != nil {
		return err
	}
	if m.opt.Bus != nil {
		m.bg.Add(1)
		go func() {
			defer m.bg.Done()
			err := m.opt.Bus.Subscribe(m.ctx, ChangedSubject, "", bus.SubOptions{Fanout: true}, m.onChanged)
			if err != nil && m.ctx.Err() == nil {
				m.opt.Log.Error("channel: change notices from other replicas stopped; the periodic resync still applies changes", "err", err)
			}
		}()
	}
	m.bg.Add(1)
	go func() {
		defer m.bg.Done()
		t := time.NewTicker(m.opt.Resync)
		defer t.Stop()
		for {
			select {
			case <-m.ctx.Done():
				return
			case <-t.C:
				if err := m.sync(m.ctx); err != nil && m.ctx.Err() == nil {
					m.opt.Log.Error("channel: sync failed", "err", err)
				}
				m.saveHealth(m.ctx)
			}
		}
	}()
	return nil
}

// Stop stops every connector and waits for them.
func (m *Manager) Stop() {
	m.mu.Lock()
	if m.stop != nil {
		m.stop()
	}
	runs := m.runs
	m.runs = map[int64]*run{}
	m.mu.Unlock()
	for _, r := range runs {
		r.cancel()
		<-r.done
	}
	m.bg.Wait()
}

// ChangedSubject carries "a channel changed" notices between replicas; the
// payload is the sending replica's name.
const ChangedSubject = "channel.changed"

// Sync makes the running connectors match the store: starts new active
// channels, stops paused, errored and deleted ones, restarts those whose
// settings changed. Call it after changing a channel through the Store:
// with a Bus, every other replica syncs at once too (and within
// Options.Resync in any case).
func (m *Manager) Sync(ctx context.Context) error {
	err := m.sync(ctx)
	if m.opt.Bus != nil {
		// After the local sync, so the change is committed when the others
		// read it; a lost notice leaves it to the periodic resync.
		if perr := m.opt.Bus.Publish(ctx, ChangedSubject, []byte(m.opt.Holder)); perr != nil {
			m.opt.Log.Warn("channel: unable to tell other replicas of a change; they apply it at their next resync", "err", perr)
		}
	}
	return err
}

// onChanged syncs when another replica says a channel changed.
func (m *Manager) onChanged(ctx context.Context, msgs [][]byte) error {
	for _, b := range msgs {
		if string(b) != m.opt.Holder {
			if err := m.sync(ctx); err != nil && ctx.Err() == nil {
				m.opt.Log.Warn("channel: sync on another replica's change failed; the periodic resync retries", "err", err)
			}
			return nil
		}
	}
	return nil
}

func (m *Manager) sync(ctx context.Context) error {
	m.syncMu.Lock()
	defer m.syncMu.Unlock()
	m.mu.RLock()
	started := m.ctx != nil
	m.mu.RUnlock()
	if !started {
		return errors.New("channel: manager not started")
	}
	list, err := m.st.List(ctx)
	if err != nil {
		return err
	}
	want := map[int64]Channel{}
	for _, c := range list {
		if c.Status == Active {
			want[c.ID] = c
		}
	}
	m.mu.Lock()
	var stop []*run
	for id, r := range m.runs {
		if c, ok := want[id]; !ok || c.Version != r.ch.Version {
			stop = append(stop, r)
			delete(m.runs, id)
		}
	}
	m.mu.Unlock()
	for _, r := range stop {
		r.cancel()
		<-r.done
	}
	for id, c := range want {
		m.mu.RLock()
		_, ok := m.runs[id]
		m.mu.RUnlock()
		if !ok {
			m.start(ctx, c)
		}
	}
	return nil
}

func (m *Manager) deps() connector.Deps {
	return connector.Deps{Sink: m.opt.Sink, Checkpoints: m.opt.Checkpoints, Statuses: m.opt.Statuses,
		HTTP: m.opt.HTTP, Now: m.opt.Now, Log: m.opt.Log, Listening: m.opt.Listening}
}

func (m *Manager) build(ctx context.Context, id int64) (connector.Connector, error) {
	ch, err := m.st.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	deps := m.deps()
	deps.Sink = stampSink{next: deps.Sink, id: id}
	deps.Secrets = connectorSecrets{st: m.st, id: id}
	return connector.New(ch, deps)
}

// stampSink records which configured channel each post came through, so a
// reply can go back out through the same account.
type stampSink struct {
	next connector.Sink
	id   int64
}

func (s stampSink) Ingest(ctx context.Context, posts []post.Post) error {
	for i := range posts {
		posts[i].ChannelID = s.id
	}
	return s.next.Ingest(ctx, posts)
}

// Apply forwards edits and deletions, stamping the posts an edit carries.
func (s stampSink) Apply(ctx context.Context, changes []post.Change) error {
	for i := range changes {
		if changes[i].Post != nil {
			changes[i].Post.ChannelID = s.id
		}
	}
	return connector.ApplyChanges(ctx, s.next, changes)
}

func (m *Manager) start(ctx context.Context, c Channel) {
	conn, err := m.build(ctx, c.ID)
	if err != nil {
		// Bad settings or undecryptable secrets: stop it for an admin
		// instead of retrying forever.
		m.opt.Log.Error("channel: unable to build connector", "channel", c.ID, "platform", c.Platform, "err", err)
		if errors.Is(err, ErrNotFound) {
			return
		}
		m.st.MarkError(ctx, c.ID, "unable to start: "+err.Error())
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ctx.Err() != nil {
		return
	}
	if _, dup := m.runs[c.ID]; dup {
		return
	}
	rctx, cancel := context.WithCancel(m.ctx)
	r := &run{ch: c, conn: conn, cancel: cancel, done: make(chan struct{})}
	m.runs[c.ID] = r
	go func() {
		defer close(r.done)
		if m.opt.Leases == nil {
			m.supervise(rctx, r)
			return
		}
		m.opt.Leases.Hold(rctx, leaseName(c.ID), m.opt.Holder, m.opt.LeaseTTL, func(ctx context.Context) { m.supervise(ctx, r) })
	}()
}

// supervise runs the connector, restarting it with exponential backoff and
// jitter when Run fails, until ctx ends. Expired credentials stop the
// channel for an admin instead.
func (m *Manager) supervise(ctx context.Context, r *run) {
	r.mu.Lock()
	r.running = true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.running = false
		r.mu.Unlock()
	}()
	backoff := m.opt.MinBackoff
	for {
		began := time.Now()
		err := r.conn.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("connector stopped by itself")
		}
		r.note(m.opt.Now(), err)
		log := m.opt.Log.With("channel", r.ch.ID, "platform", r.ch.Platform)
		if connector.ClassOf(err) == connector.AuthExpired {
			var ce *connector.Error
			if errors.As(err, &ce) {
				log.Error("channel: credentials rejected; stopped until an admin resumes it", "err", err)
				m.st.MarkError(context.WithoutCancel(ctx), r.ch.ID, "credentials rejected: "+err.Error())
				go m.Sync(m.ctx) // stops this run
				<-ctx.Done()
				return
			}
		}
		if time.Since(began) > 4*m.opt.MaxBackoff {
			backoff = m.opt.MinBackoff // it ran healthily for a while
		}
		wait := time.Duration(float64(backoff) * (0.5 + rand.Float64()/2))
		log.Warn("channel: connector failed; restarting", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		backoff = min(backoff*2, m.opt.MaxBackoff)
	}
}

func (r *run) note(at time.Time, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.restarts++
	r.lastErrAt = at
	r.errs = append([]string{at.UTC().Format(time.RFC3339) + " " + err.Error()}, r.errs...)
	if len(r.errs) > 10 {
		r.errs = r.errs[:10]
	}
}

// Sender returns the live sender of a channel for the outbox. It wraps
// ErrNotFound for channels that do not exist and ErrNotRunning for ones
// that are paused, errored or starting. Manager implements outbox.Senders.
func (m *Manager) Sender(channelID int64) (connector.Sender, error) {
	m.mu.RLock()
	r, ok := m.runs[channelID]
	m.mu.RUnlock()
	if ok {
		return r.conn, nil
	}
	c, err := m.st.Get(context.Background(), channelID)
	if err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("channel %d is %s: %w", channelID, c.Status, ErrNotRunning)
}

// AuthExpired is told by the outbox that a send found the channel's
// credentials rejected: the channel stops until an admin fixes and resumes
// it (implements outbox.AuthReporter).
func (m *Manager) AuthExpired(ctx context.Context, channelID int64, err error) {
	m.opt.Log.Error("channel: credentials rejected while sending; stopped", "channel", channelID, "err", err)
	if m.st.MarkError(ctx, channelID, "credentials rejected while sending: "+err.Error()) == nil {
		go m.Sync(m.ctx)
	}
}

// ServeHook hands a platform's webhook delivery to the channel's
// connector. Unknown channels (or platforms without webhooks) get 404;
// paused, errored or starting channels get 503 with Retry-After so the
// platform redelivers later instead of the delivery being lost.
func (m *Manager) ServeHook(w http.ResponseWriter, r *http.Request, channelID int64) {
	m.mu.RLock()
	run, ok := m.runs[channelID]
	m.mu.RUnlock()
	if ok {
		h := run.conn.Webhook()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, m.opt.MaxHookBody)
		h.ServeHTTP(w, r)
		return
	}
	if _, err := m.st.Get(r.Context(), channelID); err != nil {
		if errors.Is(err, ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		m.opt.Log.Error("channel: webhook lookup failed", "channel", channelID, "err", err)
	}
	w.Header().Set("Retry-After", "60")
	http.Error(w, "channel not accepting deliveries now; retry later", http.StatusServiceUnavailable)
}

// Handler serves /hooks/{id}: mount it with the pattern "/hooks/{id}" (or
// under the "/hooks/" prefix).
func (m *Manager) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := r.PathValue("id")
		if s == "" {
			_, s, _ = strings.Cut(r.URL.Path, "/hooks/")
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			http.NotFound(w, r)
			return
		}
		m.ServeHook(w, r, id)
	})
}

// Check tests a stored channel's credentials against its platform (paused
// ones too), with a fresh connector.
func (m *Manager) Check(ctx context.Context, id int64) error {
	ch, err := m.st.Open(ctx, id)
	if err != nil {
		return err
	}
	// A check may renew an OAuth token; the rotated refresh token must be
	// stored, or the running connector is left holding a dead one.
	deps := m.deps()
	deps.Secrets = connectorSecrets{st: m.st, id: id}
	return m.check(ctx, ch, deps)
}

// CheckSettings tests settings that are not stored yet (the admin's "test
// connection" before saving).
func (m *Manager) CheckSettings(ctx context.Context, ch connector.Channel) error {
	return m.check(ctx, ch, m.deps())
}

func (m *Manager) check(ctx context.Context, ch connector.Channel, deps connector.Deps) error {
	conn, err := connector.New(ch, deps)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return conn.Check(ctx)
}

// HealthReport is a channel's health for the admin page.
type HealthReport struct {
	connector.Health
	ChannelID   int64     `json:"channel_id"`
	Status      Status    `json:"status"`
	Running     bool      `json:"running"`          // its poller/stream runs (on the replica that reported)
	Holder      string    `json:"holder,omitempty"` // replica that reported
	Restarts    int       `json:"restarts"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	ReportedAt  time.Time `json:"reported_at,omitzero"`
}

// Health reports a channel: live when this replica runs it, otherwise the
// last report saved by the replica that does.
func (m *Manager) Health(ctx context.Context, id int64) (HealthReport, error) {
	c, err := m.st.Get(ctx, id)
	if err != nil {
		return HealthReport{}, err
	}
	m.mu.RLock()
	r, ok := m.runs[id]
	m.mu.RUnlock()
	if ok {
		if h := m.report(r); h.Running || m.opt.Leases == nil {
			h.Status = c.Status
			return h, nil
		}
	}
	var h HealthReport
	if len(c.Health) > 2 {
		json.Unmarshal(c.Health, &h)
	}
	h.ChannelID, h.Status = id, c.Status
	if c.Status != Active {
		h.Running = false
	}
	return h, nil
}

func (m *Manager) report(r *run) HealthReport {
	h := HealthReport{Health: r.conn.Health(), ChannelID: r.ch.ID, Status: r.ch.Status, Holder: m.opt.Holder, ReportedAt: m.opt.Now()}
	r.mu.Lock()
	h.Running, h.Restarts, h.LastErrorAt = r.running, r.restarts, r.lastErrAt
	errs := append(append([]string{}, r.errs...), h.Errors...)
	r.mu.Unlock()
	if len(errs) > 10 {
		errs = errs[:10]
	}
	h.Errors = errs
	return h
}

// saveHealth stores the report of every channel running here, for the
// admin page on any replica.
func (m *Manager) saveHealth(ctx context.Context) {
	m.mu.RLock()
	runs := make([]*run, 0, len(m.runs))
	for _, r := range m.runs {
		runs = append(runs, r)
	}
	m.mu.RUnlock()
	for _, r := range runs {
		if h := m.report(r); h.Running {
			if err := m.st.SaveHealth(ctx, r.ch.ID, h); err != nil && ctx.Err() == nil {
				m.opt.Log.Warn("channel: unable to save health", "channel", r.ch.ID, "err", err)
			}
		}
	}
}
