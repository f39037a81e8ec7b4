package secretbox

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustKey(t *testing.T) *Key {
	t.Helper()
	k, err := NewRandomKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTripAndAAD(t *testing.T) {
	b, err := New(mustKey(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Seal([]byte(`{"token":"EAAB-very-secret"}`), []byte("channel:1"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "very-secret") || !strings.HasPrefix(s, "sb1:"+b.KeyID()+":") {
		t.Fatalf("sealed form: %s", s)
	}
	pt, err := b.Open(s, []byte("channel:1"))
	if err != nil || string(pt) != `{"token":"EAAB-very-secret"}` {
		t.Fatalf("open: %q %v", pt, err)
	}
	// Moving the ciphertext to another row must not open.
	if _, err := b.Open(s, []byte("channel:2")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("other aad: %v", err)
	}
	// A flipped bit anywhere is detected.
	raw := []byte(s)
	raw[len(raw)-3] ^= 1
	if _, err := b.Open(string(raw), []byte("channel:1")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered: %v", err)
	}
	// Two seals of the same secret differ (random nonce).
	s2, _ := b.Seal([]byte(`{"token":"EAAB-very-secret"}`), []byte("channel:1"))
	if s2 == s {
		t.Fatal("nonce reused")
	}
}

func TestRotation(t *testing.T) {
	old, cur := mustKey(t), mustKey(t)
	ob, _ := New(old)
	sealed, _ := ob.Seal([]byte("x"), nil)

	nb, _ := New(cur)
	if _, err := nb.Open(sealed, nil); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("without old key: %v", err)
	}
	rb, _ := New(cur, old)
	if rb.Current(sealed) {
		t.Fatal("old value reported current")
	}
	pt, err := rb.Open(sealed, nil)
	if err != nil || string(pt) != "x" {
		t.Fatalf("with old key: %q %v", pt, err)
	}
	resealed, _ := rb.Seal(pt, nil)
	if !rb.Current(resealed) {
		t.Fatal("resealed not current")
	}
	if id, _ := KeyIDOf(sealed); id != old.ID() {
		t.Fatalf("KeyIDOf %s want %s", id, old.ID())
	}
}

func TestParseKeyForms(t *testing.T) {
	raw := bytes.Repeat([]byte{1, 2, 3, 4}, 8)
	want, err := newKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		hex.EncodeToString(raw),
		base64.StdEncoding.EncodeToString(raw),
		base64.RawURLEncoding.EncodeToString(raw),
		"  " + hex.EncodeToString(raw) + "\n",
	} {
		k, err := ParseKey(s)
		if err != nil || k.ID() != want.ID() {
			t.Errorf("ParseKey(%q) = %v, %v", s, k, err)
		}
	}
	// Passphrases: stretched, deterministic, and refused when short.
	p1, err := ParseKey("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := ParseKey("correct horse battery staple")
	if p1.ID() != p2.ID() {
		t.Fatal("passphrase derivation not deterministic")
	}
	for _, weak := range []string{"hunter2", "short-pass", strings.Repeat("00", 32), ""} {
		if _, err := ParseKey(weak); err == nil {
			t.Errorf("ParseKey(%q) accepted a weak key", weak)
		}
	}
}

func TestKeyNeverPrinted(t *testing.T) {
	k := mustKey(t)
	secret := k.Encode()
	b, _ := New(k)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("loaded", "key", k, "box", b)
	js, _ := json.Marshal(map[string]any{"key": k})
	all := logs.String() + string(js) + fmt.Sprintf("%v %+v %#v %s", k, k, k, b)
	for _, leak := range []string{secret, hex.EncodeToString(k.raw[:]), base64.RawURLEncoding.EncodeToString(k.raw[:])} {
		if strings.Contains(all, leak) {
			t.Fatalf("key material printed: %s", all)
		}
	}
	if !strings.Contains(all, k.ID()) {
		t.Fatalf("key id should be shown: %s", all)
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "master.key")
	k1, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", st.Mode(), err)
	}
	k2, err := LoadOrCreateKeyFile(path)
	if err != nil || k2.ID() != k1.ID() {
		t.Fatalf("reload gave another key: %v %v", k2, err)
	}
	os.WriteFile(path, []byte("weak"), 0o600)
	if _, err := LoadOrCreateKeyFile(path); !errors.Is(err, ErrWeakKey) {
		t.Fatalf("weak file: %v", err)
	}
}

func TestFromEnv(t *testing.T) {
	old, cur := mustKey(t), mustKey(t)
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	if _, err := FromEnv(get); !errors.Is(err, ErrNoKey) {
		t.Fatalf("no key: %v", err)
	}
	env["KAVAL_MASTER_KEY"] = "too-short"
	if _, err := FromEnv(get); !errors.Is(err, ErrWeakKey) {
		t.Fatalf("weak: %v", err)
	}
	if _, err := FromEnv(get); err != nil && strings.Contains(err.Error(), "too-short") {
		t.Fatalf("error echoes the key: %v", err)
	}
	env["KAVAL_MASTER_KEY"] = cur.Encode()
	env["KAVAL_MASTER_KEY_OLD"] = old.Encode()
	b, err := FromEnv(get)
	if err != nil || b.KeyID() != cur.ID() {
		t.Fatalf("env: %v %v", b, err)
	}
	ob, _ := New(old)
	s, _ := ob.Seal([]byte("v"), nil)
	if _, err := b.Open(s, nil); err != nil {
		t.Fatalf("old key not loaded: %v", err)
	}
	f := filepath.Join(t.TempDir(), "k")
	os.WriteFile(f, []byte(cur.Encode()+"\n"), 0o600)
	env = map[string]string{"KAVAL_MASTER_KEY_FILE": f}
	if b, err := FromEnv(get); err != nil || b.KeyID() != cur.ID() {
		t.Fatalf("file: %v %v", b, err)
	}
}

func FuzzOpen(f *testing.F) {
	k, _ := newKey(bytes.Repeat([]byte{7, 9}, 16))
	b, _ := New(k)
	good, _ := b.Seal([]byte("hello"), []byte("a"))
	f.Add(good)
	f.Add("sb1:")
	f.Add("sb1:abcdefgh:")
	f.Add("sb1:" + k.ID() + ":AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		pt, err := b.Open(s, []byte("a"))
		if err == nil && s != good && !bytes.Equal(pt, []byte("hello")) {
			// Only values we sealed may open; anything else is forgery.
			t.Fatalf("opened a forged value %q -> %q", s, pt)
		}
	})
}
