package publish

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Campaign groups publications under a goal: a helpline awareness week
// (Elders 1090, Children 1098, Women 1091), festival traffic advisories.
type Campaign struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Goal      string    `json:"goal,omitempty"`
	StartsAt  time.Time `json:"starts_at,omitzero"`
	EndsAt    time.Time `json:"ends_at,omitzero"`
	CreatedBy int64     `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Counts by state of the campaign's publications.
	Counts map[State]int `json:"counts,omitempty"`
}

func cleanCampaign(c *Campaign) error {
	c.Name = strings.TrimSpace(textnorm.Clean(c.Name))
	c.Goal = strings.TrimSpace(textnorm.Clean(c.Goal))
	switch {
	case c.Name == "" || len(c.Name) > MaxTitle:
		return invalid("name", "a name of 1–%d bytes is needed", MaxTitle)
	case len(c.Goal) > MaxGoal:
		return invalid("goal", "the goal is %d bytes; at most %d", len(c.Goal), MaxGoal)
	case !c.StartsAt.IsZero() && !c.EndsAt.IsZero() && c.EndsAt.Before(c.StartsAt):
		return invalid("ends_at", "the campaign ends before it starts")
	}
	return nil
}

// SaveCampaign creates (ID 0) or updates a campaign.
func (s *Service) SaveCampaign(ctx context.Context, p *auth.Principal, c Campaign) (Campaign, error) {
	if err := cleanCampaign(&c); err != nil {
		return c, err
	}
	now := store.Millis(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		action := "campaign.update"
		if c.ID == 0 {
			action = "campaign.create"
			if err := tx.QueryRowContext(ctx, `INSERT INTO campaigns (name, goal, starts_at, ends_at, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
				c.Name, c.Goal, nullTime(c.StartsAt), nullTime(c.EndsAt), p.UserID, now).Scan(&c.ID); err != nil {
				return err
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE campaigns SET name = $2, goal = $3, starts_at = $4, ends_at = $5, updated_at = $6 WHERE id = $1`,
				c.ID, c.Name, c.Goal, nullTime(c.StartsAt), nullTime(c.EndsAt), now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("campaign %d: %w", c.ID, ErrNotFound)
			}
		}
		return auth.AuditTx(ctx, tx, auth.Entry{ActorID: p.UserID, Actor: p.Username, Action: action,
			Target: fmt.Sprintf("campaign:%d", c.ID), Details: map[string]any{"name": c.Name}})
	})
	if err != nil {
		return c, wrap("save the campaign", err)
	}
	return s.Campaign(ctx, c.ID)
}

const campCols = `id, name, goal, starts_at, ends_at, created_by, created_at, updated_at`

func scanCampaign(r interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var starts, ends, by sql.NullInt64
	var created, updated int64
	if err := r.Scan(&c.ID, &c.Name, &c.Goal, &starts, &ends, &by, &created, &updated); err != nil {
		return c, err
	}
	c.StartsAt, c.EndsAt, c.CreatedBy = store.NullTime(starts), store.NullTime(ends), by.Int64
	c.CreatedAt, c.UpdatedAt = store.Time(created), store.Time(updated)
	return c, nil
}

// Campaign returns one campaign with the counts of its publications.
func (s *Service) Campaign(ctx context.Context, id int64) (Campaign, error) {
	c, err := scanCampaign(s.db.Read.QueryRowContext(ctx, `SELECT `+campCols+` FROM campaigns WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("campaign %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("publish: unable to read campaign %d: %w", id, err)
	}
	c.Counts = map[State]int{}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT state, COUNT(*) FROM publications WHERE campaign_id = $1 GROUP BY state`, id)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return c, err
		}
		c.Counts[State(st)] = n
	}
	return c, rows.Err()
}

// Campaigns lists campaigns, latest start first.
func (s *Service) Campaigns(ctx context.Context) ([]Campaign, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+campCols+` FROM campaigns ORDER BY COALESCE(starts_at, created_at) DESC, id DESC LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("publish: unable to list campaigns: %w", err)
	}
	defer rows.Close()
	var out []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
