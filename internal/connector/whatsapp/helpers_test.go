package whatsapp_test

import (
	"context"
	"errors"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
)

// memSink stands in for intake in these tests only: it dedupes on
// (platform, external id) like the real intake and counts redeliveries.
type memSink struct {
	mu    sync.Mutex
	posts map[string]post.Post
	order []string
	dupes int
	fail  error
}

func newSink() *memSink { return &memSink{posts: map[string]post.Post{}} }

func (s *memSink) Ingest(ctx context.Context, ps []post.Post) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	for _, p := range ps {
		if p.Platform == "" || p.ExternalID == "" {
			return errors.New("memSink: post without identity")
		}
		k := p.Platform + "/" + p.ExternalID
		if _, ok := s.posts[k]; ok {
			s.dupes++
			continue
		}
		s.posts[k] = p
		s.order = append(s.order, k)
	}
	return nil
}

func (s *memSink) setFail(err error) { s.mu.Lock(); s.fail = err; s.mu.Unlock() }

func (s *memSink) len() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.posts) }

func (s *memSink) get(platform, id string) (post.Post, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.posts[platform+"/"+id]
	return p, ok
}

func (s *memSink) all() []post.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]post.Post, 0, len(s.order))
	for _, k := range s.order {
		out = append(out, s.posts[k])
	}
	return out
}

type memCheckpoints struct {
	mu sync.Mutex
	m  map[string]map[string]string
}

func newCheckpoints() *memCheckpoints { return &memCheckpoints{m: map[string]map[string]string{}} }

func (c *memCheckpoints) LoadCheckpoint(ctx context.Context, src string) (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.m[src]), nil
}

func (c *memCheckpoints) SaveCheckpoint(ctx context.Context, src string, v map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[src] = maps.Clone(v)
	return nil
}

func (c *memCheckpoints) get(src, key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[src][key]
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type nopSink struct{}

func (nopSink) Ingest(context.Context, []post.Post) error { return nil }

type statusRec struct {
	platform, id, status, detail string
	at                           time.Time
}

type memStatuses struct {
	mu   sync.Mutex
	list []statusRec
}

func (m *memStatuses) DeliveryStatus(ctx context.Context, platform, id, status string, at time.Time, detail string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.list = append(m.list, statusRec{platform, id, status, detail, at})
	return nil
}

func (m *memStatuses) all() []statusRec {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]statusRec(nil), m.list...)
}
