package desk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/kaval-desk/kaval/internal/store"
)

// Per-person read state: a case is unread for a person when it has a post
// newer than the last time they opened it (or they never did). Stored per
// person, so it follows them across browsers and replicas, and asked for
// only the cases a page shows (one query by primary key), leaving the
// inbox's own query alone.

// MarkSeen records that user opened case caseID now.
func (d *Desk) MarkSeen(ctx context.Context, user, caseID int64) error {
	if user == 0 || caseID == 0 {
		return nil
	}
	now := store.Millis(d.opt.Now())
	_, err := d.db.Write.ExecContext(ctx, `INSERT INTO case_reads (user_id, case_id, seen_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, case_id) DO UPDATE SET seen_at = excluded.seen_at WHERE case_reads.seen_at < excluded.seen_at`, user, caseID, now)
	if err != nil {
		return fmt.Errorf("desk: unable to mark case %d seen: %w", caseID, err)
	}
	return nil
}

// Unread reports, of cs, the ids of the cases with a post newer than
// user's last opening of them.
func (d *Desk) Unread(ctx context.Context, user int64, cs []Case) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(cs) == 0 {
		return out, nil
	}
	args := []any{user}
	marks := make([]string, 0, len(cs))
	for _, c := range cs {
		args = append(args, c.ID)
		marks = append(marks, "$"+itoa(len(args)))
	}
	rows, err := d.db.Read.QueryContext(ctx, "SELECT case_id, seen_at FROM case_reads WHERE user_id = $1 AND case_id IN ("+strings.Join(marks, ", ")+")", args...)
	if err != nil {
		return nil, fmt.Errorf("desk: unable to read seen cases: %w", err)
	}
	defer rows.Close()
	seen := map[int64]int64{}
	for rows.Next() {
		var id, at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, err
		}
		seen[id] = at
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, c := range cs {
		at, ok := seen[c.ID]
		if !ok || store.Millis(c.LastPostAt) > at {
			out[c.ID] = true
		}
	}
	return out, nil
}

// UserLang is the language user chose for the desk ("" when never).
func (d *Desk) UserLang(ctx context.Context, user int64) (string, error) {
	var lang string
	err := d.db.Read.QueryRowContext(ctx, "SELECT lang FROM user_prefs WHERE user_id = $1", user).Scan(&lang)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("desk: unable to read the language of user %d: %w", user, err)
	}
	return lang, nil
}

// SetUserLang stores user's language (the caller checks it is one the
// desk speaks).
func (d *Desk) SetUserLang(ctx context.Context, user int64, lang string) error {
	_, err := d.db.Write.ExecContext(ctx, `INSERT INTO user_prefs (user_id, lang, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at`, user, lang, store.Millis(d.opt.Now()))
	if err != nil {
		return fmt.Errorf("desk: unable to store the language of user %d: %w", user, err)
	}
	return nil
}
