package mastodon

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

// streamPath maps a configured stream name to its SSE endpoint.
func streamPath(s string) (string, error) {
	switch {
	case s == "user":
		return "/api/v1/streaming/user", nil
	case s == "user:notification":
		return "/api/v1/streaming/user/notification", nil
	case s == "public", s == "public:local", s == "public:remote":
		return "/api/v1/streaming/" + strings.ReplaceAll(s, ":", "/"), nil
	case strings.HasPrefix(s, "hashtag:local:") && len(s) > len("hashtag:local:"):
		return "/api/v1/streaming/hashtag/local?tag=" + url.QueryEscape(strings.TrimPrefix(s, "hashtag:local:")), nil
	case strings.HasPrefix(s, "hashtag:") && len(s) > len("hashtag:"):
		return "/api/v1/streaming/hashtag?tag=" + url.QueryEscape(strings.TrimPrefix(s, "hashtag:")), nil
	case strings.HasPrefix(s, "list:") && len(s) > len("list:"):
		return "/api/v1/streaming/list?list=" + url.QueryEscape(strings.TrimPrefix(s, "list:")), nil
	}
	return "", fmt.Errorf("mastodon: unknown stream %q", s)
}

// streamLoop keeps one stream connected, backing off between attempts.
// Streaming has no replay, so every (re)connect kicks a notification poll
// to backfill what was missed.
func (c *Connector) streamLoop(ctx context.Context, name string) {
	bo := conn.Doubling{Min: c.boMin, Max: c.boMax}
	for ctx.Err() == nil {
		connected := false
		err := c.streamOnce(ctx, name, func() {
			connected = true
			bo.Reset()
			c.health.Connected(true)
			select {
			case c.kick <- struct{}{}:
			default:
			}
			// Timeline streams backfill before reading, so a streamed
			// status never advances the checkpoint past unfetched ones.
			if err := c.BackfillStream(ctx, name); err != nil {
				c.health.Fail(fmt.Errorf("backfill %s: %w", name, err))
			}
		})
		if ctx.Err() != nil {
			return
		}
		c.health.Connected(false)
		c.health.Fail(fmt.Errorf("stream %s: %w", name, err))
		wait := bo.Next()
		var ce *connector.Error
		if errors.As(err, &ce) && ce.Class == connector.RateLimited && ce.RetryAfter > wait {
			wait = ce.RetryAfter
		}
		c.deps.Log.Info("mastodon: stream disconnected", "stream", name, "err", err, "connected", connected, "retry_in", wait)
		if conn.Sleep(ctx, wait) != nil {
			return
		}
	}
}

var errIdle = errors.New("mastodon: stream idle (no heartbeat)")

// streamOnce reads one SSE connection until it ends or goes idle.
func (c *Connector) streamOnce(ctx context.Context, name string, onConnect func()) error {
	path, err := streamPath(name)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.streaming+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "text/event-stream")
	client := *c.deps.HTTP
	client.Timeout = 0 // the stream never ends; the idle watchdog guards it
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return c.classify(resp, raw)
	}
	onConnect()
	watchdog := time.AfterFunc(c.idle, func() { cancel(errIdle) })
	defer watchdog.Stop()
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	var event string
	var data bytes.Buffer
	for {
		line, err := readLine(r, maxEntityBytes)
		if err != nil {
			if cause := context.Cause(ctx); cause != nil && errors.Is(cause, errIdle) {
				return errIdle
			}
			if err == io.EOF {
				return errors.New("mastodon: stream closed by server")
			}
			return err
		}
		watchdog.Reset(c.idle)
		switch {
		case len(line) == 0: // dispatch
			if data.Len() > 0 {
				if err := c.dispatch(ctx, name, event, data.Bytes()); err != nil {
					return err
				}
			}
			event = ""
			data.Reset()
		case line[0] == ':': // comment, e.g. ":thump" heartbeat
		default:
			field, value, _ := bytes.Cut(line, []byte(":"))
			value = bytes.TrimPrefix(value, []byte(" "))
			switch string(field) {
			case "event":
				event = string(value)
			case "data":
				if data.Len() > 0 {
					data.WriteByte('\n')
				}
				if data.Len()+len(value) > maxEntityBytes {
					return errors.New("mastodon: stream event too large")
				}
				data.Write(value)
			}
		}
	}
}

// readLine reads one line without its terminator (\n or \r\n), failing on
// lines longer than max.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var out []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			return nil, err
		}
		if len(out)+len(chunk) > max {
			return nil, errors.New("mastodon: stream line too long")
		}
		if !isPrefix && out == nil {
			return chunk, nil
		}
		out = append(out, chunk...)
		if !isPrefix {
			return out, nil
		}
	}
}

// dispatch turns one SSE event into posts. notification events carry
// mentions; update events are statuses of hashtag/public/list streams (on
// the user stream they are the home timeline, which is not listening).
func (c *Connector) dispatch(ctx context.Context, stream, event string, data []byte) error {
	var p post.Post
	var ok bool
	switch event {
	case "notification":
		n, err := DecodeNotification(data)
		if err != nil {
			c.health.Fail(err)
			return nil
		}
		if n.Type != "mention" || n.Status == nil {
			return nil
		}
		p, ok = c.normalize(*n.Status, bytes.Clone(data), post.KindMention)
	case "update":
		if strings.HasPrefix(stream, "user") {
			return nil
		}
		s, err := DecodeStatus(data)
		if err != nil {
			c.health.Fail(err)
			return nil
		}
		p, ok = c.normalize(s, bytes.Clone(data), post.KindPost)
	case "status.update":
		s, err := DecodeStatus(data)
		if err != nil {
			c.health.Fail(err)
			return nil
		}
		p, ok := c.normalize(s, bytes.Clone(data), post.KindPost)
		if !ok {
			return nil
		}
		// On the user stream only statuses that mention us were ever
		// stored; elsewhere every status of the stream is listened to.
		keep := !strings.HasPrefix(stream, "user") || mentions(s, c.account().ID)
		return c.apply(ctx, Edit(s, p, keep))
	case "delete":
		ch, ok := Deletion(data, c.deps.Now().UTC())
		if !ok {
			return nil
		}
		return c.apply(ctx, ch)
	default: // filters_changed, announcements…
		return nil
	}
	if !ok {
		return nil
	}
	if err := c.deps.Sink.Ingest(ctx, []post.Post{p}); err != nil {
		// Drop the connection: the reconnect backfills from the checkpoint.
		return fmt.Errorf("mastodon: intake refused streamed post: %w", err)
	}
	c.health.Arrived(c.deps.Now(), p.CreatedAt)
	if event == "update" {
		if err := c.advanceStream(ctx, stream, p.ExternalID); err != nil {
			c.health.Fail(fmt.Errorf("mastodon: unable to save stream checkpoint: %w", err))
		}
	}
	return nil
}

// apply hands an edit or deletion to the intake; intake ignores one of a
// status it never stored.
func (c *Connector) apply(ctx context.Context, ch post.Change) error {
	err := connector.ApplyChanges(ctx, c.deps.Sink, []post.Change{ch})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, connector.ErrNoChangeSink):
		conn.Ignored(c.health, post.Mastodon, 1)
		return nil
	default:
		// Drop the connection; the event is not replayed by Mastodon, so
		// the edit is lost only if intake stays down.
		return fmt.Errorf("mastodon: intake refused an edit or deletion: %w", err)
	}
}
