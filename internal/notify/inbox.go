package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// Item is a notification as its recipient sees it.
type Item struct {
	Notification
	ReadAt *time.Time `json:"read_at,omitempty"`
}

// List returns userID's notifications, newest first (unread only when
// asked), at most limit (default 50, at most 200), before the id before
// when it is positive (paging).
func (n *Notifier) List(ctx context.Context, userID int64, unreadOnly bool, before int64, limit int) ([]Item, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := `SELECT n.id, n.kind, n.severity, n.texts, n.link, n.case_id, n.created_at, r.read_at
		FROM notification_recipients r JOIN notifications n ON n.id = r.notification_id
		WHERE r.user_id = $1`
	args := []any{userID, limit}
	if unreadOnly {
		q += ` AND r.read_at IS NULL`
	}
	if before > 0 {
		q += ` AND r.notification_id < $3`
		args = append(args, before)
	}
	rows, err := n.db.Read.QueryContext(ctx, q+` ORDER BY r.notification_id DESC LIMIT $2`, args...)
	if err != nil {
		return nil, fmt.Errorf("notify: unable to list: %w", err)
	}
	defer rows.Close()
	out := []Item{}
	for rows.Next() {
		var it Item
		var texts string
		var caseID, read sql.NullInt64
		var created int64
		if err := rows.Scan(&it.ID, &it.Kind, &it.Severity, &texts, &it.Link, &caseID, &created, &read); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(texts), &it.Text)
		it.CaseID, it.CreatedAt = caseID.Int64, store.Time(created)
		if read.Valid {
			t := store.Time(read.Int64)
			it.ReadAt = &t
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Unread counts userID's unread notifications (the bell).
func (n *Notifier) Unread(ctx context.Context, userID int64) (int, error) {
	var k int
	err := n.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM notification_recipients WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&k)
	if err != nil {
		return 0, fmt.Errorf("notify: unable to count: %w", err)
	}
	return k, nil
}

// MarkRead marks one of userID's notifications read; store.ErrNotFound
// when it is not theirs.
func (n *Notifier) MarkRead(ctx context.Context, userID, id int64) error {
	res, err := n.db.Write.ExecContext(ctx, `UPDATE notification_recipients SET read_at = COALESCE(read_at, $3)
		WHERE user_id = $1 AND notification_id = $2`, userID, id, store.Millis(n.now()))
	if err != nil {
		return fmt.Errorf("notify: unable to mark read: %w", err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return store.ErrNotFound
	}
	return nil
}

// MarkAllRead marks every notification of userID read and says how many
// were unread.
func (n *Notifier) MarkAllRead(ctx context.Context, userID int64) (int, error) {
	res, err := n.db.Write.ExecContext(ctx, `UPDATE notification_recipients SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`,
		userID, store.Millis(n.now()))
	if err != nil {
		return 0, fmt.Errorf("notify: unable to mark read: %w", err)
	}
	k, _ := res.RowsAffected()
	return int(k), nil
}

// Contact is where a person wants notifications besides the desk.
type Contact struct {
	Email        string `json:"email"`
	TelegramChat string `json:"telegram_chat"`
}

// ContactOf returns userID's contact (empty when never set).
func (n *Notifier) ContactOf(ctx context.Context, userID int64) (Contact, error) {
	var c Contact
	err := n.db.Read.QueryRowContext(ctx, `SELECT email, telegram_chat FROM notify_contacts WHERE user_id = $1`, userID).Scan(&c.Email, &c.TelegramChat)
	if err == sql.ErrNoRows {
		return Contact{}, nil
	}
	if err != nil {
		return Contact{}, fmt.Errorf("notify: unable to read contact: %w", err)
	}
	return c, nil
}

// SetContact validates and stores userID's contact; empty fields switch
// that channel off for them.
func (n *Notifier) SetContact(ctx context.Context, userID int64, c Contact) (Contact, error) {
	if c.Email != "" {
		a, err := parseAddress(c.Email)
		if err != nil || len(c.Email) > 254 {
			return Contact{}, &ValidationError{"email", "not an e-mail address"}
		}
		c.Email = a
	}
	if c.TelegramChat != "" && !validChat(c.TelegramChat) {
		return Contact{}, &ValidationError{"telegram_chat", "a Telegram chat is a number (negative for groups) or @name"}
	}
	_, err := n.db.Write.ExecContext(ctx, `INSERT INTO notify_contacts (user_id, email, telegram_chat, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, telegram_chat = excluded.telegram_chat, updated_at = excluded.updated_at`,
		userID, c.Email, c.TelegramChat, store.Millis(n.now()))
	if err != nil {
		return Contact{}, fmt.Errorf("notify: unable to store contact: %w", err)
	}
	return c, nil
}

func validChat(s string) bool {
	if len(s) > 64 {
		return false
	}
	if s[0] == '@' {
		if len(s) < 6 {
			return false
		}
		for _, r := range s[1:] {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
				return false
			}
		}
		return true
	}
	i := 0
	if s[0] == '-' {
		i = 1
	}
	if i == len(s) {
		return false
	}
	for _, r := range s[i:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
