package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// TokenPrefix starts every API token so that leaked tokens are easy to spot
// by secret scanners and in logs.
const TokenPrefix = "kvl_"

// tokenLen is len(TokenPrefix) + base64url of 32 bytes.
const tokenLen = len(TokenPrefix) + 43

// Token is an API token's record; the secret itself is returned once by
// CreateToken and never stored.
type Token struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	Username   string    `json:"username"`
	Name       string    `json:"name"`
	Prefix     string    `json:"prefix"` // first characters, to tell tokens apart
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// CreateToken issues a token for userID, valid for ttl (0 = no expiry).
// The returned secret is shown once.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string, ttl time.Duration) (*Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, "", &ValidationError{Field: "name", Message: "is required"}
	}
	if err := checkText("name", name, 100); err != nil {
		return nil, "", err
	}
	if ttl < 0 {
		return nil, "", &ValidationError{Field: "ttl", Message: "must not be negative"}
	}
	secret := randomToken(TokenPrefix)
	now := s.now()
	var expires any
	if ttl > 0 {
		expires = store.Millis(now.Add(ttl))
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var disabled int
		err := tx.QueryRowContext(ctx, `SELECT disabled FROM users WHERE id = $1`, userID).Scan(&disabled)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("auth: unable to check user: %w", err)
		}
		if disabled != 0 {
			return &ConflictError{Message: "user is disabled"}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			userID, name, secretHash(secret), secret[:len(TokenPrefix)+6], store.Millis(now), expires).Scan(&id); err != nil {
			return fmt.Errorf("auth: unable to create token: %w", err)
		}
		return AuditTx(ctx, tx, Entry{Action: "token.create", Target: fmt.Sprintf("token:%d", id),
			Details: map[string]any{"user_id": userID, "name": name, "ttl_seconds": int64(ttl / time.Second)}})
	})
	if err != nil {
		return nil, "", err
	}
	t, err := s.GetToken(ctx, id)
	return t, secret, err
}

const tokenCols = `t.id, t.user_id, u.username, t.name, t.prefix, t.created_at, t.last_used_at, t.expires_at, t.revoked_at`

func scanToken(sc scanner) (*Token, error) {
	var t Token
	var created int64
	var used, exp, rev sql.NullInt64
	err := sc.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &t.Prefix, &created, &used, &exp, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("auth: unable to scan token: %w", err)
	}
	t.CreatedAt, t.LastUsedAt, t.ExpiresAt, t.RevokedAt = store.Time(created), store.NullTime(used), store.NullTime(exp), store.NullTime(rev)
	return &t, nil
}

// GetToken returns one token record or store.ErrNotFound.
func (s *Service) GetToken(ctx context.Context, id int64) (*Token, error) {
	return scanToken(s.db.Read.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1`, id))
}

// ListTokens lists the tokens of userID, or of everyone when userID is 0,
// newest first, revoked ones included (they are part of the history).
func (s *Service) ListTokens(ctx context.Context, userID int64) ([]*Token, error) {
	q := `SELECT ` + tokenCols + ` FROM api_tokens t JOIN users u ON u.id = t.user_id`
	var args []any
	if userID != 0 {
		q += ` WHERE t.user_id = $1`
		args = append(args, userID)
	}
	rows, err := s.db.Read.QueryContext(ctx, q+` ORDER BY t.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: unable to list tokens: %w", err)
	}
	defer rows.Close()
	out := []*Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token; it stops resolving at once. Revoking twice
// is not an error.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, s.nowMillis(), id)
		if err != nil {
			return fmt.Errorf("auth: unable to revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM api_tokens WHERE id = $1`, id).Scan(&one); err != nil {
				return store.ErrNotFound
			}
			return nil
		}
		return AuditTx(ctx, tx, Entry{Action: "token.revoke", Target: fmt.Sprintf("token:%d", id)})
	})
}

// ResolveToken turns a bearer secret into a Principal, or
// ErrUnauthenticated when it is unknown, revoked, expired or its user is
// disabled. last_used_at is written at most once per TouchEvery per token
// (the condition is in the UPDATE, so replicas don't pile up writes).
func (s *Service) ResolveToken(ctx context.Context, secret string) (*Principal, error) {
	if len(secret) != tokenLen || !strings.HasPrefix(secret, TokenPrefix) {
		return nil, ErrUnauthenticated
	}
	var id int64
	var used, exp, rev sql.NullInt64
	stmt, err := s.prepared(ctx, &s.resolveToken, `SELECT t.id, t.last_used_at, t.expires_at, t.revoked_at, `+userColsU+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`)
	if err != nil {
		return nil, err
	}
	row := stmt.QueryRowContext(ctx, secretHash(secret))
	u, err := scanUser(multiScan{row, []any{&id, &used, &exp, &rev}})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	now := s.nowMillis()
	if rev.Valid || exp.Valid && exp.Int64 <= now || u.Disabled {
		return nil, ErrUnauthenticated
	}
	if stale := now - s.cfg.TouchEvery.Milliseconds(); !used.Valid || used.Int64 < stale {
		if _, err := s.db.Write.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)`,
			now, id, stale); err != nil {
			return nil, fmt.Errorf("auth: unable to touch token: %w", err)
		}
	}
	p := u.Principal(MethodToken)
	p.TokenID = id
	// A user still on a one-time password (new, or just reset by an
	// administrator because the account may be in the wrong hands) is
	// refused everywhere but "set my password", whatever credential they
	// present: a token made before the reset must not outlive it.
	return p, nil
}

// multiScan prepends destinations to a scan, so a joined row can be split
// between local variables and scanUser.
type multiScan struct {
	s     scanner
	first []any
}

func (m multiScan) Scan(dest ...any) error { return m.s.Scan(append(m.first, dest...)...) }
