package mastodon

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/kaval-desk/kaval/internal/connector"
)

// statusCounts is the part of a Status that counts engagement. Mastodon
// offers no reach, impressions or quote count.
type statusCounts struct {
	ID              string `json:"id"`
	RepliesCount    int64  `json:"replies_count"`
	ReblogsCount    int64  `json:"reblogs_count"`
	FavouritesCount int64  `json:"favourites_count"`
}

// PostMetrics reads our statuses one by one (GET /api/v1/statuses/:id;
// GET /api/v1/statuses?id[]= needs Mastodon 4.3, which not every
// instance runs). A status deleted since is left out.
func (c *Connector) PostMetrics(ctx context.Context, ids []string) (map[string]connector.Metrics, error) {
	out := map[string]connector.Metrics{}
	for _, id := range ids {
		var st statusCounts
		_, err := c.do(ctx, http.MethodGet, c.api("/api/v1/statuses/"+url.PathEscape(id)), nil, nil, &st)
		var ce *connector.Error
		if errors.As(err, &ce) && ce.Status == http.StatusNotFound {
			continue
		}
		if err != nil {
			return out, err
		}
		out[id] = connector.Metrics{Likes: st.FavouritesCount, Reposts: st.ReblogsCount, Replies: st.RepliesCount,
			Quotes: connector.NotOffered, Reach: connector.NotOffered, Impressions: connector.NotOffered}
	}
	return out, nil
}
