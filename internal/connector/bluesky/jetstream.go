package bluesky

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/coder/websocket"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

// jetstreamLoop keeps a Jetstream connection, resuming from the saved
// cursor minus rewind (delivery is at-least-once; intake dedupes).
func (c *Connector) jetstreamLoop(ctx context.Context) {
	bo := conn.Doubling{Min: c.boMin, Max: c.boMax}
	var cursor int64
	if cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, c.jetSource); err != nil {
		c.health.Fail(fmt.Errorf("bluesky: unable to load jetstream cursor: %w", err))
	} else if v := cp["time_us"]; v != "" {
		cursor, _ = strconv.ParseInt(v, 10, 64)
	}
	for ctx.Err() == nil {
		next, err := c.jetstreamOnce(ctx, cursor, bo.Reset)
		if next > cursor {
			cursor = next
		}
		if ctx.Err() != nil {
			return
		}
		c.health.Connected(false)
		c.health.Fail(fmt.Errorf("jetstream: %w", err))
		wait := bo.Next()
		c.deps.Log.Info("bluesky: jetstream disconnected", "err", err, "retry_in", wait)
		if conn.Sleep(ctx, wait) != nil {
			return
		}
	}
}

// jetstreamOnce reads one connection. It returns the time_us up to which
// every event was handled (and saved as the cursor).
func (c *Connector) jetstreamOnce(ctx context.Context, cursor int64, onConnect func()) (int64, error) {
	u, err := url.Parse(c.jetstream)
	if err != nil {
		return cursor, err
	}
	q := u.Query()
	q.Set("wantedCollections", PostCollection)
	if cursor > 0 {
		q.Set("cursor", strconv.FormatInt(max(cursor-c.rewind.Microseconds(), 1), 10))
	}
	u.RawQuery = q.Encode()
	client := *c.deps.HTTP
	client.Timeout = 0 // coder/websocket wants cancellation through ctx only
	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	conn, _, err := websocket.Dial(dialCtx, u.String(), &websocket.DialOptions{HTTPClient: &client})
	cancel()
	if err != nil {
		return cursor, err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxEventBytes)
	onConnect()
	c.health.Connected(true)
	m := NewMatcher(c.ourDID(), c.handle, c.keywords)
	done := cursor // every event up to here is handled
	saved := cursor
	save := func() {
		if done <= saved {
			return
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := c.deps.Checkpoints.SaveCheckpoint(sctx, c.jetSource, map[string]string{"time_us": strconv.FormatInt(done, 10)}); err != nil {
			c.health.Fail(fmt.Errorf("bluesky: unable to save jetstream cursor: %w", err))
			return
		}
		saved = done
	}
	defer save()
	// A reader goroutine feeds frames so the loop can also save the cursor
	// on a timer and notice silence: cancelling a Read would close the
	// connection.
	frames := make(chan []byte, 64)
	readErr := make(chan error, 1)
	readCtx, stopRead := context.WithCancel(ctx)
	defer stopRead()
	go func() {
		for {
			typ, data, err := conn.Read(readCtx)
			if err != nil {
				readErr <- err
				return
			}
			if typ != websocket.MessageText {
				continue
			}
			select {
			case frames <- data:
			case <-readCtx.Done():
				return
			}
		}
	}()
	tick := time.NewTicker(c.cursorEvery)
	defer tick.Stop()
	idle := time.NewTimer(c.idle)
	defer idle.Stop()
	for {
		var data []byte
		select {
		case <-ctx.Done():
			return done, ctx.Err()
		case err := <-readErr:
			return done, err
		case <-idle.C:
			return done, errors.New("bluesky: jetstream idle")
		case <-tick.C:
			save()
			continue
		case data = <-frames:
			idle.Reset(c.idle)
		}
		ev, err := DecodeEvent(data)
		if err != nil {
			c.health.Fail(err) // one bad frame does not stop the stream
			continue
		}
		if ev.Kind == "identity" && ev.Identity != nil && ev.Identity.Handle != "" {
			c.forgetProfile(ev.DID) // handle changed: look it up again when needed
		}
		if d, ok := ev.DeletionOf(data); ok {
			if err := connector.ApplyChanges(ctx, c.deps.Sink, []post.Change{d}); err != nil && !errors.Is(err, connector.ErrNoChangeSink) {
				return max(done, ev.TimeUS-1), fmt.Errorf("bluesky: intake refused a deletion: %w", err)
			}
		}
		if r, ok := ev.PostOf(); ok && ev.IsUpdate() {
			if kind, ok := m.Match(ev.DID, r); ok {
				handle, name := c.profile(ctx, ev.DID)
				p := Normalize(ev.URI(), ev.DID, handle, name, r, data, c.channelName(), kind, time.UnixMicro(ev.TimeUS))
				p.ReceivedAt = c.deps.Now().UTC()
				ed := post.Change{Platform: post.Bluesky, ExternalID: p.ExternalID, Op: post.ChangeEdit, Text: p.Text,
					At: time.UnixMicro(ev.TimeUS).UTC(), Raw: p.Raw, Post: &p}
				if err := connector.ApplyChanges(ctx, c.deps.Sink, []post.Change{ed}); err != nil && !errors.Is(err, connector.ErrNoChangeSink) {
					return max(done, ev.TimeUS-1), fmt.Errorf("bluesky: intake refused an edit: %w", err)
				}
			}
		} else if r, ok := ev.PostOf(); ok {
			if kind, ok := m.Match(ev.DID, r); ok && c.fresh(ev.URI()) {
				seen := time.UnixMicro(ev.TimeUS)
				handle, name := c.profile(ctx, ev.DID)
				p := Normalize(ev.URI(), ev.DID, handle, name, r, data, c.channelName(), kind, seen)
				p.ReceivedAt = c.deps.Now().UTC()
				if err := c.deps.Sink.Ingest(ctx, []post.Post{p}); err != nil {
					// Reconnect from just before this event so it comes again
					// (even when no cursor was saved yet).
					return max(done, ev.TimeUS-1), fmt.Errorf("bluesky: intake refused post: %w", err)
				}
				c.ingested(p.ExternalID)
				c.health.Arrived(c.deps.Now(), seen)
			}
		}
		if ev.TimeUS > done {
			done = ev.TimeUS
		}
	}
}

type profileInfo struct{ handle, name string }

// profile returns the handle and display name of did for posts that
// matched (Jetstream frames carry only the DID). Looked up with
// app.bsky.actor.getProfile when we have a session, cached and bounded;
// empty when unknown.
func (c *Connector) profile(ctx context.Context, did string) (string, string) {
	c.recentMu.Lock()
	p, ok := c.profiles[did]
	c.recentMu.Unlock()
	if ok || c.password == "" {
		return p.handle, p.name
	}
	var out struct {
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	}
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.call(lctx, "app.bsky.actor.getProfile", url.Values{"actor": {did}}, nil, &out); err != nil {
		return "", ""
	}
	p = profileInfo{out.Handle, out.DisplayName}
	c.recentMu.Lock()
	if len(c.profiles) > 10000 {
		clear(c.profiles)
	}
	c.profiles[did] = p
	c.recentMu.Unlock()
	return p.handle, p.name
}

func (c *Connector) forgetProfile(did string) {
	c.recentMu.Lock()
	delete(c.profiles, did)
	c.recentMu.Unlock()
}
