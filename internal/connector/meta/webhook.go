package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

// Webhook returns the handler for Meta's handshake and signed deliveries.
func (c *Connector) Webhook() http.Handler { return http.HandlerFunc(c.serveWebhook) }

func (c *Connector) serveWebhook(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		conn.HubHandshake(w, r, c.verifyToken)
	case http.MethodPost:
		body, ok := VerifiedBody(w, r, c.appSecret, c.health, c.deps.Log, c.ch.Platform)
		if !ok {
			return
		}
		now := c.deps.Now().UTC()
		d, err := DecodeWebhook(body, now)
		if err != nil {
			conn.RefuseMalformed(w, r, c.deps.Log, c.health, c.ch.Platform, err)
			return
		}
		conn.Skipped(c.deps.Log, c.health, c.ch.Platform, d.Skipped)
		conn.Ignored(c.health, c.ch.Platform, d.Ignored)
		for _, m := range d.IGMentions {
			p, err := c.resolveMention(r.Context(), m, now)
			if err != nil {
				c.logErr("meta: instagram mention lookup", err)
				http.Error(w, "unable to resolve mention", http.StatusServiceUnavailable)
				return
			}
			d.Posts = append(d.Posts, p)
		}
		if len(d.Posts) > 0 {
			if err := c.deps.Sink.Ingest(r.Context(), d.Posts); err != nil {
				c.logErr("meta: webhook ingest", err)
				http.Error(w, "unable to store", http.StatusServiceUnavailable)
				return
			}
			c.health.Event(now)
		}
		// After the posts: an edit delivered with its original applies
		// to it.
		if !applyChanges(w, r, c.deps, c.health, c.ch.Platform, d.Changes, c.logErr) {
			return
		}
		if c.deps.Statuses != nil {
			for _, s := range d.Statuses {
				if err := c.deps.Statuses.DeliveryStatus(r.Context(), s.Platform, s.ExternalID, s.Status, s.At, ""); err != nil {
					c.logErr("meta: delivery status", err)
					http.Error(w, "unable to store status", http.StatusServiceUnavailable)
					return
				}
			}
		}
		c.saveEntryTimes(r.Context(), d.EntryTimes)
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("EVENT_RECEIVED"))
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// applyChanges hands a delivery's edits and deletions to the intake. A
// storage failure answers 503 (Meta redelivers; applying is idempotent)
// and returns false; a sink that takes no changes counts them as ignored.
// Shared with WhatsApp.
func applyChanges(w http.ResponseWriter, r *http.Request, deps connector.Deps, h *conn.Health, platform string, cs []post.Change, logErr func(string, error)) bool {
	err := connector.ApplyChanges(r.Context(), deps.Sink, cs)
	switch {
	case err == nil:
		return true
	case errors.Is(err, connector.ErrNoChangeSink):
		conn.Ignored(h, platform, len(cs))
		return true
	default:
		logErr("meta: webhook edits and deletions", err)
		http.Error(w, "unable to store", http.StatusServiceUnavailable)
		return false
	}
}

// VerifiedBody reads a Meta webhook POST with the size cap and time limit
// and checks X-Hub-Signature-256. On failure it has already answered (413,
// 408, 400, 401 missing, 403 bad), logged and counted the refusal, and
// returns false. Shared with WhatsApp.
func VerifiedBody(w http.ResponseWriter, r *http.Request, appSecret string, h *conn.Health, log *slog.Logger, platform string) ([]byte, bool) {
	body, err := conn.ReadWebhook(w, r, conn.MaxWebhookBody)
	if err != nil {
		conn.RefuseRead(w, r, log, h, platform, err)
		return nil, false
	}
	sig := r.Header.Get("X-Hub-Signature-256")
	if sig == "" {
		conn.Refuse(w, r, log, h, platform, conn.ReasonMissingSignature, http.StatusUnauthorized, "missing signature")
		return nil, false
	}
	if !conn.VerifyHex([]byte(appSecret), body, sig) {
		conn.Refuse(w, r, log, h, platform, conn.ReasonBadSignature, http.StatusForbidden, "bad signature")
		return nil, false
	}
	return body, true
}

