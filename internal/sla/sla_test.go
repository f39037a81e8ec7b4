package sla

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/store"
)

func ist(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, IST)
	if err != nil {
		panic(err)
	}
	return t
}

func office() *Calendar {
	h := map[time.Weekday][2]int{}
	for d := time.Monday; d <= time.Saturday; d++ {
		h[d] = [2]int{600, 1050} // 10:00–17:30
	}
	return &Calendar{Kind: Business, Hours: h, Holidays: map[string]bool{"2026-11-01": true, "2026-12-25": true}}
}

func TestCalendarAdd(t *testing.T) {
	always := &Calendar{Kind: Always}
	now := ist("2026-12-01 09:00")
	cases := []struct {
		name   string
		cal    *Calendar
		start  string
		d      time.Duration
		pauses []Interval
		want   string
		paused bool
	}{
		{"24x7", always, "2026-12-01 23:50", 15 * time.Minute, nil, "2026-12-02 00:05", false},
		{"within office hours", office(), "2026-12-01 11:00", time.Hour, nil, "2026-12-01 12:00", false},
		{"before opening", office(), "2026-12-01 07:00", time.Hour, nil, "2026-12-01 11:00", false},
		{"across the evening", office(), "2026-12-01 17:00", time.Hour, nil, "2026-12-02 10:30", false},
		{"Saturday evening to Monday (Sunday closed)", office(), "2026-12-05 17:15", time.Hour, nil, "2026-12-07 10:45", false},
		{"holiday skipped (Christmas Friday)", office(), "2026-12-24 17:00", time.Hour, nil, "2026-12-26 10:30", false},
		{"Kannada Rajyotsava is a Sunday anyway", office(), "2026-10-31 17:00", time.Hour, nil, "2026-11-02 10:30", false},
		{"a closed pause extends 24x7", always, "2026-12-01 10:00", time.Hour,
			[]Interval{{ist("2026-12-01 10:20"), ist("2026-12-01 10:50")}}, "2026-12-01 11:30", false},
		{"a pause outside office hours costs nothing", office(), "2026-12-01 17:00", time.Hour,
			[]Interval{{ist("2026-12-01 18:00"), ist("2026-12-02 09:00")}}, "2026-12-02 10:30", false},
		{"a pause across the opening", office(), "2026-12-01 17:00", time.Hour,
			[]Interval{{ist("2026-12-01 17:20"), ist("2026-12-02 11:00")}}, "2026-12-02 11:40", false},
		{"two pauses", always, "2026-12-01 10:00", time.Hour,
			[]Interval{{ist("2026-12-01 10:10"), ist("2026-12-01 10:20")}, {ist("2026-12-01 10:30"), ist("2026-12-01 10:45")}}, "2026-12-01 11:25", false},
		{"a pause before the start is ignored", always, "2026-12-01 10:00", time.Hour,
			[]Interval{{ist("2026-12-01 08:00"), ist("2026-12-01 09:00")}}, "2026-12-01 11:00", false},
		// Still waiting on the citizen: 20 of 60 minutes used, so 40 from now.
		{"an open pause counts the rest from now", always, "2026-11-30 20:00", time.Hour,
			[]Interval{{From: ist("2026-11-30 20:20")}}, "2026-12-01 09:40", true},
		{"an open pause on office hours", office(), "2026-11-30 17:00", time.Hour,
			[]Interval{{From: ist("2026-11-30 17:20")}}, "2026-12-01 10:40", true},
	}
	for _, c := range cases {
		got, paused := c.cal.Add(ist(c.start), c.d, c.pauses, now)
		if !got.Equal(ist(c.want)) || paused != c.paused {
			t.Errorf("%s: got %s paused %v, want %s paused %v", c.name, got.In(IST).Format("2006-01-02 15:04"), paused, c.want, c.paused)
		}
	}
}

func TestCalendarValidate(t *testing.T) {
	for _, c := range []Calendar{{Kind: "sometimes"}, {Kind: Business}, {Kind: Business, Hours: map[time.Weekday][2]int{1: {600, 500}}},
		{Kind: Business, Hours: map[time.Weekday][2]int{1: {600, 1500}}}, {Kind: Business, Hours: map[time.Weekday][2]int{9: {600, 700}}}} {
		if err := c.Validate(); err == nil {
			t.Errorf("accepted %+v", c)
		}
	}
}

type env struct {
	t     *testing.T
	db    *store.DB
	d     *desk.Desk
	st    *Store
	sw    *Sweeper
	n     *notify.Notifier
	mu    sync.Mutex
	now   time.Time
	sup   *auth.User
	agent *auth.User
}

func (e *env) clock() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }
func (e *env) at(s string)      { e.mu.Lock(); e.now = ist(s); e.mu.Unlock() }

