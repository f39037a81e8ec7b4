package webform

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// A form token is rendered into every form and proves that the submission
// came from a form we served, when. It is stateless to issue (so the form
// page can be served by any replica and cached nowhere):
//
//	base64url( version(1) | issued unix ms (8) | nonce (16) | HMAC-SHA256(key, previous 25 bytes)[:16] )
//
// The nonce is also the seed of the post's external id, so a double-clicked
// submit (or a retry after a desk error) is idempotent at intake even on
// another replica, where the in-memory replay set below cannot see it.
const (
	tokenVersion = 1
	tokenBody    = 1 + 8 + 16
	tokenLen     = tokenBody + 16
)

var (
	errTokenInvalid = errors.New("webform: form token is invalid")
	errTokenFast    = errors.New("webform: form submitted too fast")
	errTokenExpired = errors.New("webform: form token expired")
	errTokenReplay  = errors.New("webform: form token already used")
	errTokenFull    = errors.New("webform: replay set is full")
)

type tokens struct {
	key     []byte
	minFill time.Duration
	maxAge  time.Duration
}

type token struct {
	issued time.Time
	nonce  [16]byte
}

func (ts *tokens) issue(now time.Time) string {
	var b [tokenLen]byte
	b[0] = tokenVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(now.UnixMilli()))
	if _, err := rand.Read(b[9:25]); err != nil {
		panic("webform: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	copy(b[tokenBody:], ts.mac(b[:tokenBody]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (ts *tokens) mac(body []byte) []byte {
	m := hmac.New(sha256.New, ts.key)
	m.Write([]byte("kaval-webform-token\x00"))
	m.Write(body)
	return m.Sum(nil)[:16]
}

// check verifies the signature and the age window. The age checks come
// after the signature so an attacker learns nothing from forged tokens.
func (ts *tokens) check(s string, now time.Time) (token, error) {
	var t token
	if len(s) != base64.RawURLEncoding.EncodedLen(tokenLen) {
		return t, errTokenInvalid
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != tokenLen || b[0] != tokenVersion {
		return t, errTokenInvalid
	}
	if !hmac.Equal(b[tokenBody:], ts.mac(b[:tokenBody])) {
		return t, errTokenInvalid
	}
	t.issued = time.UnixMilli(int64(binary.BigEndian.Uint64(b[1:9])))
	copy(t.nonce[:], b[9:25])
	age := now.Sub(t.issued)
	switch {
	case age < ts.minFill:
		return t, errTokenFast
	case age > ts.maxAge:
		return t, errTokenExpired
	}
	return t, nil
}

// derive returns a stable, unguessable id for a token: the post's external
// id and, without contact details, its author id.
func (ts *tokens) derive(purpose string, data []byte) string {
	m := hmac.New(sha256.New, ts.key)
	m.Write([]byte("kaval-webform-" + purpose + "\x00"))
	m.Write(data)
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// replays remembers used token nonces until the tokens expire anyway. A
// nonce is claimed before the desk is called and released if the desk
// fails, so a citizen can retry after an error but a copied form cannot be
// submitted twice. The set is bounded: when full of unexpired nonces it
// refuses new submissions rather than forgetting (which would allow replays).
type replays struct {
	mu     sync.Mutex
	seen   map[[16]byte]time.Time // nonce → when it may be forgotten
	max    int
	nextGC time.Time
	maxAge time.Duration
}

func newReplays(max int, maxAge time.Duration) *replays {
	return &replays{seen: map[[16]byte]time.Time{}, max: max, maxAge: maxAge}
}

func (r *replays) claim(t token, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.seen[t.nonce]; ok {
		return errTokenReplay
	}
	if len(r.seen) >= r.max || now.After(r.nextGC) {
		for n, until := range r.seen {
			if now.After(until) {
				delete(r.seen, n)
			}
		}
		r.nextGC = now.Add(time.Minute)
		if len(r.seen) >= r.max {
			return errTokenFull
		}
	}
	r.seen[t.nonce] = t.issued.Add(r.maxAge + time.Minute)
	return nil
}

func (r *replays) release(t token) {
	r.mu.Lock()
	delete(r.seen, t.nonce)
	r.mu.Unlock()
}
