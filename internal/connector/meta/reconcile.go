package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
)

// Reconciliation: Meta retries a failing webhook only for a while, drops
// deliveries while a callback is misconfigured or the desk is down, and
// never sends some (privacy-limited authors, app-review gaps). Every
// reconcile_every the connector reads what webhooks should have brought —
// Page feed posts and their comments, Messenger conversations, Instagram
// media comments and replies — since the last completed pass minus a
// margin, walking Graph's cursor paging, and hands it to intake. Intake
// dedupes on (platform, external id), and the posts built here carry the
// same ids as the webhook's, so whatever did arrive is not stored twice.
//
// Each source advances on its own: the Page feed ("feed"), each post's
// comments ("fb_comments:<post id>"), Messenger conversations
// ("conversations"), the Instagram media list ("ig_media") and each
// medium's comments ("ig_comments:<media id>") keep their own cursor in
// the checkpoint, the start of the last pass in which that source was read
// and its posts were durable. A source whose Graph read (or intake) fails
// is logged with the platform's error, shows in the channel's health,
// keeps its old cursor and is read again next pass; the others' posts are
// stored and their cursors saved. "since" is the start of the last pass
// in which every source succeeded, the default for a source without a
// cursor of its own.

type graphPage struct {
	Data   []json.RawMessage `json:"data"`
	Paging *struct {
		Cursors struct {
			After string `json:"after"`
		} `json:"cursors"`
		Next string `json:"next"`
	} `json:"paging"`
}

// graphUser is a "from" in Graph reads.
type graphUser struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

func (c *Connector) reconcileSource() string {
	return "meta:" + strconv.FormatInt(c.ch.ID, 10) + ":reconcile"
}

// SourceError is a reconciliation source that failed in a pass. It was
// logged and recorded in the channel's health when it happened; the
// source keeps its cursor and is read again next pass.
type SourceError struct {
	Source string
	Err    error
}

func (e *SourceError) Error() string { return "meta: reconcile " + e.Source + ": " + e.Err.Error() }
func (e *SourceError) Unwrap() error { return e.Err }

// pass is one reconciliation pass's cursors: those it started from and
// those it will save.
type pass struct {
	old, next map[string]string
	start     time.Time
	margin    time.Duration
	base      time.Time // for sources without a cursor of their own
	failed    []error
}

// since is where source key reads from: its last success minus the
// margin (webhooks and Graph's clocks disagree a little), else def.
func (p *pass) since(key string, def time.Time) time.Time {
	if n, err := strconv.ParseInt(p.old[key], 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0).Add(-p.margin)
	}
	return def
}

// done records that key was read and its posts are durable.
func (p *pass) done(key string) { p.next[key] = strconv.FormatInt(p.start.Unix(), 10) }

// fail keeps key's old cursor (or, without one, where it read from this
// time) and records the error.
func (p *pass) fail(c *Connector, key string, since time.Time, err error) {
	if v, ok := p.old[key]; ok {
		p.next[key] = v
	} else {
		p.next[key] = strconv.FormatInt(since.Add(p.margin).Unix(), 10)
	}
	c.health.Count("reconcile_source_failures", 1)
	se := &SourceError{Source: key, Err: err}
	c.logErr("meta: reconcile "+key, err)
	p.failed = append(p.failed, se)
}

// keep carries forward the old cursors under prefix: the listing that
// names those sources failed, so none of them was read.
func (p *pass) keep(prefix string) {
	for k, v := range p.old {
		if strings.HasPrefix(k, prefix) {
			p.next[k] = v
		}
	}
}

