package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// SessionInfo is a session as its owner and administrators see it in the
// "where am I logged in" list; the secret is never stored, so never shown.
type SessionInfo struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	Username   string    `json:"username"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
}

const sessionInfoCols = `s.id, s.user_id, u.username, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent`

func scanSessionInfo(sc scanner) (*SessionInfo, error) {
	var si SessionInfo
	var created, seen, exp int64
	err := sc.Scan(&si.ID, &si.UserID, &si.Username, &created, &seen, &exp, &si.IP, &si.UserAgent)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("auth: unable to scan session: %w", err)
	}
	si.CreatedAt, si.LastSeenAt, si.ExpiresAt = store.Time(created), store.Time(seen), store.Time(exp)
	return &si, nil
}

// ListSessions returns the live sessions (not revoked, not expired, not
// idle past the limit) of userID, or of everyone when userID is 0, most
// recently used first.
func (s *Service) ListSessions(ctx context.Context, userID int64) ([]*SessionInfo, error) {
	now := s.nowMillis()
	q := `SELECT ` + sessionInfoCols + ` FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.revoked_at IS NULL AND s.expires_at > $1 AND s.last_seen_at > $2 AND u.disabled = 0`
	args := []any{now, now - s.cfg.SessionIdle.Milliseconds()}
	if userID != 0 {
		q += ` AND s.user_id = $3`
		args = append(args, userID)
	}
	rows, err := s.db.Read.QueryContext(ctx, q+` ORDER BY s.last_seen_at DESC, s.id DESC LIMIT 1000`, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: unable to list sessions: %w", err)
	}
	defer rows.Close()
	out := []*SessionInfo{}
	for rows.Next() {
		si, err := scanSessionInfo(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, si)
	}
	return out, rows.Err()
}

// GetSession returns one session's record, live or not.
func (s *Service) GetSession(ctx context.Context, id int64) (*SessionInfo, error) {
	return scanSessionInfo(s.db.Read.QueryRowContext(ctx, `SELECT `+sessionInfoCols+` FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`, id))
}

// EndSession revokes session id on behalf of p: its owner ("log out that
// other browser") or a holder of users:manage (a lost phone, a leaver).
// Anyone else gets store.ErrNotFound, so session ids cannot be probed.
func (s *Service) EndSession(ctx context.Context, p *Principal, id int64) error {
	si, err := s.GetSession(ctx, id)
	if err != nil {
		return err
	}
	if p == nil || si.UserID != p.UserID && !p.Can(PermUsersManage) {
		return store.ErrNotFound
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, s.nowMillis(), id); err != nil {
			return fmt.Errorf("auth: unable to revoke session: %w", err)
		}
		return AuditTx(ctx, tx, Entry{Action: "session.revoke", Target: fmt.Sprintf("session:%d", id),
			Details: map[string]any{"user_id": si.UserID, "username": si.Username}})
	})
}
