// Package benchseed fills a desk's database with a large, plausible case
// load quickly, for measuring the desk's pages and queries at the sizes
// issue 11 names (1,000,000 posts). It writes rows directly (cases,
// posts with their search index, authors, timeline rows, tags) instead of
// going through intake and the pipeline, which thread ~1,500 posts/s:
// the shape of the data is what the queries care about, not how it came.
//
// The load is deterministic for a seed: cases in every status (a backlog
// of active cases, half of them recent and half overdue), priorities and
// urgencies as triage gives them, categories from the simulated texts'
// themes, a skewed spread over stations (a few busy ones), assignees, and
// two outliers for the case page: one case with a very long thread and
// one citizen (three linked accounts) with hundreds of cases.
package benchseed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
	"github.com/kaval-desk/kaval/internal/store"
)

// Config shapes the load.
type Config struct {
	Posts       int       // posts to add
	ActiveShare float64   // share of cases still to act on (default 0.2)
	Days        int       // posts spread over this many days before Now (default 90)
	LongThread  int       // posts of the one long case (default 600, 0 < n)
	Agents      int       // desk users cases are assigned to (default 40)
	Seed        uint64    // default 42
	Now         time.Time // default time.Now()
	Progress    func(posts int)
}

// Result says what was written and where the outliers are.
type Result struct {
	Posts, Cases int
	LongCase     int64   // the case with the long thread
	CitizenCase  int64   // a case of the citizen with many cases
	Citizen      int64   // that citizen
	Agents       []int64 // user ids cases are assigned to
}

// station is a unit cases are routed to, with its weight.
type station struct {
	id int64
	w  float64
}

// categoryOf maps the simulator's themes to the analyser's categories.
var categoryOf = map[string]string{
	scenario.ThemeTraffic: "traffic_parking", scenario.ThemeChainSnatching: "theft", scenario.ThemeMissingChild: "missing_person",
	scenario.ThemeNoise: "noise_nuisance", scenario.ThemeUPIFraud: "cybercrime_fraud", scenario.ThemePraise: "appreciation",
	scenario.ThemeAbuse: "police_complaint", scenario.ThemeRumour: "rumour", scenario.ThemeFlood: "civic",
	scenario.ThemeRiot: "public_order", scenario.ThemeVehicleTheft: "theft", scenario.ThemeNews: "information_request",
}

// Seed adds cfg.Posts posts (and their cases) to db. Units must exist.
func Seed(ctx context.Context, db *store.DB, cfg Config) (Result, error) {
	if cfg.ActiveShare <= 0 {
		cfg.ActiveShare = 0.2
	}
	if cfg.Days <= 0 {
		cfg.Days = 90
	}
	if cfg.LongThread <= 0 {
		cfg.LongThread = 600
	}
	if cfg.Agents <= 0 {
		cfg.Agents = 40
	}
	if cfg.Seed == 0 {
		cfg.Seed = 42
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	s := &seeder{db: db, cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 7))}
	if err := s.prepare(ctx); err != nil {
		return Result{}, err
	}
	if err := s.run(ctx); err != nil {
		return Result{}, err
	}
	return s.res, nil
}

type seeder struct {
	db       *store.DB
	cfg      Config
	rng      *rand.Rand
	gen      *scenario.Generator
	stations []station
	total    float64
	res      Result

	caseID, postID, authorID, eventID int64
	citizenAuthors                    []int64
	regulars                          []int64
	w                                 *writer
}

