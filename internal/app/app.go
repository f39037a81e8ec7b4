// Package app assembles the desk from its parts: store, bus, intake,
// analysis pipeline, desk, auth, web and the public form. `kaval serve`,
// `kaval demo` and the end-to-end tests all start the same App, so there is
// one code path from the embedded default to scale-out.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/alert"
	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/channel"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/connector/webform"
	"github.com/kaval-desk/kaval/internal/crisis"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/geo"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/lease"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/report"
	"github.com/kaval-desk/kaval/internal/rules"
	"github.com/kaval-desk/kaval/internal/rumour"
	"github.com/kaval-desk/kaval/internal/sandbox"
	"github.com/kaval-desk/kaval/internal/secretbox"
	"github.com/kaval-desk/kaval/internal/shift"
	"github.com/kaval-desk/kaval/internal/sla"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/ui"
	"github.com/kaval-desk/kaval/internal/unit"
	"github.com/kaval-desk/kaval/internal/watch"
	"github.com/kaval-desk/kaval/internal/web"
)

// Config is what an App needs to start.
type Config struct {
	DB        string // sqlite:PATH or postgres://…
	DataDir   string // keys and the SQLite file live here
	Bus       string // "", "inproc" or nats://…
	RefPrefix string
	ForceName string
	Version   string
	// BaseURL is the desk's public URL, for links given to citizens.
	BaseURL string
	// NoAnalysis starts without loading the models (tests of the spine).
	NoAnalysis bool
	// AuthConfig overrides password hashing cost etc. (tests).
	AuthConfig auth.Config
	Log        *slog.Logger
	// Getenv reads KAVAL_MASTER_KEY and friends; default os.Getenv.
	Getenv func(string) string
	// HTTP is the client connectors use (tests point it at fakes).
	HTTP *http.Client
	// AuditCheckpoints is the file of the audit chain's signed checkpoints
	// (default: KAVAL_AUDIT_CHECKPOINTS, or DataDir/audit-checkpoints.jsonl);
	// AuditEvery how often the chain is verified and anchored (1h).
	AuditCheckpoints string
	AuditEvery       time.Duration
	// ChannelResync is how often each replica re-reads the channels as a
	// backstop for lost change notices (10s).
	ChannelResync time.Duration
	// SandboxGap replaces the training scenarios' spacing between posts
	// (tests).
	SandboxGap time.Duration
	// DeferPipeline makes Start leave the pipeline for StartPipeline, so a
	// benchmark can measure intake alone and then the desk catching up.
	DeferPipeline bool
}

// App is a running desk.
type App struct {
	cfg      Config
	DB       *store.DB
	Bus      bus.Bus
	Intake   *ingest.Intake
	Desk     *desk.Desk
	Pipeline *pipeline.Pipeline
	Auth     *auth.Service
	Web      *web.Server
	Channels *channel.Store
	Manager  *channel.Manager
	Outbox   *outbox.Outbox
	UI       *ui.UI
	Queries  *query.Store    // saved listening queries
	Listener *query.Listener // matches approved queries in the pipeline
	Rules    *rules.Store    // automation rules
	Engine   *rules.Engine   // runs them in the pipeline
	Presence *desk.Presence
	Publish  *publish.Service // compose, approve and plan the force's posts
	Shift    *shift.Service   // teams, round-robin, shifts and handovers
	Sandbox  *sandbox.Manager // the training desk, apart from this one
	handler  http.Handler
	log      *slog.Logger

	metrics   *outbox.Metrics
	chainKeys *auth.ChainKeys
	audit     *auditWatch
	wg        sync.WaitGroup
	cancel    context.CancelFunc
	ctx       context.Context // Start's, for StartPipeline

	// Notify delivers notifications to people (desk, e-mail, Telegram, webhook).
	Notify *notify.Notifier

	// Alerts of the watch floor, and the detector loop raising them (add
	// detectors with AlertLoop.Add before Start).
	Alerts    *alert.Service
	AlertLoop *alert.Loop

	// SLA is the SLA configuration and breach report; Sweeper keeps open
	// cases' deadlines and raises warnings and breaches (one replica).
	SLA     *sla.Store
	Sweeper *sla.Sweeper
	// Acker queues the acknowledgements automation rules asked for.
	Acker *rules.Acker
	// Crisis runs the crisis rooms (crisis.go).
	Crisis *crisis.Service

	// Reports are the daily briefs and weekly reports per unit; their
	// e-mail schedules are sent by one replica (a lease).
	Reports *report.Service
}

