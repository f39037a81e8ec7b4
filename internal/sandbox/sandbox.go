// Package sandbox is the training desk: a practice shift fed by the
// simulator's scenarios at a chosen speed, worked by a trainee on a desk
// of its own, then scored.
//
// Each session has its own SQLite database file (DataDir/sandbox/), its
// own desk, intake and pipeline, built here from the same packages as the
// live desk. Nothing else is built: no channels, no connectors, no outbox
// and no outbox worker, no bus. A practice reply is recorded on the
// session's own case timeline and goes nowhere: nothing in this package
// can reach a platform or the live desk (TestSandboxNeverReachesLive in
// internal/app proves it). Only the session's row and its scores are
// kept in the live database (training_sessions), so supervisors see the
// scores over time.
//
// Sessions run on the replica that started them (their database is a
// local file): behind several replicas, the practice pages need sticky
// sessions.
package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/geo"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// Options build a Manager.
type Options struct {
	DataDir   string                                 // sessions' databases go to DataDir/sandbox
	Analyze   post.Analyzer                          // the live desk's models (nil: posts are not analysed)
	Seed      func(context.Context, *store.DB) error // loads the jurisdiction pack into a new session's database
	Sensitive func(desk.Case) bool                   // replies that wait for a supervisor's approval (web.Sensitive)
	Now       func() time.Time
	Log       *slog.Logger
	// Gap, when set, replaces every scenario's spacing between posts
	// (tests run a shift in a second).
	Gap time.Duration
}

// Manager starts and finds sessions.
type Manager struct {
	live *store.DB
	opt  Options
	pack *geo.Pack

	mu   sync.Mutex
	open map[int64]*Session
	wg   sync.WaitGroup
	stop context.CancelFunc
	ctx  context.Context
}

// New returns a manager keeping sessions' rows in live.
func New(live *store.DB, opt Options) (*Manager, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Sensitive == nil {
		opt.Sensitive = func(c desk.Case) bool { return c.Priority == desk.P1 || c.Private }
	}
	pack, err := geo.Default()
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Manager{live: live, opt: opt, pack: pack, open: map[int64]*Session{}, ctx: ctx, stop: stop}, nil
}

// Close stops the feeds and closes the sessions' databases.
func (m *Manager) Close() {
	m.stop()
	m.wg.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, s := range m.open {
		s.close()
		delete(m.open, id)
	}
}

// Status of a session.
const (
	StatusRunning  = "running"
	StatusFinished = "finished"
)

