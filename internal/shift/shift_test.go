package shift

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/store"
)

type fixture struct {
	t   *testing.T
	db  *store.DB
	s   *Service
	now time.Time
	n   int
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	f := &fixture{t: t, db: db, now: time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC)} // 10:30 in Bengaluru: the Morning shift
	f.s = New(db, Options{Now: func() time.Time { return f.now }, ManualDrain: true})
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Write.Exec(q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) user(name, role string) int64 {
	f.t.Helper()
	var uid int64
	if err := f.db.Write.QueryRow("INSERT INTO users (username, name, role, created_at, updated_at) VALUES ($1, $1, $2, 1, 1) RETURNING id",
		name, role).Scan(&uid); err != nil {
		f.t.Fatal(err)
	}
	return uid
}

// kase opens a new case in lang from platform.
func (f *fixture) kase(lang, platform string, prio int) int64 {
	f.t.Helper()
	f.n++
	ms := store.Millis(f.now) + int64(f.n)
	var cid int64
	if err := f.db.Write.QueryRow(`INSERT INTO cases (ref, platform, thread_key, lang, priority, last_post_at, created_at, updated_at, first_response_due, resolve_due)
		VALUES ($1, $2, $1, $3, $4, $5, $5, $5, $6, $7) RETURNING id`,
		fmt.Sprintf("BCP-2026-%06d", f.n), platform, lang, prio, ms, ms+int64(30*time.Minute/time.Millisecond), ms+int64(24*time.Hour/time.Millisecond)).Scan(&cid); err != nil {
		f.t.Fatal(err)
	}
	return cid
}

func (f *fixture) team(name string, members ...int64) int64 {
	f.t.Helper()
	ctx := context.Background()
	tm, err := f.s.CreateTeam(ctx, TeamInput{Name: name})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, m := range members {
		if err := f.s.SetMember(ctx, tm.ID, m, true); err != nil {
			f.t.Fatal(err)
		}
	}
	return tm.ID
}

func (f *fixture) clockIn(uids ...int64) {
	f.t.Helper()
	for _, u := range uids {
		if _, err := f.s.ClockIn(context.Background(), u); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) capacity(uid int64, c int, langs ...string) {
	f.t.Helper()
	if _, err := f.s.SetSkills(context.Background(), uid, Skills{Capacity: c, Languages: langs}); err != nil {
		f.t.Fatal(err)
	}
}

// loads counts each agent's open cases.
func (f *fixture) loads() map[int64]int {
	rows, err := f.db.Read.Query("SELECT assignee_id, count(*) FROM cases WHERE assignee_id IS NOT NULL AND status IN ('new', 'open') GROUP BY assignee_id")
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var u int64
		var n int
		rows.Scan(&u, &n)
		out[u] = n
	}
	return out
}

