package app

import (
	"context"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/sandbox"
	"github.com/kaval-desk/kaval/internal/shift"
	"github.com/kaval-desk/kaval/internal/ui"
	"github.com/kaval-desk/kaval/internal/watch"
	"github.com/kaval-desk/kaval/internal/web"
)

// SubjectShift is announced on the bus when the live board changes (a
// clock-in, an assignment, a handover acknowledged).
const SubjectShift = ui.SubjectShift

// newShift builds the shift service: the rules' assign-to-team action
// and the handovers' ongoing alerts (the watch floor's spikes) are wired
// here, and every change is announced for the live board.
func newShift(ctx context.Context, a *App) (*shift.Service, error) {
	sv := shift.New(a.DB, shift.Options{Log: a.log})
	if err := sv.Prepare(ctx); err != nil {
		return nil, err
	}
	a.Engine.SetTeams(sv)
	sv.SetAlerts(func(ctx context.Context, now time.Time) ([]shift.Alert, error) {
		spikes, err := watch.QuerySpikes(ctx, a.DB, a.Queries, now, watch.SpikeOptions{})
		if err != nil {
			return nil, err
		}
		out := []shift.Alert{}
		for _, s := range spikes {
			out = append(out, shift.Alert{Kind: "spike", Title: s.Name, Since: s.Hour, Observed: s.Observed, Expected: s.Expected})
		}
		return out, nil
	})
	sv.SetOnChange(func() {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if a.Bus != nil {
				a.Bus.Publish(ctx, SubjectShift, nil)
			}
		}()
	})
	return sv, nil
}

// runShift drains the team queues every half minute, a backstop for the
// drains a clock-in or a freed agent starts at once (and for cases whose
// agent resolved them on another replica).
func (a *App) runShift(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := a.Shift.Drain(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("draining the team queues failed", "err", err)
		}
	}
}

// newSandbox builds the training desk: its sessions get databases of
// their own beside the data, the same models, the jurisdiction pack, and
// the live desk's rule for which replies wait for approval; nothing else
// of this App.
func newSandbox(a *App, an post.Analyzer) (*sandbox.Manager, error) {
	return sandbox.New(a.DB, sandbox.Options{DataDir: a.cfg.DataDir, Analyze: an, Seed: SeedUnits, Sensitive: web.Sensitive,
		Log: a.log, Gap: a.cfg.SandboxGap})
}