// Info is a session as listed.
type Info struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	Username   string    `json:"username,omitempty"`
	Scenario   string    `json:"scenario"`
	Speed      int       `json:"speed"`
	Posts      int       `json:"posts"`
	Arrived    int       `json:"arrived"`
	Status     string    `json:"status"`
	Scores     *Scores   `json:"scores,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// Session is a running practice desk.
type Session struct {
	id, user int64
	db       *store.DB
	desk     *desk.Desk
	in       *ingest.Intake
	pl       *pipeline.Pipeline
	arrived  atomic.Int64
	posts    int
	mu       sync.Mutex // one action at a time

	stopFeed context.CancelFunc // nil when nothing feeds it
	fed      chan struct{}      // closed when the feed has stopped
}

// close stops the feed and closes the database.
func (s *Session) close() {
	if s.stopFeed != nil {
		s.stopFeed()
		<-s.fed
	}
	if s.in != nil {
		s.in.Close()
	}
	s.db.Close()
}

// ValidationError names a refused input.
type ValidationError struct{ Field, Message string }

func (e *ValidationError) Error() string        { return "sandbox: " + e.Field + ": " + e.Message }
func (e *ValidationError) InvalidField() string { return e.Field }

// ErrNotFound: no such session (or not this trainee's), or no such case.
var ErrNotFound = fmt.Errorf("sandbox: %w", store.ErrNotFound)

func (m *Manager) dir() string { return filepath.Join(m.opt.DataDir, "sandbox") }

func (m *Manager) file(id int64) string {
	return filepath.Join(m.dir(), "session-"+strconv.FormatInt(id, 10)+".db")
}

// Start opens a practice session for p and starts feeding it.
func (m *Manager) Start(ctx context.Context, p *auth.Principal, scenarioKey string, speed int) (Info, error) {
	sc, ok := ScenarioByKey(scenarioKey)
	if !ok {
		return Info{}, &ValidationError{"scenario", "unknown scenario " + strconv.Quote(scenarioKey)}
	}
	if !slices.Contains(Speeds, speed) {
		return Info{}, &ValidationError{"speed", "speed is 1, 2, 5 or 10"}
	}
	now := m.opt.Now().UTC()
	var id int64
	if err := m.live.Tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO training_sessions (user_id, scenario, speed, posts, started_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			p.UserID, sc.Key, speed, sc.Posts, store.Millis(now)).Scan(&id)
	}); err != nil {
		return Info{}, fmt.Errorf("sandbox: unable to record a session: %w", err)
	}
	s, err := m.build(ctx, id, p)
	if err != nil {
		// No practice desk: the session never was.
		m.live.Write.ExecContext(ctx, "DELETE FROM training_sessions WHERE id = $1", id)
		return Info{}, err
	}
	s.posts = sc.Posts
	fctx, stop := context.WithCancel(m.ctx)
	s.stopFeed, s.fed = stop, make(chan struct{})
	m.mu.Lock()
	m.open[id] = s
	m.mu.Unlock()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer close(s.fed)
		m.feed(fctx, s, sc, speed)
	}()
	return m.Info(ctx, id, p.UserID)
}

// build creates the session's database and desk.
func (m *Manager) build(ctx context.Context, id int64, p *auth.Principal) (*Session, error) {
	if err := os.MkdirAll(m.dir(), 0o750); err != nil {
		return nil, err
	}
	// A file left under this id (a live database restored from before
	// it) is no practice of this session.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(m.file(id) + suffix); err != nil && !os.IsNotExist(err) {
			return nil, err
		}
	}
	db, err := store.Open(ctx, "sqlite:"+m.file(id))
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Session, error) {
		db.Close()
		return nil, fmt.Errorf("sandbox: unable to prepare session %d: %w", id, err)
	}
	if err := db.Migrate(ctx); err != nil {
		return fail(err)
	}
	if m.opt.Seed != nil {
		if err := m.opt.Seed(ctx, db); err != nil {
			return fail(err)
		}
	}
	// The trainee exists in their practice desk under their own id, so the
	// timeline names them; nobody else does.
	if _, err := db.Write.ExecContext(ctx, `INSERT INTO users (id, username, name, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		p.UserID, p.Username, p.Name, string(p.Role), store.Millis(m.opt.Now())); err != nil {
		return fail(err)
	}
	if _, err := db.Write.ExecContext(ctx, `CREATE TABLE practice_posts (
		external_id TEXT PRIMARY KEY, theme TEXT NOT NULL, place TEXT NOT NULL,
		station TEXT NOT NULL, -- the name of the police station whose area the place is in
		arrived_at INTEGER NOT NULL)`); err != nil {
		return fail(err)
	}
	s := &Session{id: id, user: p.UserID, db: db}
	s.desk = desk.New(db, desk.Options{RefPrefix: "PRACTICE", Now: m.opt.Now})
	if err := s.desk.SeedTemplates(ctx); err != nil {
		return fail(err)
	}
	if err := s.desk.ReloadUnits(ctx); err != nil {
		return fail(err)
	}
	s.in = ingest.New(db, nil, ingest.Options{Analyze: m.opt.Analyze, Now: m.opt.Now, Log: m.opt.Log})
	s.pl = pipeline.New(db, s.desk, nil, m.opt.Analyze, pipeline.Options{Now: m.opt.Now, Log: m.opt.Log})
	return s, nil
}

// feed puts the scenario's posts on the session's desk, one every
// Spacing/speed, through the session's own intake and pipeline.
func (m *Manager) feed(ctx context.Context, s *Session, sc Scenario, speed int) {
	gap := sc.Spacing / time.Duration(speed)
	if m.opt.Gap > 0 {
		gap = m.opt.Gap
	}
	for i, e := range sc.events() {
		if i > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(gap):
			}
		}
		if err := m.put(ctx, s, e.Theme, e.Place, eventPost(e, m.opt.Now().UTC())); err != nil {
			m.opt.Log.Warn("sandbox: a practice post was not put on the desk", "session", s.id, "err", err)
			continue
		}
		s.arrived.Add(1)
	}
}