// New opens the database, migrates it, seeds the jurisdiction pack into an
// empty units table, and builds every part. Start runs the workers.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.RefPrefix == "" {
		cfg.RefPrefix = "BCP"
	}
	if cfg.ForceName == "" {
		cfg.ForceName = "Bengaluru City Police"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "data"
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, err
	}
	if cfg.DB == "" {
		cfg.DB = "sqlite:" + filepath.Join(cfg.DataDir, "kaval.db")
	}
	a := &App{cfg: cfg, log: cfg.Log}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	a.DB = db
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	if err := SeedUnits(ctx, db); err != nil {
		return nil, fmt.Errorf("app: unable to load the jurisdiction pack: %w", err)
	}
	switch {
	case cfg.Bus == "" || cfg.Bus == "inproc":
		a.Bus = bus.NewInProc(0)
	case strings.HasPrefix(cfg.Bus, "nats://"):
		nb, err := bus.DialNATS(ctx, cfg.Bus, bus.NATSOptions{})
		if err != nil {
			return nil, err
		}
		a.Bus = nb
	default:
		return nil, fmt.Errorf("app: unsupported bus %q (want inproc or nats://…)", cfg.Bus)
	}
	a.Desk = desk.New(db, desk.Options{RefPrefix: cfg.RefPrefix})
	if err := a.Desk.SeedTemplates(ctx); err != nil {
		return nil, err
	}
	if err := a.Desk.ReloadUnits(ctx); err != nil {
		return nil, err
	}
	if err := publicNumbers(ctx, db); err != nil {
		return nil, err
	}
	var an post.Analyzer
	if !cfg.NoAnalysis {
		if an, err = LoadAnalyzer(); err != nil {
			return nil, err
		}
	}
	// Intake analyses each post before storing it; the pipeline keeps the
	// analyzer for posts stored without one (an analysis that failed, a
	// database written by a desk started with --no-analysis).
	keep, err := deletedRetention(cfg)
	if err != nil {
		return nil, err
	}
	a.Intake = ingest.New(db, a.Bus, ingest.Options{Log: cfg.Log, Analyze: an, DeletedRetention: keep})
	a.Queries = query.NewStore(db, nil, nil)
	a.Listener = query.NewListener(db, a.Queries, cfg.Log)
	a.Queries.OnChange(a.Listener.ReloadSoon)
	a.Intake.SetRematch(a.Listener.Rematch) // an edited post is matched again
	a.Engine = rules.NewEngine(db, rules.EngineOptions{Log: cfg.Log})
	a.Rules = rules.NewStore(db, nil, a.Engine.ReloadSoon)
	if a.Shift, err = newShift(ctx, a); err != nil {
		return nil, err
	}
	a.Pipeline = pipeline.New(db, a.Desk, a.Bus, an, pipeline.Options{Log: cfg.Log,
		Listener: pipeline.Listeners{a.Listener, watch.Rollup{}, a.Engine, publish.NewKeywords(db)}})
	box, err := masterKey(cfg)
	if err != nil {
		return nil, err
	}
	// Every audit entry from here on is keyed with the master key.
	a.chainKeys = auth.ChainKeysFrom(box)
	auth.SetChainKeys(a.chainKeys)
	acfg := cfg.AuthConfig
	acfg.Secrets = box // TOTP secrets are sealed like channel tokens
	a.Auth = auth.New(db, acfg)
	a.Channels = channel.NewStore(db, box)
	if err := a.Channels.CheckKey(ctx); err != nil {
		return nil, fmt.Errorf("app: the master key does not open the stored channel secrets: %w", err)
	}
	a.Outbox = outbox.New(db)
	a.Outbox.SetLogger(cfg.Log)
	a.Outbox.OnOutcome(a.replyOutcome)
	if _, _, err := HoldRestored(ctx, a.Outbox, "system", cfg.Log); err != nil {
		return nil, err
	}
	mopt := channel.Options{Sink: a.Intake, Checkpoints: a.Intake, Statuses: a.Outbox, HTTP: cfg.HTTP, Log: cfg.Log,
		Bus: a.Bus, Resync: cfg.ChannelResync}
	mopt.Listening = a.Queries // keyword listening: X stream rules, Bluesky and Mastodon searches
	if db.Dialect == store.Postgres {
		mopt.Leases = lease.New(db) // pollers and streams run on one replica
	}
	a.Manager = channel.NewManager(a.Channels, mopt)
	hooks := http.NewServeMux()
	hooks.Handle("/hooks/{id}", a.Manager.Handler())

	a.Web = web.New(web.Config{Version: cfg.Version, BaseURL: cfg.BaseURL}, web.Deps{DB: db, Auth: a.Auth, Logger: cfg.Log, Hooks: hooks})
	reg := a.Web.Registry()
	reg.MustRegister(ingest.Collectors()...)
	reg.MustRegister(pipeline.Collectors()...)
	reg.MustRegister(query.Collectors()...)
	reg.MustRegister(rules.Collectors()...)
	reg.MustRegister(conn.Collectors()...)
	reg.MustRegister(outbox.Collectors()...)
	a.metrics = outbox.NewMetrics(reg)
	if cfg.AuditCheckpoints == "" {
		cfg.AuditCheckpoints = CheckpointFile(cfg.DataDir, cfg.Getenv)
	}
	if cfg.AuditEvery <= 0 {
		cfg.AuditEvery = time.Hour
	}
	a.audit = newAuditWatch(db, a.chainKeys, cfg.AuditCheckpoints, cfg.AuditEvery, cfg.Log, reg)
	a.Web.DeskAPI(a.Desk)
	a.Presence = desk.NewPresence(a.Bus, nil)
	a.Web.DeskWorkAPI(a.Desk, a.Presence)
	a.Web.ChannelAPI(a.Channels, a.Manager)
	a.Web.ReplyAPI(a.Desk, a.Outbox)
	a.Web.PublishAPI(a.Channels, a.Outbox)
	a.Web.IntakeAPI(a.Intake)
	a.Web.QueryAPI(a.Queries)
	a.Web.WatchAPI(a.Queries)
	a.Web.WatchDashAPI()
	a.Web.WatchTermsAPI()
	a.Web.WatchResponseAPI()
	a.Alerts = alert.New(db, alert.Options{Bus: a.Bus, Log: cfg.Log})
	a.AlertLoop = &alert.Loop{Service: a.Alerts, Leases: lease.New(db), Detectors: alert.SpikeDetectors(db, a.Queries, watch.SpikeOptions{}),
		// Every 30 s: a rumour wave is raised within a minute of reaching
		// its threshold (docs/WATCH.md).
		Every: 30 * time.Second}
	a.AlertLoop.Add(alert.RumourDetector(db, rumour.New(db, rumour.Options{})))
	a.AlertLoop.Add(alert.TermDetector(db, alert.TermOptions{}))
	a.AlertLoop.Add(alert.SurgeDetector(db, watch.SurgeOptions{}))
	a.Web.AlertAPI(a.Alerts)
	a.Web.RulesAPI(a.Rules)
	a.Publish = publish.New(db, a.Outbox, publish.Options{BaseURL: cfg.BaseURL, Log: cfg.Log})
	a.Web.PublicationsAPI(a.Publish)
	a.Web.TeamsAPI(a.Shift)
	if a.Sandbox, err = newSandbox(a, an); err != nil {
		return nil, err
	}
	a.Web.TrainingAPI(a.Sandbox)
	a.Web.ShiftsAPI(a.Shift)
	ncfg, err := notify.ConfigFromEnv(cfg.Getenv, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	a.Notify = notify.New(db, ncfg, notify.Options{Log: cfg.Log, Live: func(ctx context.Context, ids []int64) error {
		return a.UI.PublishNotify(ctx, ids)
	}})
	a.Web.NotifyAPI(a.Notify)
	a.Alerts.SetNotifier(a.Notify) // new and escalated alerts reach people
	a.SLA = sla.NewStore(db)
	a.Web.SLAAPI(a.SLA)
	a.Sweeper = sla.NewSweeper(db, a.Notify, sla.Options{Log: cfg.Log, Leases: lease.New(db),
		Supervisors: a.shiftSupervisors,
		// Rules that run on an SLA warning or breach, once per deadline.
		OnAlert: func(ctx context.Context, caseID int64, target, level string, due time.Time) {
			if err := a.Engine.CaseEvent(ctx, caseID, "sla_"+level, fmt.Sprintf("%d:%s:%d", caseID, target, due.UnixMilli())); err != nil {
				a.log.Warn("rules on an SLA event failed", "case", caseID, "err", err)
			}
		}})
	a.Engine.SetNotifier(a.Notify)
	a.Engine.SetAlerter(a.Alerts) // the rules' raise-an-alert action
	a.Acker = rules.NewAcker(db, a.Desk, a.Outbox, cfg.BaseURL, cfg.Log)
	if err := a.newCrisis(cfg); err != nil {
		return nil, err
	}
	a.Crisis.AddSource(alert.KindRumour, rumourSource(db)) // a room opened from a rumour alert gathers its cluster
	if a.UI, err = ui.New(ui.Deps{Server: a.Web, Auth: a.Auth, Bus: a.Bus, Log: cfg.Log}); err != nil {
		return nil, err
	}
	a.UI.ChannelPages(channel.NewAdmin(a.Channels, a.Manager, cfg.Log))
	a.UI.QueryPages(a.Queries, db)
	a.UI.WatchPages(db)
	a.UI.AlertPages(a.Alerts)
	a.UI.DeskPages(a.Desk, a.Presence)
	a.UI.PublishPages(a.Publish)
	a.UI.NotifyPages(a.Notify)
	a.UI.SLAPages(a.SLA)
	a.Reports = report.NewService(db)
	// Crisis rooms are already incidents of every report (the builder reads
	// them itself); registering a.Crisis too listed each room twice.
	a.Web.ReportsAPI(a.Reports, a.UI.Labels)
	a.UI.ReportPages(a.Reports, unit.NewStore(db))
	a.UI.RulesPages(a.Rules, a.Desk)
	a.UI.ShiftPages(a.Shift)
	a.UI.TrainingPages(a.Sandbox)
	a.UI.CrisisPages(a.Crisis, a.Alerts, a.Publish, a.Desk)
	if err := a.publicSite(cfg); err != nil { // the public site at / (the desk is under /desk/)
		return nil, err
	}

	secret, err := formSecret(cfg)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/report/", webform.New(formDesk{a}, webform.Options{Secret: secret, ForceName: cfg.ForceName,
		ForceNameKn: "ಬೆಂಗಳೂರು ನಗರ ಪೊಲೀಸ್", RefPrefix: cfg.RefPrefix, BasePath: "/report", Log: cfg.Log}))
	mux.Handle("/report", http.RedirectHandler("/report/", http.StatusMovedPermanently))
	mux.Handle("/", a.Web)
	a.handler = mux
	ok = true
	return a, nil
}

