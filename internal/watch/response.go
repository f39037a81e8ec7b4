package watch

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// responseSource is the checkpoint of the response rollup job.
const responseSource = "watch.response"

// ResponseLag keeps the job behind the clock, so a transaction that set
// a first response or a resolution and is still committing is not
// skipped.
const ResponseLag = time.Minute

type respKey struct{ day, unit, agent int64 }

type respSums struct{ responded, responseMs, responseLate, resolved, resolutionMs, resolutionLate int64 }

// RollupResponses adds the cases first answered or resolved since the
// checkpoint (up to now − ResponseLag) to response_daily, and moves the
// checkpoint, in one transaction: run it on one replica (a lease), or
// twice at once and one waits for the other's row lock (PostgreSQL) or
// write lock (SQLite) and finds nothing new. It reports the cases counted.
func RollupResponses(ctx context.Context, db *store.DB, now time.Time) (int, error) {
	hi := store.Millis(now.Add(-ResponseLag))
	n := 0
	err := db.BackgroundTx(ctx, func(tx *sql.Tx) error {
		var vals string
		lock := "SELECT vals FROM checkpoints WHERE source = $1"
		if db.Dialect == store.Postgres {
			lock += " FOR UPDATE"
		}
		if err := tx.QueryRowContext(ctx, lock, responseSource).Scan(&vals); err != nil {
			return fmt.Errorf("watch: unable to read the response checkpoint: %w", err)
		}
		lo, err := strconv.ParseInt(vals, 10, 64)
		if err != nil {
			return fmt.Errorf("watch: bad response checkpoint %q", vals)
		}
		if hi <= lo {
			return nil
		}
		sums := map[respKey]*respSums{}
		at := func(k respKey) *respSums {
			if sums[k] == nil {
				sums[k] = &respSums{}
			}
			return sums[k]
		}
		for _, q := range []struct {
			col, due string
			add      func(s *respSums, ms int64, late bool)
		}{
			{"first_response_at", "first_response_due", func(s *respSums, ms int64, late bool) {
				s.responded++
				s.responseMs += ms
				if late {
					s.responseLate++
				}
			}},
			{"resolved_at", "resolve_due", func(s *respSums, ms int64, late bool) {
				s.resolved++
				s.resolutionMs += ms
				if late {
					s.resolutionLate++
				}
			}},
		} {
			rows, err := tx.QueryContext(ctx, `SELECT `+q.col+`, created_at, COALESCE(`+q.due+`, 0), COALESCE(unit_id, 0), COALESCE(assignee_id, 0)
				FROM cases WHERE `+q.col+` > $1 AND `+q.col+` <= $2`, lo, hi)
			if err != nil {
				return fmt.Errorf("watch: unable to read answered cases: %w", err)
			}
			for rows.Next() {
				var t, created, due, unit, agent int64
				if err := rows.Scan(&t, &created, &due, &unit, &agent); err != nil {
					rows.Close()
					return fmt.Errorf("watch: unable to read answered cases: %w", err)
				}
				q.add(at(respKey{t - t%dayMs, unit, agent}), max(0, t-created), due != 0 && t > due)
				n++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("watch: unable to read answered cases: %w", err)
			}
		}
		keys := make([]respKey, 0, len(sums))
		for k := range sums {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b respKey) int {
			return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.unit, b.unit), cmp.Compare(a.agent, b.agent))
		})
		for _, k := range keys {
			s := sums[k]
			if _, err := tx.ExecContext(ctx, `INSERT INTO response_daily (day, unit_id, agent_id, responded, response_ms, response_late, resolved, resolution_ms, resolution_late)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (day, unit_id, agent_id) DO UPDATE SET
				responded = response_daily.responded + excluded.responded, response_ms = response_daily.response_ms + excluded.response_ms,
				response_late = response_daily.response_late + excluded.response_late, resolved = response_daily.resolved + excluded.resolved,
				resolution_ms = response_daily.resolution_ms + excluded.resolution_ms, resolution_late = response_daily.resolution_late + excluded.resolution_late`,
				k.day, k.unit, k.agent, s.responded, s.responseMs, s.responseLate, s.resolved, s.resolutionMs, s.resolutionLate); err != nil {
				return fmt.Errorf("watch: unable to update response rollups: %w", err)
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE checkpoints SET vals = $2, updated_at = $3 WHERE source = $1", responseSource,
			strconv.FormatInt(hi, 10), store.Millis(now))
		return err
	})
	return n, err
}

// ResponseRow is one unit's or agent's figures over a window.
type ResponseRow struct {
	ID             int64   `json:"id"` // unit or user id; 0 for none
	Name           string  `json:"name"`
	Responded      int64   `json:"responded"`
	MeanResponse   float64 `json:"mean_response_minutes"`
	ResponseOnTime float64 `json:"response_on_time"` // share 0..1 answered by the deadline
	Resolved       int64   `json:"resolved"`
	MeanResolution float64 `json:"mean_resolution_hours"`
	ResolveOnTime  float64 `json:"resolution_on_time"`
	OverdueNow     int64   `json:"overdue_now"` // open cases past their deadline now (units only)
}

// Responses is the SLA dashboard's data.
type Responses struct {
	By    string        `json:"by"` // unit or agent
	Since time.Time     `json:"since"`
	Until time.Time     `json:"until"`
	Total ResponseRow   `json:"total"`
	Rows  []ResponseRow `json:"rows"` // most responded first
}

