package sandbox

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
	"github.com/kaval-desk/kaval/internal/store"
)

// Scores are a finished practice shift's marks, each 0–100; a mark is
// nil when the shift gave nothing to judge it on (no distress, no
// escalation). Overall is the mean of the marks there are.
type Scores struct {
	Overall       int     `json:"overall"`
	FirstResponse *int    `json:"first_response"`    // from the median time to the first answer: 1 min or less 100, 10 min or more 0
	MedianSeconds float64 `json:"median_seconds"`    // … that median, in real seconds
	DistressFirst *int    `json:"distress_first"`    // answers given while no distress case waited unanswered
	RightStation  *int    `json:"right_station"`     // escalations to the station whose area the post is about
	TemplateLang  *int    `json:"template_language"` // replies in the citizen's language, with a fitting template
	Approvals     *int    `json:"approvals"`         // sensitive replies sent for approval, not straight to the citizen
	Answered      *int    `json:"answered"`          // cases replied to, escalated or closed by the end
	Cases         int     `json:"cases"`
	Replies       int     `json:"replies"`
	Escalations   int     `json:"escalations"`
}

func pct(num, den int) *int {
	if den == 0 {
		return nil
	}
	v := num * 100 / den
	return &v
}

// needsHelpline: the citizen must be given a number to call (distress,
// a missing child, money taken by fraud).
func needsHelpline(c desk.Case, themes []string) bool {
	return c.Priority == desk.P1 || slices.Contains(themes, scenario.ThemeMissingChild) || slices.Contains(themes, scenario.ThemeUPIFraud)
}

type action struct {
	at   time.Time
	kind string
	body map[string]any
}

// score judges the session's timeline against what the scenario sent.
func (m *Manager) score(ctx context.Context, s *Session, p *auth.Principal) (Scores, error) {
	var sc Scores
	cs, _, err := s.desk.ListCases(ctx, desk.CaseFilter{Limit: 500}, desk.Scope{})
	if err != nil {
		return sc, err
	}
	sc.Cases = len(cs)
	// What the scenario meant by each case: its posts' themes and the
	// station of the place they are about.
	themes := map[int64][]string{}
	stations := map[int64]string{}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT p.case_id, x.theme, x.station FROM practice_posts x JOIN posts p ON p.external_id = x.external_id WHERE p.case_id IS NOT NULL`)
	if err != nil {
		return sc, err
	}
	for rows.Next() {
		var cid int64
		var theme, station string
		if err := rows.Scan(&cid, &theme, &station); err != nil {
			rows.Close()
			return sc, err
		}
		themes[cid] = append(themes[cid], theme)
		if station != "" && stations[cid] == "" {
			stations[cid] = station
		}
	}
	rows.Close()
	// The trainee's actions, in order.
	acts := map[int64][]action{}
	arows, err := s.db.Read.QueryContext(ctx, `SELECT case_id, at, kind, body FROM case_events WHERE actor_id = $1 AND kind IN ('reply_queued', 'escalate', 'status') ORDER BY id`, p.UserID)
	if err != nil {
		return sc, err
	}
	for arows.Next() {
		var cid, at int64
		var a action
		var body string
		if err := arows.Scan(&cid, &at, &a.kind, &body); err != nil {
			arows.Close()
			return sc, err
		}
		a.at = store.Time(at)
		json.Unmarshal([]byte(body), &a.body)
		if a.kind == "status" && a.body["to"] != desk.StatusClosed {
			continue
		}
		acts[cid] = append(acts[cid], a)
	}
	arows.Close()
	units := map[int64]string{}
	// The pack locates a place by the station's name (Locate).
	urows, err := s.db.Read.QueryContext(ctx, "SELECT id, name FROM units")
	if err != nil {
		return sc, err
	}
	for urows.Next() {
		var id int64
		var code string
		urows.Scan(&id, &code)
		units[id] = code
	}
	urows.Close()

	var waits []float64
	answered, stationOK, stationN, tplLang, tplLangN, apprOK, apprN := 0, 0, 0, 0, 0, 0, 0
	first := map[int64]time.Time{}
	for _, c := range cs {
		a := acts[c.ID]
		if len(a) == 0 {
			continue
		}
		answered++
		first[c.ID] = a[0].at
		waits = append(waits, a[0].at.Sub(c.CreatedAt).Seconds())
		sensitive := m.opt.Sensitive(c) && !p.Can(auth.PermRepliesApprove)
		for _, x := range a {
			switch x.kind {
			case "escalate":
				sc.Escalations++
				if want := stations[c.ID]; want != "" {
					stationN++
					if id, ok := x.body["unit_id"].(float64); ok && units[int64(id)] == want {
						stationOK++
					}
				}
			case "reply_queued":
				sc.Replies++
				lang, _ := x.body["lang"].(string)
				helpline, _ := x.body["gives_helpline"].(bool)
				purpose, _ := x.body["purpose"].(string)
				tplOK := purpose != "station_action" && (!needsHelpline(c, themes[c.ID]) || helpline)
				tplLangN += 2
				if lang == desk.ReplyLang(c.Lang) {
					tplLang++
				}
				if tplOK {
					tplLang++
				}
				if sensitive {
					apprN++
					if fa, _ := x.body["for_approval"].(bool); fa {
						apprOK++
					}
				}
			}
		}
	}
	// Distress first: each first answer to an ordinary case, given while
	// a distress case that had already arrived was still unanswered, is a
	// mark lost.
	distress := 0
	ordinary, ordinaryOK := 0, 0
	for _, c := range cs {
		if c.Priority == desk.P1 {
			distress++
		}
	}
	if distress > 0 {
		for _, c := range cs {
			at, ok := first[c.ID]
			if !ok || c.Priority == desk.P1 {
				continue
			}
			ordinary++
			waiting := false
			for _, d := range cs {
				if d.Priority != desk.P1 || !d.CreatedAt.Before(at) {
					continue
				}
				if dt, ok := first[d.ID]; !ok || dt.After(at) {
					waiting = true
					break
				}
			}
			if !waiting {
				ordinaryOK++
			}
		}
		if ordinary == 0 {
			// Only distress was answered: that is distress first, if any was.
			ordinary, ordinaryOK = 1, min(1, answered)
		}
		sc.DistressFirst = pct(ordinaryOK, ordinary)
	}
	if len(waits) > 0 {
		slices.Sort(waits)
		med := waits[len(waits)/2]
		if len(waits)%2 == 0 {
			med = (waits[len(waits)/2-1] + waits[len(waits)/2]) / 2
		}
		sc.MedianSeconds = med
		v := int(100 - (max(0, min(540, med-60)))*100/540)
		sc.FirstResponse = &v
	}
	sc.RightStation = pct(stationOK, stationN)
	sc.TemplateLang = pct(tplLang, tplLangN)
	sc.Approvals = pct(apprOK, apprN)
	sc.Answered = pct(answered, len(cs))
	sum, n := 0, 0
	for _, v := range []*int{sc.FirstResponse, sc.DistressFirst, sc.RightStation, sc.TemplateLang, sc.Approvals, sc.Answered} {
		if v != nil {
			sum += *v
			n++
		}
	}
	if n > 0 {
		sc.Overall = sum / n
	}
	return sc, nil
}
