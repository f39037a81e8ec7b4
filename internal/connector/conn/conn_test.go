package conn

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
)

func TestSignVerify(t *testing.T) {
	secret, body := []byte("s3cret"), []byte(`{"a":1}`)
	if !VerifyHex(secret, body, SignHex(secret, body)) {
		t.Fatal("hex signature did not verify")
	}
	if !VerifyBase64(secret, body, SignBase64(secret, body)) {
		t.Fatal("base64 signature did not verify")
	}
	for _, bad := range []string{"", "sha256=", "sha1=abc", SignHex([]byte("other"), body), SignBase64(secret, body)} {
		if VerifyHex(secret, body, bad) {
			t.Errorf("VerifyHex accepted %q", bad)
		}
	}
	if VerifyHex(nil, body, SignHex(nil, body)) {
		t.Error("empty secret must never verify")
	}
	if VerifyBase64(secret, []byte(`{"a":2}`), SignBase64(secret, body)) {
		t.Error("base64 signature verified a different body")
	}
}

func TestReadBodyCap(t *testing.T) {
	var got error
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, got = ReadBody(w, r, 10)
	})
	r := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 11)))
	r.ContentLength = -1 // force the streaming path
	h.ServeHTTP(httptest.NewRecorder(), r)
	if !errors.Is(got, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", got)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader("0123456789"))
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != nil {
		t.Fatalf("10 bytes at cap 10: %v", got)
	}
}

func TestLadders(t *testing.T) {
	l := &Linear{Step: 250 * time.Millisecond, Max: time.Second, Immediate: true}
	var got []time.Duration
	for range 7 {
		got = append(got, l.Next())
	}
	want := []time.Duration{0, 250e6, 500e6, 750e6, 1e9, 1e9, 1e9}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("linear %v, want %v", got, want)
		}
	}
	e := &Exponential{Base: 5 * time.Second, Max: 320 * time.Second}
	got = got[:0]
	for range 9 {
		got = append(got, e.Next())
	}
	if got[0] != 5*time.Second || got[1] != 10*time.Second || got[6] != 320*time.Second || got[8] != 320*time.Second {
		t.Fatalf("exponential %v", got)
	}
	e.Reset()
	if e.Next() != 5*time.Second {
		t.Fatal("reset")
	}
}

func TestParseRate(t *testing.T) {
	h := http.Header{}
	h.Set("x-rate-limit-limit", "450")
	h.Set("x-rate-limit-remaining", "3")
	h.Set("x-rate-limit-reset", "1787217300")
	ri, ok := ParseXRate(h)
	if !ok || ri.Limit != 450 || ri.Remaining != 3 || ri.ResetAt.Unix() != 1787217300 {
		t.Fatalf("%+v", ri)
	}
	if ri, ok := ParseXRate(http.Header{}); ok || ri.Limit != -1 {
		t.Fatalf("%+v", ri)
	}
	h = http.Header{}
	h.Set("X-App-Usage", `{"call_count":28,"total_cputime":9,"total_time":12}`)
	h.Set("X-Business-Use-Case-Usage", `{"1":[{"type":"pages","call_count":12,"total_cputime":81,"total_time":4,"estimated_time_to_regain_access":3}]}`)
	u := ParseMetaUsage(h)
	if !u.Found || u.Pct != 81 || u.Regain != 3*time.Minute {
		t.Fatalf("%+v", u)
	}
	h.Set("X-App-Usage", `{not json`)
	_ = ParseMetaUsage(h)
}

func TestTransportClass(t *testing.T) {
	dial := &net.OpError{Op: "dial", Err: errors.New("refused")}
	if TransportClass(dial) != connector.Retryable {
		t.Fatal("dial error must be retryable")
	}
	if TransportClass(errors.New("EOF")) != connector.Unknown {
		t.Fatal("unknown failure after send must be Unknown")
	}
}

func BenchmarkVerifyHex(b *testing.B) {
	secret, body := []byte("s3cret"), []byte(strings.Repeat("x", 2048))
	sig := SignHex(secret, body)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if !VerifyHex(secret, body, sig) {
			b.Fatal("verify")
		}
	}
}

func TestDoubling(t *testing.T) {
	b := &Doubling{Min: time.Second, Max: 5 * time.Second}
	var got []time.Duration
	for range 5 {
		got = append(got, b.Next())
	}
	want := []time.Duration{1e9, 2e9, 4e9, 5e9, 5e9}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("doubling %v, want %v", got, want)
		}
	}
	b.Reset()
	if b.Next() != time.Second {
		t.Fatal("reset")
	}
	if z := (&Doubling{Min: time.Second}); z.Next() != 0 {
		t.Fatal("Max 0 must cap at 0")
	}
}

func TestLenientDuration(t *testing.T) {
	cfg := map[string]string{"a": "30", "b": "250ms", "c": "soon", "d": "-5"}
	for key, want := range map[string]time.Duration{"a": 30 * time.Second, "b": 250 * time.Millisecond, "missing": time.Minute} {
		if d, err := LenientDuration(cfg, key, time.Minute); err != nil || d != want {
			t.Errorf("%s: %v %v, want %v", key, d, err, want)
		}
	}
	for _, key := range []string{"c", "d"} {
		if _, err := LenientDuration(cfg, key, 0); err == nil {
			t.Errorf("%s: accepted %q", key, cfg[key])
		}
	}
}

func TestHealthFailArrived(t *testing.T) {
	h := NewHealth()
	h.Fail(nil)
	h.Fail(context.Canceled)
	h.Fail(errors.New("boom"))
	at := time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)
	h.Arrived(at, at.Add(-90*time.Second))
	h.RetryAfter(2 * time.Second)
	h.UpdateRate(func(r *connector.RateInfo) { r.Limit = 300 })
	s := h.Snapshot()
	if len(s.Errors) != 1 || !strings.HasSuffix(s.Errors[0], " boom") {
		t.Fatalf("errors %q", s.Errors)
	}
	if !s.LastEventAt.Equal(at) || s.Lag != "1m30s" {
		t.Fatalf("last %v lag %q", s.LastEventAt, s.Lag)
	}
	if s.Rate.RetryAfter != "2s" || s.Rate.Limit != 300 || s.Rate.Remaining != -1 {
		t.Fatalf("rate %+v", s.Rate)
	}
}
