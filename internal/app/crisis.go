package app

import (
	"context"
	"os"
	"time"

	"github.com/kaval-desk/kaval/internal/crisis"
	"github.com/kaval-desk/kaval/internal/lease"
	"github.com/kaval-desk/kaval/internal/store"
)

// newCrisis builds the crisis rooms (internal/crisis) and their hooks
// into triage and reply templates (surge mode). The replies rooms send
// are capped per platform by KAVAL_CRISIS_REPLIES_PER_MINUTE
// ("x=20,facebook=60,default=30"; default 20 a minute each).
func (a *App) newCrisis(cfg Config) error {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	rates, def, err := crisis.ParseRates(getenv("KAVAL_CRISIS_REPLIES_PER_MINUTE"))
	if err != nil {
		return err
	}
	a.Crisis = crisis.New(a.DB, a.Desk, a.Outbox, a.Publish, a.Alerts, crisis.Options{Bus: a.Bus, PerMinute: rates, DefaultPerMinute: def,
		BaseURL: cfg.BaseURL, Log: cfg.Log})
	a.Desk.SetBoost(a.Crisis.Boost)
	a.Desk.SetAdvisoryLink(a.Crisis.AdvisoryLink)
	a.Web.CrisisAPI(a.Crisis)
	return nil
}

// runCrisis gathers open rooms and sends rebuttals and surge
// acknowledgements (one replica at a time on PostgreSQL).
func (a *App) runCrisis(ctx context.Context) {
	var leases *lease.Store
	if a.DB.Dialect == store.Postgres {
		leases = lease.New(a.DB)
	}
	a.Crisis.Run(ctx, 5*time.Second, leases, "")
}
