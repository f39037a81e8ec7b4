package publish

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/store"
)

// Senders gives the live connector of an account (channel.Manager does);
// one that reads engagement implements connector.MetricsReader.
type Senders interface {
	Sender(channelID int64) (connector.Sender, error)
}

// MetricsWindow is how long after sending a post's counts are pulled:
// engagement on an advisory is over within days.
const MetricsWindow = 30 * 24 * time.Hour

// PullMetrics asks each account's platform for the counts of our posts
// sent within MetricsWindow and stores them. Accounts whose platform
// offers none (a Telegram channel through the Bot API) or that are not
// running are skipped; one platform failing does not stop the others.
func (s *Service) PullMetrics(ctx context.Context, src Senders) (int, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT s.outbox_id, s.publication_id, o.channel_id, o.external_id
		FROM publication_sends s JOIN outbox o ON o.id = s.outbox_id
		WHERE o.state = 'sent' AND o.external_id <> '' AND o.sent_at >= $1`, store.Millis(s.now().Add(-MetricsWindow)))
	if err != nil {
		return 0, fmt.Errorf("publish: unable to list sent posts: %w", err)
	}
	type sent struct{ outbox, pub int64 }
	byChannel := map[int64]map[string]sent{}
	for rows.Next() {
		var x sent
		var ch int64
		var ext string
		if err := rows.Scan(&x.outbox, &x.pub, &ch, &ext); err != nil {
			rows.Close()
			return 0, err
		}
		if byChannel[ch] == nil {
			byChannel[ch] = map[string]sent{}
		}
		byChannel[ch][ext] = x
	}
	rows.Close()
	stored := 0
	var errs []error
	for ch, posts := range byChannel {
		snd, err := src.Sender(ch)
		if err != nil {
			continue // paused or gone: nothing to ask
		}
		mr, ok := snd.(connector.MetricsReader)
		if !ok {
			continue
		}
		ids := make([]string, 0, len(posts))
		for ext := range posts {
			ids = append(ids, ext)
		}
		got, err := mr.PostMetrics(ctx, ids)
		if err != nil {
			errs = append(errs, fmt.Errorf("channel %d: %w", ch, err))
		}
		now := store.Millis(s.now())
		err = s.db.BackgroundTx(ctx, func(tx *sql.Tx) error {
			for ext, m := range got {
				x, ok := posts[ext]
				if !ok {
					continue
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO publication_metrics (outbox_id, publication_id, likes, reposts, replies, quotes, reach, impressions, fetched_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
					ON CONFLICT (outbox_id) DO UPDATE SET likes = excluded.likes, reposts = excluded.reposts, replies = excluded.replies,
						quotes = excluded.quotes, reach = excluded.reach, impressions = excluded.impressions, fetched_at = excluded.fetched_at`,
					x.outbox, x.pub, m.Likes, m.Reposts, m.Replies, m.Quotes, m.Reach, m.Impressions, now); err != nil {
					return err
				}
				stored++
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return stored, errors.Join(errs...)
}

// RunMetrics pulls every interval until ctx ends.
func (s *Service) RunMetrics(ctx context.Context, src Senders, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.PullMetrics(ctx, src); err != nil && ctx.Err() == nil {
			s.log.Warn("publishing: engagement not read from every platform", "err", err)
		}
	}
}

// PostResult is one sent post's counts.
type PostResult struct {
	OutboxID  int64             `json:"outbox_id"`
	ChannelID int64             `json:"channel_id"`
	Platform  string            `json:"platform"`
	URL       string            `json:"url,omitempty"`
	Metrics   connector.Metrics `json:"metrics"`
	FetchedAt time.Time         `json:"fetched_at"`
}

// Results are the counts of a publication or a campaign: per post and
// summed. A sum is NotOffered when no post's platform offers that count.
type Results struct {
	Posts     []PostResult      `json:"posts"`
	Total     connector.Metrics `json:"total"`
	FetchedAt time.Time         `json:"fetched_at,omitzero"` // the oldest reading in the sum
}

// Results returns a publication's engagement.
func (s *Service) Results(ctx context.Context, pubID int64) (Results, error) {
	return s.results(ctx, `m.publication_id = $1`, pubID)
}

// CampaignResults returns the engagement of a campaign's publications.
func (s *Service) CampaignResults(ctx context.Context, campaignID int64) (Results, error) {
	return s.results(ctx, `m.publication_id IN (SELECT id FROM publications WHERE campaign_id = $1)`, campaignID)
}

func (s *Service) results(ctx context.Context, where string, arg int64) (Results, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT m.outbox_id, o.channel_id, o.platform, o.url, m.likes, m.reposts, m.replies, m.quotes, m.reach, m.impressions, m.fetched_at
		FROM publication_metrics m JOIN outbox o ON o.id = m.outbox_id WHERE `+where+` ORDER BY m.outbox_id`, arg)
	if err != nil {
		return Results{}, fmt.Errorf("publish: unable to read results: %w", err)
	}
	defer rows.Close()
	r := Results{Posts: []PostResult{}, Total: connector.Metrics{Likes: -1, Reposts: -1, Replies: -1, Quotes: -1, Reach: -1, Impressions: -1}}
	add := func(sum *int64, v int64) {
		if v < 0 {
			return
		}
		if *sum < 0 {
			*sum = 0
		}
		*sum += v
	}
	for rows.Next() {
		var p PostResult
		var at int64
		m := &p.Metrics
		if err := rows.Scan(&p.OutboxID, &p.ChannelID, &p.Platform, &p.URL, &m.Likes, &m.Reposts, &m.Replies, &m.Quotes, &m.Reach, &m.Impressions, &at); err != nil {
			return r, err
		}
		p.FetchedAt = store.Time(at)
		if r.FetchedAt.IsZero() || p.FetchedAt.Before(r.FetchedAt) {
			r.FetchedAt = p.FetchedAt
		}
		add(&r.Total.Likes, m.Likes)
		add(&r.Total.Reposts, m.Reposts)
		add(&r.Total.Replies, m.Replies)
		add(&r.Total.Quotes, m.Quotes)
		add(&r.Total.Reach, m.Reach)
		add(&r.Total.Impressions, m.Impressions)
		r.Posts = append(r.Posts, p)
	}
	return r, rows.Err()
}