func (c *Connector) logErr(msg string, err error) {
	c.health.Error(msg + ": " + err.Error())
	if c.deps.Log != nil {
		c.deps.Log.Warn(msg, "err", err)
	}
}

func (c *Connector) saveEntryTimes(ctx context.Context, times map[string]time.Time) {
	if c.deps.Checkpoints == nil {
		return
	}
	for id, t := range times {
		src := "meta:" + strconv.FormatInt(c.ch.ID, 10) + ":" + id
		// Informational only: the posts are already durable, so a failure
		// here must not make Meta redeliver.
		if err := connector.NoteCheckpoint(ctx, c.deps.Checkpoints, src, map[string]string{"last_entry_time": strconv.FormatInt(t.Unix(), 10)}); err != nil {
			c.logErr("meta: checkpoint", err)
		}
	}
}

// resolveMention fetches the text of an Instagram @mention. Errors that
// retrying could fix are returned (the delivery is then refused and Meta
// redelivers); a mention Graph will never show (deleted, private) is
// ingested as a placeholder so the desk still sees it happened.
func (c *Connector) resolveMention(ctx context.Context, m IGMention, now time.Time) (post.Post, error) {
	var field, id string
	if m.CommentID != "" {
		field, id = "mentioned_comment.comment_id("+m.CommentID+"){id,text,username,timestamp,media{id}}", m.CommentID
	} else {
		field, id = "mentioned_media.media_id("+m.MediaID+"){id,caption,username,timestamp,permalink}", m.MediaID
	}
	p := post.Post{
		Platform: post.Instagram, ExternalID: id, Kind: post.KindMention, Channel: m.IGUserID,
		ThreadID: m.MediaID, CreatedAt: m.At, ReceivedAt: now, Raw: m.Raw,
	}
	if m.CommentID != "" && m.MediaID != "" {
		p.InReplyTo = m.MediaID
	}
	var out struct {
		Comment *struct {
			Text      string   `json:"text"`
			Username  string   `json:"username"`
			Timestamp flexTime `json:"timestamp"`
			Media     *struct {
				ID string `json:"id"`
			} `json:"media"`
		} `json:"mentioned_comment"`
		Media *struct {
			Caption   string   `json:"caption"`
			Username  string   `json:"username"`
			Timestamp flexTime `json:"timestamp"`
			Permalink string   `json:"permalink"`
		} `json:"mentioned_media"`
	}
	err := c.call(ctx, http.MethodGet, "/"+url.PathEscape(m.IGUserID), url.Values{"fields": {field}}, nil, &out)
	var ce *connector.Error
	if err != nil {
		if errors.As(err, &ce) && ce.Class == connector.Permanent {
			p.Text = fmt.Sprintf("[instagram mention %s unavailable: %s]", id, ce.Message)
			return p, nil
		}
		return post.Post{}, err
	}
	switch {
	case out.Comment != nil:
		p.Text, p.Author.Handle = out.Comment.Text, out.Comment.Username
		p.CreatedAt = or(out.Comment.Timestamp.t, p.CreatedAt)
		if out.Comment.Media != nil && p.ThreadID == "" {
			p.ThreadID, p.InReplyTo = out.Comment.Media.ID, out.Comment.Media.ID
		}
	case out.Media != nil:
		p.Text, p.Author.Handle = out.Media.Caption, out.Media.Username
		p.CreatedAt = or(out.Media.Timestamp.t, p.CreatedAt)
		p.URL = out.Media.Permalink
	}
	if p.Author.Handle != "" {
		p.Author.ExternalID = "username:" + p.Author.Handle
		p.Author.URL = "https://www.instagram.com/" + p.Author.Handle
	}
	raw, _ := json.Marshal(map[string]any{"webhook": m.Raw, "lookup": out})
	p.Raw = raw
	return p, nil
}