// ReadResponses reads response and resolution times and the share within
// their deadlines per unit or agent, over whole UTC days, from
// response_daily's sums by unit (response_unit_daily) or by agent
// (response_agent_daily), and for units the open
// cases past their deadline now (the cases' status-and-deadline index).
func ReadResponses(ctx context.Context, db *store.DB, by string, since, until time.Time, now time.Time) (Responses, error) {
	// By unit, response_unit_daily (days × units, kept equal to
	// response_daily summed over agents by triggers, migration 01011): a
	// twentieth of the rows to sum; by agent, response_agent_daily (01012).
	col, table, names := "unit_id", "response_unit_daily", "SELECT id, name FROM units"
	switch by {
	case "", "unit":
		by = "unit"
	case "agent":
		col, table, names = "agent_id", "response_agent_daily", "SELECT id, CASE WHEN name <> '' THEN name ELSE username END FROM users"
	default:
		return Responses{}, &ErrBadFilter{"by", "by is unit or agent"}
	}
	s, u := store.Millis(since), store.Millis(until)
	s -= s % dayMs
	if u <= s || u-s > 400*dayMs {
		return Responses{}, &ErrBadFilter{"since", "a window of up to 400 days, ending after it starts"}
	}
	out := Responses{By: by, Since: store.Time(s), Until: store.Time(u), Rows: []ResponseRow{}}
	rows, err := db.Read.QueryContext(ctx, `SELECT `+col+`, SUM(responded), SUM(response_ms), SUM(response_late), SUM(resolved), SUM(resolution_ms), SUM(resolution_late)
		FROM `+table+` WHERE day >= $1 AND day < $2 GROUP BY `+col, s, u)
	if err != nil {
		return out, fmt.Errorf("watch: unable to read response times: %w", err)
	}
	all := map[int64]*respSums{}
	var total respSums
	for rows.Next() {
		var id int64
		var x respSums
		if err := rows.Scan(&id, &x.responded, &x.responseMs, &x.responseLate, &x.resolved, &x.resolutionMs, &x.resolutionLate); err != nil {
			rows.Close()
			return out, fmt.Errorf("watch: unable to read response times: %w", err)
		}
		all[id] = &x
		total.responded, total.responseMs, total.responseLate = total.responded+x.responded, total.responseMs+x.responseMs, total.responseLate+x.responseLate
		total.resolved, total.resolutionMs, total.resolutionLate = total.resolved+x.resolved, total.resolutionMs+x.resolutionMs, total.resolutionLate+x.resolutionLate
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("watch: unable to read response times: %w", err)
	}
	overdue := map[int64]int64{}
	if by == "unit" {
		// SQLite's planner prefers cases_unit_deadline (unit, status,
		// due_at), seeking every unit × status: 0.2 s for 50,000 open
		// cases under modernc's SQLite. The partial index of open cases
		// (migration 00756) is read straight through in a tenth of that.
		from := "cases"
		if db.Dialect == store.SQLite {
			from = "cases INDEXED BY cases_open_unit"
		}
		r, err := db.Read.QueryContext(ctx, `SELECT unit_id, COUNT(*) FROM `+from+` WHERE status IN (`+openStatuses+`) AND due_at < $1 GROUP BY unit_id`,
			store.Millis(now))
		if err != nil {
			return out, fmt.Errorf("watch: unable to count overdue cases: %w", err)
		}
		for r.Next() {
			var unit sql.NullInt64
			var n int64
			if err := r.Scan(&unit, &n); err != nil {
				r.Close()
				return out, fmt.Errorf("watch: unable to count overdue cases: %w", err)
			}
			id := unit.Int64 // no unit: 0
			overdue[id] = n
			out.Total.OverdueNow += n
			if all[id] == nil {
				all[id] = &respSums{}
			}
		}
		r.Close()
	}
	name := map[int64]string{}
	if nr, err := db.Read.QueryContext(ctx, names); err == nil {
		for nr.Next() {
			var id int64
			var n string
			if nr.Scan(&id, &n) == nil {
				name[id] = n
			}
		}
		nr.Close()
	}
	for id, x := range all {
		row := figures(*x)
		row.ID, row.Name, row.OverdueNow = id, name[id], overdue[id]
		out.Rows = append(out.Rows, row)
	}
	t := figures(total)
	t.OverdueNow = out.Total.OverdueNow
	out.Total = t
	slices.SortFunc(out.Rows, func(a, b ResponseRow) int {
		return cmp.Or(cmp.Compare(b.Responded+b.Resolved, a.Responded+a.Resolved), cmp.Compare(b.OverdueNow, a.OverdueNow), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

func figures(x respSums) ResponseRow {
	r := ResponseRow{Responded: x.responded, Resolved: x.resolved}
	if x.responded > 0 {
		r.MeanResponse = round1(float64(x.responseMs) / float64(x.responded) / 60000)
		r.ResponseOnTime = round3(1 - float64(x.responseLate)/float64(x.responded))
	}
	if x.resolved > 0 {
		r.MeanResolution = round1(float64(x.resolutionMs) / float64(x.resolved) / 3600000)
		r.ResolveOnTime = round3(1 - float64(x.resolutionLate)/float64(x.resolved))
	}
	return r
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

// Leaser takes a named lease (lease.Store).
type Leaser interface {
	Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// RunResponseRollup runs RollupResponses every period on the replica
// holding the lease watch.response, until ctx ends.
func RunResponseRollup(ctx context.Context, db *store.DB, leases Leaser, holder string, every time.Duration, warn func(error)) {
	if holder == "" {
		host, _ := os.Hostname()
		var b [4]byte
		rand.Read(b[:])
		holder = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if ok, err := leases.Acquire(ctx, responseSource, holder, 3*every); err != nil {
			warn(err)
		} else if ok {
			if _, err := RollupResponses(ctx, db, time.Now()); err != nil && ctx.Err() == nil {
				warn(err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
