package bluesky_test

import (
	"context"
	"errors"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
)

// sink stands in for the lead's intake: it dedupes on (platform, external
// id), counts deliveries and can be told to fail.
type sink struct {
	mu        sync.Mutex
	posts     map[string]post.Post
	order     []string
	delivered map[string]int
	failures  int
}

func newSink() *sink { return &sink{posts: map[string]post.Post{}, delivered: map[string]int{}} }

func (s *sink) Ingest(ctx context.Context, ps []post.Post) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures > 0 {
		s.failures--
		return errors.New("sink: database unavailable")
	}
	for _, p := range ps {
		k := p.Platform + "/" + p.ExternalID
		s.delivered[k]++
		if _, ok := s.posts[k]; !ok {
			s.posts[k] = p
			s.order = append(s.order, k)
		}
	}
	return nil
}

func (s *sink) failNext(n int) { s.mu.Lock(); s.failures = n; s.mu.Unlock() }

func (s *sink) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.posts) }

func (s *sink) get(key string) (post.Post, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.posts[key]
	return p, ok
}

func (s *sink) deliveries(key string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.delivered[key] }

// waitFor polls cond until it holds or the test times out.
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

// checkpoints is a map-backed Checkpoints that survives connector restarts.
type checkpoints struct {
	mu sync.Mutex
	m  map[string]map[string]string
}

func newCheckpoints() *checkpoints { return &checkpoints{m: map[string]map[string]string{}} }

func (c *checkpoints) LoadCheckpoint(ctx context.Context, source string) (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.m[source]), nil
}

func (c *checkpoints) SaveCheckpoint(ctx context.Context, source string, v map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[source] = maps.Clone(v)
	return nil
}

func (c *checkpoints) get(source, key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[source][key]
}