func (s *seeder) prepare(ctx context.Context) error {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id FROM units WHERE kind IN ('station', 'traffic_station') ORDER BY id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		// Zipf-like: a few stations take most of the traffic.
		w := 1 / float64(len(s.stations)%37+1)
		s.stations = append(s.stations, station{id, w})
		s.total += w
	}
	rows.Close()
	if len(s.stations) == 0 {
		return fmt.Errorf("benchseed: no stations (seed the units first)")
	}
	for _, q := range []struct {
		sql string
		v   *int64
	}{{"SELECT COALESCE(MAX(id), 0) FROM cases", &s.caseID}, {"SELECT COALESCE(MAX(id), 0) FROM posts", &s.postID},
		{"SELECT COALESCE(MAX(id), 0) FROM authors", &s.authorID}} {
		if err := s.db.Read.QueryRowContext(ctx, q.sql).Scan(q.v); err != nil {
			return err
		}
	}
	s.gen = scenario.New(scenario.Config{Seed: s.cfg.Seed + uint64(s.postID), FirstSeq: s.postID})
	return s.users(ctx)
}

// users makes the agents cases are assigned to (no password: they cannot
// log in) unless a previous run made them.
func (s *seeder) users(ctx context.Context) error {
	now := store.Millis(s.cfg.Now)
	for i := range s.cfg.Agents {
		name := "bench-agent-" + strconv.Itoa(i+1)
		var id int64
		err := s.db.Write.QueryRowContext(ctx, `INSERT INTO users (username, name, role, password_hash, created_at, updated_at)
			VALUES ($1, $2, 'agent', '', $3, $3) ON CONFLICT (username) DO UPDATE SET updated_at = users.updated_at RETURNING id`,
			name, "Agent "+strconv.Itoa(i+1), now).Scan(&id)
		if err != nil {
			return fmt.Errorf("benchseed: user: %w", err)
		}
		s.res.Agents = append(s.res.Agents, id)
	}
	return nil
}

func (s *seeder) pickStation() int64 {
	x := s.rng.Float64() * s.total
	for _, st := range s.stations {
		if x -= st.w; x <= 0 {
			return st.id
		}
	}
	return s.stations[len(s.stations)-1].id
}

// postsOfCase: one post for most cases, a few replies for some.
func (s *seeder) postsOfCase() int {
	n := 1
	for n < 40 && s.rng.Float64() < 0.6 {
		n++
	}
	return n
}

func (s *seeder) run(ctx context.Context) error {
	cfg := s.cfg
	span := time.Duration(cfg.Days) * 24 * time.Hour
	const chunk = 4000 // cases a transaction
	done := 0
	longAt := cfg.Posts / 2
	for done < cfg.Posts {
		tx, err := s.db.Write.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		s.w = newWriter(s.db.Dialect, tx)
		if s.citizenAuthors == nil {
			if err := s.citizen(ctx); err != nil {
				tx.Rollback()
				return err
			}
		}
		for k := 0; k < chunk && done < cfg.Posts; k++ {
			n := min(s.postsOfCase(), cfg.Posts-done)
			long := done <= longAt && longAt < done+n && s.res.LongCase == 0
			if long {
				n = max(n, min(cfg.LongThread, cfg.Posts-done))
			}
			// Cases open in time order, as a live desk's do.
			created := cfg.Now.Add(-span + time.Duration(float64(span)*float64(done)/float64(cfg.Posts)))
			if err := s.oneCase(ctx, n, created, long); err != nil {
				tx.Rollback()
				return err
			}
			done += n
		}
		if err := s.w.flush(ctx); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		if cfg.Progress != nil {
			cfg.Progress(done)
		}
	}
	s.res.Posts = done
	if s.db.Dialect == store.Postgres {
		// The rows were written with their ids: move the sequences past
		// them, or the desk's next insert collides.
		for _, t := range []string{"posts", "cases", "authors"} {
			if _, err := s.db.Write.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), (SELECT MAX(id) FROM "+t+"))"); err != nil {
				return fmt.Errorf("benchseed: %s sequence: %w", t, err)
			}
		}
	}
	return nil
}

