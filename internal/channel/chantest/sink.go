package chantest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// DBSink is a minimal intake over the real posts and checkpoints tables,
// standing in for internal/ingest in these tests: idempotent on (platform,
// external id), durable before it returns.
type DBSink struct{ DB *store.DB }

func (s DBSink) Ingest(ctx context.Context, posts []post.Post) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		for _, p := range posts {
			_, err := tx.ExecContext(ctx, `INSERT INTO posts (platform, external_id, kind, channel, text, created_at, received_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (platform, external_id) DO NOTHING`,
				p.Platform, p.ExternalID, p.Kind, p.Channel, p.Text, store.Millis(p.CreatedAt), store.Millis(p.ReceivedAt))
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Count is how many posts of the platform are stored.
func (s DBSink) Count(ctx context.Context) int {
	var n int
	s.DB.Read.QueryRowContext(ctx, `SELECT count(*) FROM posts WHERE platform = $1`, Platform).Scan(&n)
	return n
}

func (s DBSink) LoadCheckpoint(ctx context.Context, source string) (map[string]string, error) {
	var vals string
	err := s.DB.Read.QueryRowContext(ctx, `SELECT vals FROM checkpoints WHERE source = $1`, source).Scan(&vals)
	if errors.Is(err, sql.ErrNoRows) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	return m, json.Unmarshal([]byte(vals), &m)
}

func (s DBSink) SaveCheckpoint(ctx context.Context, source string, values map[string]string) error {
	b, _ := json.Marshal(values)
	_, err := s.DB.Write.ExecContext(ctx, `INSERT INTO checkpoints (source, vals, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (source) DO UPDATE SET vals = excluded.vals, updated_at = excluded.updated_at`,
		source, string(b), store.Millis(time.Now()))
	return err
}