// Handler serves the API, webhooks, the public form and the desk's pages.
func (a *App) Handler() http.Handler { return a.handler }

// MetricsHandler serves /metrics, for an operator's own listen address
// (kaval serve --metrics-listen), apart from Handler's public one.
func (a *App) MetricsHandler() http.Handler { return a.Web.MetricsHandler() }

// Start runs the background workers until Close or ctx ends.
func (a *App) Start(ctx context.Context) {
	ctx, a.cancel = context.WithCancel(ctx)
	a.ctx = ctx
	// Approved listening queries are loaded before the pipeline starts
	// (a failure is retried by Run), then followed for other replicas'
	// approvals.
	if err := a.Listener.Reload(ctx); err != nil {
		a.log.Warn("listening queries not loaded yet", "err", err)
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.Listener.Run(ctx, 15*time.Second)
	}()
	// Automation rules likewise: loaded before the pipeline starts, then
	// followed for other replicas' edits.
	if err := a.Engine.Reload(ctx); err != nil {
		a.log.Warn("automation rules not loaded yet", "err", err)
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.Engine.Run(ctx, 15*time.Second)
	}()
	if !a.cfg.DeferPipeline {
		a.StartPipeline()
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.runShift(ctx)
	}()
	a.wg.Add(1)
	go func() {
		// Scheduled reports are e-mailed once per period, by the replica
		// holding the lease.
		defer a.wg.Done()
		host, _ := os.Hostname()
		sn := &report.Sender{Store: a.Reports.Store, Builder: a.Reports.Builder, Notifier: a.Notify, Labels: a.UI.Labels, Log: a.log}
		sn.Run(ctx, lease.New(a.DB), fmt.Sprintf("%s:%d:reports:%p", host, os.Getpid(), a))
	}()
	a.wg.Add(1)
	go func() {
		// Expired sessions are refused on use already; this only keeps the
		// table small.
		defer a.wg.Done()
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if _, err := a.Auth.PurgeSessions(ctx, time.Now()); err != nil && ctx.Err() == nil {
				a.log.Warn("purging sessions failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.runCrisis(ctx)
	}()
	a.wg.Add(1)
	go func() {
		// One replica at a time (a lease) runs the watch floor's detectors.
		defer a.wg.Done()
		a.AlertLoop.Run(ctx)
	}()
	a.wg.Add(1)
	go func() {
		// And adds answered and resolved cases to the SLA dashboard's rollups.
		defer a.wg.Done()
		watch.RunResponseRollup(ctx, a.DB, lease.New(a.DB), "", 30*time.Second,
			func(err error) { a.log.Warn("response rollup failed", "err", err) })
	}()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := a.Presence.Run(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("presence stopped", "err", err)
		}
	}()
	a.wg.Add(1)
	go func() {
		// Deleted posts' text and payload are kept as evidence for the
		// retention (KAVAL_DELETED_RETENTION, shorter where a platform's
		// terms ask), then really removed.
		defer a.wg.Done()
		t := time.NewTicker(purgeEvery)
		defer t.Stop()
		for {
			if n, err := a.Intake.PurgeDeleted(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("purging deleted posts failed", "err", err)
			} else if n > 0 {
				a.log.Info("purged the text of deleted posts past their retention", "posts", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.audit.run(ctx)
	}()
	a.wg.Add(1)
	go func() {
		// Recurring publications' next occurrences go to the outbox.
		defer a.wg.Done()
		a.Publish.Run(ctx, time.Minute)
	}()
	a.wg.Add(1)
	go func() {
		// Engagement on our posts, read from each platform.
		defer a.wg.Done()
		a.Publish.RunMetrics(ctx, a.Manager, 15*time.Minute)
	}()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.Notify.Run(ctx)
	}()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.Sweeper.Run(ctx, 30*time.Second)
	}()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.Acker.Run(ctx, 2*time.Second)
	}()
	a.wg.Add(1)
	go func() {
		// Rules on status changes (once per rule and event, any replica).
		defer a.wg.Done()
		a.Engine.RunStatusEvents(ctx, 15*time.Second)
	}()
	if err := a.Manager.Start(ctx); err != nil {
		a.log.Error("channels did not start", "err", err)
	}
	w := outbox.NewWorker(a.Outbox, a.Manager, outbox.WorkerOptions{
		// One process owns every claim on SQLite, so anything left in
		// sending was interrupted by a crash of this very desk.
		RecoverAll: a.DB.Dialect == store.SQLite, Metrics: a.metrics, Log: a.log})
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := w.Run(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("outbox stopped", "err", err)
		}
	}()
}