// citizen makes one citizen with three linked accounts; one case in 500
// is theirs, so at 1M posts they have ~800 cases.
func (s *seeder) citizen(ctx context.Context) error {
	now := store.Millis(s.cfg.Now)
	if err := s.w.tx.QueryRowContext(ctx, "INSERT INTO citizens (name, created_at) VALUES ($1, $2) RETURNING id",
		"Bench regular", now).Scan(&s.res.Citizen); err != nil {
		return err
	}
	for i, pl := range []string{post.X, post.WhatsApp, post.Facebook} {
		id := s.newAuthor(pl, "regular"+strconv.Itoa(i), now, s.res.Citizen)
		s.citizenAuthors = append(s.citizenAuthors, id)
	}
	return nil
}

func (s *seeder) newAuthor(platform, handle string, at int64, citizen any) int64 {
	s.authorID++
	id := s.authorID
	if handle == "" {
		handle = "citizen" + strconv.FormatInt(id, 10)
	}
	s.w.add("authors", id, platform, "seed-a"+strconv.FormatInt(id, 10), handle, "Citizen "+strconv.FormatInt(id, 10), citizen, at, at)
	return id
}

// author picks a case's author: the citizen for one case in 500, a
// regular (one of 2,000 frequent posters) for one in ten, else new.
func (s *seeder) author(platform string, at int64) (int64, string) {
	switch r := s.rng.IntN(500); {
	case r == 0:
		i := s.rng.IntN(len(s.citizenAuthors))
		return s.citizenAuthors[i], []string{post.X, post.WhatsApp, post.Facebook}[i]
	case r < 50 && len(s.regulars) >= 2000:
		id := s.regulars[s.rng.IntN(len(s.regulars))]
		return id, post.Platforms[id%int64(len(post.Platforms)-2)]
	}
	platform = post.Platforms[(s.authorID+1)%int64(len(post.Platforms)-2)]
	id := s.newAuthor(platform, "", at, nil)
	if len(s.regulars) < 2000 {
		s.regulars = append(s.regulars, id)
	}
	return id, platform
}

var (
	frDue  = []time.Duration{15 * time.Minute, time.Hour, 4 * time.Hour, 24 * time.Hour}
	resDue = []time.Duration{4 * time.Hour, 24 * time.Hour, 72 * time.Hour, 7 * 24 * time.Hour}
	urgLo  = []int{80, 50, 10, 0}
	urgHi  = []int{100, 85, 60, 30}
)

func (s *seeder) priority() int {
	switch r := s.rng.IntN(100); {
	case r < 3:
		return 1
	case r < 18:
		return 2
	case r < 88:
		return 3
	}
	return 4
}

