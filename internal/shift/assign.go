package shift

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync/atomic"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// Platforms an agent's skills may name.
var Platforms = []string{post.X, post.Facebook, post.Instagram, post.Messenger, post.WhatsApp, post.Telegram,
	post.Mastodon, post.Bluesky, post.RSS, post.WebForm, post.Import}

// Candidate is an agent as the round-robin weighs them.
type Candidate struct {
	UserID    int64
	Capacity  int
	Load      int      // open cases they hold now
	Languages []string // empty: any
	Platforms []string // empty: any
}

// Pick is the round-robin decision: the first candidate after last (by
// user id, wrapping) who is below capacity and can take a case in lang
// from platform; 0 when nobody can. cands must be sorted by UserID.
//
// Walking from the last one served, rather than choosing the least
// loaded, shares an even stream evenly and gives a newly clocked-in agent
// their turn without flooding them with the whole queue at once.
func Pick(cands []Candidate, last int64, lang, platform string) int64 {
	n := len(cands)
	start := sort.Search(n, func(i int) bool { return cands[i].UserID > last })
	for i := range n {
		c := &cands[(start+i)%n]
		if c.Load < c.Capacity && skilled(c.Languages, lang) && skilled(c.Platforms, platform) {
			return c.UserID
		}
	}
	return 0
}

func skilled(have []string, want string) bool {
	return len(have) == 0 || want == "" || slices.Contains(have, want)
}

// Outcome is what an assignment did.
type Outcome struct {
	CaseID     int64  `json:"case_id"`
	Team       string `json:"team"`
	AssigneeID int64  `json:"assignee_id,omitempty"` // 0: queued for the team, nobody could take it
	Queued     bool   `json:"queued"`
	Already    bool   `json:"already,omitempty"` // the case had an assignee and kept them
}

// ErrNoTeam: the team named by a rule or a request does not exist.
var ErrNoTeam = fmt.Errorf("shift: team %w", store.ErrNotFound)

// assignLock is the PostgreSQL advisory lock that serialises assignment
// decisions across replicas (SQLite has one writer already). One lock for
// every team: an agent may be in several teams, and their capacity is one.
const assignLock = 0x6b6176616c5f7272 // "kaval_rr"

func (s *Service) lock(ctx context.Context, tx *sql.Tx) error {
	if s.db.Dialect != store.Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(assignLock)); err != nil {
		return fmt.Errorf("shift: unable to take the assignment lock: %w", err)
	}
	return nil
}

// The statements of the decision, prepared once (Prepare): on SQLite,
// parsing them was a quarter of its time.
const (
	qTeam       = "SELECT name, rr_last FROM teams WHERE id = $1"
	qCase       = "SELECT assignee_id, status, lang, platform, team FROM cases WHERE id = $1"
	qCandidates = `SELECT m.user_id, COALESCE(k.capacity, $1), COALESCE(k.languages, ''), COALESCE(k.platforms, ''),
		(SELECT count(*) FROM cases c WHERE c.assignee_id = m.user_id AND c.status IN ` + openStatuses + `)
		FROM team_members m JOIN users u ON u.id = m.user_id AND u.disabled = 0
		JOIN shift_clock sc ON sc.user_id = m.user_id AND sc.out_at IS NULL
		LEFT JOIN agent_skills k ON k.user_id = m.user_id
		WHERE m.team_id = $2 AND m.user_id <> $3 ORDER BY m.user_id`
	qGive   = "UPDATE cases SET assignee_id = $1, status = CASE WHEN status = 'new' THEN 'open' ELSE status END, updated_at = $2, version = version + 1 WHERE id = $3 AND assignee_id IS NULL"
	qEvent  = "INSERT INTO case_events (case_id, at, actor_id, kind, body) VALUES ($1, $2, $3, $4, $5)"
	qCursor = "UPDATE teams SET rr_last = $1 WHERE id = $2"
)

// Prepare readies the decision's statements (call once, outside any
// transaction).
func (s *Service) Prepare(ctx context.Context) error {
	return s.db.Prepare(ctx, qTeam, qCase, qCandidates, qGive, qEvent, qCursor)
}

func (s *Service) stmt(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	return s.db.Stmt(ctx, tx, q)
}

// candidates reads the members of a team who are on shift now, with their
// load, sorted by user id. except (if not 0) is left out: the agent whose
// cases are being handed on.
func (s *Service) candidates(ctx context.Context, tx *sql.Tx, teamID, except int64) ([]Candidate, error) {
	st, err := s.stmt(ctx, tx, qCandidates)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, DefaultCapacity, teamID, except)
	if err != nil {
		return nil, fmt.Errorf("shift: unable to read the team's agents: %w", err)
	}
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		var c Candidate
		var langs, plats string
		if err := rows.Scan(&c.UserID, &c.Capacity, &langs, &plats, &c.Load); err != nil {
			return nil, err
		}
		c.Languages, c.Platforms = splitList(langs), splitList(plats)
		out = append(out, c)
	}
	return out, rows.Err()
}