// StartPipeline starts analysing and threading stored posts; Start does it
// unless Config.DeferPipeline. Call it once, after Start.
func (a *App) StartPipeline() {
	ctx := a.ctx
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := a.Pipeline.Run(ctx, 30*time.Second); err != nil && ctx.Err() == nil {
			a.log.Error("pipeline stopped", "err", err)
		}
	}()
}

// masterKey loads KAVAL_MASTER_KEY; without one, the embedded default keeps
// a generated key beside the database (production should set the variable,
// so that the key and the data are not stolen together).
func masterKey(cfg Config) (*secretbox.Box, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	box, err := secretbox.FromEnv(getenv)
	if !errors.Is(err, secretbox.ErrNoKey) {
		return box, err
	}
	path := filepath.Join(cfg.DataDir, "master.key")
	key, err := secretbox.LoadOrCreateKeyFile(path)
	if err != nil {
		return nil, err
	}
	cfg.Log.Warn("no KAVAL_MASTER_KEY set: channel secrets are sealed with a key file beside the data; set KAVAL_MASTER_KEY in production", "file", path)
	return secretbox.New(key)
}

// Close stops the workers after the queued intake commits, then closes
// the bus and the database.
func (a *App) Close() {
	if a.cancel != nil {
		a.cancel()
	}
	if a.Manager != nil {
		a.Manager.Stop()
	}
	if a.Intake != nil {
		a.Intake.Close()
	}
	if a.UI != nil {
		a.UI.Close()
	}
	if a.Sandbox != nil {
		a.Sandbox.Close()
	}
	a.wg.Wait()
	if a.Bus != nil {
		a.Bus.Close()
	}
	if a.DB != nil {
		a.DB.Close()
	}
}