func TestPick(t *testing.T) {
	c := func(id int64, load, capacity int, langs ...string) Candidate {
		return Candidate{UserID: id, Load: load, Capacity: capacity, Languages: langs}
	}
	for _, tc := range []struct {
		name  string
		cands []Candidate
		last  int64
		lang  string
		want  int64
	}{
		{"first turn", []Candidate{c(3, 0, 5), c(7, 0, 5)}, 0, "en", 3},
		{"next after last", []Candidate{c(3, 0, 5), c(7, 0, 5), c(9, 0, 5)}, 3, "en", 7},
		{"wraps", []Candidate{c(3, 0, 5), c(7, 0, 5)}, 7, "en", 3},
		{"last gone from the team", []Candidate{c(3, 0, 5), c(9, 0, 5)}, 7, "en", 9},
		{"skips the full", []Candidate{c(3, 0, 5), c(7, 5, 5), c(9, 1, 5)}, 3, "en", 9},
		{"skips the unskilled", []Candidate{c(3, 0, 5, "en"), c(7, 0, 5, "en"), c(9, 0, 5, "kn", "en")}, 3, "kn", 9},
		{"any language when none set", []Candidate{c(3, 0, 5), c(7, 0, 5, "en")}, 3, "kn", 3},
		{"case without a language", []Candidate{c(3, 0, 5, "kn")}, 0, "", 3},
		{"nobody free", []Candidate{c(3, 5, 5), c(7, 2, 2)}, 0, "en", 0},
		{"capacity zero takes nothing", []Candidate{c(3, 0, 0)}, 0, "en", 0},
		{"nobody on shift", nil, 0, "en", 0},
	} {
		if got := Pick(tc.cands, tc.last, tc.lang, "x"); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestConcurrentArrivals: cases arrive at once (and each is put to the
// team twice, as a redelivered event would): nobody goes above capacity,
// no case is given twice, and the round-robin shares evenly.
func TestConcurrentArrivals(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		var agents []int64
		for i := range 5 {
			agents = append(agents, f.user(fmt.Sprint("agent", i), "agent"))
		}
		off := f.user("offshift", "agent")
		tid := f.team("Twitter desk", append(agents, off)...)
		f.clockIn(agents...)
		for _, a := range agents {
			f.capacity(a, 4)
		}
		var cases []int64
		for range 30 {
			cases = append(cases, f.kase("en", "x", 3))
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, 60)
		for _, c := range cases {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					if _, err := f.s.AssignToTeam(ctx, c, tid, 0, false); err != nil {
						errs <- err
					}
				}()
			}
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		loads := f.loads()
		total := 0
		for _, a := range agents {
			if loads[a] != 4 {
				t.Errorf("agent %d holds %d cases, want 4 (capacity, all full)", a, loads[a])
			}
			total += loads[a]
		}
		if loads[off] != 0 {
			t.Errorf("an agent off shift was given %d cases", loads[off])
		}
		if total != 20 {
			t.Errorf("%d cases assigned, want 20", total)
		}
		var twice int
		db.Read.QueryRow(`SELECT count(*) FROM (SELECT case_id FROM case_events WHERE kind = 'assign' GROUP BY case_id HAVING count(*) > 1) x`).Scan(&twice)
		if twice != 0 {
			t.Errorf("%d cases were assigned more than once", twice)
		}
		var queued int
		db.Read.QueryRow("SELECT count(*) FROM cases WHERE assignee_id IS NULL AND team = 'Twitter desk'").Scan(&queued)
		if queued != 10 {
			t.Errorf("%d cases wait in the team's queue, want 10", queued)
		}

		// Capacity frees up: a resolved case lets the queue drain to
		// that agent only.
		f.exec("UPDATE cases SET status = 'resolved' WHERE id = (SELECT min(id) FROM cases WHERE assignee_id = $1)", agents[2])
		n, err := f.s.Drain(ctx)
		if err != nil || n != 1 {
			t.Fatalf("drain gave %d cases (%v), want 1", n, err)
		}
		if l := f.loads(); l[agents[2]] != 4 {
			t.Errorf("agent 2 holds %d after the drain, want 4", l[agents[2]])
		}
	})
}

// TestFairShare: with room for all, an even stream is shared evenly.
func TestFairShare(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		var agents []int64
		for i := range 4 {
			agents = append(agents, f.user(fmt.Sprint("agent", i), "agent"))
			f.capacity(agents[i], 100)
		}
		tid := f.team("Desk", agents...)
		f.clockIn(agents...)
		var wg sync.WaitGroup
		for range 40 {
			c := f.kase("en", "x", 3)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.s.AssignToTeam(ctx, c, tid, 0, false); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		for _, a := range agents {
			if l := f.loads()[a]; l != 10 {
				t.Errorf("agent %d holds %d of 40 cases, want 10", a, l)
			}
		}
	})
}