func (m *Manager) put(ctx context.Context, s *Session, theme, place string, p post.Post) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	station := ""
	if pl := placeByName(place); pl != nil {
		if loc := m.pack.Locate(pl.Lat, pl.Lon); loc.Station != "" {
			station = loc.Station
		}
	}
	if _, err := s.db.Write.ExecContext(ctx, "INSERT INTO practice_posts (external_id, theme, place, station, arrived_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
		p.ExternalID, theme, place, station, store.Millis(m.opt.Now())); err != nil {
		return err
	}
	res, err := s.in.Submit(ctx, []post.Post{p})
	if err != nil {
		return err
	}
	if res[0].Err != nil {
		return res[0].Err
	}
	return s.pl.Process(ctx, []int64{res[0].ID})
}

// session finds a trainee's session, reopening its database after a
// restart (its feed does not resume: what arrived is the shift).
func (m *Manager) session(ctx context.Context, id, user int64) (*Session, Info, error) {
	info, err := m.info(ctx, id)
	if err != nil {
		return nil, info, err
	}
	if info.UserID != user {
		return nil, info, ErrNotFound
	}
	if info.Status != StatusRunning {
		return nil, info, errFinished // its practice database is gone
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.open[id]; s != nil {
		return s, info, nil
	}
	if _, err := os.Stat(m.file(id)); err != nil {
		return nil, info, fmt.Errorf("sandbox: session %d is not on this replica: %w", id, store.ErrNotFound)
	}
	db, err := store.Open(ctx, "sqlite:"+m.file(id))
	if err != nil {
		return nil, info, err
	}
	s := &Session{id: id, user: user, db: db, posts: info.Posts}
	s.desk = desk.New(db, desk.Options{RefPrefix: "PRACTICE", Now: m.opt.Now})
	if err := s.desk.ReloadUnits(ctx); err != nil {
		db.Close()
		return nil, info, err
	}
	var n int64
	db.Read.QueryRowContext(ctx, "SELECT count(*) FROM practice_posts").Scan(&n)
	s.arrived.Store(n)
	m.open[id] = s
	return s, info, nil
}

func (m *Manager) info(ctx context.Context, id int64) (Info, error) {
	rows, err := m.list(ctx, "t.id = $1", id)
	if err != nil {
		return Info{}, err
	}
	if len(rows) == 0 {
		return Info{}, ErrNotFound
	}
	return rows[0], nil
}

// Info returns a trainee's session with how many posts arrived.
func (m *Manager) Info(ctx context.Context, id, user int64) (Info, error) {
	s, info, err := m.session(ctx, id, user)
	if errors.Is(err, errFinished) {
		return info, nil
	}
	if err != nil {
		return info, err
	}
	info.Arrived = int(s.arrived.Load())
	return info, nil
}

// Sessions lists sessions, newest first: one trainee's (user > 0) or
// everyone's (for supervisors).
func (m *Manager) Sessions(ctx context.Context, user int64, limit int) ([]Info, error) {
	if user > 0 {
		return m.list(ctx, "t.user_id = $1 ORDER BY t.started_at DESC LIMIT "+strconv.Itoa(limit), user)
	}
	return m.list(ctx, "1 = 1 ORDER BY t.started_at DESC LIMIT "+strconv.Itoa(limit))
}

func (m *Manager) list(ctx context.Context, where string, args ...any) ([]Info, error) {
	rows, err := m.live.Read.QueryContext(ctx, `SELECT t.id, t.user_id, COALESCE(u.username, ''), t.scenario, t.speed, t.posts, t.status, t.scores,
		t.started_at, COALESCE(t.finished_at, 0) FROM training_sessions t LEFT JOIN users u ON u.id = t.user_id WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sandbox: unable to list sessions: %w", err)
	}
	defer rows.Close()
	out := []Info{}
	for rows.Next() {
		var x Info
		var scores string
		var started, finished int64
		if err := rows.Scan(&x.ID, &x.UserID, &x.Username, &x.Scenario, &x.Speed, &x.Posts, &x.Status, &scores, &started, &finished); err != nil {
			return nil, err
		}
		x.StartedAt, x.FinishedAt = store.Time(started), store.Time(finished)
		if x.Status == StatusFinished {
			x.Scores = &Scores{}
			if err := jsonUnmarshal(scores, x.Scores); err != nil {
				return nil, err
			}
			x.Arrived = x.Posts
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

var errFinished error = &ValidationError{"session", "this practice shift is finished"}

// IsNotFound reports a missing session or case.
func IsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