// EnsureAdmin creates the first administrator when there are no users and
// returns its one-time password ("" when users already exist).
func (a *App) EnsureAdmin(ctx context.Context, username string) (string, error) {
	users, err := a.Auth.ListUsers(ctx)
	if err != nil || len(users) > 0 {
		return "", err
	}
	_, pw, err := a.Auth.CreateUser(ctx, auth.NewUser{Username: username, Name: "Administrator", Role: auth.RoleAdmin})
	return pw, err
}

// LoadAnalyzer loads the embedded models once for intake and the pipeline.
func LoadAnalyzer() (post.Analyzer, error) {
	e, err := analyze.Default()
	if err != nil {
		return nil, fmt.Errorf("app: unable to load models: %w", err)
	}
	return func(p *post.Post) post.Analysis {
		return e.Analyze(analyze.Input{Text: p.Text, Platform: p.Platform, AuthorLocation: p.Author.Location, Lat: p.Lat, Lon: p.Lon})
	}, nil
}

// FromGeo converts pack units to stored units.
func FromGeo(us []geo.Unit) []unit.Unit {
	out := make([]unit.Unit, len(us))
	for i, u := range us {
		out[i] = unit.Unit{Code: u.Code, Kind: u.Kind, Name: u.Name, NameKn: u.NameKn, ParentCode: u.ParentCode,
			Phone: u.Phone, Email: u.Email, Lat: u.Lat, Lon: u.Lon, Geometry: u.Geometry}
	}
	return out
}

