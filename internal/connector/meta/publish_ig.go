package meta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

// Instagram content-publishing limits checked before sending.
const (
	IGCaptionMaxChars = 2200
	IGMaxHashtags     = 30
	IGMaxMentions     = 20
	IGMaxCarousel     = 10
)

// publishInstagram publishes in Meta's two steps: a media container per
// image (POST /{ig-user-id}/media with image_url; several become carousel
// items under a CAROUSEL container), wait until the container's
// status_code is FINISHED, then POST /{ig-user-id}/media_publish with its
// creation_id.
//
// Graph has no idempotency key, so the only step that can double-post is
// media_publish. Before creating containers, and when media_publish's
// answer is lost, recent media are searched for a post with our exact
// caption published since the row was queued: a retry finds the earlier
// attempt's post instead of publishing again. Unpublished containers are
// harmless (Instagram drops them after 24 hours), so a lost answer while
// creating one is just retryable.
func (c *Connector) publishInstagram(ctx context.Context, m connector.Message) (connector.Result, error) {
	// ValidatePublish checked ig_user_id and CheckIGPost.
	if res, ok, err := c.findIGPost(ctx, m); err != nil {
		return connector.Result{}, err
	} else if ok {
		c.health.Count("send_already_landed", 1)
		return res, nil
	}
	var creation string
	var err error
	if len(m.Media) == 1 {
		creation, err = c.igContainer(ctx, url.Values{"image_url": {m.Media[0]}, "caption": {m.Text}})
	} else {
		children := make([]string, 0, len(m.Media))
		for _, u := range m.Media {
			id, err := c.igContainer(ctx, url.Values{"image_url": {u}, "is_carousel_item": {"true"}})
			if err != nil {
				return connector.Result{}, err
			}
			children = append(children, id)
		}
		creation, err = c.igContainer(ctx, url.Values{"media_type": {"CAROUSEL"}, "children": {strings.Join(children, ",")}, "caption": {m.Text}})
	}
	if err != nil {
		return connector.Result{}, err
	}
	if err := c.waitContainer(ctx, creation); err != nil {
		return connector.Result{}, err
	}
	var out struct {
		ID string `json:"id"`
	}
	err = c.call(ctx, http.MethodPost, "/"+url.PathEscape(c.igUserID)+"/media_publish", url.Values{"creation_id": {creation}}, nil, &out)
	if err != nil {
		if connector.ClassOf(err) == connector.Unknown {
			if res, ok, ferr := c.findIGPost(context.WithoutCancel(ctx), m); ferr == nil && ok {
				return res, nil
			}
		}
		return connector.Result{}, err
	}
	res := connector.Result{ExternalID: out.ID}
	var pl struct {
		Permalink string `json:"permalink"`
	}
	// Best effort: the post exists whether or not we learn its link.
	if c.call(ctx, http.MethodGet, "/"+url.PathEscape(out.ID), url.Values{"fields": {"permalink"}}, nil, &pl) == nil && strings.HasPrefix(pl.Permalink, "https://") {
		res.URL = pl.Permalink
	}
	return res, nil
}

// CheckIGPost enforces Instagram's publishing rules before anything is sent.
func CheckIGPost(m connector.Message) error {
	switch n := len(m.Media); {
	case n == 0:
		return connector.Refuse(post.Instagram, connector.FieldMedia, "Instagram posts need an image in media; text-only posts do not exist there")
	case n > IGMaxCarousel:
		return connector.Refuse(post.Instagram, connector.FieldMedia, fmt.Sprintf("%d images; a carousel holds at most %d", n, IGMaxCarousel))
	}
	for _, u := range m.Media {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return connector.Refuse(post.Instagram, connector.FieldMedia, "media must be public http(s) URLs Instagram can download")
		}
	}
	if n := utf8.RuneCountInString(m.Text); n > IGCaptionMaxChars {
		return connector.Refuse(post.Instagram, connector.FieldText, fmt.Sprintf("caption is %d characters, limit %d", n, IGCaptionMaxChars))
	}
	if n := countPrefixed(m.Text, '#'); n > IGMaxHashtags {
		return connector.Refuse(post.Instagram, connector.FieldText, fmt.Sprintf("caption has %d hashtags, limit %d", n, IGMaxHashtags))
	}
	if n := countPrefixed(m.Text, '@'); n > IGMaxMentions {
		return connector.Refuse(post.Instagram, connector.FieldText, fmt.Sprintf("caption has %d @mentions, limit %d", n, IGMaxMentions))
	}
	return nil
}

