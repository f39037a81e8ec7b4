package desk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/store"
)

// TagTellCitizen marks a case whose station has acted and whose citizen
// has not yet been told: the desk's prompt, and an inbox filter
// (tag=tell_citizen). Replying removes it.
const TagTellCitizen = "tell_citizen"

// MaxEscalationNote bounds the escalation note and the station's note.
const MaxEscalationNote = 2000

// Escalate sends a case to a station with a note the officer reads first:
// the case is routed to the unit and waits on the station. The suggested
// station is the case's own (from the place analysis); any unit may be
// chosen.
func (d *Desk) Escalate(ctx context.Context, id int64, sc Scope, actor, unitID int64, note string) (Case, error) {
	note = strings.TrimSpace(note)
	if note == "" || len(note) > MaxEscalationNote || !utf8.ValidString(note) {
		return Case{}, Invalid("note", "an escalation needs a note for the station (1–%d bytes)", MaxEscalationNote)
	}
	if unitID <= 0 {
		return Case{}, Invalid("unit_id", "choose the station to escalate to")
	}
	now := d.opt.Now().UTC()
	err := d.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := d.getCase(ctx, tx, "c.id = $1", id, sc)
		if err != nil {
			return err
		}
		if c.Status == StatusClosed || c.Status == StatusResolved {
			return Invalid("status", "a %s case cannot be escalated; reopen it first", c.Status)
		}
		var name string
		if err := tx.QueryRowContext(ctx, "SELECT name FROM units WHERE id = $1", unitID).Scan(&name); errors.Is(err, sql.ErrNoRows) {
			return Invalid("unit_id", "unit %d does not exist", unitID)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET unit_id = $1, status = $2, updated_at = $3, version = version + 1 WHERE id = $4",
			unitID, StatusWaitingStation, store.Millis(now), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM case_tags WHERE case_id = $1 AND tag = $2", id, TagTellCitizen); err != nil {
			return err
		}
		return d.event(ctx, tx, id, actor, "escalate", map[string]any{"unit_id": unitID, "unit": name, "from_unit_id": c.UnitID,
			"suggested": c.UnitID == unitID, "note": note, "from": c.Status}, now)
	})
	if err != nil {
		return Case{}, d.wrap("escalate", err)
	}
	return d.GetCase(ctx, id, sc)
}

// Station actions: what the station did about an escalated case.
const (
	ActionVisited     = "visited"
	ActionFIR         = "fir_registered"
	ActionReferred    = "referred_helpline"
	ActionNotPolice   = "not_police_matter"
	maxFIRNumberBytes = 64
)

// StationActions lists the actions a station records.
var StationActions = []string{ActionVisited, ActionFIR, ActionReferred, ActionNotPolice}

// StationAction is what a station officer records when closing their part.
type StationAction struct {
	Action    string `json:"action"`
	FIRNumber string `json:"fir_number,omitempty"` // with fir_registered
	Helpline  string `json:"helpline,omitempty"`   // with referred_helpline: a Helplines key
	Note      string `json:"note,omitempty"`       // internal, never shown to the citizen
}

// actionWords say what the station did, in each reply language, for the
// {action} variable and the public status page.
var actionWords = map[string]map[string]string{
	ActionVisited:   {"en": "police officers visited the place", "kn": "ಪೊಲೀಸ್ ಅಧಿಕಾರಿಗಳು ಸ್ಥಳಕ್ಕೆ ಭೇಟಿ ನೀಡಿದ್ದಾರೆ", "hi": "पुलिस अधिकारी मौके पर पहुँचे"},
	ActionFIR:       {"en": "an FIR has been registered", "kn": "ಎಫ್‌ಐಆರ್ ದಾಖಲಿಸಲಾಗಿದೆ", "hi": "एफआईआर दर्ज की गई है"},
	ActionReferred:  {"en": "your matter has been referred to the helpline", "kn": "ನಿಮ್ಮ ವಿಷಯವನ್ನು ಸಹಾಯವಾಣಿಗೆ ಕಳುಹಿಸಲಾಗಿದೆ", "hi": "आपका मामला हेल्पलाइन को भेजा गया है"},
	ActionNotPolice: {"en": "the station found that this is not a police matter", "kn": "ಇದು ಪೊಲೀಸ್ ವಿಷಯವಲ್ಲ ಎಂದು ಠಾಣೆ ತಿಳಿಸಿದೆ", "hi": "थाने ने पाया कि यह पुलिस मामला नहीं है"},
}

// Describe says what the station did in lang (en, kn or hi), with the FIR
// number or helpline where there is one.
func (a StationAction) Describe(lang string) string {
	w := actionWords[a.Action][lang]
	if w == "" {
		w = actionWords[a.Action]["en"]
	}
	switch {
	case a.Action == ActionFIR && a.FIRNumber != "":
		w += " (FIR " + a.FIRNumber + ")"
	case a.Action == ActionReferred:
		if h, ok := HelplineFor(a.Helpline); ok {
			w += " (" + h.Number + ")"
		}
	}
	return w
}

