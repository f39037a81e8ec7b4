package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

// Notification is an app.bsky.notification.listNotifications entry.
type Notification struct {
	URI    string `json:"uri"`
	CID    string `json:"cid"`
	Author struct {
		DID         string `json:"did"`
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	} `json:"author"`
	Reason        string          `json:"reason"`
	ReasonSubject string          `json:"reasonSubject,omitempty"`
	Record        json.RawMessage `json:"record"`
	IsRead        bool            `json:"isRead"`
	IndexedAt     string          `json:"indexedAt"`
}

type notificationPage struct {
	Notifications []json.RawMessage `json:"notifications"`
	Cursor        string            `json:"cursor"`
}

// DecodeNotification parses one notification and its post record.
func DecodeNotification(b []byte) (Notification, PostRecord, error) {
	var n Notification
	if err := json.Unmarshal(b, &n); err != nil {
		return n, PostRecord{}, fmt.Errorf("bluesky: unable to decode notification: %w", err)
	}
	if n.URI == "" || n.Author.DID == "" {
		return n, PostRecord{}, errors.New("bluesky: notification without uri or author")
	}
	var r PostRecord
	if len(n.Record) > 0 {
		if err := json.Unmarshal(n.Record, &r); err != nil {
			return n, PostRecord{}, fmt.Errorf("bluesky: unable to decode notification record: %w", err)
		}
	}
	return n, r, nil
}

func (c *Connector) pollLoop(ctx context.Context) {
	bo := conn.Doubling{Min: c.boMin, Max: c.boMax}
	for {
		wait := c.pollEvery
		if err := c.PollNotifications(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			c.health.Fail(err)
			wait = bo.Next()
			var ce *connector.Error
			if errors.As(err, &ce) && ce.Class == connector.RateLimited && ce.RetryAfter > wait {
				wait = ce.RetryAfter
			}
		} else {
			bo.Reset()
		}
		if conn.Sleep(ctx, wait) != nil {
			return
		}
	}
}

const maxNotifPages = 20

// PollNotifications pages listNotifications (newest first) back to the
// newest indexedAt already ingested, ingests what is new oldest-first, then
// checkpoints the newest indexedAt. Equal timestamps are re-read (intake
// dedupes) so none is lost to a tie.
func (c *Connector) PollNotifications(ctx context.Context) error {
	cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, c.notifSource)
	if err != nil {
		return fmt.Errorf("bluesky: unable to load checkpoint: %w", err)
	}
	var since time.Time
	if v := cp["indexed_at"]; v != "" {
		since, _ = time.Parse(time.RFC3339Nano, v)
	}
	var posts []post.Post
	newest := since
	cursor := ""
pages:
	for page := 0; page < maxNotifPages; page++ {
		q := url.Values{"limit": {"50"}, "reasons": {"mention", "reply", "quote"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var res notificationPage
		if err := c.call(ctx, "app.bsky.notification.listNotifications", q, nil, &res); err != nil {
			return err
		}
		c.health.Connected(true)
		for _, raw := range res.Notifications {
			n, r, err := DecodeNotification(raw)
			if err != nil {
				c.health.Fail(err)
				continue
			}
			at, err := time.Parse(time.RFC3339Nano, n.IndexedAt)
			if err != nil {
				continue
			}
			if !since.IsZero() && at.Before(since) {
				break pages // reached what we already have
			}
			if at.After(newest) {
				newest = at
			}
			kind := post.KindMention
			switch n.Reason {
			case "reply":
				kind = post.KindReply
			case "mention", "quote":
			default:
				continue // likes, follows, reposts
			}
			if r.Type != "" && r.Type != PostCollection {
				continue
			}
			p := Normalize(n.URI, n.Author.DID, n.Author.Handle, n.Author.DisplayName, r, raw, c.channelName(), kind, at)
			p.ReceivedAt = c.deps.Now().UTC()
			posts = append(posts, p)
		}
		if res.Cursor == "" || res.Cursor == cursor || since.IsZero() {
			break // the first run takes the newest page only
		}
		cursor = res.Cursor
	}
	if err := c.deliver(ctx, posts); err != nil {
		return err
	}
	if newest.After(since) {
		if err := c.deps.Checkpoints.SaveCheckpoint(ctx, c.notifSource, map[string]string{"indexed_at": newest.UTC().Format(time.RFC3339Nano)}); err != nil {
			return fmt.Errorf("bluesky: unable to save checkpoint: %w", err)
		}
	}
	return nil
}

// deliver hands a poll's posts, gathered newest first, to intake oldest
// first, then remembers them (so the other poll skips them) and records
// the arrival. Notifications and listening searches share it.
func (c *Connector) deliver(ctx context.Context, posts []post.Post) error {
	if len(posts) == 0 {
		return nil
	}
	slices.Reverse(posts)
	if err := c.deps.Sink.Ingest(ctx, posts); err != nil {
		return fmt.Errorf("bluesky: intake refused %d posts: %w", len(posts), err)
	}
	uris := make([]string, len(posts))
	for i, p := range posts {
		uris[i] = p.ExternalID
	}
	c.ingested(uris...)
	c.health.Arrived(c.deps.Now(), posts[len(posts)-1].CreatedAt)
	return nil
}
