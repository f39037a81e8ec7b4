package metafake

import (
	"net/http"
	"regexp"
	"strings"
)

// Engagement on our posts, as Graph serves it:
//
//   - Several objects at once: GET /{version}/?ids=A,B&fields=… answers
//     {"A":{…},"B":{…}}; one unknown id fails the whole request with
//     (#803) "Some of the aliases you requested do not exist".
//   - A Page post: reactions.summary(total_count).limit(0) →
//     {"reactions":{"data":[],"summary":{"total_count":N}}}, the same for
//     comments, and "shares":{"count":N}, which Graph leaves out when
//     nobody shared the post.
//   - A Page post's reach: insights.metric(post_total_media_view_unique)
//     → {"insights":{"data":[{"name":…,"period":"lifetime","values":[{"value":N}]}]}};
//     a Page whose insights are not offered (fewer than 100 likes, or a
//     metric Meta retired) fails the request with (#100).
//   - Instagram media: like_count (left out when the account hides like
//     counts) and comments_count; GET /{media}/insights?metric=reach,shares
//     answers the same data list, or (#10) "Not enough viewers for the
//     media to show insights".

type engagement struct {
	likes, comments, shares, reach int64
	hideLikes                      bool
}

// SetPostMetrics sets a Page post's reactions, comments, shares and reach
// (reach < 0: the Page's insights are not offered). It reports whether
// the post exists.
func (s *Server) SetPostMetrics(id string, reactions, comments, shares, reach int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.objects[id] != "post" {
		return false
	}
	s.engage()[id] = &engagement{likes: reactions, comments: comments, shares: shares, reach: reach}
	return true
}

// SetIGMetrics sets an Instagram media's likes, comments, reach and
// shares (reach < 0: too few viewers for insights; hideLikes: the account
// hides its like counts).
func (s *Server) SetIGMetrics(id string, likes, comments, reach, shares int64, hideLikes bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.objects[id] != "ig_media" {
		return false
	}
	s.engage()[id] = &engagement{likes: likes, comments: comments, shares: shares, reach: reach, hideLikes: hideLikes}
	return true
}

// engage is the engagement table, made on first use (under s.mu).
func (s *Server) engage() map[string]*engagement {
	if s.engagement == nil {
		s.engagement = map[string]*engagement{}
	}
	return s.engagement
}

var rootRE = regexp.MustCompile(`^/v\d+\.\d+/?$`)

// serveIDs is GET /{version}/?ids=…&fields=….
func (s *Server) serveIDs(w http.ResponseWriter, r *http.Request, trace string) {
	ids := strings.Split(r.Form.Get("ids"), ",")
	fields := r.Form.Get("fields")
	if r.Form.Get("ids") == "" || len(ids) > 50 {
		graphError(w, Error{Code: 100, Message: "(#100) The parameter ids is required and takes at most 50 ids"}, trace)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var missing []string
	for _, id := range ids {
		if k := s.objects[id]; k != "post" && k != "ig_media" {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		graphError(w, Error{Code: 803, Message: "(#803) Some of the aliases you requested do not exist: " + strings.Join(missing, ",")}, trace)
		return
	}
	out := map[string]any{}
	for _, id := range ids {
		o, e := s.objectFields(id, fields)
		if e != nil {
			graphError(w, *e, trace)
			return
		}
		out[id] = o
	}
	writeJSON(w, out)
}

// objectFields is one of our posts or media with the engagement fields
// asked for (under s.mu).
func (s *Server) objectFields(id, fields string) (map[string]any, *Error) {
	e := s.engage()[id]
	if e == nil {
		e = &engagement{}
	}
	o := map[string]any{"id": id}
	if s.objects[id] == "post" {
		if strings.Contains(fields, "insights.metric(") {
			if e.reach < 0 {
				return nil, &Error{Code: 100, Message: "(#100) The value must be a valid insights metric"}
			}
			o["insights"] = map[string]any{"data": []any{insight("post_total_media_view_unique", id, e.reach)}}
		}
		if strings.Contains(fields, "reactions.summary(") {
			o["reactions"] = map[string]any{"data": []any{}, "summary": map[string]any{"total_count": e.likes, "viewer_reaction": "NONE"}}
		}
		if strings.Contains(fields, "comments.summary(") {
			o["comments"] = map[string]any{"data": []any{}, "summary": map[string]any{"order": "chronological", "total_count": e.comments, "can_comment": true}}
		}
		if strings.Contains(fields, "shares") && e.shares > 0 {
			o["shares"] = map[string]any{"count": e.shares}
		}
		return o, nil
	}
	if strings.Contains(fields, "like_count") && !e.hideLikes {
		o["like_count"] = e.likes
	}
	if strings.Contains(fields, "comments_count") {
		o["comments_count"] = e.comments
	}
	return o, nil
}

// engagementFields reports a read of engagement fields (the single-object
// form of serveIDs).
func engagementFields(fields string) bool {
	return strings.Contains(fields, ".summary(") || strings.Contains(fields, "like_count") || strings.Contains(fields, "insights.metric(")
}

func insight(name, id string, v int64) map[string]any {
	return map[string]any{"name": name, "period": "lifetime", "values": []any{map[string]any{"value": v}},
		"title": name, "description": name, "id": id + "/insights/" + name + "/lifetime"}
}

// serveIGInsights is GET /{ig-media-id}/insights?metric=….
func (s *Server) serveIGInsights(w http.ResponseWriter, r *http.Request, id, trace string) {
	s.mu.Lock()
	e := s.engage()[id]
	s.mu.Unlock()
	if e == nil {
		e = &engagement{}
	}
	if e.reach < 0 {
		graphError(w, Error{Code: 10, Message: "(#10) Not enough viewers for the media to show insights"}, trace)
		return
	}
	var data []any
	for _, m := range strings.Split(r.Form.Get("metric"), ",") {
		switch m {
		case "reach":
			data = append(data, insight(m, id, e.reach))
		case "shares":
			data = append(data, insight(m, id, e.shares))
		case "":
		default:
			graphError(w, Error{Code: 100, Message: "(#100) metric[0] must be one of the following values: reach, likes, comments, shares, saved, views, total_interactions"}, trace)
			return
		}
	}
	writeJSON(w, map[string]any{"data": data})
}
