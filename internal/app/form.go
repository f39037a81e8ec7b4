package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/webform"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/unit"
)

// formDesk is what the public web form sees of the desk.
type formDesk struct{ a *App }

// SubmitForm stores the report durably and puts it on the desk at once, so
// the citizen leaves with a reference number and its status code.
func (f formDesk) SubmitForm(ctx context.Context, p post.Post) (webform.Receipt, error) {
	res, err := f.a.Intake.Submit(ctx, []post.Post{p})
	if err != nil {
		return webform.Receipt{}, err
	}
	if res[0].Err != nil {
		return webform.Receipt{}, res[0].Err
	}
	// Idempotent: if the bus-driven worker got there first, this is a no-op.
	if err := f.a.Pipeline.Process(ctx, []int64{res[0].ID}); err != nil {
		return webform.Receipt{}, err
	}
	caseID, err := f.a.caseOfPost(ctx, res[0].ID)
	if err != nil {
		return webform.Receipt{}, err
	}
	c, err := f.a.Desk.GetCase(ctx, caseID, desk.Scope{})
	if err != nil {
		return webform.Receipt{}, err
	}
	return webform.Receipt{Ref: c.Ref, Code: desk.FormatStatusCode(c.StatusCode)}, nil
}

// caseOfPost waits for a stored post's case. Process returns at once for
// a post a bus-driven worker claimed first (on PostgreSQL it skips rows
// another transaction holds), before that worker has committed.
func (a *App) caseOfPost(ctx context.Context, id int64) (int64, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, _, err := a.Desk.GetPost(ctx, id, desk.Scope{})
		if err != nil {
			return 0, err
		}
		if got.CaseID != 0 {
			return got.CaseID, nil
		}
		if time.Now().After(deadline) {
			return 0, errors.New("app: form report was not put on the desk")
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Feedback records the citizen's "was it resolved?" answer.
func (f formDesk) Feedback(ctx context.Context, ref, code, answer, lang string) error {
	_, err := f.a.Desk.RecordFeedback(ctx, ref, code, answer, lang)
	if errors.Is(err, desk.ErrFeedbackTooEarly) {
		return webform.ErrFeedbackTooEarly
	}
	return err
}

// PublicStatus shows progress without personal data, to whoever holds the
// reference and its status code: the status, the unit handling the case
// and the steps of its timeline, never posts or notes. The police replied
// only when a reply was sent, never when one was queued or failed.
func (f formDesk) PublicStatus(ctx context.Context, ref, code string) (webform.PublicStatus, error) {
	c, err := f.a.Desk.PublicCase(ctx, ref, code)
	if err != nil {
		return webform.PublicStatus{}, err
	}
	units := unit.NewStore(f.a.DB)
	ps := webform.PublicStatus{Ref: c.Ref, Status: c.Status, Opened: c.CreatedAt, Updated: c.UpdatedAt, FeedbackOpen: desk.FeedbackOpen(c.Status)}
	if ps.FeedbackOpen {
		if ps.Feedback, err = f.a.Desk.Feedback(ctx, c.ID); err != nil {
			return ps, err
		}
	}
	if c.UnitID != 0 {
		if u, err := units.Get(ctx, c.UnitID); err == nil {
			ps.Unit, ps.UnitKn = u.Name, u.NameKn
		}
	}
	ev, err := f.a.Desk.Timeline(ctx, c.ID, desk.Scope{})
	if err != nil {
		return ps, err
	}
	for _, e := range ev {
		switch e.Kind {
		case "opened":
			ps.Steps = append(ps.Steps, webform.PublicStep{At: e.At, Kind: webform.StepReceived})
		case "status":
			ps.Steps = append(ps.Steps, webform.PublicStep{At: e.At, Kind: webform.StepStatus, Status: fmt.Sprint(e.Body["to"])})
		case "unit":
			if id, ok := e.Body["to"].(float64); ok && id != 0 {
				if u, err := units.Get(ctx, int64(id)); err == nil {
					ps.Steps = append(ps.Steps, webform.PublicStep{At: e.At, Kind: webform.StepUnit, Unit: u.Name, UnitKn: u.NameKn})
				}
			}
		case desk.EventReplySent:
			ps.Steps = append(ps.Steps, webform.PublicStep{At: e.At, Kind: webform.StepReplied})
		case "escalate":
			step := webform.PublicStep{At: e.At, Kind: webform.StepUnit}
			step.Unit, _ = e.Body["unit"].(string)
			if id, ok := e.Body["unit_id"].(float64); ok && id != 0 {
				if u, err := units.Get(ctx, int64(id)); err == nil {
					step.Unit, step.UnitKn = u.Name, u.NameKn
				}
			}
			if step.Unit != "" {
				ps.Steps = append(ps.Steps, step)
			}
		case "station_action":
			// Only the kind of action: never the station's note or an FIR's text.
			a := desk.StationAction{Action: fmt.Sprint(e.Body["action"])}
			ps.Steps = append(ps.Steps, webform.PublicStep{At: e.At, Kind: webform.StepAction, Action: a.Describe("en"), ActionKn: a.Describe("kn")})
		}
	}
	return ps, nil
}
