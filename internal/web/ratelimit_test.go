package web

import (
	"testing"

	"golang.org/x/time/rate"
)

func TestIPLimiter(t *testing.T) {
	l := newIPLimiter(rate.Limit(0.001), 2)
	for i, want := range []bool{true, true, false} {
		if ok, wait := l.allow("2001:db8:1:2::1"); ok != want || !ok && wait <= 0 {
			t.Fatalf("attempt %d: %v %v", i, ok, wait)
		}
	}
	// Same /64, other address: same bucket. Other /64 or IPv4: fresh.
	if ok, _ := l.allow("2001:db8:1:2:ffff::9"); ok {
		t.Fatal("rotating within a /64 got a fresh bucket")
	}
	if ok, _ := l.allow("2001:db8:1:3::1"); !ok {
		t.Fatal("another /64 was limited")
	}
	if ok, _ := l.allow("192.0.2.1"); !ok {
		t.Fatal("IPv4 limited")
	}
}
