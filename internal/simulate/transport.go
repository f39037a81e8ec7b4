package simulate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// WireTransport is the load generator's HTTP/1.1 client, in the manner of
// wrk: keep-alive connections, each request written with one system call
// and its answer read in the caller's goroutine. net/http's Transport runs
// two goroutines of its own per connection (a reader and a writer) and
// hands every request and answer between them; sending thousands of
// webhook deliveries a second to a desk on the same two cores, that
// hand-off was a sixth of the CPU the benchmark measured, CPU the desk
// under test did not get.
//
// It speaks enough HTTP/1.1 for a simulator: requests with a known body
// length, answers parsed by net/http (Content-Length or chunked). A
// connection the server closed while idle is redialled once; any other
// failure is the caller's error, as with net/http. https URLs go through
// net/http's Transport, which has the TLS.
type WireTransport struct {
	timeout time.Duration
	tls     *http.Transport

	mu   sync.Mutex
	idle map[string][]*wireConn // by host:port
}

type wireConn struct {
	host string // Host header
	c    net.Conn
	br   *bufio.Reader
	buf  []byte
}

// NewWireTransport returns a transport whose requests time out after
// timeout (30 s if 0); workers bounds the https connections per host.
func NewWireTransport(timeout time.Duration, workers int) *WireTransport {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &WireTransport{timeout: timeout, idle: map[string][]*wireConn{},
		tls: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers, IdleConnTimeout: 30 * time.Second, ResponseHeaderTimeout: timeout}}
}

// RoundTrip sends req on an idle connection (or a new one) and returns the
// answer; closing its body returns the connection for reuse.
func (t *WireTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return t.tls.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	wc, reused, err := t.get(addr, req.URL.Host)
	if err != nil {
		return nil, err
	}
	res, err := t.send(wc, addr, req, body)
	if err != nil && reused && wc.fresh() {
		// The server closed the idle connection (keep-alive timeout)
		// before answering anything of this request: send it on a new one.
		wc.c.Close()
		if wc, err = t.dial(addr, req.URL.Host); err != nil {
			return nil, err
		}
		res, err = t.send(wc, addr, req, body)
	}
	if err != nil {
		wc.c.Close()
		return nil, err
	}
	return res, nil
}

// CloseIdleConnections closes the connections waiting for reuse.
func (t *WireTransport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = map[string][]*wireConn{}
	t.mu.Unlock()
	for _, l := range idle {
		for _, wc := range l {
			wc.c.Close()
		}
	}
	t.tls.CloseIdleConnections()
}

func (t *WireTransport) get(addr, host string) (*wireConn, bool, error) {
	t.mu.Lock()
	if l := t.idle[addr]; len(l) > 0 {
		wc := l[len(l)-1]
		t.idle[addr] = l[:len(l)-1]
		t.mu.Unlock()
		return wc, true, nil
	}
	t.mu.Unlock()
	wc, err := t.dial(addr, host)
	return wc, false, err
}

func (t *WireTransport) dial(addr, host string) (*wireConn, error) {
	c, err := net.DialTimeout("tcp", addr, t.timeout)
	if err != nil {
		return nil, err
	}
	return &wireConn{host: host, c: c, br: bufio.NewReaderSize(c, 4096)}, nil
}

func (t *WireTransport) put(addr string, wc *wireConn) {
	t.mu.Lock()
	t.idle[addr] = append(t.idle[addr], wc)
	t.mu.Unlock()
}

// fresh reports whether the last send failed before the server answered
// anything, so resending cannot duplicate what it saw.
func (wc *wireConn) fresh() bool { return wc.br.Buffered() == 0 }

func (t *WireTransport) send(wc *wireConn, addr string, req *http.Request, body []byte) (*http.Response, error) {
	b := wc.buf[:0]
	b = append(b, req.Method...)
	b = append(b, ' ')
	b = append(b, req.URL.RequestURI()...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, wc.host...)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n"...)
	for k, vs := range req.Header {
		if k == "Host" || k == "Content-Length" || k == "Connection" {
			continue
		}
		for _, v := range vs {
			if !validHeader(k) || !validHeader(v) {
				return nil, fmt.Errorf("simulate: header %q has a line break", k)
			}
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	b = append(b, "\r\n"...)
	b = append(b, body...)
	wc.buf = b
	deadline := time.Now().Add(t.timeout)
	if d, ok := req.Context().Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	wc.c.SetDeadline(deadline)
	if _, err := wc.c.Write(b); err != nil {
		return nil, err
	}
	res, err := http.ReadResponse(wc.br, req)
	if err != nil {
		return nil, err
	}
	res.Body = &wireBody{rc: res.Body, wc: wc, t: t, addr: addr, keep: !res.Close}
	return res, nil
}

func validHeader(s string) bool {
	return !bytes.ContainsAny([]byte(s), "\r\n")
}

// wireBody hands its connection back for reuse once the answer has been
// read to the end and closed; an answer closed early, or one the server
// marked Connection: close, closes the connection instead.
type wireBody struct {
	rc   io.ReadCloser
	wc   *wireConn
	t    *WireTransport
	addr string
	keep bool
	eof  bool
	done bool
}

func (b *wireBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if errors.Is(err, io.EOF) {
		b.eof = true
	}
	return n, err
}

func (b *wireBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	err := b.rc.Close()
	if b.keep && b.eof && err == nil {
		b.t.put(b.addr, b.wc)
		return nil
	}
	b.wc.c.Close()
	return err
}