// AssignTx gives case caseID to the next agent of team teamID, inside tx
// (the pipeline's, for a rule; or the service's own). A case that already
// has an assignee keeps them (it only joins the team), so a case is never
// given twice; a case nobody can take now waits in the team's queue and
// Drain gives it out when an agent is free. actor 0 is the system; why is
// written to the timeline ("rule", "manual", "handover"...), with extra
// fields (a rule's id and name) merged into the event.
func (s *Service) AssignTx(ctx context.Context, tx *sql.Tx, caseID, teamID, actor int64, why map[string]any, now time.Time) (Outcome, error) {
	out := Outcome{CaseID: caseID}
	if err := s.lock(ctx, tx); err != nil {
		return out, err
	}
	var last int64
	st, err := s.stmt(ctx, tx, qTeam)
	if err != nil {
		return out, err
	}
	err = st.QueryRowContext(ctx, teamID).Scan(&out.Team, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return out, ErrNoTeam
	}
	if err != nil {
		return out, fmt.Errorf("shift: unable to read team %d: %w", teamID, err)
	}
	var assignee sql.NullInt64
	var status, lang, platform, team string
	if st, err = s.stmt(ctx, tx, qCase); err != nil {
		return out, err
	}
	err = st.QueryRowContext(ctx, caseID).Scan(&assignee, &status, &lang, &platform, &team)
	if errors.Is(err, sql.ErrNoRows) {
		return out, ErrNotFound
	}
	if err != nil {
		return out, fmt.Errorf("shift: unable to read case %d: %w", caseID, err)
	}
	if status == "resolved" || status == "closed" {
		return out, invalid("case", "a %s case is not assigned", status)
	}
	ms := store.Millis(now)
	if team != out.Team {
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET team = $1, updated_at = $2, version = version + 1 WHERE id = $3", out.Team, ms, caseID); err != nil {
			return out, err
		}
		if err := s.event(ctx, tx, caseID, actor, "team", merge(why, map[string]any{"from": team, "to": out.Team}), ms); err != nil {
			return out, err
		}
	}
	if assignee.Valid {
		out.AssigneeID, out.Already = assignee.Int64, true
		return out, nil
	}
	cands, err := s.candidates(ctx, tx, teamID, 0)
	if err != nil {
		return out, err
	}
	who := Pick(cands, last, lang, platform)
	if who == 0 {
		out.Queued = true
		return out, nil
	}
	if st, err = s.stmt(ctx, tx, qGive); err != nil {
		return out, err
	}
	res, err := st.ExecContext(ctx, who, ms, caseID)
	if err != nil {
		return out, fmt.Errorf("shift: unable to assign case %d: %w", caseID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return out, fmt.Errorf("shift: case %d changed assignee under the assignment lock", caseID)
	}
	if err := s.event(ctx, tx, caseID, actor, "assign", merge(why, map[string]any{"from": 0, "to": who, "team": out.Team, "round_robin": true}), ms); err != nil {
		return out, err
	}
	if st, err = s.stmt(ctx, tx, qCursor); err != nil {
		return out, err
	}
	if _, err := st.ExecContext(ctx, who, teamID); err != nil {
		return out, err
	}
	out.AssigneeID = who
	assignedTotal.Add(1)
	return out, nil
}

// assignedTotal counts round-robin assignments (tests, metrics).
var assignedTotal atomic.Int64

