package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/kaval-desk/kaval/internal/connector/webform"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/unit"
)

// formDesk is what the public web form sees of the desk.
type formDesk struct{ a *App }

// SubmitForm stores the report durably and puts it on the desk at once, so
// the citizen leaves with a reference number.
func (f formDesk) SubmitForm(ctx context.Context, p post.Post) (string, error) {
	res, err := f.a.Intake.Submit(ctx, []post.Post{p})
	if err != nil {
		return "", err
	}
	if res[0].Err != nil {
		return "", res[0].Err
	}
	// Idempotent: if the bus-driven worker got there first, this is a no-op.
	if err := f.a.Pipeline.Process(ctx, []int64{res[0].ID}); err != nil {
		return "", err
	}
	got, _, err := f.a.Desk.GetPost(ctx, res[0].ID, desk.Scope{})
	if err != nil {
		return "", err
	}
	if got.CaseID == 0 {
		return "", errors.New("app: form report was not put on the desk")
	}
	c, err := f.a.Desk.GetCase(ctx, got.CaseID, desk.Scope{})
	if err != nil {
		return "", err
	}
	return c.Ref, nil
}

// PublicStatus shows progress without personal data: the status, the unit
// handling the case and the steps of its timeline, never posts or notes.
func (f formDesk) PublicStatus(ctx context.Context, ref string) (webform.PublicStatus, error) {
	c, err := f.a.Desk.CaseByRef(ctx, ref, desk.Scope{})
	if err != nil {
		return webform.PublicStatus{}, err
	}
	ps := webform.PublicStatus{Ref: c.Ref, Status: c.Status, Unit: c.UnitName, Opened: c.CreatedAt, Updated: c.UpdatedAt}
	ev, err := f.a.Desk.Timeline(ctx, c.ID, desk.Scope{})
	if err != nil {
		return ps, err
	}
	units := unit.NewStore(f.a.DB)
	for _, e := range ev {
		switch e.Kind {
		case "opened":
			ps.Steps = append(ps.Steps, webform.PublicStep{At: e.At, What: "Received"})
		case "status":
			ps.Steps = append(ps.Steps, webform.PublicStep{At: e.At, What: "Status: " + publicStatus(fmt.Sprint(e.Body["to"]))})
		case "unit":
			if id, ok := e.Body["to"].(float64); ok && id != 0 {
				if u, err := units.Get(ctx, int64(id)); err == nil {
					ps.Steps = append(ps.Steps, webform.PublicStep{At: e.At, What: "Sent to " + u.Name})
				}
			}
		case desk.EventReplySent:
			ps.Steps = append(ps.Steps, webform.PublicStep{At: e.At, What: "The police replied"})
		case "escalate":
			if name, _ := e.Body["unit"].(string); name != "" {
				ps.Steps = append(ps.Steps, webform.PublicStep{At: e.At, What: "Sent to " + name})
			}
		case "station_action":
			// Only the kind of action: never the station's note or an FIR's text.
			a := desk.StationAction{Action: fmt.Sprint(e.Body["action"])}
			ps.Steps = append(ps.Steps, webform.PublicStep{At: e.At, What: "The station acted: " + a.Describe("en")})
		}
	}
	return ps, nil
}

func publicStatus(s string) string {
	switch s {
	case desk.StatusNew:
		return "received"
	case desk.StatusOpen:
		return "being handled"
	case desk.StatusWaitingStation:
		return "with the police station"
	case desk.StatusWaitingCitizen:
		return "waiting for your reply"
	case desk.StatusResolved:
		return "resolved"
	case desk.StatusClosed:
		return "closed"
	}
	return "in progress"
}
