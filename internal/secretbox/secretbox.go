// Package secretbox encrypts secrets at rest (platform tokens, app secrets)
// with AES-256-GCM under a master key that never touches the database.
//
// # The master key
//
// KAVAL_MASTER_KEY (or a file named by KAVAL_MASTER_KEY_FILE) holds one of:
//
//   - 32 random bytes written as 64 hex digits (`openssl rand -hex 32`), or
//   - 32 random bytes in base64, standard or URL alphabet (`openssl rand -base64 32`), or
//   - a passphrase of at least 16 characters, stretched with argon2id
//     (t=3, m=64 MiB, p=2) under a fixed, versioned salt. The salt is fixed
//     because the key must be re-derived identically on every replica with
//     nothing but the environment; the length floor is what keeps it
//     expensive to guess. Prefer a random key.
//
// Older keys are listed, comma-separated, in KAVAL_MASTER_KEY_OLD: they only
// decrypt, so a key can be rotated by moving the old one there, setting a
// new one and re-sealing (channel.Store.Rekey).
//
// # Sealed form
//
//	sb1:<key id>:<base64url(nonce || ciphertext || tag)>
//
// The key id is the first 8 hex digits of SHA-256("kaval secretbox key id"
// || key): it names the key needed without revealing it. Callers pass
// additional data (e.g. "channel:42") that binds a ciphertext to its row, so
// a sealed value copied to another row does not open.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Errors callers can test for.
var (
	ErrNoKey      = errors.New("secretbox: no master key (set KAVAL_MASTER_KEY or KAVAL_MASTER_KEY_FILE)")
	ErrWeakKey    = errors.New("secretbox: master key too weak")
	ErrUnknownKey = errors.New("secretbox: sealed with a key that is not loaded")
	ErrCorrupt    = errors.New("secretbox: sealed value is malformed or was tampered with")
)

// MinPassphrase is the shortest passphrase accepted as a master key.
const MinPassphrase = 16

const (
	prefix  = "sb1:"
	kdfSalt = "kaval/secretbox/argon2id/v1"
)

// Key is one 256-bit master key. Its String, GoString and LogValue never
// show the key material.
type Key struct {
	id  string
	raw [32]byte
}

// ID names the key in sealed values.
func (k *Key) ID() string { return k.id }

func (k *Key) String() string       { return "secretbox.Key(" + k.id + ")" }
func (k *Key) GoString() string     { return k.String() }
func (k *Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalText gives the redacted name, so a key marshalled by accident (JSON,
// YAML) shows its id and never its bytes.
func (k *Key) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

func newKey(raw []byte) (*Key, error) {
	if len(raw) != 32 {
		return nil, fmt.Errorf("secretbox: key is %d bytes, want 32", len(raw))
	}
	allSame := true
	for _, b := range raw[1:] {
		if b != raw[0] {
			allSame = false
			break
		}
	}
	if allSame {
		return nil, fmt.Errorf("%w: all 32 bytes are equal", ErrWeakKey)
	}
	k := &Key{}
	copy(k.raw[:], raw)
	sum := sha256.Sum256(append([]byte("kaval secretbox key id"), raw...))
	k.id = hex.EncodeToString(sum[:4])
	return k, nil
}

// ParseKey reads a master key as hex, base64 or passphrase (see the package
// documentation). Surrounding white space is ignored.
func ParseKey(s string) (*Key, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, ErrNoKey
	}
	if len(s) == 64 {
		if raw, err := hex.DecodeString(s); err == nil {
			return newKey(raw)
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil && len(raw) == 32 {
			return newKey(raw)
		}
	}
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w: passphrase is not valid UTF-8", ErrWeakKey)
	}
	if n := utf8.RuneCountInString(s); n < MinPassphrase {
		return nil, fmt.Errorf("%w: passphrase has %d characters, need at least %d (or 32 random bytes as hex/base64)", ErrWeakKey, n, MinPassphrase)
	}
	return newKey(argon2.IDKey([]byte(s), []byte(kdfSalt), 3, 64*1024, 2, 32))
}

// NewRandomKey makes a fresh key from the system's CSPRNG.
func NewRandomKey() (*Key, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("secretbox: unable to read random bytes: %w", err)
	}
	return newKey(raw)
}

// Encode gives the key in the base64 form ParseKey reads, for writing a key
// file. Handle the result as a secret.
func (k *Key) Encode() string { return base64.StdEncoding.EncodeToString(k.raw[:]) }

// LoadOrCreateKeyFile reads the key in path, or, when the file does not
// exist, creates it (mode 0600, never overwriting a file that appears
// meanwhile) with a fresh random key. The embedded demo uses this when no
// key is configured; production should pass KAVAL_MASTER_KEY instead.
func LoadOrCreateKeyFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseKey(string(b))
		if err != nil {
			return nil, fmt.Errorf("secretbox: key file %s: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("secretbox: unable to read key file: %w", err)
	}
	k, err := NewRandomKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("secretbox: unable to create key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process won the race: use its key
		return LoadOrCreateKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("secretbox: unable to create key file: %w", err)
	}
	_, werr := f.WriteString(k.Encode() + "\n")
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("secretbox: unable to write key file: %w", err)
	}
	return k, nil
}

