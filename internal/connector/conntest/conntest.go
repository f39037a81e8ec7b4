// Package conntest holds the in-memory stand-ins the connector tests share:
// a Sink that dedupes like intake, map-backed Checkpoints and a polling
// WaitFor. It is imported only by _test files; production code uses the
// real intake and store.
package conntest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
)

// RefusedOn fails the test unless err is a connector's Invalid refusal of
// field (connector.FieldText, FieldMedia, FieldTarget, or "" for the
// channel) that names its rule.
func RefusedOn(t *testing.T, err error, field string) {
	t.Helper()
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Class != connector.Invalid || ce.Field != field || ce.Message == "" {
		t.Fatalf("want an Invalid refusal of %q, got %v", field, err)
	}
}

// Sink stands in for the intake: it dedupes on (platform, external id) like
// the real one, counts deliveries and duplicates, and can be told to fail.
// Keys are "platform/external id".
type Sink struct {
	mu        sync.Mutex
	posts     map[string]post.Post
	order     []string
	delivered map[string]int
	dupes     int
	failures  int
	fail      error
	changes   []post.Change
}

func NewSink() *Sink { return &Sink{posts: map[string]post.Post{}, delivered: map[string]int{}} }

// Ingest stores new posts and counts repeats. A post without platform or
// external id is an error, as it is for the real intake.
func (s *Sink) Ingest(ctx context.Context, ps []post.Post) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures > 0 {
		s.failures--
		return errors.New("sink: database unavailable")
	}
	if s.fail != nil {
		return s.fail
	}
	for _, p := range ps {
		if p.Platform == "" || p.ExternalID == "" {
			return errors.New("conntest: post without identity")
		}
		k := p.Platform + "/" + p.ExternalID
		s.delivered[k]++
		if _, ok := s.posts[k]; ok {
			s.dupes++
			continue
		}
		s.posts[k] = p
		s.order = append(s.order, k)
	}
	return nil
}

// FailNext makes the next n Ingest calls fail.
func (s *Sink) FailNext(n int) { s.mu.Lock(); s.failures = n; s.mu.Unlock() }

// SetFail makes every Ingest fail with err until SetFail(nil).
func (s *Sink) SetFail(err error) { s.mu.Lock(); s.fail = err; s.mu.Unlock() }

// Len is the number of distinct posts stored.
func (s *Sink) Len() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.posts) }

// Dupes is how many deliveries repeated an already stored post.
func (s *Sink) Dupes() int { s.mu.Lock(); defer s.mu.Unlock(); return s.dupes }

// Get returns the post stored under key ("platform/external id").
func (s *Sink) Get(key string) (post.Post, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.posts[key]
	return p, ok
}

// GetID returns the post with this platform and external id.
func (s *Sink) GetID(platform, id string) (post.Post, bool) { return s.Get(platform + "/" + id) }

// Deliveries is how many times key was delivered, first time included.
func (s *Sink) Deliveries(key string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.delivered[key] }

// Order returns the keys of the stored posts in arrival order.
func (s *Sink) Order() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

// All returns the stored posts in arrival order.
func (s *Sink) All() []post.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]post.Post, 0, len(s.order))
	for _, k := range s.order {
		out = append(out, s.posts[k])
	}
	return out
}

// Apply records edits and deletions (connector.ChangeSink). A change
// without platform, external id or a known operation is an error, as it is
// for the real intake.
func (s *Sink) Apply(ctx context.Context, cs []post.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	for _, c := range cs {
		if c.Platform == "" || c.ExternalID == "" || (c.Op != post.ChangeEdit && c.Op != post.ChangeDelete) {
			return errors.New("conntest: change without identity or operation")
		}
	}
	s.changes = append(s.changes, cs...)
	return nil
}

// Changes returns the edits and deletions applied, in arrival order.
func (s *Sink) Changes() []post.Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]post.Change(nil), s.changes...)
}

// NopSink accepts and drops everything (fuzz targets).
type NopSink struct{}

func (NopSink) Ingest(context.Context, []post.Post) error { return nil }

func (NopSink) Apply(context.Context, []post.Change) error { return nil }

// Checkpoints is a map-backed connector.Checkpoints; keep one across
// connector restarts to test resuming.
type Checkpoints struct {
	mu sync.Mutex
	m  map[string]map[string]string
}

func NewCheckpoints() *Checkpoints { return &Checkpoints{m: map[string]map[string]string{}} }

func (c *Checkpoints) LoadCheckpoint(ctx context.Context, source string) (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.m[source]), nil
}

func (c *Checkpoints) SaveCheckpoint(ctx context.Context, source string, v map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[source] = maps.Clone(v)
	return nil
}

// Get reads one saved value.
func (c *Checkpoints) Get(source, key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[source][key]
}

// WaitFor polls cond until it holds, failing the test after 10 s.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Listening stands in for the desk's listening queries (connector.Listening):
// queries are set by id from their text, and each channel's last report is
// kept.
type Listening struct {
	mu      sync.Mutex
	qs      map[int64]query.ListenQuery
	reports map[int64][]query.ListenReport // by channel
	calls   int
}

// NewListening returns a stand-in with no queries.
func NewListening() *Listening {
	return &Listening{qs: map[int64]query.ListenQuery{}, reports: map[int64][]query.ListenReport{}}
}

// Set approves query text as id (a new revision when it changes).
func (l *Listening) Set(t *testing.T, id int64, text string) {
	t.Helper()
	q, err := query.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	rev := l.qs[id].Revision + 1
	l.qs[id] = query.ListenQuery{ID: id, Revision: rev, Query: q}
}

// Retire removes query id.
func (l *Listening) Retire(id int64) { l.mu.Lock(); delete(l.qs, id); l.mu.Unlock() }

// ListeningQueries implements connector.Listening, in id order.
func (l *Listening) ListeningQueries(ctx context.Context) ([]query.ListenQuery, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]query.ListenQuery, 0, len(l.qs))
	for _, q := range l.qs {
		out = append(out, q)
	}
	slices.SortFunc(out, func(a, b query.ListenQuery) int { return int(a.ID - b.ID) })
	return out, nil
}

// ReportListening implements connector.Listening.
func (l *Listening) ReportListening(ctx context.Context, channelID int64, platform string, reports []query.ListenReport) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reports[channelID] = slices.Clone(reports)
	l.calls++
	return nil
}

// Report is channel's last report on query id.
func (l *Listening) Report(channel, id int64) (query.ListenReport, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.reports[channel] {
		if r.QueryID == id {
			return r, true
		}
	}
	return query.ListenReport{}, false
}

// Reports counts the reports received.
func (l *Listening) Reports() int { l.mu.Lock(); defer l.mu.Unlock(); return l.calls }
