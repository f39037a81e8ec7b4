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
	Idle   bool   `json:"i,omitempty"` // stopped typing
	At     int64  `json:"a"`           // Unix ms
}

// seen is one person on one case. A beat may be applied more than once
// and out of order (locally, then from the bus by Run and by each live
// page), so each mark only moves forward and "gone" and "idle" are times
// a later beat must pass, not deletions.
type seen struct {
	name                  string
	since, last, typingAt time.Time
	goneAt, idleAt        time.Time
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
	p.send(ctx, beat{CaseID: caseID, UserID: userID, Name: name, Typing: typing, Gone: gone, At: p.now().UnixMilli()})
}

// Idle records that user stopped typing a reply (the case stays open),
// so colleagues' warnings clear at once rather than after typingTTL.
func (p *Presence) Idle(ctx context.Context, caseID, userID int64, name string) {
	p.send(ctx, beat{CaseID: caseID, UserID: userID, Name: name, Idle: true, At: p.now().UnixMilli()})
}

// Observe applies a beat read from the bus (PresenceSubject) and returns
// its case, or 0 for a message that is not one. Applying a beat twice
// changes nothing, so a live page may observe the beat it is about to
// show before Run has.
func (p *Presence) Observe(msg []byte) int64 { return p.ObserveCase(msg, 0) }

// ObserveCase is Observe for a live page of case want (0: any case): a
// beat for another case is left to Run, so N open pages do not each take
// the lock for every page's beats. The page's own case is applied here
// too, so the warning it renders next has the beat even if Run has not
// yet seen it (apply is idempotent).
func (p *Presence) ObserveCase(msg []byte, want int64) int64 {
	var b beat
	if json.Unmarshal(msg, &b) != nil || b.CaseID <= 0 || b.UserID <= 0 || (want != 0 && b.CaseID != want) {
		return 0
	}
	p.apply(b)
	return b.CaseID
}

func (p *Presence) send(ctx context.Context, b beat) {
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
	if m == nil {
		m = map[int64]*seen{}
		p.cases[b.CaseID] = m
	}
	s := m[b.UserID]
	if s == nil {
		s = &seen{since: at}
		m[b.UserID] = s
	}
	if b.Gone {
		s.goneAt = later(s.goneAt, at)
		return
	}
	if at.After(s.last) {
		if !s.last.After(s.goneAt) {
			s.since = at // back after closing the page
		}
		s.last, s.name = at, b.Name
	}
	if b.Typing {
		s.typingAt = later(s.typingAt, at)
	}
	if b.Idle {
		s.idleAt = later(s.idleAt, at)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Others lists the people other than user who have the case open, the
// earliest first. Expired entries are dropped on the way.
func (p *Presence) Others(caseID, userID int64) []Viewer {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	out := []Viewer{}
	for uid, s := range p.cases[caseID] {
		if now.Sub(later(s.last, s.goneAt)) > PresenceTTL {
			delete(p.cases[caseID], uid)
			continue
		}
		if uid != userID && s.last.After(s.goneAt) && now.Sub(s.last) <= PresenceTTL {
			typing := now.Sub(s.typingAt) <= typingTTL && s.typingAt.After(s.idleAt)
			out = append(out, Viewer{UserID: uid, Name: s.name, Since: s.since, Typing: typing})
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
			p.Observe(m)
		}
		return nil
	})
}