func (a *StationAction) check() error {
	if !slices.Contains(StationActions, a.Action) {
		return Invalid("action", "must be one of visited, fir_registered, referred_helpline, not_police_matter")
	}
	a.FIRNumber = strings.TrimSpace(a.FIRNumber)
	a.Note = strings.TrimSpace(a.Note)
	switch {
	case a.Action == ActionFIR && (a.FIRNumber == "" || len(a.FIRNumber) > maxFIRNumberBytes ||
		strings.ContainsFunc(a.FIRNumber, func(r rune) bool { return r < 0x20 || r == 0x7f })):
		return Invalid("fir_number", "an FIR needs its number (1–%d bytes on one line)", maxFIRNumberBytes)
	case a.Action != ActionFIR && a.FIRNumber != "":
		return Invalid("fir_number", "only an FIR has a number")
	case a.Action == ActionReferred:
		if _, ok := HelplineFor(a.Helpline); !ok {
			return Invalid("helpline", "name the helpline: emergency, women, children, elders or cyber")
		}
	case a.Helpline != "":
		return Invalid("helpline", "only a referral names a helpline")
	}
	if len(a.Note) > MaxEscalationNote || !utf8.ValidString(a.Note) {
		return Invalid("note", "must be at most %d bytes of valid text", MaxEscalationNote)
	}
	return nil
}

// RecordStationAction closes the station's part of an escalated case: the
// action goes on the timeline, the case returns to the desk (open) and is
// tagged tell_citizen until someone replies.
func (d *Desk) RecordStationAction(ctx context.Context, id int64, sc Scope, actor int64, a StationAction) (Case, error) {
	if err := a.check(); err != nil {
		return Case{}, err
	}
	now := d.opt.Now().UTC()
	err := d.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := d.getCase(ctx, tx, "c.id = $1", id, sc)
		if err != nil {
			return err
		}
		if c.Status != StatusWaitingStation {
			return Invalid("status", "the case is %s, not waiting on a station", c.Status)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3",
			StatusOpen, store.Millis(now), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO case_tags (case_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING", id, TagTellCitizen); err != nil {
			return err
		}
		body := map[string]any{"action": a.Action, "unit_id": c.UnitID, "unit": c.UnitName}
		if a.FIRNumber != "" {
			body["fir_number"] = a.FIRNumber
		}
		if a.Helpline != "" {
			body["helpline"] = a.Helpline
		}
		if a.Note != "" {
			body["note"] = a.Note
		}
		return d.event(ctx, tx, id, actor, "station_action", body, now)
	})
	if err != nil {
		return Case{}, d.wrap("record the station's action", err)
	}
	return d.GetCase(ctx, id, sc)
}

// lastStationAction is the latest action a station recorded on a case, or nil.
func (d *Desk) lastStationAction(ctx context.Context, caseID int64) (*StationAction, error) {
	var body string
	err := d.db.Read.QueryRowContext(ctx, "SELECT body FROM case_events WHERE case_id = $1 AND kind = 'station_action' ORDER BY id DESC LIMIT 1", caseID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var a StationAction
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// PublicStep is one step of a case's progress as the citizen may see it:
// no names, no notes, no FIR text beyond the action.
type PublicStep struct {
	Kind   string `json:"kind"`           // received, replied, escalated, station_action, resolved, closed, reopened
	Unit   string `json:"unit,omitempty"` // the station, for escalated
	UnitKn string `json:"unit_kn,omitempty"`
	Action string `json:"action,omitempty"` // for station_action: visited, fir_registered, referred_helpline, not_police_matter
	At     int64  `json:"at"`               // Unix ms
}

// PublicProgress is the citizen-visible progress of a case: what was done,
// never by whom nor the words of notes or posts.
func (d *Desk) PublicProgress(ctx context.Context, caseID int64) ([]PublicStep, error) {
	rows, err := d.db.Read.QueryContext(ctx, `SELECT e.kind, e.body, e.at FROM case_events e
		WHERE e.case_id = $1 AND e.kind IN ('opened', 'reply_sent', 'escalate', 'station_action', 'status') ORDER BY e.id`, caseID)
	if err != nil {
		return nil, d.wrap("read progress", err)
	}
	defer rows.Close()
	var out []PublicStep
	unitOf := map[int]int64{} // step → unit, named in Kannada once the rows are read
	replied := false
	for rows.Next() {
		var kind, body string
		var at int64
		if err := rows.Scan(&kind, &body, &at); err != nil {
			return nil, err
		}
		var b map[string]any
		json.Unmarshal([]byte(body), &b)
		s := PublicStep{At: at}
		switch kind {
		case "opened":
			s.Kind = "received"
		case EventReplySent:
			if replied {
				continue // one "the police replied" is enough
			}
			replied, s.Kind = true, "replied"
		case "escalate":
			s.Kind = "escalated"
			s.Unit, _ = b["unit"].(string)
			if id, ok := b["unit_id"].(float64); ok {
				unitOf[len(out)] = int64(id)
			}
		case "station_action":
			s.Kind = "station_action"
			s.Action, _ = b["action"].(string)
		case "status":
			switch to, _ := b["to"].(string); to {
			case StatusResolved, StatusClosed:
				s.Kind = to
			case StatusOpen:
				if from, _ := b["from"].(string); from == StatusResolved || from == StatusClosed {
					s.Kind = "reopened"
				}
			}
		}
		if s.Kind != "" {
			out = append(out, s)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for i, id := range unitOf {
		if u, err := d.units.Get(ctx, id); err == nil {
			out[i].UnitKn = u.NameKn
		}
	}
	return out, nil
}
