package desk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/store"
)

// View is a saved inbox filter set: personal, or shared with the whole
// desk. Query is the inbox's canonical query string (the web layer checks
// it with the same parser as the inbox before it is saved).
type View struct {
	ID        int64     `json:"id"`
	OwnerID   int64     `json:"owner_id"`
	OwnerName string    `json:"owner_name"`
	Name      string    `json:"name"`
	Query     string    `json:"query"`
	Shared    bool      `json:"shared"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxViewName bounds a view's name; MaxViews bounds how many one person keeps.
const (
	MaxViewName = 80
	MaxViews    = 100
)

// SaveView stores a view under a name; saving a name again replaces it.
func (d *Desk) SaveView(ctx context.Context, owner int64, name, query string, shared bool) (View, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxViewName || !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\r\n") {
		return View{}, Invalid("name", "must be 1–%d bytes of text on one line", MaxViewName)
	}
	if len(query) > 4096 {
		return View{}, Invalid("query", "is longer than 4096 bytes")
	}
	now := store.Millis(d.opt.Now())
	var id int64
	err := d.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM saved_views WHERE owner_id = $1 AND name <> $2", owner, name).Scan(&n); err != nil {
			return err
		}
		if n >= MaxViews {
			return Invalid("name", "you already keep %d views; delete one first", MaxViews)
		}
		return tx.QueryRowContext(ctx, `INSERT INTO saved_views (owner_id, name, query, shared, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (owner_id, name) DO UPDATE SET query = excluded.query, shared = excluded.shared RETURNING id`,
			owner, name, query, store.Bool(shared), now).Scan(&id)
	})
	if err != nil {
		return View{}, d.wrap("save view", err)
	}
	return d.view(ctx, id)
}

const viewCols = `v.id, v.owner_id, COALESCE(NULLIF(u.name, ''), u.username, ''), v.name, v.query, v.shared, v.created_at
	FROM saved_views v LEFT JOIN users u ON u.id = v.owner_id`

func scanView(r interface{ Scan(...any) error }) (View, error) {
	var v View
	var shared int
	var at int64
	err := r.Scan(&v.ID, &v.OwnerID, &v.OwnerName, &v.Name, &v.Query, &shared, &at)
	v.Shared, v.CreatedAt = shared != 0, store.Time(at)
	return v, err
}

func (d *Desk) view(ctx context.Context, id int64) (View, error) {
	v, err := scanView(d.db.Read.QueryRowContext(ctx, "SELECT "+viewCols+" WHERE v.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, store.ErrNotFound
	}
	return v, err
}

// Views lists a person's own views, then those others share, by name.
func (d *Desk) Views(ctx context.Context, user int64) ([]View, error) {
	rows, err := d.db.Read.QueryContext(ctx, "SELECT "+viewCols+` WHERE v.owner_id = $1 OR v.shared = 1
		ORDER BY CASE WHEN v.owner_id = $1 THEN 0 ELSE 1 END, v.name LIMIT 500`, user)
	if err != nil {
		return nil, fmt.Errorf("desk: unable to list views: %w", err)
	}
	defer rows.Close()
	out := []View{}
	for rows.Next() {
		v, err := scanView(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// DeleteView removes a view: its owner may, and so may anyone allowed to
// manage others' (a supervisor tidying shared views).
func (d *Desk) DeleteView(ctx context.Context, id, user int64, anyOwner bool) error {
	v, err := d.view(ctx, id)
	if err != nil {
		return err
	}
	if v.OwnerID != user && (!anyOwner || !v.Shared) {
		return store.ErrNotFound
	}
	_, err = d.db.Write.ExecContext(ctx, "DELETE FROM saved_views WHERE id = $1", id)
	return err
}

// wrap adds the desk's prefix to unexpected errors and leaves the ones
// callers test for (InvalidError, ErrConflict, store.ErrNotFound) as they are.
func (d *Desk) wrap(what string, err error) error {
	var inv *InvalidError
	if err == nil || errors.As(err, &inv) || errors.Is(err, ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return err
	}
	return fmt.Errorf("desk: unable to %s: %w", what, err)
}
