package x

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/post"
)

// lookupMax is GET /2/tweets' limit on ids per call.
const lookupMax = 100

// publicMetrics is a post's public_metrics object. X offers impressions
// (impression_count) but not reach.
type publicMetrics struct {
	RetweetCount    int64 `json:"retweet_count"`
	ReplyCount      int64 `json:"reply_count"`
	LikeCount       int64 `json:"like_count"`
	QuoteCount      int64 `json:"quote_count"`
	ImpressionCount int64 `json:"impression_count"`
}

// PostMetrics reads our posts' public_metrics with GET
// /2/tweets?ids=…&tweet.fields=public_metrics, 100 at a time, with the
// app's bearer token or, without one, the account's user context. Ids X
// no longer has come back as errors and are left out.
func (c *Connector) PostMetrics(ctx context.Context, ids []string) (map[string]connector.Metrics, error) {
	out := map[string]connector.Metrics{}
	for len(ids) > 0 {
		n := min(len(ids), lookupMax)
		q := url.Values{"ids": {strings.Join(ids[:n], ",")}, "tweet.fields": {"public_metrics"}}
		var body []byte
		var err error
		switch {
		case c.bearer != "":
			body, err = c.get(ctx, c.base, "/2/tweets", q, c.bearer)
		case c.user.configured():
			var resp *http.Response
			resp, body, err = c.userDo(ctx, http.MethodGet, c.base+"/2/tweets?"+q.Encode(), nil)
			if err == nil && resp.StatusCode != http.StatusOK {
				err = c.classify(resp, body)
			}
		default:
			return out, errors.New("x: reading metrics needs the bearer_token secret or user context")
		}
		if err != nil {
			return out, err
		}
		var res struct {
			Data []struct {
				ID            string         `json:"id"`
				PublicMetrics *publicMetrics `json:"public_metrics"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &res); err != nil {
			return out, &connector.Error{Class: connector.Retryable, Platform: post.X, Message: "undecodable /2/tweets answer", Err: fmt.Errorf("x: %w", err)}
		}
		for _, d := range res.Data {
			if pm := d.PublicMetrics; pm != nil {
				out[d.ID] = connector.Metrics{Likes: pm.LikeCount, Reposts: pm.RetweetCount, Replies: pm.ReplyCount, Quotes: pm.QuoteCount,
					Reach: connector.NotOffered, Impressions: pm.ImpressionCount}
			}
		}
		ids = ids[n:]
	}
	return out, nil
}