// countPrefixed counts words that start with p.
func countPrefixed(s string, p byte) int {
	n := 0
	for _, w := range strings.Fields(s) {
		if len(w) > 1 && w[0] == p {
			n++
		}
	}
	return n
}

func (c *Connector) igContainer(ctx context.Context, form url.Values) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	err := c.call(ctx, http.MethodPost, "/"+url.PathEscape(c.igUserID)+"/media", form, nil, &out)
	var ce *connector.Error
	if errors.As(err, &ce) && ce.Class == connector.Unknown {
		ce.Class = connector.Retryable // an orphan container is never shown
	}
	if err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &connector.Error{Class: connector.Retryable, Platform: post.Instagram, Message: "media container created without an id"}
	}
	return out.ID, nil
}

// waitContainer polls GET /{container}?fields=status_code until Instagram
// has fetched and processed the media.
func (c *Connector) waitContainer(ctx context.Context, id string) error {
	deadline := c.deps.Now().Add(c.igWait)
	for {
		var st struct {
			StatusCode string `json:"status_code"`
			Status     string `json:"status"`
		}
		if err := c.call(ctx, http.MethodGet, "/"+url.PathEscape(id), url.Values{"fields": {"status_code,status"}}, nil, &st); err != nil {
			return err
		}
		switch st.StatusCode {
		case "FINISHED", "":
			// "" from an older API version that does not report it:
			// media_publish will say if it was not ready.
			return nil
		case "ERROR", "EXPIRED", "PUBLISHED":
			return &connector.Error{Class: connector.Permanent, Platform: post.Instagram, Code: st.StatusCode,
				Message: strings.TrimSpace("media container " + id + " is " + st.StatusCode + ": " + st.Status)}
		}
		if !c.deps.Now().Before(deadline) {
			return &connector.Error{Class: connector.Retryable, Platform: post.Instagram, Code: st.StatusCode,
				Message: "media container " + id + " still " + st.StatusCode + " after " + c.igWait.String()}
		}
		if err := conn.Sleep(ctx, c.igPoll); err != nil {
			return err
		}
	}
}

// findIGPost looks through our newest media for one with exactly m's
// caption published since the row was queued (an hour back when the
// queue time is unknown), minus a minute for clock skew.
func (c *Connector) findIGPost(ctx context.Context, m connector.Message) (connector.Result, bool, error) {
	since := m.QueuedAt
	if since.IsZero() {
		since = c.deps.Now().Add(-time.Hour)
	}
	since = since.Add(-time.Minute)
	var out struct {
		Data []struct {
			ID        string   `json:"id"`
			Caption   string   `json:"caption"`
			Timestamp flexTime `json:"timestamp"`
			Permalink string   `json:"permalink"`
		} `json:"data"`
	}
	if err := c.call(ctx, http.MethodGet, "/"+url.PathEscape(c.igUserID)+"/media",
		url.Values{"fields": {"id,caption,timestamp,permalink"}, "limit": {"25"}}, nil, &out); err != nil {
		return connector.Result{}, false, err
	}
	for _, d := range out.Data {
		if d.Caption == m.Text && !d.Timestamp.t.Before(since) {
			return connector.Result{ExternalID: d.ID, URL: d.Permalink}, true, nil
		}
	}
	return connector.Result{}, false, nil
}
