package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
	"github.com/kaval-desk/kaval/internal/unit"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func placeByName(name string) *scenario.Place {
	for i := range scenario.Places {
		if strings.EqualFold(scenario.Places[i].Name, name) {
			return &scenario.Places[i]
		}
	}
	return nil
}

// Desk is the session's practice desk as a page shows it.
type Desk struct {
	Info      Info
	Cases     []PracticeCase
	Templates []desk.Template
	Stations  []unit.Unit // the practice desk's police stations, to escalate to
}

// PracticeCase is a case of the practice desk with what the trainee did.
type PracticeCase struct {
	desk.Case
	Posts     []post.Post
	Sensitive bool   // a reply waits for approval (for a trainee without replies:approve)
	Handled   string // "", "replied", "for_approval", "escalated", "closed"
}

// Desk reads the session's cases, newest first, with their posts.
func (m *Manager) Desk(ctx context.Context, id int64, p *auth.Principal) (Desk, error) {
	s, info, err := m.session(ctx, id, p.UserID)
	if errors.Is(err, errFinished) {
		return Desk{Info: info}, nil // the scores, no more cases
	}
	if err != nil {
		return Desk{}, err
	}
	info.Arrived = int(s.arrived.Load())
	d := Desk{Info: info}
	cs, _, err := s.desk.ListCases(ctx, desk.CaseFilter{Limit: 200}, desk.Scope{})
	if err != nil {
		return d, err
	}
	handled, err := handledKinds(ctx, s.db.Read)
	if err != nil {
		return d, err
	}
	for _, c := range cs {
		pc := PracticeCase{Case: c, Sensitive: m.opt.Sensitive(c) && !p.Can(auth.PermRepliesApprove), Handled: handled[c.ID]}
		if pc.Posts, err = s.desk.ListPosts(ctx, desk.PostFilter{CaseID: c.ID, Limit: 20}, desk.Scope{}); err != nil {
			return d, err
		}
		d.Cases = append(d.Cases, pc)
	}
	if d.Templates, err = s.desk.Templates(ctx); err != nil {
		return d, err
	}
	us, err := unit.NewStore(s.db).List(ctx, "")
	if err != nil {
		return d, err
	}
	for _, u := range us {
		if u.Kind == "station" || u.Kind == "traffic_station" {
			d.Stations = append(d.Stations, u)
		}
	}
	return d, nil
}

// handledKinds says what the trainee last did on each case.
func handledKinds(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (map[int64]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT case_id, kind, body FROM case_events WHERE actor_id IS NOT NULL AND kind IN ('reply_queued', 'escalate', 'status') ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var cid int64
		var kind, body string
		if err := rows.Scan(&cid, &kind, &body); err != nil {
			return nil, err
		}
		switch {
		case kind == "escalate":
			out[cid] = "escalated"
		case kind == "status" && strings.Contains(body, `"to":"closed"`):
			out[cid] = "closed"
		case kind == "reply_queued" && strings.Contains(body, `"for_approval":true`):
			out[cid] = "for_approval"
		case kind == "reply_queued":
			out[cid] = "replied"
		}
	}
	return out, rows.Err()
}

// Reply is a practice reply.
type Reply struct {
	TemplateID  int64  `json:"template_id,omitempty"` // 0: the trainee's own words
	Lang        string `json:"lang"`                  // en, kn or hi
	Text        string `json:"text,omitempty"`        // required without a template
	ForApproval bool   `json:"for_approval"`          // sent to a supervisor instead of the citizen
}

func (m *Manager) act(ctx context.Context, id int64, p *auth.Principal, caseID int64, fn func(s *Session, c desk.Case) error) error {
	s, _, err := m.session(ctx, id, p.UserID)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.desk.GetCase(ctx, caseID, desk.Scope{})
	if err != nil {
		return err
	}
	return fn(s, c)
}

