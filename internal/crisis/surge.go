package crisis

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// SurgeRequest switches a room's surge mode.
type SurgeRequest struct {
	On         bool   `json:"on"`
	TemplateID int64  `json:"template_id,omitempty"` // the acknowledgement sent to the area's new posts; 0: none
	Link       string `json:"link,omitempty"`        // the pinned advisory link (https)
}

// surgeRoom is what triage and templates read of a room in surge mode.
type surgeRoom struct {
	id       int64
	title    string
	stations []string // empty: the whole city
	link     string
}

func (r surgeRoom) covers(station string) bool {
	return len(r.stations) == 0 || slices.Contains(r.stations, station)
}

// SetSurge switches room id's surge mode (audited). On, the room's area's
// new posts are acknowledged with the template, the link is pinned for
// agents (and fills {advisory_link}), and distress posts in the area are
// raised a priority level as they reach the desk. Off, triage is normal
// again for every post that arrives after.
func (s *Service) SetSurge(ctx context.Context, p *auth.Principal, id int64, req SurgeRequest) (Room, error) {
	if err := needUser(p); err != nil {
		return Room{}, err
	}
	link, err := cleanLine("link", req.Link, 500, false)
	if err != nil {
		return Room{}, err
	}
	if link != "" {
		u, err := url.Parse(link)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return Room{}, &Invalid{"link", "is an https:// link"}
		}
	}
	if req.On && req.TemplateID != 0 {
		if _, err := s.desk.GetTemplate(ctx, req.TemplateID); errors.Is(err, store.ErrNotFound) {
			return Room{}, &Invalid{"template_id", "no such template"}
		} else if err != nil {
			return Room{}, err
		}
	}
	now := store.Millis(s.opt.Now())
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockOpen(ctx, tx, id); err != nil {
			return err
		}
		var on int
		if err := tx.QueryRowContext(ctx, "SELECT surge FROM crisis_rooms WHERE id = $1", id).Scan(&on); err != nil {
			return err
		}
		if !req.On {
			if on == 0 {
				return &Conflict{"surge_off", "surge mode is already off"}
			}
			if _, err := tx.ExecContext(ctx, "UPDATE crisis_rooms SET surge = 0, updated_at = $2 WHERE id = $1", id, now); err != nil {
				return err
			}
			return s.event(ctx, tx, p, id, "surge.off", nil)
		}
		// Switching on again (new template or link) keeps the start:
		// posts already acknowledged are not acknowledged twice anyway.
		if _, err := tx.ExecContext(ctx, `UPDATE crisis_rooms SET surge = 1, surge_template_id = $2, surge_link = $3,
			surge_at = CASE WHEN surge = 1 THEN surge_at ELSE $4 END, surge_by = $5, updated_at = $4 WHERE id = $1`,
			id, nullID(req.TemplateID), link, now, p.UserID); err != nil {
			return err
		}
		return s.event(ctx, tx, p, id, "surge.on", map[string]any{"template_id": req.TemplateID, "link": link})
	})
	if err != nil {
		return Room{}, err
	}
	s.refreshSurges(ctx)
	s.changed(ctx, id)
	return s.Get(ctx, id)
}

// refreshSurges reloads the rooms in surge mode: after a switch, each
// round, and on replicas without the lease every interval (Run), so a
// switch on one replica reaches the others' triage within it.
func (s *Service) refreshSurges(ctx context.Context) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT id, title, stations, surge_link FROM crisis_rooms WHERE state = 'open' AND surge = 1 ORDER BY id")
	if err != nil {
		s.opt.Log.Warn("crisis: surge rooms not read", "err", err)
		return
	}
	defer rows.Close()
	var out []surgeRoom
	for rows.Next() {
		var r surgeRoom
		var st string
		if err := rows.Scan(&r.id, &r.title, &st, &r.link); err != nil {
			return
		}
		_ = json.Unmarshal([]byte(st), &r.stations)
		out = append(out, r)
	}
	s.mu.Lock()
	s.surges = out
	s.mu.Unlock()
}

// Pinned is a surge room's pinned advisory as agents see it.
type Pinned struct {
	RoomID   int64    `json:"room_id"`
	Title    string   `json:"title"`
	Link     string   `json:"link,omitempty"`
	Stations []string `json:"stations"`
}

// Surges lists the rooms in surge mode (the desk's banner).
func (s *Service) Surges() []Pinned {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Pinned{}
	for _, r := range s.surges {
		out = append(out, Pinned{RoomID: r.id, Title: r.title, Link: r.link, Stations: slices.Clone(r.stations)})
	}
	return out
}

// AdvisoryLink is {advisory_link} for a case at station (a unit's name):
// the pinned link of the newest surge room covering it, else "".
func (s *Service) AdvisoryLink(station string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.surges) - 1; i >= 0; i-- {
		if r := s.surges[i]; r.link != "" && r.covers(station) {
			return r.link
		}
	}
	return ""
}

// distress is a post in need of a person soon: an emergency, or urgent
// enough for P2, or about a person at risk.
func distress(a *post.Analysis) bool {
	if a == nil {
		return false
	}
	switch a.TopCategory() {
	case "missing_person", "child_safety", "womens_safety", "elderly":
		return true
	}
	return a.Emergency.Label || a.Urgency >= desk.P2Urgency
}