func setup(t *testing.T, db *store.DB) *env {
	e := &env{t: t, db: db, now: ist("2026-12-01 10:00")}
	ctx := context.Background()
	svc := auth.New(db, auth.Config{Hash: auth.TestHashParams})
	var err error
	if e.sup, _, err = svc.CreateUser(ctx, auth.NewUser{Username: "sup", Role: auth.RoleSupervisor, Password: "a long enough password 1"}); err != nil {
		t.Fatal(err)
	}
	if e.agent, _, err = svc.CreateUser(ctx, auth.NewUser{Username: "asha", Role: auth.RoleAgent, Password: "a long enough password 1"}); err != nil {
		t.Fatal(err)
	}
	e.d = desk.New(db, desk.Options{Now: e.clock})
	e.st = &Store{db: db, now: e.clock}
	e.n = notify.New(db, notify.Config{}, notify.Options{Now: e.clock})
	e.sw = NewSweeper(db, e.n, Options{Now: e.clock})
	return e
}

var caseSeq int

// open puts a case on the desk at the clock's time, as threading would.
func (e *env) open(prio int, category, platform string) int64 {
	e.t.Helper()
	caseSeq++
	now := store.Millis(e.clock())
	var id int64
	if err := e.db.Write.QueryRow(`INSERT INTO cases (ref, status, priority, category, platform, thread_key, last_post_at, created_at, updated_at, assignee_id)
		VALUES ($1, 'new', $2, $3, $4, $5, $6, $6, $6, $7) RETURNING id`, fmt.Sprintf("BCP-2026-%06d", caseSeq),
		prio, category, platform, fmt.Sprintf("k%d", caseSeq), now, e.agent.ID).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) sweep() Result {
	e.t.Helper()
	r, err := e.sw.Sweep(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) dues(id int64) (fr, rs time.Time) {
	e.t.Helper()
	var a, b int64
	if err := e.db.Read.QueryRow(`SELECT first_response_due, resolve_due FROM cases WHERE id = $1`, id).Scan(&a, &b); err != nil {
		e.t.Fatal(err)
	}
	return store.Time(a), store.Time(b)
}

func (e *env) events(id int64, kind string) int {
	var k int
	e.db.Read.QueryRow(`SELECT COUNT(*) FROM case_events WHERE case_id = $1 AND kind = $2`, id, kind).Scan(&k)
	return k
}

func (e *env) update(id int64, ch desk.Change) {
	e.t.Helper()
	if _, err := e.d.Update(context.Background(), id, desk.Scope{}, e.sup.ID, ch); err != nil {
		e.t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestSweepDeadlinesPausesAndPriority(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		cfg, err := e.st.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.WarnPercent != 75 || len(cfg.Policies) != 4 || len(cfg.Calendars) != 2 || len(cfg.Holidays) < 40 {
			t.Fatalf("seed: %+v", cfg)
		}
		// Theft cases get an office-hours clock of their own.
		var officeID int64
		for _, c := range cfg.Calendars {
			if c.Kind == Business {
				officeID = c.ID
			}
		}
		cfg.Policies = append(cfg.Policies, Policy{Priority: 3, Category: "theft", FirstResponse: 120, Resolve: 600, CalendarID: officeID})
		if _, err := e.st.Save(auth.WithPrincipal(ctx, &auth.Principal{UserID: e.sup.ID, Username: "sup"}), cfg); err != nil {
			t.Fatal(err)
		}

		e.at("2026-12-01 17:00")
		theft := e.open(3, "theft", "x")
		other := e.open(3, "traffic", "x")
		e.sweep()
		fr, rs := e.dues(theft)
		if !fr.Equal(ist("2026-12-02 11:30")) || !rs.Equal(ist("2026-12-03 12:00")) {
			t.Fatalf("theft on office hours: %s %s", fr.In(IST), rs.In(IST))
		}
		if fr, _ := e.dues(other); !fr.Equal(ist("2026-12-01 21:00")) {
			t.Fatalf("24x7 P3: %s", fr.In(IST))
		}

		// Waiting on the citizen from 18:00 to 20:00 pauses the 24×7 clock.
		e.at("2026-12-01 18:00")
		e.update(other, desk.Change{Status: ptr(desk.StatusWaitingCitizen)})
		e.at("2026-12-01 19:00")
		e.sweep()
		if fr, _ := e.dues(other); !fr.Equal(ist("2026-12-01 22:00")) {
			t.Fatalf("paused at 18:00, seen at 19:00: %s", fr.In(IST))
		}
		e.at("2026-12-01 20:00")
		e.update(other, desk.Change{Status: ptr(desk.StatusOpen)})
		e.sweep()
		if fr, _ := e.dues(other); !fr.Equal(ist("2026-12-01 23:00")) {
			t.Fatalf("two hours paused: %s", fr.In(IST))
		}
		if e.events(other, "sla") == 0 {
			t.Fatalf("a deadline moved by a pause is not on the timeline")
		}

		// A priority change: P3 -> P1 follows the P1 targets from the
		// case's opening (less the pause), with the desk's priority event
		// and the sweep's sla event.
		e.at("2026-12-01 20:05")
		e.update(other, desk.Change{Priority: ptr(desk.P1)})
		e.sweep()
		fr, rs = e.dues(other)
		if !fr.Equal(ist("2026-12-01 17:15")) || !rs.Equal(ist("2026-12-01 23:00")) {
			t.Fatalf("P1: %s %s", fr.In(IST), rs.In(IST))
		}
		if e.events(other, "priority") != 1 || e.events(other, "sla") < 2 {
			t.Fatalf("priority events %d, sla events %d", e.events(other, "priority"), e.events(other, "sla"))
		}
		// Its first response is already late: one breach, told once.
		if e.events(other, "sla_breach") != 1 {
			t.Fatalf("breach events %d", e.events(other, "sla_breach"))
		}
		if r := e.sweep(); r.Breaches != 0 || r.Updated != 0 {
			t.Fatalf("second sweep did something: %+v", r)
		}
		items, _ := e.n.List(ctx, e.sup.ID, true, 0, 10)
		if len(items) != 1 || items[0].Kind != "sla.breach" || !strings.Contains(items[0].In("kn").Subject, "ಗಡುವು ಮೀರಿದೆ") {
			t.Fatalf("supervisor's notifications %+v", items)
		}
		if k, _ := e.n.Unread(ctx, e.agent.ID); k != 1 {
			t.Fatalf("assignee not told: %d", k)
		}
	})
}

func TestSweepWarnsThenBreachesOnce(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		e.at("2026-12-01 10:00")
		id := e.open(1, "", "telegram") // P1: 15 min to answer, warning at 75 %
		if r := e.sweep(); r.Warnings+r.Breaches != 0 {
			t.Fatalf("early alert %+v", r)
		}
		e.at("2026-12-01 10:11")
		if r := e.sweep(); r.Warnings != 0 {
			t.Fatalf("warned before 75 %% of 15 min: %+v", r)
		}
		e.at("2026-12-01 10:12")
		if r := e.sweep(); r.Warnings != 1 || r.Breaches != 0 {
			t.Fatalf("at 11 min: %+v", r)
		}
		if r := e.sweep(); r.Warnings != 0 {
			t.Fatalf("warned twice: %+v", r)
		}
		// Another replica sweeping at the same moment tells nobody again.
		other := NewSweeper(db, e.n, Options{Now: e.clock})
		e.at("2026-12-01 10:16")
		var wg sync.WaitGroup
		var got [2]Result
		for i, s := range []*Sweeper{e.sw, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := s.Sweep(ctx)
				if err != nil {
					t.Error(err)
				}
				got[i] = r
			}()
		}
		wg.Wait()
		if got[0].Breaches+got[1].Breaches != 1 || e.events(id, "sla_breach") != 1 {
			t.Fatalf("breaches %+v %+v, events %d", got[0], got[1], e.events(id, "sla_breach"))
		}
		// A warning reaches the desk only; the breach everywhere (queued).
		items, _ := e.n.List(ctx, e.sup.ID, false, 0, 10)
		if len(items) != 2 || items[0].Severity != notify.Critical || items[1].Severity != notify.Warning {
			t.Fatalf("notifications %+v", items)
		}
		// Answered: no more first-response alerts; resolution still runs.
		if _, err := db.Write.Exec(`UPDATE cases SET first_response_at = $1 WHERE id = $2`, store.Millis(e.clock()), id); err != nil {
			t.Fatal(err)
		}
		e.at("2026-12-01 13:05")
		if r := e.sweep(); r.Warnings != 1 || r.Breaches != 0 {
			t.Fatalf("resolution warning: %+v", r)
		}
	})
}

