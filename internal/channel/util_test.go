package channel

import (
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// countingTransport counts the requests a connector starts. Counted on the
// client, a request is over when the connector's Run has returned; counted
// on the fake server, a request the client had already abandoned can still
// arrive there afterwards, which made "nothing polled while paused" flaky
// under load.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

type lockedWriter struct {
	mu sync.Mutex
	w  interface {
		io.Writer
		String() string
	}
}

func (l *lockedWriter) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.w.String() }

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