// Boost is the surge's priority boost for triage (desk.SetBoost): a
// distress post at a station of a surge room is raised one level.
func (s *Service) Boost(p *post.Post, prio int) int {
	if prio <= desk.P1 || p == nil || !distress(p.Analysis) {
		return prio
	}
	st := ""
	if p.Analysis.Station != nil {
		st = *p.Analysis.Station
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.surges {
		if r.covers(st) {
			return prio - 1
		}
	}
	return prio
}

// SendAcks acknowledges the new posts of surge rooms' areas with their
// template, within the rate limit, once per post. It returns how many it
// queued.
func (s *Service) SendAcks(ctx context.Context, b *budget) (int, error) {
	if b == nil {
		b = &budget{s: s, left: map[string]int{}}
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, stations, surge_template_id, surge_at, surge_by FROM crisis_rooms
		WHERE state = 'open' AND surge = 1 AND surge_template_id IS NOT NULL ORDER BY id`)
	if err != nil {
		return 0, err
	}
	type room struct {
		id, tpl, since, by int64
		stations           []string
	}
	var rooms []room
	for rows.Next() {
		var r room
		var st string
		if err := rows.Scan(&r.id, &st, &r.tpl, &r.since, &r.by); err != nil {
			rows.Close()
			return 0, err
		}
		_ = json.Unmarshal([]byte(st), &r.stations)
		rooms = append(rooms, r)
	}
	rows.Close()
	queued := 0
	for _, r := range rooms {
		// The area's new posts on the desk (a case made), and the
		// room's own, not yet acknowledged.
		args := []any{r.id, r.since}
		area := "FALSE"
		if len(r.stations) > 0 {
			ph := make([]string, len(r.stations))
			for i, st := range r.stations {
				args = append(args, st)
				ph[i] = fmt.Sprintf("$%d", i+3)
			}
			area = "p.station IN (" + strings.Join(ph, ", ") + ")"
		}
		q := `SELECT p.id FROM posts p WHERE p.created_at >= $2 AND p.case_id IS NOT NULL AND p.deleted_at IS NULL
			AND (` + area + ` OR p.id IN (SELECT ref_id FROM crisis_items WHERE room_id = $1 AND kind = 'post' AND removed = 0))
			AND NOT EXISTS (SELECT 1 FROM crisis_answered a WHERE a.post_id = p.id AND a.purpose = 'ack') ORDER BY p.id LIMIT 200`
		prow, err := s.db.Read.QueryContext(ctx, q, args...)
		if err != nil {
			return queued, fmt.Errorf("crisis: unable to find posts to acknowledge: %w", err)
		}
		var ids []int64
		for prow.Next() {
			var n int64
			prow.Scan(&n)
			ids = append(ids, n)
		}
		prow.Close()
		for _, pid := range ids {
			n, err := s.ack(ctx, r.id, r.tpl, r.by, pid, b)
			if err != nil {
				return queued, err
			}
			queued += n
		}
	}
	return queued, nil
}

// ack acknowledges post pid for room with template tpl: 1 when queued.
func (s *Service) ack(ctx context.Context, room, tpl, by, pid int64, b *budget) (int, error) {
	p, _, err := s.desk.GetPost(ctx, pid, desk.Scope{})
	if err != nil {
		return 0, err
	}
	if skipReason(p, PurposeAck) != "" || p.CaseID == 0 || !desk.NeedsCase(&p) {
		// Recorded, so it does not stay at the head of every round's
		// LIMIT and hold back the posts behind it.
		return 0, s.markAnswered(ctx, pid, p.Platform, room)
	}
	ok, err := b.take(ctx, p.Platform)
	if err != nil || !ok {
		return 0, err
	}
	// The template in the citizen's language, filled for the case; the
	// citizen's name and status link are filled once, by FillReply, as the
	// desk's own replies are (nobody reads it before it goes, like a
	// rule's acknowledgement). A variable the case lacks: a person looks.
	rd, err := s.desk.RenderTemplate(ctx, tpl, p.CaseID, desk.Scope{}, "", func(desk.Case) bool { return false })
	if errors.Is(err, store.ErrNotFound) {
		return 0, s.markAnswered(ctx, pid, p.Platform, room) // the template or case is gone
	}
	if err != nil {
		return 0, err
	}
	c, err := s.desk.GetCase(ctx, p.CaseID, desk.Scope{})
	if err != nil {
		return 0, err
	}
	text := desk.FillReply(rd.Text, c, s.opt.BaseURL)
	_, answered, err := s.queue(ctx, reply{room: room, post: pid, purpose: PurposeAck, text: text, needs: len(rd.Missing) > 0, createdBy: by, p: p},
		func(*sql.Tx, int64) error { return nil })
	var refused errRefused
	if errors.As(err, &refused) {
		s.opt.Log.Warn("crisis: the outbox refused a surge acknowledgement", "post", pid, "err", err)
		// Not tried again every round: recorded as answered, with no item.
		return 0, s.markAnswered(ctx, pid, p.Platform, room)
	}
	if err != nil || !answered {
		return 0, err
	}
	return 1, nil
}

// markAnswered records post pid as dealt with by the surge's
// acknowledgement without an outbox item (skipped, refused or gone), so
// later rounds pass over it.
func (s *Service) markAnswered(ctx context.Context, pid int64, platform string, room int64) error {
	_, err := s.db.Write.ExecContext(ctx, `INSERT INTO crisis_answered (post_id, purpose, platform, room_id, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		pid, PurposeAck, platform, room, store.Millis(s.opt.Now()))
	return err
}