func TestSkillsAndClockOut(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		en, kn, both := f.user("en", "agent"), f.user("kn", "agent"), f.user("both", "agent")
		f.capacity(en, 10, "en")
		f.capacity(kn, 10, "kn")
		f.capacity(both, 1, "en", "kn")
		tid := f.team("Desk", en, kn, both)
		f.clockIn(en, kn)
		for range 3 {
			out, err := f.s.AssignToTeam(ctx, f.kase("kn", "x", 2), tid, 0, false)
			if err != nil || out.AssigneeID != kn {
				t.Fatalf("a Kannada case went to %d (%v), want the Kannada agent %d", out.AssigneeID, err, kn)
			}
		}
		// The Kannada agent leaves: their cases go to whoever on shift
		// reads Kannada, and wait in the queue when nobody does.
		moved, err := f.s.ClockOut(ctx, kn, 0)
		if err != nil || moved != 3 {
			t.Fatalf("clock-out handed on %d cases (%v), want 3", moved, err)
		}
		if l := f.loads(); l[kn] != 0 || l[en] != 0 {
			t.Fatalf("after clock-out: loads %v; the English agent must not get Kannada cases", l)
		}
		f.clockIn(both) // capacity 1: takes one, two keep waiting
		n, err := f.s.Drain(ctx)
		if err != nil || n != 1 || f.loads()[both] != 1 {
			t.Fatalf("drain gave %d (%v), loads %v", n, err, f.loads())
		}
		// The timeline says why.
		var body string
		db.Read.QueryRow("SELECT body FROM case_events WHERE kind = 'assign' AND body LIKE '%clock_out%' LIMIT 1").Scan(&body)
		if body == "" {
			t.Error("no timeline event names the clock-out")
		}
		var audits int
		db.Read.QueryRow("SELECT count(*) FROM audit_log WHERE action IN ('shift.clock_in', 'shift.clock_out')").Scan(&audits)
		if audits != 4 {
			t.Errorf("%d clock audit entries, want 4", audits)
		}
		// A reassignment by hand goes to another agent.
		c := f.kase("en", "x", 3)
		f.clockIn(kn)
		f.capacity(kn, 10, "en", "kn")
		out, _ := f.s.AssignToTeam(ctx, c, tid, 0, false)
		again, err := f.s.AssignToTeam(ctx, c, tid, 0, true)
		if err != nil || again.AssigneeID == out.AssigneeID || again.AssigneeID == 0 {
			t.Fatalf("reassign gave %d after %d (%v)", again.AssigneeID, out.AssigneeID, err)
		}
	})
}

func TestTeamValidation(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		analyst := f.user("ana", "analyst")
		tid := f.team("Desk")
		for _, in := range []TeamInput{{Name: ""}, {Name: strings.Repeat("n", 65)}, {Name: "desk"}} {
			if _, err := f.s.CreateTeam(ctx, in); err == nil {
				t.Errorf("team %q accepted", in.Name)
			}
		}
		if err := f.s.SetMember(ctx, tid, analyst, true); err == nil {
			t.Error("an analyst joined a team")
		}
		if _, err := f.s.SetSkills(ctx, analyst, Skills{Capacity: -1}); err == nil {
			t.Error("negative capacity accepted")
		}
		if _, err := f.s.SetSkills(ctx, analyst, Skills{Capacity: 3, Languages: []string{"klingon"}}); err == nil {
			t.Error("unknown language accepted")
		}
		if _, err := f.s.AssignToTeam(ctx, f.kase("en", "x", 3), 999, 0, false); !IsNotFound(err) {
			t.Errorf("assigning to a missing team: %v", err)
		}
		// Renaming a team carries its queue along.
		c := f.kase("en", "x", 3)
		if _, err := f.s.AssignToTeam(ctx, c, tid, 0, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.UpdateTeam(ctx, tid, TeamInput{Name: "Night desk"}); err != nil {
			t.Fatal(err)
		}
		tm, _ := f.s.Team(ctx, tid)
		if tm.Queued != 1 {
			t.Errorf("renamed team has %d queued, want 1", tm.Queued)
		}
	})
}

