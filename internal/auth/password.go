package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// HashParams are argon2id costs. Stored hashes carry their own parameters
// (PHC string), so raising the defaults never breaks existing passwords.
type HashParams struct {
	Time    uint32 // passes
	Memory  uint32 // KiB
	Threads uint8
	KeyLen  uint32
	SaltLen int
}

// DefaultHashParams is OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane):
// ~17 ms per hash on the reference 2-core machine.
var DefaultHashParams = HashParams{Time: 2, Memory: 19 * 1024, Threads: 1, KeyLen: 32, SaltLen: 16}

// TestHashParams are cheap parameters for tests only (~0.1 ms per hash).
var TestHashParams = HashParams{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16}

// Password limits. The upper bound keeps hashing a fixed cost; argon2 has no
// 72-byte truncation like bcrypt, so long passphrases are fine.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// Hasher hashes and verifies passwords, at most N at a time: a burst of
// logins queues here instead of allocating N × 19 MiB at once.
type Hasher struct {
	params HashParams
	sem    chan struct{}
}

// NewHasher returns a Hasher; concurrency ≤ 0 means runtime.NumCPU().
func NewHasher(p HashParams, concurrency int) *Hasher {
	if concurrency <= 0 {
		concurrency = runtime.NumCPU()
	}
	if p.KeyLen == 0 {
		p.KeyLen = 32
	}
	if p.SaltLen == 0 {
		p.SaltLen = 16
	}
	if p.Threads == 0 {
		p.Threads = 1
	}
	return &Hasher{params: p, sem: make(chan struct{}, concurrency)}
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("auth: unable to hash password: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

// Hash returns the PHC string of password:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key> (unpadded standard base64).
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	rand.Read(salt)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	h.release()
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.params.Memory, h.params.Time,
		h.params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// Verify reports whether password matches the PHC string. A malformed or
// empty hash (a user who never set a password) never matches.
func (h *Hasher) Verify(ctx context.Context, password, phc string) (bool, error) {
	p, salt, key, err := parsePHC(phc)
	if err != nil {
		return false, nil
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	h.release()
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// burn spends one hash's worth of time so that unknown usernames take as
// long to reject as wrong passwords.
func (h *Hasher) burn(ctx context.Context, password string) {
	if h.acquire(ctx) != nil {
		return
	}
	argon2.IDKey([]byte(password), make([]byte, h.params.SaltLen), h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	h.release()
}

func parsePHC(s string) (HashParams, []byte, []byte, error) {
	var p HashParams
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errBadHash
	}
	// Refuse absurd costs from a tampered row rather than allocating them.
	if p.Time == 0 || p.Time > 64 || p.Memory < 8 || p.Memory > 4<<20 || p.Threads == 0 {
		return p, nil, nil, errBadHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// CheckPassword enforces the password policy: length in runes between
// MinPasswordLen and MaxPasswordLen bytes, valid UTF-8.
func CheckPassword(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return &ValidationError{Field: "password", Message: "must be valid UTF-8"}
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return &ValidationError{Field: "password", Message: fmt.Sprintf("must be at least %d characters", MinPasswordLen)}
	case len(pw) > MaxPasswordLen:
		return &ValidationError{Field: "password", Message: fmt.Sprintf("must be at most %d bytes", MaxPasswordLen)}
	}
	return nil
}

// GeneratePassword returns a random one-time password of 20 characters
// (~100 bits) from an alphabet without look-alikes, grouped for reading
// aloud: xxxxx-xxxxx-xxxxx-xxxxx.
func GeneratePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789" // 31 symbols
	var b strings.Builder
	buf := make([]byte, 1)
	for n := 0; n < 20; {
		rand.Read(buf)
		if buf[0] >= 248 { // 248 = 8×31: reject to keep the draw uniform
			continue
		}
		if n > 0 && n%5 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[int(buf[0])%len(alphabet)])
		n++
	}
	return b.String()
}
