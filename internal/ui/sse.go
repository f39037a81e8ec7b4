package ui

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/web"
)

// Event is one change announced on the bus: a subject (e.g.
// pipeline.SubjectCases, "cases.changed") and its payload (e.g. a case id).
// Payloads say what changed, never who may see it: each connection
// renders the change for its own user.
type Event struct {
	Subject string
	Data    []byte
}

// Frame is one server-sent event: Name is the SSE event name (htmx:
// sse-swap="Name"), HTML its data (a fragment; newlines are allowed).
type Frame struct {
	Name string
	HTML string
}

// RenderFunc turns an event into the frames one connection should get,
// rendered for the request's user (auth.FromContext(r.Context())): check
// scope here, as any page does. Return no frames to skip the event.
type RenderFunc func(r *http.Request, ev Event) ([]Frame, error)

// Hub fans bus events out to the browsers connected to this replica.
// Each subject is subscribed once per replica with bus fan-out, so every
// replica's browsers see every change wherever it happened.
//
// Usage (a live inbox):
//
//	u.Stream(Route{Method: "GET", Path: "/desk/inbox/live", Perm: auth.PermCasesRead, Summary: "Inbox live updates"},
//		[]string{pipeline.SubjectCases}, func(r *http.Request, ev ui.Event) ([]ui.Frame, error) {
//			id, _ := strconv.ParseInt(string(ev.Data), 10, 64)
//			row, err := d.GetCase(r.Context(), id, desk.ScopeOf(auth.FromContext(r.Context())))
//			if errors.Is(err, store.ErrNotFound) { return nil, nil } // not this user's
//			…
//			html, err := u.RenderString(ui.Lang(r), "inbox.html", "inbox-row", row)
//			return []ui.Frame{{Name: "case", HTML: html}}, err
//		})
//
// and in the page: <div hx-ext="sse" sse-connect="/desk/inbox/live"> … <tbody sse-swap="case" hx-swap="afterbegin">.
type Hub struct {
	ctx context.Context
	bus bus.Bus
	log *slog.Logger

	// Heartbeat is how often an idle connection gets a comment line, so
	// proxies and the browser know it is alive (default 20 s). MaxLifetime
	// ends a connection after a while (default 30 min, ±10 %): the browser
	// reconnects at once, and a replica being drained sheds its clients.
	Heartbeat   time.Duration
	MaxLifetime time.Duration
	// Buffer is how many events a slow connection may lag behind before it
	// is dropped (it reconnects and reloads); default 256.
	Buffer int

	mu      sync.Mutex
	subs    map[string]bool
	clients map[*sseClient]struct{}
}

type sseClient struct {
	subjects []string
	ch       chan Event
	dropped  chan struct{}
	once     sync.Once
}

func newHub(ctx context.Context, b bus.Bus, log *slog.Logger) *Hub {
	return &Hub{ctx: ctx, bus: b, log: log, Heartbeat: 20 * time.Second, MaxLifetime: 30 * time.Minute, Buffer: 256,
		subs: map[string]bool{}, clients: map[*sseClient]struct{}{}}
}

// Publish announces a change to every replica's browsers (through the bus;
// without one, to this replica's).
func (h *Hub) Publish(ctx context.Context, subject string, data []byte) error {
	if h.bus == nil {
		h.deliver(Event{Subject: subject, Data: data})
		return nil
	}
	return h.bus.Publish(ctx, subject, data)
}

// Clients is the number of open connections on this replica.
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// subscribe makes sure the replica listens to subject on the bus.
func (h *Hub) subscribe(subject string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.bus == nil || h.subs[subject] {
		return
	}
	h.subs[subject] = true
	go func() {
		for h.ctx.Err() == nil {
			err := h.bus.Subscribe(h.ctx, subject, "", bus.SubOptions{Fanout: true, MaxBatch: 256}, func(ctx context.Context, msgs [][]byte) error {
				for _, m := range msgs {
					h.deliver(Event{Subject: subject, Data: m})
				}
				return nil
			})
			if h.ctx.Err() != nil {
				return
			}
			h.log.Warn("ui: live-update subscription ended; retrying", "subject", subject, "err", err)
			select {
			case <-time.After(time.Second):
			case <-h.ctx.Done():
			}
		}
	}()
}

func (h *Hub) deliver(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if !slices.Contains(c.subjects, ev.Subject) {
			continue
		}
		select {
		case c.ch <- ev:
		default:
			// Too far behind: drop it rather than block every other
			// browser; it reconnects and loads the page state afresh.
			c.once.Do(func() { close(c.dropped) })
		}
	}
}

func (h *Hub) register(subjects []string) *sseClient {
	c := &sseClient{subjects: subjects, ch: make(chan Event, h.Buffer), dropped: make(chan struct{})}
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	for _, s := range subjects {
		h.subscribe(s)
	}
	return c
}

func (h *Hub) unregister(c *sseClient) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

// Stream registers an SSE endpoint: a GET route (with its permission, in
// the route table like any page) that sends render's frames for every
// event on subjects until the browser goes away.
func (u *UI) Stream(rt Route, subjects []string, render RenderFunc) {
	rt.Method, rt.Nav = http.MethodGet, nil
	u.Handle(rt, func(w http.ResponseWriter, r *http.Request) error {
		return u.hub.Serve(w, r, subjects, render)
	})
}

// Serve runs one SSE connection.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, subjects []string, render RenderFunc) error {
	rc := http.NewResponseController(w)
	// The server's WriteTimeout would cut a long-lived stream; this
	// connection manages its own lifetime below.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		return &web.Error{Status: http.StatusInternalServerError, Code: "internal", Message: "streaming unsupported", Err: err}
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	c := h.register(subjects)
	defer h.unregister(c)
	// retry: how long the browser waits before reconnecting.
	if _, err := w.Write([]byte("retry: 2000\n\n")); err != nil {
		return nil
	}
	if rc.Flush() != nil {
		return nil
	}
	life := h.MaxLifetime + time.Duration(rand.Int64N(int64(h.MaxLifetime/5)+1)) - h.MaxLifetime/10
	end := time.NewTimer(life)
	defer end.Stop()
	beat := time.NewTicker(h.Heartbeat)
	defer beat.Stop()
	var buf bytes.Buffer
	for {
		buf.Reset()
		select {
		case <-r.Context().Done():
			return nil
		case <-h.ctx.Done():
			return nil
		case <-end.C:
			return nil
		case <-c.dropped:
			return nil
		case <-beat.C:
			buf.WriteString(": ping\n\n")
		case ev := <-c.ch:
			frames, err := render(r, ev)
			if err != nil {
				h.log.Warn("ui: live update not rendered", "subject", ev.Subject, "err", err)
				continue
			}
			for _, f := range frames {
				writeFrame(&buf, f)
			}
			if buf.Len() == 0 {
				continue
			}
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return nil
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// writeFrame encodes one event; every line of a multi-line fragment gets
// its own "data:" prefix, and CRs are dropped so no line can end the frame
// early or inject another event.
func writeFrame(b *bytes.Buffer, f Frame) {
	name := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ':' {
			return -1
		}
		return r
	}, f.Name)
	if name != "" {
		b.WriteString("event: " + name + "\n")
	}
	for _, line := range strings.Split(strings.ReplaceAll(f.HTML, "\r", ""), "\n") {
		b.WriteString("data: " + line + "\n")
	}
	b.WriteByte('\n')
}
