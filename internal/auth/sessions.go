package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// SessionPrefix starts every session cookie value.
const SessionPrefix = "kvs_"

// Session is a browser login.
type Session struct {
	ID        int64
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession starts a session for an authenticated user and returns the
// secret for the cookie. ip and userAgent are kept for the user's "where
// am I logged in" list and the audit log.
func (s *Service) CreateSession(ctx context.Context, u *User, ip, userAgent string) (*Session, string, error) {
	secret := randomToken(SessionPrefix)
	now := s.now()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	sess := &Session{UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES ($1, $2, $3, $3, $4, $5, $6) RETURNING id`,
			secretHash(secret), u.ID, store.Millis(now), store.Millis(sess.ExpiresAt), ip, userAgent).Scan(&sess.ID); err != nil {
			return fmt.Errorf("auth: unable to create session: %w", err)
		}
		return AuditTx(ctx, tx, Entry{ActorID: u.ID, Actor: u.Username, Action: "session.login",
			Target: fmt.Sprintf("session:%d", sess.ID), IP: ip})
	})
	if err != nil {
		return nil, "", err
	}
	return sess, secret, nil
}

// ResolveSession turns a cookie secret into a Principal, or
// ErrUnauthenticated when it is unknown, revoked, past its lifetime, idle
// too long, or its user is disabled.
func (s *Service) ResolveSession(ctx context.Context, secret string) (*Principal, error) {
	if len(secret) != len(SessionPrefix)+43 || secret[:len(SessionPrefix)] != SessionPrefix {
		return nil, ErrUnauthenticated
	}
	var id int64
	var seen, exp int64
	var rev sql.NullInt64
	stmt, err := s.prepared(ctx, &s.resolveSession, `SELECT s.id, s.last_seen_at, s.expires_at, s.revoked_at, `+userColsU+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`)
	if err != nil {
		return nil, err
	}
	row := stmt.QueryRowContext(ctx, secretHash(secret))
	u, err := scanUser(multiScan{row, []any{&id, &seen, &exp, &rev}})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	now := s.nowMillis()
	if rev.Valid || exp <= now || now-seen > s.cfg.SessionIdle.Milliseconds() || u.Disabled {
		return nil, ErrUnauthenticated
	}
	if stale := now - s.cfg.TouchEvery.Milliseconds(); seen < stale {
		if _, err := s.db.Write.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $3`, now, id, stale); err != nil {
			return nil, fmt.Errorf("auth: unable to touch session: %w", err)
		}
	}
	p := u.Principal(MethodSession)
	p.SessionID = id
	return p, nil
}

// RevokeSession ends one session (logout).
func (s *Service) RevokeSession(ctx context.Context, id int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, s.nowMillis(), id); err != nil {
			return fmt.Errorf("auth: unable to revoke session: %w", err)
		}
		return AuditTx(ctx, tx, Entry{Action: "session.logout", Target: fmt.Sprintf("session:%d", id)})
	})
}

func revokeUserSessions(ctx context.Context, tx *sql.Tx, userID, now int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, now, userID); err != nil {
		return fmt.Errorf("auth: unable to end sessions: %w", err)
	}
	return nil
}

// PurgeSessions deletes sessions that ended before cutoff; call it now and
// then (e.g. daily) to keep the table small.
func (s *Service) PurgeSessions(ctx context.Context, cutoff time.Time) (int64, error) {
	c := store.Millis(cutoff)
	res, err := s.db.Write.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1`, c)
	if err != nil {
		return 0, fmt.Errorf("auth: unable to purge sessions: %w", err)
	}
	return res.RowsAffected()
}
