package desk

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/bus"
)

// PresenceSubject carries presence beats between replicas (fan-out: each
// replica keeps the whole picture in memory).
const PresenceSubject = "desk.presence"

// PresenceTTL is how long a beat counts: a case page beats every 10 s
// while open, and a composer while someone types, so a closed tab fades
// within the TTL.
const PresenceTTL = 30 * time.Second

// typingTTL is how long "is typing a reply" lasts after the last keystroke beat.
const typingTTL = 8 * time.Second

// Viewer is someone who has a case open right now.
type Viewer struct {
	UserID int64     `json:"user_id"`
	Name   string    `json:"name"`
	Typing bool      `json:"typing"`
	Since  time.Time `json:"since"`
}

type beat struct {
	CaseID int64  `json:"c"`
	UserID int64  `json:"u"`
	Name   string `json:"n"`
	Typing bool   `json:"t"`
	Gone   bool   `json:"g,omitempty"`
	At     int64  `json:"a"` // Unix ms
}

type seen struct {
	name                  string
	since, last, typingAt time.Time
}

// Presence knows who has which case open and who is typing a reply. It
// is deliberately in memory (a beat is worthless a minute later) and
// shared across replicas through the bus.
type Presence struct {
	bus bus.Bus
	now func() time.Time

	mu    sync.Mutex
	cases map[int64]map[int64]*seen
}

// NewPresence returns a presence map; b may be nil (one process).
func NewPresence(b bus.Bus, now func() time.Time) *Presence {
	if now == nil {
		now = time.Now
	}
	return &Presence{bus: b, now: now, cases: map[int64]map[int64]*seen{}}
}

// Beat records that user has the case open (typing: writing a reply)
// and tells the other replicas. gone says the page was closed.
func (p *Presence) Beat(ctx context.Context, caseID, userID int64, name string, typing, gone bool) {
	b := beat{CaseID: caseID, UserID: userID, Name: name, Typing: typing, Gone: gone, At: p.now().UnixMilli()}
	p.apply(b)
	if p.bus != nil {
		if msg, err := json.Marshal(b); err == nil {
			p.bus.Publish(ctx, PresenceSubject, msg) // best effort: the next beat repairs a lost one
		}
	}
}

func (p *Presence) apply(b beat) {
	at := time.UnixMilli(b.At)
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.cases[b.CaseID]
	if b.Gone {
		delete(m, b.UserID)
		return
	}
	if m == nil {
		m = map[int64]*seen{}
		p.cases[b.CaseID] = m
	}
	s := m[b.UserID]
	if s == nil {
		s = &seen{since: at}
		m[b.UserID] = s
	}
	s.name = b.Name
	if at.After(s.last) {
		s.last = at
	}
	if b.Typing {
		s.typingAt = at
	}
}

// Others lists the people other than user who have the case open, the
// earliest first. Expired entries are dropped on the way.
func (p *Presence) Others(caseID, userID int64) []Viewer {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	out := []Viewer{}
	for uid, s := range p.cases[caseID] {
		if now.Sub(s.last) > PresenceTTL {
			delete(p.cases[caseID], uid)
			continue
		}
		if uid != userID {
			out = append(out, Viewer{UserID: uid, Name: s.name, Since: s.since, Typing: now.Sub(s.typingAt) <= typingTTL})
		}
	}
	if len(p.cases[caseID]) == 0 {
		delete(p.cases, caseID)
	}
	slices.SortFunc(out, func(a, b Viewer) int { return a.Since.Compare(b.Since) })
	return out
}

// Run applies the other replicas' beats until ctx ends.
func (p *Presence) Run(ctx context.Context) error {
	if p.bus == nil {
		<-ctx.Done()
		return nil
	}
	return p.bus.Subscribe(ctx, PresenceSubject, "", bus.SubOptions{Fanout: true}, func(_ context.Context, msgs [][]byte) error {
		for _, m := range msgs {
			var b beat
			if json.Unmarshal(m, &b) == nil && b.CaseID > 0 && b.UserID > 0 {
				p.apply(b)
			}
		}
		return nil
	})
}