// giveTo moves a case from one assignee (0: nobody) to another (0: back
// to the queue), opening a new case, with its timeline event. The update
// is conditional on the assignee read, so a decision made on a stale read
// changes nothing.
func (s *Service) giveTo(ctx context.Context, tx *sql.Tx, caseID, from, to, actor int64, body map[string]any, ms int64) error {
	var v any
	if to != 0 {
		v = to
	}
	cond := "assignee_id IS NULL"
	args := []any{v, ms, caseID}
	if from != 0 {
		cond = "assignee_id = $4"
		args = append(args, from)
	}
	status := "status"
	if to != 0 {
		status = "CASE WHEN status = 'new' THEN 'open' ELSE status END"
	}
	res, err := tx.ExecContext(ctx, "UPDATE cases SET assignee_id = $1, status = "+status+", updated_at = $2, version = version + 1 WHERE id = $3 AND "+cond, args...)
	if err != nil {
		return fmt.Errorf("shift: unable to assign case %d: %w", caseID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("shift: case %d changed assignee under the assignment lock", caseID)
	}
	return s.event(ctx, tx, caseID, actor, "assign", merge(body, map[string]any{"from": from, "to": to}), ms)
}

func merge(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// event appends to a case's timeline (actor 0: the system).
func (s *Service) event(ctx context.Context, tx *sql.Tx, caseID, actor int64, kind string, body map[string]any, ms int64) error {
	st, err := s.stmt(ctx, tx, qEvent)
	if err != nil {
		return err
	}
	return insertEvent(ctx, st, caseID, actor, kind, body, ms)
}

func insertEvent(ctx context.Context, st *sql.Stmt, caseID, actor int64, kind string, body map[string]any, ms int64) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	var a any
	if actor != 0 {
		a = actor
	}
	if _, err := st.ExecContext(ctx, caseID, ms, a, kind, string(b)); err != nil {
		return fmt.Errorf("shift: unable to record an event: %w", err)
	}
	return nil
}

// AssignToTeam is the manual action: put a case in a team's round-robin.
// With reassign, a case that has an assignee is taken from them first and
// given to the next agent (never back to the same one while another can
// take it).
func (s *Service) AssignToTeam(ctx context.Context, caseID, teamID, actor int64, reassign bool) (Outcome, error) {
	var out Outcome
	now := s.now().UTC()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx); err != nil {
			return err
		}
		why := map[string]any{"by": "manual"}
		if reassign {
			var cur sql.NullInt64
			if err := tx.QueryRowContext(ctx, "SELECT assignee_id FROM cases WHERE id = $1", caseID).Scan(&cur); errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			} else if err != nil {
				return err
			}
			if cur.Valid {
				// Let the current assignee's turn pass: they are the cursor.
				if _, err := tx.ExecContext(ctx, "UPDATE teams SET rr_last = $1 WHERE id = $2", cur.Int64, teamID); err != nil {
					return err
				}
				if err := s.giveTo(ctx, tx, caseID, cur.Int64, 0, actor, why, store.Millis(now)); err != nil {
					return err
				}
			}
		}
		var err error
		out, err = s.AssignTx(ctx, tx, caseID, teamID, actor, why, now)
		return err
	})
	if err == nil {
		s.onChange()
	}
	return out, err
}

// Drain gives out the cases waiting in team queues, most urgent and oldest
// first, until nobody on shift can take more. It returns how many it gave.
func (s *Service) Drain(ctx context.Context) (int, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT c.id, t.id, c.lang, c.platform FROM cases c JOIN teams t ON t.name = c.team
		WHERE c.assignee_id IS NULL AND c.status IN `+openStatuses+` ORDER BY c.priority, c.created_at LIMIT 500`)
	if err != nil {
		return 0, fmt.Errorf("shift: unable to read the queues: %w", err)
	}
	type item struct {
		caseID, teamID int64
		lang, platform string
	}
	var items []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.caseID, &it.teamID, &it.lang, &it.platform); err != nil {
			rows.Close()
			return 0, err
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	// Nobody of a team could take a case in this language from this
	// platform: later ones like it wait for the next drain.
	type kind struct {
		teamID         int64
		lang, platform string
	}
	full := map[kind]bool{}
	for _, it := range items {
		k := kind{it.teamID, it.lang, it.platform}
		if full[k] {
			continue
		}
		var out Outcome
		err := s.db.BackgroundTx(ctx, func(tx *sql.Tx) error {
			var err error
			out, err = s.AssignTx(ctx, tx, it.caseID, it.teamID, 0, map[string]any{"by": "queue"}, s.now().UTC())
			return err
		})
		var ve *ValidationError
		switch {
		case errors.As(err, &ve), IsNotFound(err):
			continue // resolved or gone since the read
		case err != nil:
			return n, err
		case out.Queued:
			full[k] = true
		case !out.Already:
			n++
		}
	}
	if n > 0 {
		s.onChange()
	}
	return n, nil
}

// DrainSoon drains the queues in the background (after a clock-in, a new
// member, a higher capacity); calls while one runs fold into one more run.
func (s *Service) DrainSoon() {
	if s.manualDrain {
		return
	}
	if s.draining.Swap(true) {
		s.again.Store(true)
		return
	}
	go func() {
		defer s.draining.Store(false)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if _, err := s.Drain(ctx); err != nil {
				s.log.Warn("shift: draining the team queues failed", "err", err)
			}
			cancel()
			if !s.again.Swap(false) {
				return
			}
		}
	}()
}
