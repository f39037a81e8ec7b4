package bluesky

import (
	"context"
	"net/url"

	"github.com/kaval-desk/kaval/internal/connector"
)

// metricsView is the part of app.bsky.feed.getPosts that counts
// engagement (the lexicon's postView: likeCount, repostCount, replyCount,
// quoteCount). Bluesky offers no reach or impressions.
type metricsView struct {
	URI         string `json:"uri"`
	LikeCount   int64  `json:"likeCount"`
	RepostCount int64  `json:"repostCount"`
	ReplyCount  int64  `json:"replyCount"`
	QuoteCount  int64  `json:"quoteCount"`
}

// getPostsMax is the lexicon's limit on uris per getPosts call.
const getPostsMax = 25

// PostMetrics reads the counts of our posts (at:// URIs) with
// app.bsky.feed.getPosts, 25 at a time.
func (c *Connector) PostMetrics(ctx context.Context, ids []string) (map[string]connector.Metrics, error) {
	out := map[string]connector.Metrics{}
	for len(ids) > 0 {
		n := min(len(ids), getPostsMax)
		var res struct {
			Posts []metricsView `json:"posts"`
		}
		if err := c.call(ctx, "app.bsky.feed.getPosts", url.Values{"uris": ids[:n]}, nil, &res); err != nil {
			c.health.Fail(err)
			return out, err
		}
		for _, p := range res.Posts {
			out[p.URI] = connector.Metrics{Likes: p.LikeCount, Reposts: p.RepostCount, Replies: p.ReplyCount, Quotes: p.QuoteCount,
				Reach: connector.NotOffered, Impressions: connector.NotOffered}
		}
		ids = ids[n:]
	}
	return out, nil
}
