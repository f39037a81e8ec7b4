package simulate

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func wirePost(t *testing.T, c *http.Client, url, body string, h map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// The server sees the method, path, query, headers and body the caller
// set, answers of every framing come back whole, and a keep-alive
// connection is reused.
func TestWireTransportRoundTrip(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/hooks/7" || r.URL.Query().Get("a") != "b" ||
			r.Header.Get("X-Hub-Signature-256") != "sha256=abc" || r.ContentLength != int64(len(b)) {
			http.Error(w, "bad request "+r.Method+" "+r.URL.String(), http.StatusBadRequest)
			return
		}
		if string(b) == "chunked" {
			w.Write([]byte("part one, "))
			w.(http.Flusher).Flush() // forces chunked framing
			w.Write([]byte("part two"))
			return
		}
		w.WriteHeader(http.StatusAccepted)
		w.Write(bytes.ToUpper(b))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c := &http.Client{Transport: NewWireTransport(5*time.Second, 4)}
	h := map[string]string{"X-Hub-Signature-256": "sha256=abc", "Content-Type": "application/json"}
	for i := range 20 {
		body := `{"n":` + strings.Repeat("1", i) + `}`
		if i == 0 {
			body = ""
		}
		code, got := wirePost(t, c, srv.URL+"/hooks/7?a=b", body, h)
		if code != http.StatusAccepted || got != strings.ToUpper(body) {
			t.Fatalf("delivery %d: %d %q", i, code, got)
		}
	}
	if code, got := wirePost(t, c, srv.URL+"/hooks/7?a=b", "chunked", h); code != http.StatusOK || got != "part one, part two" {
		t.Fatalf("chunked answer: %d %q", code, got)
	}
	if code, _ := wirePost(t, c, srv.URL+"/elsewhere", "x", h); code != http.StatusBadRequest {
		t.Fatalf("error answer: %d", code)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("sequential requests used %d connections, want 1 reused", n)
	}
}

// Concurrent callers each get a connection of their own, and every
// answer reaches the caller that sent its request.
func TestWireTransportConcurrent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(w, r.Body)
	}))
	defer srv.Close()
	c := &http.Client{Transport: NewWireTransport(5*time.Second, 8)}
	var wg sync.WaitGroup
	errs := make(chan string, 800)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				want := strings.Repeat(string(rune('a'+g)), i+1)
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(want))
				res, err := c.Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if string(b) != want {
					errs <- "got " + string(b) + " want " + want
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// A server that closes idle keep-alive connections (or answers with
// Connection: close) does not turn the next delivery into an error.
func TestWireTransportServerCloses(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		w.Write([]byte("ok"))
	}))
	srv.Config.IdleTimeout = 50 * time.Millisecond
	srv.Start()
	defer srv.Close()
	c := &http.Client{Transport: NewWireTransport(5*time.Second, 1)}
	for i := range 3 {
		if code, got := wirePost(t, c, srv.URL+"/", "x", nil); code != 200 || got != "ok" {
			t.Fatalf("before idle close %d: %d %q", i, code, got)
		}
		time.Sleep(150 * time.Millisecond) // the server closes the idle connection
		if code, got := wirePost(t, c, srv.URL+"/", "x", nil); code != 200 || got != "ok" {
			t.Fatalf("after idle close %d: %d %q", i, code, got)
		}
		if code, got := wirePost(t, c, srv.URL+"/close", "x", nil); code != 200 || got != "ok" {
			t.Fatalf("connection: close %d: %d %q", i, code, got)
		}
	}
}

// A header value with a line break would smuggle a header or a request:
// refused before anything is written.
func TestWireTransportRefusesLineBreaks(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	tr := NewWireTransport(5*time.Second, 1)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader("x"))
	req.Header["X-Evil"] = []string{"a\r\nX-Injected: 1"}
	if _, err := tr.RoundTrip(req); err == nil {
		t.Fatal("a header with CRLF was sent")
	}
	if hits.Load() != 0 {
		t.Fatal("the server saw the request")
	}
}
