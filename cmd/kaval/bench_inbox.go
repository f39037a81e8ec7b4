package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/kaval-desk/kaval/internal/app"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/benchseed"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/ui"
)

func init() {
	register(command{name: "bench-inbox", summary: "inbox and case page server time with N posts stored", run: benchInbox})
}

// benchPassword is the bench users' password (bench databases only).
const benchPassword = "bench inbox password 42"

// benchInbox seeds a large case load directly (internal/benchseed) and
// times the inbox page as a desk uses it, every variant through the whole
// HTTP handler in-process (session, permissions, the queries, the
// template), beside the desk query alone.
func benchInbox(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "bench inbox", "[--posts N] [--db URL] [--runs N] [--only NAME]")
	n := fs.Int("posts", 1000000, "posts to store before measuring (only the missing ones are added)")
	dsn := fs.String("db", "", "database (default: sqlite in $TMPDIR/kaval-bench-inbox, kept between runs)")
	runs := fs.Int("runs", 100, "timed runs of each variant")
	only := fs.String("only", "", "run only the variants whose name contains this")
	plans := fs.Bool("plans", false, "print each variant's query plan")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the timed runs to FILE")
	sse := fs.Int("sse", 50, "live inboxes a new case is pushed to (0: skip)")
	sseRounds := fs.Int("sse-rounds", 20, "new cases pushed to the live inboxes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := filepath.Join(os.TempDir(), "kaval-bench-inbox")
	os.MkdirAll(dir, 0o750)
	if *dsn == "" {
		*dsn = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	appName := ""
	if strings.HasPrefix(*dsn, "postgres") {
		*dsn, appName = withAppName(*dsn)
	}
	a, err := app.New(ctx, app.Config{DB: *dsn, DataDir: dir, NoAnalysis: true, AuthConfig: auth.Config{Hash: auth.TestHashParams},
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer a.Close()
	db := a.DB
	var have int
	db.Read.QueryRowContext(ctx, "SELECT count(*) FROM posts").Scan(&have)
	if have < *n {
		prog := newProgress(env.stderr, "seeding", int64(*n))
		t0 := time.Now()
		res, err := benchseed.Seed(ctx, db, benchseed.Config{Posts: *n - have, Progress: func(k int) { prog.update(int64(have+k), "") }})
		if err != nil {
			return err
		}
		prog.done(int64(*n), "")
		fmt.Fprintf(env.stdout, "seeded %d posts in %s (%.0f posts/s)\n", res.Posts, time.Since(t0).Round(time.Second),
			float64(res.Posts)/time.Since(t0).Seconds())
		if db.Dialect == store.Postgres {
			db.Write.ExecContext(ctx, "ANALYZE")
		}
	}
	fx, err := newInboxFixture(ctx, a)
	if err != nil {
		return err
	}
	if db.Dialect == store.Postgres && appName != "" {
		fx.srv = &serverCPU{db: db, app: appName}
		if err := fx.srv.refresh(ctx); err != nil || len(fx.srv.pids) == 0 || fx.srv.now() == 0 {
			fx.srv = nil // not readable here: no server column
		}
	}
	var posts, cases, active int
	db.Read.QueryRowContext(ctx, "SELECT count(*) FROM posts").Scan(&posts)
	db.Read.QueryRowContext(ctx, "SELECT count(*) FROM cases").Scan(&cases)
	db.Read.QueryRowContext(ctx, "SELECT count(*) FROM cases WHERE status NOT IN ('resolved', 'closed')").Scan(&active)
	fmt.Fprintf(env.stdout, "inbox on %s: %d posts, %d cases (%d active), %d runs each; times are server time in-process\n",
		db.Dialect, posts, cases, active, *runs)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	srvHead := ""
	if fx.srv != nil {
		srvHead = " | server CPU p50 / p95 / max (the page's backends)"
	}
	fmt.Fprintf(env.stdout, "  %-34s %5s | %-26s | %-26s | %s%s\n", "variant", "rows", "query p50 / p95 / max", "page p50 / p95 / max", "page CPU p50 / p95 / max", srvHead)
	for _, v := range fx.variants() {
		if *only != "" && !strings.Contains(v.name, *only) {
			continue
		}
		if err := fx.measure(ctx, env.stdout, v, *runs, *plans); err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
	}
	if *sse > 0 && (*only == "" || strings.Contains("sse", *only)) {
		if err := fx.sseFanout(ctx, env.stdout, *sse, *sseRounds); err != nil {
			return fmt.Errorf("sse: %w", err)
		}
	}
	fmt.Fprintf(env.stdout, "  peak RSS %s\n", peakRSS())
	return nil
}

// inboxFixture is the logged-in users and the ids the variants need.
type inboxFixture struct {
	a        *app.App
	h        http.Handler
	cookies  map[string][]*http.Cookie // by bench user
	users    map[string]*auth.User
	station  int64 // the busiest station
	subdiv   int64 // the busiest sub-division (several stations)
	division int64 // the division above it
	longCase int64
	citCase  int64
	srv      *serverCPU // PostgreSQL on this host: its backends' CPU time
}

func newInboxFixture(ctx context.Context, a *app.App) (*inboxFixture, error) {
	fx := &inboxFixture{a: a, h: a.Handler(), cookies: map[string][]*http.Cookie{}, users: map[string]*auth.User{}}
	db := a.DB
	err := db.Read.QueryRowContext(ctx, `SELECT unit_id FROM cases WHERE unit_id IS NOT NULL AND id > (SELECT MAX(id) - 20000 FROM cases)
		GROUP BY unit_id ORDER BY count(*) DESC LIMIT 1`).Scan(&fx.station)
	if err != nil {
		return nil, fmt.Errorf("no routed cases: %w", err)
	}
	// The sub-division with the most open cases, and the division above it.
	db.Read.QueryRowContext(ctx, `SELECT p.id FROM units p JOIN units u ON u.parent_id = p.id JOIN cases c ON c.unit_id = u.id
		WHERE p.kind = 'subdivision' AND c.status IN ('new', 'open') GROUP BY p.id ORDER BY count(*) DESC LIMIT 1`).Scan(&fx.subdiv)
	db.Read.QueryRowContext(ctx, "SELECT COALESCE(parent_id, 0) FROM units WHERE id = $1", fx.subdiv).Scan(&fx.division)
	db.Read.QueryRowContext(ctx, "SELECT id FROM cases WHERE ref LIKE 'SEED-%' ORDER BY post_count DESC LIMIT 1").Scan(&fx.longCase)
	db.Read.QueryRowContext(ctx, `SELECT c.id FROM cases c JOIN authors a ON a.id = c.author_id WHERE a.citizen_id IS NOT NULL
		ORDER BY c.id DESC LIMIT 1`).Scan(&fx.citCase)
	for _, u := range []struct {
		name string
		role auth.Role
		unit int64
	}{{"bench-supervisor", auth.RoleSupervisor, 0}, {"bench-agent", auth.RoleAgent, 0},
		{"bench-station", auth.RoleStationOfficer, fx.station}, {"bench-subdivision", auth.RoleStationOfficer, fx.subdiv},
		{"bench-division", auth.RoleStationOfficer, fx.division}} {
		usr, err := a.Auth.GetUserByUsername(ctx, u.name)
		if err != nil {
			usr, _, err = a.Auth.CreateUser(ctx, auth.NewUser{Username: u.name, Name: u.name, Role: u.role, UnitID: u.unit, Password: benchPassword})
			if err != nil {
				return nil, err
			}
		}
		fx.users[u.name] = usr
		if fx.cookies[u.name], err = login(fx.h, u.name); err != nil {
			return nil, err
		}
	}
	// "Assigned to me": the bench agent takes over one seeded agent's cases.
	var mine int
	me := fx.users["bench-agent"].ID
	db.Read.QueryRowContext(ctx, "SELECT count(*) FROM cases WHERE assignee_id = $1", me).Scan(&mine)
	if mine == 0 {
		if _, err := db.Write.ExecContext(ctx, `UPDATE cases SET assignee_id = $1 WHERE assignee_id =
			(SELECT id FROM users WHERE username = 'bench-agent-1')`, me); err != nil {
			return nil, err
		}
	}
	return fx, nil
}

// login signs a bench user in through the login form and returns the
// session cookies.
func login(h http.Handler, username string) ([]*http.Cookie, error) {
	ts := httptest.NewServer(h)
	defer ts.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, _ := http.NewRequest("POST", ts.URL+ui.LoginPath, strings.NewReader(url.Values{"username": {username}, "password": {benchPassword}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", ts.URL)
	res, err := c.Do(r)
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("login as %s: status %d", username, res.StatusCode)
	}
	u, _ := url.Parse(ts.URL)
	return jar.Cookies(u), nil
}

type inboxVariant struct {
	name string
	user string
	path string // the page
	// filter and scope for the desk query alone ("" path: no page)
	f  desk.CaseFilter
	sc desk.Scope
}

// afterWrite names the variants each run of which is the first search
// after a write to the search index: the common words' kept sets
// (internal/desk/search_cache.go) are dropped before it.
const afterWrite = ", after a write"

func (v inboxVariant) cold() bool { return strings.HasSuffix(v.name, afterWrite) }

func (fx *inboxFixture) variants() []inboxVariant {
	active := []string{desk.StatusNew, desk.StatusOpen, desk.StatusWaitingCitizen, desk.StatusWaitingStation}
	stScope := desk.Scope{Restricted: true, UnitID: fx.station}
	sdScope := desk.Scope{Restricted: true, UnitID: fx.subdiv}
	dvScope := desk.Scope{Restricted: true, UnitID: fx.division}
	me := fx.users["bench-agent"].ID
	vs := []inboxVariant{
		{"triage order (default)", "bench-supervisor", "/desk/inbox", desk.CaseFilter{Status: active}, desk.Scope{}},
		{"page 2 (cursor)", "bench-supervisor", "", desk.CaseFilter{Status: active}, desk.Scope{}},
		{"sort=deadline", "bench-supervisor", "/desk/inbox?sort=deadline", desk.CaseFilter{Status: active, Sort: desk.SortDeadline}, desk.Scope{}},
		{"sort=updated", "bench-supervisor", "/desk/inbox?sort=updated", desk.CaseFilter{Status: active, Sort: desk.SortUpdated}, desk.Scope{}},
		{"station officer (station)", "bench-station", "/desk/inbox", desk.CaseFilter{Status: active}, stScope},
		{"station officer (sub-division)", "bench-subdivision", "/desk/inbox", desk.CaseFilter{Status: active}, sdScope},
		{"station officer (division)", "bench-division", "/desk/inbox", desk.CaseFilter{Status: active}, dvScope},
		{"station, sort=deadline", "bench-station", "/desk/inbox?sort=deadline", desk.CaseFilter{Status: active, Sort: desk.SortDeadline}, stScope},
		{"category=theft", "bench-supervisor", "/desk/inbox?category=theft", desk.CaseFilter{Status: active, Category: "theft"}, desk.Scope{}},
		{"category=missing_person", "bench-supervisor", "/desk/inbox?category=missing_person", desk.CaseFilter{Status: active, Category: "missing_person"}, desk.Scope{}},
		{"overdue", "bench-supervisor", "/desk/inbox?overdue=1", desk.CaseFilter{Status: active, Overdue: true}, desk.Scope{}},
		{"overdue, unassigned", "bench-supervisor", "/desk/inbox?overdue=1&assignee=none", desk.CaseFilter{Status: active, Overdue: true, Unassigned: true}, desk.Scope{}},
		{"assignee=me", "bench-agent", "/desk/inbox?assignee=me", desk.CaseFilter{Status: active, AssigneeID: me}, desk.Scope{}},
		{"unassigned", "bench-supervisor", "/desk/inbox?assignee=none", desk.CaseFilter{Status: active, Unassigned: true}, desk.Scope{}},
		{"search English (traffic)", "bench-supervisor", "/desk/inbox?q=traffic", desk.CaseFilter{Status: active, Q: "traffic"}, desk.Scope{}},
		{"search English (chain snatching)", "bench-supervisor", "/desk/inbox?q=chain+snatching", desk.CaseFilter{Status: active, Q: "chain snatching"}, desk.Scope{}},
		{"search Kannada (ಕೋರಮಂಗಲ)", "bench-supervisor", "/desk/inbox?q=" + url.QueryEscape("ಕೋರಮಂಗಲ"), desk.CaseFilter{Status: active, Q: "ಕೋರಮಂಗಲ"}, desk.Scope{}},
		{"all statuses", "bench-supervisor", "/desk/inbox?status=all", desk.CaseFilter{}, desk.Scope{}},
		{"case page: long thread", "bench-supervisor", fmt.Sprintf("/desk/cases/%d", fx.longCase), desk.CaseFilter{}, desk.Scope{}},
		{"case page: citizen's many cases", "bench-supervisor", fmt.Sprintf("/desk/cases/%d", fx.citCase), desk.CaseFilter{}, desk.Scope{}},
	}
	// The common words again, each run the first search after a write.
	for _, v := range vs {
		if strings.HasPrefix(v.name, "search English") {
			v.name += afterWrite
			vs = append(vs, v)
		}
	}
	return vs
}

func (fx *inboxFixture) measure(ctx context.Context, out io.Writer, v inboxVariant, runs int, plans bool) error {
	d := fx.a.Desk
	isCase := strings.HasPrefix(v.path, "/desk/cases/")
	if v.name == "page 2 (cursor)" {
		_, cur, err := d.ListCases(ctx, desk.CaseFilter{Status: v.f.Status, Limit: 50}, v.sc)
		if err != nil {
			return err
		}
		v.f.Cursor = cur
		v.path = "/desk/inbox?cursor=" + url.QueryEscape(cur)
	}
	var qlat, plat, pcpu, scpu []time.Duration
	rows := 0
	if !isCase {
		if v.f.Limit == 0 {
			v.f.Limit = 50
		}
		for range runs {
			if v.cold() {
				d.ForgetSearchSets()
			}
			t0 := time.Now()
			cs, _, err := d.ListCases(ctx, v.f, v.sc)
			if err != nil {
				return err
			}
			qlat = append(qlat, time.Since(t0))
			rows = len(cs)
		}
		if plans {
			plan, err := d.ExplainCases(ctx, v.f, v.sc)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "    plan of %s:\n      %s\n", v.name, strings.ReplaceAll(plan, "\n", "\n      "))
		}
	}
	for range runs {
		r := httptest.NewRequest("GET", v.path, nil)
		for _, c := range fx.cookies[v.user] {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		if v.cold() {
			d.ForgetSearchSets()
		}
		var s0 time.Duration
		if fx.srv != nil {
			if err := fx.srv.refresh(ctx); err != nil {
				return err
			}
			s0 = fx.srv.now()
		}
		c0 := cpuTime()
		t0 := time.Now()
		fx.h.ServeHTTP(w, r)
		plat = append(plat, time.Since(t0))
		pcpu = append(pcpu, cpuTime()-c0)
		if fx.srv != nil {
			scpu = append(scpu, fx.srv.now()-s0)
		}
		if w.Code != http.StatusOK {
			return fmt.Errorf("GET %s: status %d: %.300s", v.path, w.Code, w.Body.String())
		}
	}
	srv := ""
	if fx.srv != nil {
		srv = " | " + lat3(scpu)
	}
	fmt.Fprintf(out, "  %-34s %5s | %-26s | %-26s | %s%s\n", v.name, rowsOf(rows, isCase), lat3(qlat), lat3(plat), lat3(pcpu), srv)
	return nil
}

func rowsOf(n int, isCase bool) string {
	if isCase {
		return "-"
	}
	return fmt.Sprint(n)
}

// lat3 is "p50 / p95 / max" in milliseconds.
func lat3(d []time.Duration) string {
	if len(d) == 0 {
		return "-"
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	ms := func(x time.Duration) string { return fmt.Sprintf("%.1f", float64(x)/1e6) }
	return ms(pct(d, 50)) + " / " + ms(pct(d, 95)) + " / " + ms(d[len(d)-1]) + " ms"
}

// cpuTime is the CPU time the process has used (user + system): on a
// shared machine a request's wall time includes waiting for a core, its
// CPU time does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
