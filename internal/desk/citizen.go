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

// Author is a platform identity as the desk knows it.
type Author struct {
	ID         int64     `json:"id"`
	Platform   string    `json:"platform"`
	ExternalID string    `json:"external_id"`
	Handle     string    `json:"handle"`
	Name       string    `json:"name"`
	CitizenID  int64     `json:"citizen_id,omitempty"`
	PostCount  int       `json:"post_count"`
	FirstSeen  time.Time `json:"first_seen_at"`
	LastSeen   time.Time `json:"last_seen_at"`
}

// Citizen is one person behind several platform identities (their X
// handle, WhatsApp number and Telegram account), so the desk sees one
// history instead of three strangers.
type Citizen struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Notes     string    `json:"notes"`
	CreatedAt time.Time `json:"created_at"`
	Authors   []Author  `json:"authors"`
	Cases     []Case    `json:"cases"`
}

// LinkAuthor attaches an author to a citizen profile: to citizenID when it
// is set, else to a new profile named name. It returns the profile id.
// Linking an author that belongs to another profile moves it.
func (d *Desk) LinkAuthor(ctx context.Context, authorID, citizenID int64, name string, actor int64) (int64, error) {
	name = strings.TrimSpace(name)
	if len(name) > 200 || !utf8.ValidString(name) {
		return 0, Invalid("name", "must be at most 200 bytes of valid text")
	}
	now := store.Millis(d.opt.Now())
	err := d.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM authors WHERE id = $1", authorID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		if citizenID == 0 {
			if err := tx.QueryRowContext(ctx, "INSERT INTO citizens (name, created_at) VALUES ($1, $2) RETURNING id", name, now).Scan(&citizenID); err != nil {
				return fmt.Errorf("desk: unable to create citizen: %w", err)
			}
		} else if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM citizens WHERE id = $1", citizenID).Scan(&n); err != nil {
			return err
		} else if n == 0 {
			return Invalid("citizen_id", "citizen %d does not exist", citizenID)
		}
		_, err := tx.ExecContext(ctx, "UPDATE authors SET citizen_id = $1 WHERE id = $2", citizenID, authorID)
		return err
	})
	return citizenID, err
}

// UnlinkAuthor detaches an author from its profile.
func (d *Desk) UnlinkAuthor(ctx context.Context, authorID int64) error {
	res, err := d.db.Write.ExecContext(ctx, "UPDATE authors SET citizen_id = NULL WHERE id = $1", authorID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// GetCitizen returns a profile with its identities and the cases of all of
// them that the scope may see (a station officer: their unit's only).
func (d *Desk) GetCitizen(ctx context.Context, id int64, sc Scope) (Citizen, error) {
	var c Citizen
	var created int64
	err := d.db.Read.QueryRowContext(ctx, "SELECT id, name, notes, created_at FROM citizens WHERE id = $1", id).Scan(&c.ID, &c.Name, &c.Notes, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, err
	}
	c.CreatedAt = store.Time(created)
	rows, err := d.db.Read.QueryContext(ctx, `SELECT id, platform, external_id, handle, name, COALESCE(citizen_id, 0), post_count,
		first_seen_at, last_seen_at FROM authors WHERE citizen_id = $1 ORDER BY id`, id)
	if err != nil {
		return c, err
	}
	var ids []int64
	for rows.Next() {
		var a Author
		var first, last int64
		if err := rows.Scan(&a.ID, &a.Platform, &a.ExternalID, &a.Handle, &a.Name, &a.CitizenID, &a.PostCount, &first, &last); err != nil {
			rows.Close()
			return c, err
		}
		a.FirstSeen, a.LastSeen = store.Time(first), store.Time(last)
		c.Authors = append(c.Authors, a)
		ids = append(ids, a.ID)
	}
	rows.Close()
	if sc.Restricted && len(ids) > 0 {
		// Identities are shown only to those who may see one of their cases.
		var n int
		w := &where{}
		w.add("a.citizen_id = ?", id)
		scoped(w, sc, "c.unit_id")
		d.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM cases c JOIN authors a ON a.id = c.author_id"+w.sql(), w.args...).Scan(&n)
		if n == 0 {
			return Citizen{}, store.ErrNotFound
		}
	}
	c.Cases = []Case{}
	for _, aid := range ids {
		w := &where{}
		w.add("c.author_id = ?", aid)
		scoped(w, sc, "c.unit_id")
		rs, err := d.db.Read.QueryContext(ctx, "SELECT "+caseCols+caseFrom+w.sql()+" ORDER BY c.id DESC LIMIT 100", w.args...)
		if err != nil {
			return c, err
		}
		for rs.Next() {
			k, err := scanCase(rs)
			if err != nil {
				rs.Close()
				return c, err
			}
			c.Cases = append(c.Cases, k)
		}
		rs.Close()
	}
	if c.Authors == nil {
		c.Authors = []Author{}
	}
	return c, d.fillTags(ctx, c.Cases)
}
