package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// Config tunes a Service. Zero fields take the defaults in New.
type Config struct {
	Hash            HashParams    // default DefaultHashParams; tests use TestHashParams
	HashConcurrency int           // concurrent hashes; default NumCPU
	MaxFailedLogins int           // consecutive failures before a lockout; default 5
	LockoutFor      time.Duration // default 15 minutes
	SessionTTL      time.Duration // absolute session lifetime; default 12 hours (one shift and handover)
	SessionIdle     time.Duration // idle timeout; default 2 hours
	TouchEvery      time.Duration // how stale last_used/last_seen may get before a write; default 1 minute
	Now             func() time.Time
}

// Service is users, tokens and sessions over one database.
type Service struct {
	db     *store.DB
	cfg    Config
	hasher *Hasher
	now    func() time.Time
}

// New returns a Service on db.
func New(db *store.DB, cfg Config) *Service {
	if cfg.Hash == (HashParams{}) {
		cfg.Hash = DefaultHashParams
	}
	if cfg.MaxFailedLogins <= 0 {
		cfg.MaxFailedLogins = 5
	}
	if cfg.LockoutFor <= 0 {
		cfg.LockoutFor = 15 * time.Minute
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 2 * time.Hour
	}
	if cfg.TouchEvery <= 0 {
		cfg.TouchEvery = time.Minute
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, cfg: cfg, hasher: NewHasher(cfg.Hash, cfg.HashConcurrency), now: now}
}

// DB returns the database the service works on.
func (s *Service) DB() *store.DB { return s.db }

// Config returns the effective configuration (defaults filled in).
func (s *Service) Config() Config { return s.cfg }

func (s *Service) nowMillis() int64 { return store.Millis(s.now()) }

// randomToken returns prefix + 32 random bytes in unpadded base64url.
func randomToken(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// secretHash is how tokens and session ids are stored: hex SHA-256. A
// secret of 256 random bits needs no salt or slow hash.
func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