// SeedUnits loads the embedded Bengaluru jurisdiction pack into an empty
// units table, so a fresh desk routes cases from its first post.
func SeedUnits(ctx context.Context, db *store.DB) error {
	us := unit.NewStore(db)
	n, err := us.Count(ctx)
	if err != nil || n > 0 {
		return err
	}
	pack, err := geo.Default()
	if err != nil {
		return err
	}
	_, err = us.Upsert(ctx, FromGeo(pack.Units()))
	return err
}

// formSecret signs the public form's tokens. Replicas behind one load
// balancer must share it (KAVAL_FORM_SECRET), or a form rendered by one is
// refused by another; a single desk keeps a generated one in its data dir.
func formSecret(cfg Config) ([]byte, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if f := getenv("KAVAL_FORM_SECRET_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if v := getenv("KAVAL_FORM_SECRET"); v != "" {
		if len(v) < 16 {
			return nil, errors.New("app: KAVAL_FORM_SECRET must be at least 16 bytes")
		}
		return []byte(v), nil
	}
	return LoadOrCreateSecret(filepath.Join(cfg.DataDir, "form.key"))
}

// LoadOrCreateSecret reads a 32-byte key file, creating it (mode 0600) on
// first run.
func LoadOrCreateSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) < 32 {
			return nil, fmt.Errorf("app: %s is shorter than 32 bytes", path)
		}
		return b, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	b = make([]byte, 32)
	rand.Read(b)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, err
	}
	return b, nil
}

// purgeEvery is how often deleted posts past their retention are purged:
// well inside the shortest retention a platform asks for (X: a day).
const purgeEvery = 15 * time.Minute

// deletedRetention reads KAVAL_DELETED_RETENTION: how long the text of a
// post its author deleted is kept as evidence, as a Go duration ("2160h")
// or a number of days ("90d"); default 90 days.
func deletedRetention(cfg Config) (time.Duration, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	v := strings.TrimSpace(getenv("KAVAL_DELETED_RETENTION"))
	if v == "" {
		return ingest.DefaultDeletedRetention, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("app: KAVAL_DELETED_RETENTION %q is not a positive duration (\"90d\", \"2160h\")", v)
	}
	return d, nil
}

// shiftSupervisors lists the supervisors clocked in now (SLA alerts go to
// them; to every supervisor when nobody is).
func (a *App) shiftSupervisors(ctx context.Context) ([]int64, error) {
	on, err := a.Shift.OnShift(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, c := range on {
		if c.Role == auth.RoleSupervisor {
			ids = append(ids, c.UserID)
		}
	}
	return ids, nil
}