// Reconcile runs one reconciliation pass. Sources that fail do not stop
// the others (see SourceError); the error returned joins theirs, and that
// of loading or saving the checkpoint.
func (c *Connector) Reconcile(ctx context.Context) error {
	src := c.reconcileSource()
	cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, src)
	if err != nil {
		return fmt.Errorf("meta: unable to load checkpoint: %w", err)
	}
	p := &pass{old: cp, next: map[string]string{}, start: c.deps.Now().UTC(), margin: c.margin}
	if p.old == nil {
		p.old = map[string]string{}
	}
	p.base = p.since("since", p.start.Add(-c.lookback))
	var n int
	if c.pageID != "" {
		n += c.reconcilePage(ctx, p)
		n += c.reconcileConversations(ctx, p)
	}
	if c.igUserID != "" {
		n += c.reconcileInstagram(ctx, p)
	}
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: keep every cursor as it was
	}
	c.health.Count("reconcile_passes", 1)
	c.health.Count("reconciled", n)
	if len(p.failed) == 0 {
		p.done("since")
	} else if v, ok := p.old["since"]; ok {
		p.next["since"] = v
	}
	errs := p.failed
	if err := c.deps.Checkpoints.SaveCheckpoint(ctx, src, p.next); err != nil {
		errs = append(errs, fmt.Errorf("meta: unable to save checkpoint: %w", err))
	}
	return errors.Join(errs...)
}

// logged reports whether every error in err is a SourceError (already
// logged and in health when it happened).
func logged(err error) bool {
	var se *SourceError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if !errors.As(e, &se) {
				return false
			}
		}
		return true
	}
	return errors.As(err, &se)
}

// walk GETs path with q and calls fn with each item of each page,
// following paging.cursors.after while paging.next is present, for at
// most reconcile_pages pages. fn returns false to stop early (the rest is
// older than we need).
func (c *Connector) walk(ctx context.Context, path string, q url.Values, fn func(json.RawMessage) (bool, error)) error {
	for range c.maxPages {
		var pg graphPage
		if err := c.call(ctx, http.MethodGet, path, q, nil, &pg); err != nil {
			return err
		}
		for _, raw := range pg.Data {
			more, err := fn(raw)
			if err != nil || !more {
				return err
			}
		}
		if pg.Paging == nil || pg.Paging.Next == "" || pg.Paging.Cursors.After == "" || len(pg.Data) == 0 {
			return nil
		}
		q.Set("after", pg.Paging.Cursors.After)
	}
	c.health.Count("reconcile_truncated", 1)
	return nil
}

func (c *Connector) ingestBatch(ctx context.Context, posts []post.Post) error {
	if len(posts) == 0 {
		return nil
	}
	if err := c.deps.Sink.Ingest(ctx, posts); err != nil {
		return fmt.Errorf("meta: unable to ingest reconciled posts: %w", err)
	}
	c.health.Event(c.deps.Now())
	return nil
}

func graphTime(s string) time.Time {
	var f flexTime
	f.UnmarshalJSON([]byte(strconv.Quote(s)))
	return f.t
}

