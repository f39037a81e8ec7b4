package meta

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/post"
)

// idsMax is Graph's limit on ids in one GET /?ids= read.
const idsMax = 50

// Facebook Page posts: reactions (all kinds, as a like count), comments
// and shares from the post's own fields; reach from the post's insights
// (post_total_media_view_unique, which replaced post_impressions_unique
// in 2025), offered only to Pages with insights and with the
// pages_read_insights permission.
const (
	fbFields     = "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
	fbReachField = "insights.metric(post_total_media_view_unique)"
	igFields     = "like_count,comments_count"
	igInsights   = "reach,shares"
)

type summary struct {
	Summary *struct {
		TotalCount int64 `json:"total_count"`
	} `json:"summary"`
}

func (s *summary) count() int64 {
	if s == nil || s.Summary == nil {
		return connector.NotOffered
	}
	return s.Summary.TotalCount
}

// insightData is an insights answer's data list. A metric's value is
// in values[0].value (lifetime metrics) or, in newer versions, in
// total_value.value.
type insightData struct {
	Data []struct {
		Name   string `json:"name"`
		Values []struct {
			Value *int64 `json:"value"`
		} `json:"values"`
		TotalValue *struct {
			Value *int64 `json:"value"`
		} `json:"total_value"`
	} `json:"data"`
}

func (d *insightData) value(name string) int64 {
	if d == nil {
		return connector.NotOffered
	}
	for _, m := range d.Data {
		if m.Name != name {
			continue
		}
		if m.TotalValue != nil && m.TotalValue.Value != nil {
			return *m.TotalValue.Value
		}
		if len(m.Values) > 0 && m.Values[0].Value != nil {
			return *m.Values[0].Value
		}
	}
	// Meta answers an empty data set, not 0, for data it does not have.
	return connector.NotOffered
}

type graphObject struct {
	Reactions     *summary               `json:"reactions"`
	Comments      *summary               `json:"comments"`
	Shares        *struct{ Count int64 } `json:"shares"`
	Insights      *insightData           `json:"insights"`
	LikeCount     *int64                 `json:"like_count"`
	CommentsCount *int64                 `json:"comments_count"`
}

// PostMetrics reads engagement on our Page posts or Instagram media, 50
// ids a call. A post deleted since is left out. Reach that Meta does not
// offer for this Page or media (no insights, too few viewers) is
// NotOffered rather than a failure; throttling and an expired token are
// returned.
func (c *Connector) PostMetrics(ctx context.Context, ids []string) (map[string]connector.Metrics, error) {
	out := map[string]connector.Metrics{}
	for len(ids) > 0 {
		n := min(len(ids), idsMax)
		if err := c.metricsBatch(ctx, ids[:n], out); err != nil {
			return out, err
		}
		ids = ids[n:]
	}
	return out, nil
}

func (c *Connector) metricsBatch(ctx context.Context, ids []string, out map[string]connector.Metrics) error {
	fields := fbFields
	if c.platform == post.Instagram {
		fields = igFields
	}
	objs, err := c.readIDs(ctx, ids, fields)
	if err != nil {
		return err
	}
	var reach map[string]graphObject
	if c.platform != post.Instagram && len(objs) > 0 {
		live := make([]string, 0, len(objs))
		for id := range objs {
			live = append(live, id)
		}
		// A Page without insights fails this read for every post: reach
		// is then not offered, the counts above still stand.
		if reach, err = c.readIDs(ctx, live, fbReachField); err != nil && !optional(err) {
			return err
		}
	}
	for id, o := range objs {
		m := connector.Metrics{Quotes: connector.NotOffered, Impressions: connector.NotOffered, Reach: connector.NotOffered}
		if c.platform == post.Instagram {
			m.Likes, m.Replies, m.Reposts = connector.NotOffered, connector.NotOffered, connector.NotOffered
			if o.LikeCount != nil { // left out when the account hides like counts
				m.Likes = *o.LikeCount
			}
			if o.CommentsCount != nil {
				m.Replies = *o.CommentsCount
			}
			var in insightData
			switch err := c.call(ctx, http.MethodGet, "/"+url.PathEscape(id)+"/insights", url.Values{"metric": {igInsights}}, nil, &in); {
			case err == nil:
				m.Reach, m.Reposts = in.value("reach"), in.value("shares")
			case !optional(err):
				return err
			}
		} else {
			m.Likes, m.Replies, m.Reposts = o.Reactions.count(), o.Comments.count(), 0
			if o.Shares != nil { // Graph leaves shares out when nobody shared
				m.Reposts = o.Shares.Count
			}
			if r, ok := reach[id]; ok {
				m.Reach = r.Insights.value("post_total_media_view_unique")
			}
		}
		out[id] = m
	}
	return nil
}

// readIDs reads fields of several objects with GET /?ids=. One id Graph
// no longer has fails the whole read (#803), so the ids are then read
// one by one and the missing ones left out.
func (c *Connector) readIDs(ctx context.Context, ids []string, fields string) (map[string]graphObject, error) {
	objs := map[string]graphObject{}
	err := c.call(ctx, http.MethodGet, "/", url.Values{"ids": {strings.Join(ids, ",")}, "fields": {fields}}, nil, &objs)
	var ce *connector.Error
	if err == nil || !errors.As(err, &ce) || ce.Code != "803" {
		return objs, err
	}
	objs = map[string]graphObject{}
	for _, id := range ids {
		var o graphObject
		err := c.call(ctx, http.MethodGet, "/"+url.PathEscape(id), url.Values{"fields": {fields}}, nil, &o)
		if errors.As(err, &ce) && (ce.Code == "100/33" || ce.Code == "803" || ce.Status == http.StatusNotFound) {
			continue
		}
		if err != nil {
			return objs, err
		}
		objs[id] = o
	}
	return objs, nil
}

// optional reports an insights failure that only means "not offered":
// a permanent refusal (#10 too few viewers, #100 a metric not available,
// no pages_read_insights), not throttling, an expired token or an outage.
func optional(err error) bool {
	var ce *connector.Error
	return errors.As(err, &ce) && ce.Class == connector.Permanent
}