func TestConfigValidationAndAudit(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: e.sup.ID, Username: "sup"})
		good, _ := e.st.Load(ctx)
		mutate := []func(c *Config){
			func(c *Config) { c.WarnPercent = 100 },
			func(c *Config) { c.Policies = c.Policies[1:] },                             // P1 has no default
			func(c *Config) { c.Policies[0].Resolve = c.Policies[0].FirstResponse - 1 }, // resolve before answer
			func(c *Config) { c.Policies = append(c.Policies, c.Policies[0]) },          // twice
			func(c *Config) { c.Policies[0].CalendarID = 9999 },                         // no such calendar
			func(c *Config) { c.Holidays = append(c.Holidays, Holiday{Day: "2026-13-01", Name: "x"}) },
			func(c *Config) { c.Holidays = append(c.Holidays, Holiday{Day: "2026-12-31", Name: " "}) },
			func(c *Config) { c.Calendars[1].Hours = nil }, // business without days
			func(c *Config) { c.Calendars[1].Name = c.Calendars[0].Name },
		}
		for i, m := range mutate {
			c, _ := e.st.Load(ctx)
			m(&c)
			_, err := e.st.Save(ctx, c)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("%d: %v", i, err)
			}
			if now, _ := e.st.Load(ctx); len(now.Policies) != len(good.Policies) || now.WarnPercent != good.WarnPercent || len(now.Holidays) != len(good.Holidays) {
				t.Errorf("%d: a refused save changed the configuration", i)
			}
		}
		good.WarnPercent = 80
		good.Holidays = append(good.Holidays, Holiday{Day: "2026-12-31", Name: "Desk retreat"})
		good.Calendars = append(good.Calendars, Calendar{Name: "Weekdays", Kind: Business, Hours: map[time.Weekday][2]int{1: {540, 1080}}})
		out, err := e.st.Save(ctx, good)
		if err != nil || out.WarnPercent != 80 || len(out.Calendars) != 3 || out.Calendars[2].Hours[1] != [2]int{540, 1080} {
			t.Fatalf("save: %+v %v", out, err)
		}
		var k int
		db.Read.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'sla.update'`).Scan(&k)
		if k != 1 {
			t.Fatalf("audit entries %d", k)
		}
	})
}

func TestBreachReport(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		e.at("2026-12-01 10:00")
		late := e.open(1, "=cmd|' /C calc'!A0", "x")
		e.open(3, "traffic", "telegram")
		answered := e.open(1, "traffic", "x")
		e.sweep()
		db.Write.Exec(`UPDATE cases SET first_response_at = $1 WHERE id = $2`, store.Millis(ist("2026-12-01 10:05")), answered)
		e.at("2026-12-01 10:30")
		e.sweep()
		r, err := e.st.BreachReport(ctx, "category", ist("2026-12-01 00:00"), ist("2026-12-02 00:00"), e.clock())
		if err != nil {
			t.Fatal(err)
		}
		if r.Total.Cases != 3 || r.Total.FirstResponseBreached != 1 || r.Rows[0].Key != "=cmd|' /C calc'!A0" || r.Rows[0].BreachRate != 1 {
			t.Fatalf("%+v", r)
		}
		_ = late
		if byPlat, _ := e.st.BreachReport(ctx, "platform", ist("2026-12-01 00:00"), ist("2026-12-02 00:00"), e.clock()); len(byPlat.Rows) != 2 {
			t.Fatalf("by platform %+v", byPlat)
		}
		if byAgent, _ := e.st.BreachReport(ctx, "agent", ist("2026-12-01 00:00"), ist("2026-12-02 00:00"), e.clock()); byAgent.Rows[0].Key != "asha" {
			t.Fatalf("by agent %+v", byAgent)
		}
		if _, err := e.st.BreachReport(ctx, "mood", ist("2026-12-01 00:00"), ist("2026-12-02 00:00"), e.clock()); err == nil {
			t.Fatal("unknown dimension accepted")
		}
		var b bytes.Buffer
		r.WriteCSV(&b)
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil || len(recs) != len(r.Rows)+2 || recs[1][0] != "'=cmd|' /C calc'!A0" || recs[len(recs)-1][0] != "total" {
			t.Fatalf("csv %q %v", recs, err)
		}
	})
}

// Alerts go to the supervisors on shift when someone is clocked in.
func TestAlertsGoToTheShiftSupervisor(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		svc := auth.New(db, auth.Config{Hash: auth.TestHashParams})
		off, _, err := svc.CreateUser(ctx, auth.NewUser{Username: "offshift", Role: auth.RoleSupervisor, Password: "a long enough password 1"})
		if err != nil {
			t.Fatal(err)
		}
		e.sw.opt.Supervisors = func(context.Context) ([]int64, error) { return []int64{e.sup.ID}, nil }
		e.at("2026-12-01 10:00")
		e.open(1, "", "x")
		e.at("2026-12-01 10:20")
		if r := e.sweep(); r.Breaches != 1 {
			t.Fatalf("%+v", r)
		}
		if k, _ := e.n.Unread(ctx, e.sup.ID); k != 1 {
			t.Fatalf("on-shift supervisor: %d", k)
		}
		if k, _ := e.n.Unread(ctx, off.ID); k != 0 {
			t.Fatalf("off-shift supervisor told: %d", k)
		}
	})
}