// reconcilePage reads the feed (posts up to reconcile_post_window old, so
// new comments on older posts are found too) and each post's comments.
func (c *Connector) reconcilePage(ctx context.Context, ps *pass) int {
	n := 0
	now := ps.start
	since := ps.since("feed", ps.base)
	q := url.Values{"fields": {"id,message,from,created_time,permalink_url"}, "limit": {"50"},
		"since": {strconv.FormatInt(since.Add(-c.postWindow).Unix(), 10)}}
	var postIDs []string
	var visitors []post.Post
	err := c.walk(ctx, "/"+url.PathEscape(c.pageID)+"/feed", q, func(raw json.RawMessage) (bool, error) {
		var p struct {
			ID        string     `json:"id"`
			Message   string     `json:"message"`
			From      *graphUser `json:"from"`
			Created   string     `json:"created_time"`
			Permalink string     `json:"permalink_url"`
		}
		if err := json.Unmarshal(raw, &p); err != nil || p.ID == "" {
			c.health.Count("ignored", 1)
			return true, nil
		}
		postIDs = append(postIDs, p.ID)
		at := graphTime(p.Created)
		if p.From == nil || p.From.ID == c.pageID || at.Before(since) {
			return true, nil // ours, or an author we cannot name, or already covered
		}
		v := post.Post{Platform: post.Facebook, ExternalID: p.ID, Kind: post.KindPost, Channel: c.pageID, ThreadID: p.ID,
			Text: p.Message, CreatedAt: or(at, now), ReceivedAt: now, Raw: append(json.RawMessage(nil), raw...),
			Author: post.Author{ExternalID: p.From.ID, Name: p.From.Name, URL: "https://www.facebook.com/" + p.From.ID},
			URL:    "https://www.facebook.com/" + p.ID}
		visitors = append(visitors, v)
		return true, nil
	})
	if err != nil {
		// Without the list of posts their comments cannot be read either.
		ps.fail(c, "feed", since, err)
		ps.keep("fb_comments:")
		return n
	}
	if err := c.ingestBatch(ctx, visitors); err != nil {
		ps.fail(c, "feed", since, err)
	} else {
		ps.done("feed")
		n += len(visitors)
	}
	// A post without a cursor of its own is new since the feed's: its
	// comments are too.
	feedSince := since
	for _, pid := range postIDs {
		key := "fb_comments:" + pid
		if _, seen := ps.next[key]; seen {
			continue // listed twice (the feed moved between pages)
		}
		since := ps.since(key, feedSince)
		var got []post.Post
		q := url.Values{"fields": {"id,message,from,created_time,parent{id}"}, "filter": {"stream"}, "order": {"reverse_chronological"},
			"limit": {"50"}, "since": {strconv.FormatInt(since.Unix(), 10)}}
		err := c.walk(ctx, "/"+url.PathEscape(pid)+"/comments", q, func(raw json.RawMessage) (bool, error) {
			var cm struct {
				ID      string     `json:"id"`
				Message string     `json:"message"`
				From    *graphUser `json:"from"`
				Created string     `json:"created_time"`
				Parent  *struct {
					ID string `json:"id"`
				} `json:"parent"`
			}
			if err := json.Unmarshal(raw, &cm); err != nil || cm.ID == "" {
				c.health.Count("ignored", 1)
				return true, nil
			}
			at := graphTime(cm.Created)
			if !at.IsZero() && at.Before(since) {
				return false, nil // newest first: the rest is older
			}
			if cm.From != nil && cm.From.ID == c.pageID {
				return true, nil
			}
			p := post.Post{Platform: post.Facebook, ExternalID: cm.ID, Kind: post.KindComment, Channel: c.pageID, ThreadID: pid,
				InReplyTo: pid, Text: cm.Message, CreatedAt: or(at, now), ReceivedAt: now, URL: "https://www.facebook.com/" + pid,
				Raw: append(json.RawMessage(nil), raw...)}
			if cm.Parent != nil && cm.Parent.ID != "" {
				p.InReplyTo = cm.Parent.ID
			}
			if cm.From != nil {
				p.Author = post.Author{ExternalID: cm.From.ID, Name: cm.From.Name, URL: "https://www.facebook.com/" + cm.From.ID}
			}
			got = append(got, p)
			return true, nil
		})
		if err == nil {
			err = c.ingestBatch(ctx, got)
		}
		if err != nil {
			ps.fail(c, key, since, err)
			continue
		}
		ps.done(key)
		n += len(got)
	}
	return n
}