func (s *seeder) oneCase(ctx context.Context, n int, created time.Time, long bool) error {
	rng := s.rng
	s.caseID++
	id := s.caseID
	status := "closed"
	active := rng.Float64() < s.cfg.ActiveShare
	if active {
		status = []string{"new", "new", "open", "open", "waiting_citizen", "waiting_station"}[rng.IntN(6)]
		if rng.IntN(2) == 0 { // half the backlog arrived in the last two days
			created = s.cfg.Now.Add(-time.Duration(rng.Int64N(int64(48 * time.Hour))))
		}
	} else if rng.IntN(3) == 0 {
		status = "resolved"
	}
	if long {
		status, s.res.LongCase = "open", id
	}
	prio := s.priority()
	urg := urgLo[prio-1] + rng.IntN(urgHi[prio-1]-urgLo[prio-1]+1)
	c0 := store.Millis(created)
	var first scenario.Event
	for first.Text == "" || first.Theme == scenario.ThemeReply || first.Theme == scenario.ThemeFollowUp {
		first = s.gen.Next()
	}
	authorID, platform := s.author(first.Platform, c0)
	if authorID == s.citizenAuthors[0] || authorID == s.citizenAuthors[1] || authorID == s.citizenAuthors[2] {
		s.res.CitizenCase = id
	}
	category := categoryOf[first.Theme]
	if category == "" || rng.IntN(10) == 0 {
		category = []string{"civic", "information_request", "lost_found", "womens_safety", "elderly", "drugs", "spam", "emergency", "child_safety"}[rng.IntN(9)]
	}
	var unit, assignee any
	if rng.IntN(100) < 92 {
		unit = s.pickStation()
	}
	if !active || status != "new" && rng.IntN(10) < 8 {
		assignee = s.res.Agents[rng.IntN(len(s.res.Agents))]
	}
	frd, rsd := c0+frDue[prio-1].Milliseconds(), c0+resDue[prio-1].Milliseconds()
	var fra, resolved, closed any
	if status != "new" {
		fra = c0 + rng.Int64N(frDue[prio-1].Milliseconds()*2)
	}
	last := c0
	step := int64(time.Minute / time.Millisecond)
	if !long {
		step = int64(20 * time.Minute / time.Millisecond)
	}
	// Posts: the first is the simulated text; replies follow minutes apart.
	for i := range n {
		e := first
		if i > 0 {
			e = s.gen.Next()
		}
		s.postID++
		at := c0 + int64(i)*(1+rng.Int64N(step))
		last = at
		p := post.Post{Text: e.Text, Author: post.Author{Handle: "citizen" + strconv.FormatInt(authorID, 10)}}
		s.w.add("posts", s.postID, platform, "seed-"+strconv.FormatInt(s.postID, 10), post.KindMention,
			"seed-a"+strconv.FormatInt(authorID, 10), p.Author.Handle, authorID, e.Text, at, at, e.Lang,
			[]string{"negative", "neutral", "positive"}[rng.IntN(3)], urg, boolInt(prio == 1), category, id, 2,
			ingest.SearchBody(&p))
		s.w.add("case_events", id, at, "post", `{"post_id":`+strconv.FormatInt(s.postID, 10)+`}`)
	}
	if status == "resolved" || status == "closed" {
		resolved = last + rng.Int64N(resDue[prio-1].Milliseconds())
		if status == "closed" {
			closed = resolved.(int64) + 60000
		}
		s.w.add("case_events", id, resolved, "status", `{"from":"open","to":"`+status+`"}`)
	}
	updated := last
	if v, ok := closed.(int64); ok {
		updated = v
	} else if v, ok := resolved.(int64); ok {
		updated = v
	}
	subject := first.Text
	if r := []rune(subject); len(r) > 120 {
		subject = string(r[:120])
	}
	s.w.add("cases", id, "SEED-"+strconv.FormatInt(id, 10), status, prio, urg, category, subject, platform,
		"seed:"+strconv.FormatInt(id, 10), authorID, assignee, unit, first.Lang, n, frd, rsd, fra, resolved, closed, last, c0, updated)
	if rng.IntN(30) == 0 {
		s.w.add("case_tags", id, []string{"vip", "repeat", "media", "followup"}[rng.IntN(4)])
	}
	if len(s.w.rows["posts"]) >= 20000 {
		return s.w.flush(ctx)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The columns written per table, in the order oneCase passes values.
var tables = []struct {
	name string
	cols []string
}{
	{"authors", []string{"id", "platform", "external_id", "handle", "name", "citizen_id", "first_seen_at", "last_seen_at"}},
	{"cases", []string{"id", "ref", "status", "priority", "urgency", "category", "subject", "platform", "thread_key",
		"author_id", "assignee_id", "unit_id", "lang", "post_count", "first_response_due", "resolve_due", "first_response_at",
		"resolved_at", "closed_at", "last_post_at", "created_at", "updated_at"}},
	{"posts", []string{"id", "platform", "external_id", "kind", "author_external_id", "author_handle", "author_id",
		"text", "created_at", "received_at", "lang", "sentiment", "urgency", "emergency", "category", "case_id", "stage",
		"search"}}, // search: SQLite's posts_fts, PostgreSQL's tsvector column
	{"case_events", []string{"case_id", "at", "kind", "body"}},
	{"case_tags", []string{"case_id", "tag"}},
}
