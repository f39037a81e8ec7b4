package auth

import (
	"context"
	"strings"
	"testing"
)

func TestHasher(t *testing.T) {
	h := NewHasher(TestHashParams, 2)
	ctx := context.Background()
	phc, err := h.Hash(ctx, "ಕಳ್ಳತನ passphrase")
	if err != nil || !strings.HasPrefix(phc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("%q %v", phc, err)
	}
	if ok, _ := h.Verify(ctx, "ಕಳ್ಳತನ passphrase", phc); !ok {
		t.Fatal("right password rejected")
	}
	if ok, _ := h.Verify(ctx, "ಕಳ್ಳತನ passphrasf", phc); ok {
		t.Fatal("wrong password accepted")
	}
	// A stored hash verifies with its own parameters even when the
	// hasher's defaults differ.
	if ok, _ := NewHasher(DefaultHashParams, 1).Verify(ctx, "ಕಳ್ಳತನ passphrase", phc); !ok {
		t.Fatal("parameters not read from the PHC string")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", strings.Replace(phc, "t=1", "t=0", 1)} {
		if ok, err := h.Verify(ctx, "x", bad); ok || err != nil {
			t.Errorf("%q: %v %v", bad, ok, err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	full := NewHasher(TestHashParams, 1)
	full.sem <- struct{}{} // saturated
	if _, err := full.Hash(cctx, "x"); err == nil {
		t.Fatal("hash ignored a cancelled context while saturated")
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		p := GeneratePassword()
		if len(p) != 23 || CheckPassword(p) != nil || seen[p] || strings.ContainsAny(p, "01ilo") {
			t.Fatalf("bad password %q", p)
		}
		seen[p] = true
	}
}

func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(DefaultHashParams, 0)
	for b.Loop() {
		h.Hash(context.Background(), "correct horse battery staple")
	}
}