func TestShiftPattern(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		slots, err := f.s.Slots(ctx)
		if err != nil || len(slots) != 3 {
			t.Fatalf("default pattern: %v %v", slots, err)
		}
		ist := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, Zone) }
		for _, tc := range []struct {
			at         time.Time
			name, prev string
			key        string
		}{
			{ist(7, 10, 30), "Morning", "Night", "2026-12-07/1"},
			{ist(7, 6, 0), "Morning", "Night", "2026-12-07/1"},
			{ist(7, 14, 0), "Afternoon", "Morning", "2026-12-07/2"},
			{ist(7, 23, 0), "Night", "Afternoon", "2026-12-07/3"},
			{ist(8, 2, 0), "Night", "Afternoon", "2026-12-07/3"}, // the night shift started yesterday
		} {
			sh, ok := At(slots, tc.at)
			if !ok || sh.Name != tc.name || sh.Key != tc.key {
				t.Errorf("%s: got %+v, want %s %s", tc.at, sh, tc.name, tc.key)
			}
			p, ok := Before(slots, sh)
			if !ok || p.Name != tc.prev || !p.End.Equal(sh.Start) {
				t.Errorf("%s: before %s got %+v, want %s ending at its start", tc.at, sh.Name, p, tc.prev)
			}
		}
		for _, bad := range [][]Slot{
			{},
			{{Name: "A", StartMinute: 0, Minutes: 600}, {Name: "B", StartMinute: 480, Minutes: 480}}, // overlap
			{{Name: "A", StartMinute: 0, Minutes: 30}},
			{{Name: "A", StartMinute: 1440, Minutes: 60}},
			{{Name: "A", StartMinute: 0, Minutes: 60}, {Name: "a", StartMinute: 60, Minutes: 60}},
		} {
			if _, err := f.s.SaveSlots(ctx, bad); err == nil {
				t.Errorf("pattern %v accepted", bad)
			}
		}
		// Two 12-hour shifts: Morning keeps its id, the others go.
		got, err := f.s.SaveSlots(ctx, []Slot{{Name: "Morning", StartMinute: 480, Minutes: 720}, {Name: "Night", StartMinute: 1200, Minutes: 720}})
		if err != nil || len(got) != 2 || got[0].ID != slots[0].ID {
			t.Fatalf("saved %v %v (old %v)", got, err, slots)
		}
		sh, ok := At(got, ist(7, 7, 0))
		if !ok || sh.Name != "Night" || sh.Key != "2026-12-06/"+fmt.Sprint(got[1].ID) {
			t.Errorf("07:00 under 08–20/20–08: %+v", sh)
		}
	})
}

func TestHandover(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		day, night := f.user("day", "agent"), f.user("night", "supervisor")
		crit := f.kase("en", "x", 1)
		f.kase("en", "x", 3)
		f.exec("INSERT INTO outbox (idempotency_key, channel_id, kind, state, platform, text, next_attempt_at, created_at, updated_at, case_id, needs_approval) VALUES ('k1', 1, 'reply', 'awaiting_approval', 'x', 'hello', 0, 1, 1, $1, 1)", crit)
		f.clockIn(day)
		if p, err := f.s.Pending(ctx, night); err != nil || p != nil {
			t.Fatalf("someone off shift has a pending handover: %v %v", p, err)
		}
		// The Morning shift writes its note.
		cur, _, _ := f.s.Current(ctx)
		h, err := f.s.HandoverOf(ctx, cur)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Items.Critical) != 1 || h.Items.Critical[0].ID != crit || len(h.Items.Approvals) != 1 {
			t.Fatalf("generated items: %+v", h.Items)
		}
		if _, err := f.s.SaveHandover(ctx, h.ID, day, HandoverEdit{Note: "Flooding at Silk Board", Version: h.Version + 1}); err == nil {
			t.Fatal("a stale version was accepted")
		}
		if _, err := f.s.SaveHandover(ctx, h.ID, day, HandoverEdit{Note: "Flooding at Silk Board", Version: h.Version, Refresh: true}); err != nil {
			t.Fatal(err)
		}
		// Afternoon: the night supervisor clocks in and must acknowledge.
		f.now = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC) // 14:30
		f.clockIn(night)
		p, err := f.s.Pending(ctx, night)
		if err != nil || p == nil || p.ID != h.ID || p.Note != "Flooding at Silk Board" {
			t.Fatalf("pending: %+v %v", p, err)
		}
		if _, err := f.s.Acknowledge(ctx, h.ID, night); err != nil {
			t.Fatal(err)
		}
		if p, _ := f.s.Pending(ctx, night); p != nil {
			t.Fatal("still pending after the acknowledgement")
		}
		var audits int
		db.Read.QueryRow("SELECT count(*) FROM audit_log WHERE action IN ('handover.save', 'handover.ack')").Scan(&audits)
		if audits != 2 {
			t.Errorf("%d handover audit entries, want 2", audits)
		}
	})
}

// TestUnfinished: the statuses the board spells out are every status
// but resolved and closed.
func TestUnfinished(t *testing.T) {
	var want []string
	for _, s := range desk.Statuses {
		if s != desk.StatusResolved && s != desk.StatusClosed {
			want = append(want, "'"+s+"'")
		}
	}
	if got := "(" + strings.Join(want, ", ") + ")"; got != unfinished {
		t.Fatalf("unfinished is %s, the desk's statuses say %s", unfinished, got)
	}
}