// Box seals with its primary key and opens with any of its keys.
type Box struct {
	primary *Key
	keys    []*Key // primary first
	aead    map[string]cipher.AEAD
}

// New makes a Box that seals with primary and also opens values sealed with
// the older keys.
func New(primary *Key, older ...*Key) (*Box, error) {
	if primary == nil {
		return nil, ErrNoKey
	}
	b := &Box{primary: primary, aead: map[string]cipher.AEAD{}}
	for _, k := range append([]*Key{primary}, older...) {
		if k == nil {
			continue
		}
		block, err := aes.NewCipher(k.raw[:])
		if err != nil {
			return nil, fmt.Errorf("secretbox: %w", err)
		}
		g, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secretbox: %w", err)
		}
		b.aead[k.id] = g
		b.keys = append(b.keys, k)
	}
	return b, nil
}

// Derive gives, for every key the box holds, a 32-byte key for one purpose
// (HMAC-SHA256 of "kaval derive: "+purpose under the master key), by key
// id, and the primary's id. Other uses of the master key (the audit
// chain's MAC) get keys of their own that open nothing sealed here, and
// they rotate with the master key while older ones still verify.
func (b *Box) Derive(purpose string) (primary string, keys map[string][]byte) {
	keys = map[string][]byte{}
	for _, k := range b.keys {
		m := hmac.New(sha256.New, k.raw[:])
		m.Write([]byte("kaval derive: " + purpose))
		keys[k.id] = m.Sum(nil)
	}
	return b.primary.id, keys
}

// FromEnv builds a Box from KAVAL_MASTER_KEY or KAVAL_MASTER_KEY_FILE plus
// KAVAL_MASTER_KEY_OLD. It returns ErrNoKey when no key is configured, so
// the caller can decide (refuse if sealed secrets exist; the demo generates
// a key file).
func FromEnv(getenv func(string) string) (*Box, error) {
	v := getenv("KAVAL_MASTER_KEY")
	if f := getenv("KAVAL_MASTER_KEY_FILE"); v == "" && f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("secretbox: unable to read KAVAL_MASTER_KEY_FILE: %w", err)
		}
		v = string(b)
	}
	if strings.TrimSpace(v) == "" {
		return nil, ErrNoKey
	}
	primary, err := ParseKey(v)
	if err != nil {
		return nil, fmt.Errorf("KAVAL_MASTER_KEY: %w", err)
	}
	var older []*Key
	for i, s := range strings.Split(getenv("KAVAL_MASTER_KEY_OLD"), ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		k, err := ParseKey(s)
		if err != nil {
			return nil, fmt.Errorf("KAVAL_MASTER_KEY_OLD[%d]: %w", i, err)
		}
		older = append(older, k)
	}
	return New(primary, older...)
}

// KeyID is the id of the key that seals.
func (b *Box) KeyID() string { return b.primary.id }

func (b *Box) String() string       { return "secretbox.Box(" + b.primary.id + ")" }
func (b *Box) LogValue() slog.Value { return slog.StringValue(b.String()) }

// Seal encrypts plaintext, binding it to aad.
func (b *Box) Seal(plaintext, aad []byte) (string, error) {
	g := b.aead[b.primary.id]
	nonce := make([]byte, g.NonceSize(), g.NonceSize()+len(plaintext)+g.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secretbox: unable to make a nonce: %w", err)
	}
	out := g.Seal(nonce, nonce, plaintext, aad)
	return prefix + b.primary.id + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with the same aad.
func (b *Box) Open(sealed string, aad []byte) ([]byte, error) {
	id, body, err := split(sealed)
	if err != nil {
		return nil, err
	}
	g, ok := b.aead[id]
	if !ok {
		return nil, fmt.Errorf("%w (key id %s; loaded: primary %s)", ErrUnknownKey, id, b.primary.id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < g.NonceSize()+g.Overhead() {
		return nil, ErrCorrupt
	}
	pt, err := g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], aad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}

// Current reports whether sealed was made with the primary key (false means
// it should be re-sealed after a rotation).
func (b *Box) Current(sealed string) bool {
	id, _, err := split(sealed)
	return err == nil && id == b.primary.id
}

// KeyIDOf names the key a sealed value needs, without any key loaded.
func KeyIDOf(sealed string) (string, error) {
	id, _, err := split(sealed)
	return id, err
}

func split(sealed string) (id, body string, err error) {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", "", ErrCorrupt
	}
	id, body, ok = strings.Cut(rest, ":")
	if !ok || len(id) != 8 {
		return "", "", ErrCorrupt
	}
	return id, body, nil
}