// Reply records a practice reply on the session's own timeline: it is
// never queued anywhere (there is no outbox here). A reply sent without
// approval counts as the first response, as the live desk's would once
// the platform accepts it.
func (m *Manager) Reply(ctx context.Context, id int64, p *auth.Principal, caseID int64, r Reply) error {
	if !strings.Contains(" en kn hi ", " "+r.Lang+" ") {
		return &ValidationError{"lang", "reply in en, kn or hi"}
	}
	r.Text = strings.TrimSpace(r.Text)
	if r.TemplateID == 0 && r.Text == "" {
		return &ValidationError{"text", "choose a template or write the reply"}
	}
	if len(r.Text) > 4000 {
		return &ValidationError{"text", "a reply is at most 4,000 bytes"}
	}
	return m.act(ctx, id, p, caseID, func(s *Session, c desk.Case) error {
		detail := map[string]any{"lang": r.Lang, "for_approval": r.ForApproval, "practice": true}
		text := r.Text
		if r.TemplateID != 0 {
			t, err := s.desk.GetTemplate(ctx, r.TemplateID)
			if err != nil {
				return &ValidationError{"template_id", "no such template"}
			}
			body := t.Bodies[r.Lang]
			if body == "" {
				body = t.Bodies["en"]
			}
			// A template gives the citizen a number to call when it names
			// a helpline or fills {helpline} from the case's category.
			detail["template_id"], detail["template"], detail["purpose"] = t.ID, t.Name, t.Purpose
			detail["gives_helpline"] = t.Helpline != "" || strings.Contains(body, "{helpline}")
			if text == "" {
				rd, err := s.desk.RenderTemplate(ctx, t.ID, c.ID, desk.Scope{}, r.Lang, nil)
				if err != nil {
					return err
				}
				text = rd.Text
			}
		}
		detail["text"] = text
		if err := s.desk.ReplyQueued(ctx, c.ID, p.UserID, detail); err != nil {
			return err
		}
		if r.ForApproval {
			return nil
		}
		return s.db.Tx(ctx, func(tx *sql.Tx) error {
			return s.desk.RecordReply(ctx, tx, desk.ReplyOutcome{CaseID: c.ID, Actor: p.UserID, Outcome: desk.ReplySent, Platform: c.Platform})
		})
	})
}

// Escalate sends a practice case to a station of the practice desk.
func (m *Manager) Escalate(ctx context.Context, id int64, p *auth.Principal, caseID, unitID int64, note string) error {
	return m.act(ctx, id, p, caseID, func(s *Session, c desk.Case) error {
		_, err := s.desk.Escalate(ctx, c.ID, desk.Scope{}, p.UserID, unitID, note)
		return err
	})
}

// CloseCase closes a practice case (spam, abuse, nothing to answer).
func (m *Manager) CloseCase(ctx context.Context, id int64, p *auth.Principal, caseID int64) error {
	return m.act(ctx, id, p, caseID, func(s *Session, c desk.Case) error {
		st := desk.StatusClosed
		_, err := s.desk.Update(ctx, c.ID, desk.Scope{}, p.UserID, desk.Change{Status: &st})
		return err
	})
}

// Finish ends the practice shift and scores it; the scores are kept in
// the live database and the practice database is deleted. Posts not
// arrived yet are not sent.
func (m *Manager) Finish(ctx context.Context, id int64, p *auth.Principal) (Info, error) {
	s, info, err := m.session(ctx, id, p.UserID)
	if err != nil {
		return info, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopFeed != nil {
		s.stopFeed()
		<-s.fed
		s.stopFeed = nil
	}
	sc, err := m.score(ctx, s, p)
	if err != nil {
		return info, err
	}
	b, _ := json.Marshal(sc)
	now := m.opt.Now().UTC()
	if err := m.live.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE training_sessions SET status = $1, scores = $2, overall = $3, finished_at = $4, posts = $5 WHERE id = $6",
			StatusFinished, string(b), sc.Overall, now.UnixMilli(), int(s.arrived.Load()), id); err != nil {
			return err
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "training.finish", Target: fmt.Sprintf("training:%d", id), Details: map[string]any{"overall": sc.Overall}})
	}); err != nil {
		return info, fmt.Errorf("sandbox: unable to keep the scores: %w", err)
	}
	m.mu.Lock()
	delete(m.open, id)
	m.mu.Unlock()
	s.close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(m.file(id) + suffix); err != nil && !os.IsNotExist(err) {
			m.opt.Log.Warn("sandbox: a finished session's database was not removed", "session", id, "err", err)
		}
	}
	return m.info(ctx, id)
}