// reconcileConversations reads Messenger threads active since the last
// pass, with their latest messages embedded.
func (c *Connector) reconcileConversations(ctx context.Context, ps *pass) int {
	now, since := ps.start, ps.since("conversations", ps.base)
	var got []post.Post
	q := url.Values{"fields": {"id,updated_time,messages.limit(25){id,message,from,created_time}"}, "limit": {"25"}}
	err := c.walk(ctx, "/"+url.PathEscape(c.pageID)+"/conversations", q, func(raw json.RawMessage) (bool, error) {
		var cv struct {
			Updated  string `json:"updated_time"`
			Messages struct {
				Data []struct {
					ID      string     `json:"id"`
					Message string     `json:"message"`
					From    *graphUser `json:"from"`
					Created string     `json:"created_time"`
				} `json:"data"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(raw, &cv); err != nil {
			c.health.Count("ignored", 1)
			return true, nil
		}
		if u := graphTime(cv.Updated); !u.IsZero() && u.Before(since) {
			return false, nil // by last activity: the rest is quieter still
		}
		for _, m := range cv.Messages.Data {
			at := graphTime(m.Created)
			if m.ID == "" || m.From == nil || m.From.ID == "" || m.From.ID == c.pageID || (!at.IsZero() && at.Before(since)) {
				continue
			}
			got = append(got, post.Post{Platform: post.Messenger, ExternalID: m.ID, Kind: post.KindDirectMessage, Channel: c.pageID,
				ThreadID: c.pageID + ":" + m.From.ID, Author: post.Author{ExternalID: m.From.ID}, Text: m.Message, Private: true,
				CreatedAt: or(at, now), ReceivedAt: now, Raw: append(json.RawMessage(nil), raw...)})
		}
		return true, nil
	})
	if err == nil {
		err = c.ingestBatch(ctx, got)
	}
	if err != nil {
		ps.fail(c, "conversations", since, err)
		return 0
	}
	ps.done("conversations")
	return len(got)
}

type igCommentRead struct {
	ID        string     `json:"id"`
	Text      string     `json:"text"`
	Username  string     `json:"username"`
	Timestamp string     `json:"timestamp"`
	From      *graphUser `json:"from"`
	Replies   *struct {
		Data []igCommentRead `json:"data"`
	} `json:"replies"`
}

// reconcileInstagram reads our recent media and their comments (replies
// nested in each).
func (c *Connector) reconcileInstagram(ctx context.Context, ps *pass) int {
	now, mediaSince := ps.start, ps.since("ig_media", ps.base)
	var media []string
	q := url.Values{"fields": {"id,timestamp"}, "limit": {"25"}}
	oldest := mediaSince.Add(-c.postWindow)
	err := c.walk(ctx, "/"+url.PathEscape(c.igUserID)+"/media", q, func(raw json.RawMessage) (bool, error) {
		var m struct {
			ID        string `json:"id"`
			Timestamp string `json:"timestamp"`
		}
		if err := json.Unmarshal(raw, &m); err != nil || m.ID == "" {
			c.health.Count("ignored", 1)
			return true, nil
		}
		if t := graphTime(m.Timestamp); !t.IsZero() && t.Before(oldest) {
			return false, nil // newest first
		}
		media = append(media, m.ID)
		return true, nil
	})
	if err != nil {
		ps.fail(c, "ig_media", mediaSince, err)
		ps.keep("ig_comments:")
		return 0
	}
	ps.done("ig_media")
	n := 0
	for _, mid := range media {
		key := "ig_comments:" + mid
		if _, seen := ps.next[key]; seen {
			continue
		}
		since := ps.since(key, mediaSince)
		var got []post.Post
		add := func(cm igCommentRead, parent string, raw json.RawMessage) {
			at := graphTime(cm.Timestamp)
			if cm.ID == "" || (cm.From != nil && cm.From.ID == c.igUserID) || (!at.IsZero() && at.Before(since)) {
				return
			}
			p := post.Post{Platform: post.Instagram, ExternalID: cm.ID, Kind: post.KindComment, Channel: c.igUserID, ThreadID: mid,
				InReplyTo: parent, Text: cm.Text, CreatedAt: or(at, now), ReceivedAt: now, Raw: raw}
			handle := cm.Username
			if cm.From != nil {
				p.Author.ExternalID = cm.From.ID
				if handle == "" {
					handle = cm.From.Username
				}
			}
			if handle != "" {
				p.Author.Handle, p.Author.URL = handle, "https://www.instagram.com/"+handle
			}
			got = append(got, p)
		}
		q := url.Values{"fields": {"id,text,username,timestamp,from{id,username},replies{id,text,username,timestamp,from{id,username}}"}, "limit": {"50"}}
		err := c.walk(ctx, "/"+url.PathEscape(mid)+"/comments", q, func(raw json.RawMessage) (bool, error) {
			var cm igCommentRead
			if err := json.Unmarshal(raw, &cm); err != nil {
				c.health.Count("ignored", 1)
				return true, nil
			}
			add(cm, mid, append(json.RawMessage(nil), raw...))
			if cm.Replies != nil {
				for _, r := range cm.Replies.Data {
					b, _ := json.Marshal(r)
					add(r, cm.ID, b)
				}
			}
			return true, nil
		})
		if err == nil {
			err = c.ingestBatch(ctx, got)
		}
		if err != nil {
			ps.fail(c, key, since, err)
			continue
		}
		ps.done(key)
		n += len(got)
	}
	return n
}
