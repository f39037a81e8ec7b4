// Package lease elects one holder per named singleton across replicas
// (a channel's poller or stream, a scheduler) with a row in the leases
// table. A lease is taken with one atomic upsert that succeeds only when
// the lease is free, expired, or already ours, so it works the same on
// SQLite and PostgreSQL without advisory locks. Expiry uses the replicas'
// clocks: keep TTLs far above any clock skew (seconds, not milliseconds).
package lease

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// Store takes, renews and releases leases.
type Store struct {
	db  *store.DB
	now func() time.Time
}

// New returns a lease store over db.
func New(db *store.DB) *Store { return &Store{db: db, now: time.Now} }

// WithClock returns a copy using now as its clock (tests).
func (s *Store) WithClock(now func() time.Time) *Store { c := *s; c.now = now; return &c }

// Acquire takes the lease name for holder until now+ttl when it is free,
// expired or already held by holder (which renews it). It reports whether
// holder has the lease.
func (s *Store) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, errors.New("lease: name, holder and a positive ttl are required")
	}
	now := s.now()
	res, err := s.db.Write.ExecContext(ctx, `
		INSERT INTO leases (name, holder, expires_at, acquired_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET
			holder = excluded.holder,
			expires_at = excluded.expires_at,
			acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END
		WHERE leases.expires_at < $4 OR leases.holder = excluded.holder`,
		name, holder, store.Millis(now.Add(ttl)), store.Millis(now))
	if err != nil {
		return false, fmt.Errorf("lease: unable to acquire %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("lease: unable to acquire %s: %w", name, err)
	}
	return n == 1, nil
}

// Renew extends a lease holder still has; false means it was lost.
func (s *Store) Renew(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	res, err := s.db.Write.ExecContext(ctx,
		`UPDATE leases SET expires_at = $3 WHERE name = $1 AND holder = $2`,
		name, holder, store.Millis(s.now().Add(ttl)))
	if err != nil {
		return false, fmt.Errorf("lease: unable to renew %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("lease: unable to renew %s: %w", name, err)
	}
	return n == 1, nil
}

// Release gives the lease up if holder has it, so another replica can take
// it at once instead of waiting for expiry.
func (s *Store) Release(ctx context.Context, name, holder string) error {
	if _, err := s.db.Write.ExecContext(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder); err != nil {
		return fmt.Errorf("lease: unable to release %s: %w", name, err)
	}
	return nil
}

// Holder says who has the lease and until when; store.ErrNotFound when
// nobody ever took it. An expired lease is reported as is.
func (s *Store) Holder(ctx context.Context, name string) (string, time.Time, error) {
	var holder string
	var exp int64
	err := s.db.Read.QueryRowContext(ctx, `SELECT holder, expires_at FROM leases WHERE name = $1`, name).Scan(&holder, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, store.ErrNotFound
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("lease: unable to read %s: %w", name, err)
	}
	return holder, store.Time(exp), nil
}

// Hold runs fn while holder has the lease name, until ctx ends. It tries to
// take the lease every ttl/3; once it has it, it calls fn with a context
// that is cancelled as soon as the lease is lost (or can no longer be
// renewed before it expires), waits for fn to return, and goes back to
// trying. On return it releases the lease.
func (s *Store) Hold(ctx context.Context, name, holder string, ttl time.Duration, fn func(ctx context.Context)) {
	every := max(ttl/3, time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		s.Release(rctx, name, holder)
		cancel()
	}()
	for {
		ok, _ := s.Acquire(ctx, name, holder, ttl)
		if ok {
			s.run(ctx, name, holder, ttl, every, fn)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Store) run(ctx context.Context, name, holder string, ttl, every time.Duration, fn func(context.Context)) {
	validUntil := s.now().Add(ttl)
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); fn(lctx) }()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			cancel()
			return
		case <-ctx.Done():
			cancel()
			<-done
			return
		case <-t.C:
			now := s.now()
			ok, err := s.Renew(ctx, name, holder, ttl)
			switch {
			case err == nil && ok:
				validUntil = now.Add(ttl)
			case err == nil && !ok, now.Add(every).After(validUntil):
				// Lost, or a database outage would let it expire before
				// the next try: stop before another replica starts.
				cancel()
				<-done
				return
			}
		}
	}
}
