package shift

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// BenchmarkPick100 is the round-robin decision alone over 100 agents, the
// later half at capacity or unskilled, so the walk is long.
func BenchmarkPick100(b *testing.B) {
	cands := make([]Candidate, 100)
	for i := range cands {
		cands[i] = Candidate{UserID: int64(i + 1), Capacity: 8, Load: 3, Languages: []string{"en", "kn"}}
		if i >= 50 {
			cands[i].Load = 8
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if Pick(cands, int64(40+i%10), "kn", "x") == 0 {
			b.Fatal("nobody picked")
		}
	}
}

// BenchmarkAssign100 is the whole assignment as the desk makes it:
// in a write transaction on SQLite, read the team, the case and the 100
// on-shift members' load (each holds 6 of their 8; 20,000 finished cases
// behind them), pick, assign, write the timeline and the cursor; the case
// is then put back for the next round in the same transaction.
func BenchmarkAssign100(b *testing.B) {
	f, tm, cid := benchDesk(b)
	ctx := context.Background()
	db := f.db
	b.ResetTimer()
	for b.Loop() {
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			out, err := f.s.AssignTx(ctx, tx, cid, tm, 0, nil, f.now)
			if err != nil || out.AssigneeID == 0 {
				return fmt.Errorf("not assigned: %+v %v", out, err)
			}
			_, err = tx.Exec("UPDATE cases SET assignee_id = NULL WHERE id = $1", cid)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssignDecision100 is the decision alone, as AssignTx makes it
// inside its transaction: read the 100 on-shift members with their load
// and skills, and pick.
func BenchmarkAssignDecision100(b *testing.B) {
	f, tm, _ := benchDesk(b)
	ctx := context.Background()
	tx, err := f.db.Write.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		cands, err := f.s.candidates(ctx, tx, tm, 0)
		if err != nil || len(cands) != 100 {
			b.Fatal(len(cands), err)
		}
		if Pick(cands, int64(i%100), "kn", "x") == 0 {
			b.Fatal("nobody picked")
		}
	}
}

func benchDesk(b *testing.B) (*fixture, int64, int64) {
	db := store.NewTestSQLite(b)
	f := &fixture{db: db, now: time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC)}
	f.s = New(db, Options{Now: func() time.Time { return f.now }, ManualDrain: true})
	ctx := context.Background()
	tm, err := f.s.CreateTeam(ctx, TeamInput{Name: "Desk"})
	if err != nil {
		b.Fatal(err)
	}
	var agents []int64
	for i := range 100 {
		var uid int64
		db.Write.QueryRow("INSERT INTO users (username, role, created_at, updated_at) VALUES ($1, 'agent', 1, 1) RETURNING id", fmt.Sprint("a", i)).Scan(&uid)
		agents = append(agents, uid)
		db.Write.Exec("INSERT INTO team_members (team_id, user_id, added_at) VALUES ($1, $2, 1)", tm.ID, uid)
		db.Write.Exec("INSERT INTO shift_clock (user_id, in_at) VALUES ($1, 1)", uid)
		db.Write.Exec("INSERT INTO agent_skills (user_id, capacity, languages, platforms, updated_at) VALUES ($1, 8, 'en,kn', '', 1)", uid)
	}
	tx, _ := db.Write.Begin()
	for i := range 20600 {
		status := "closed"
		if i < 600 {
			status = "open"
		}
		tx.Exec(`INSERT INTO cases (ref, platform, thread_key, lang, status, assignee_id, last_post_at, created_at, updated_at)
			VALUES ($1, 'x', $1, 'en', $2, $3, 1, 1, 1)`, fmt.Sprint("old", i), status, agents[i%100])
	}
	tx.Commit()
	var cid int64
	db.Write.QueryRow("INSERT INTO cases (ref, platform, thread_key, lang, last_post_at, created_at, updated_at) VALUES ('new', 'x', 'new', 'kn', 1, 1, 1) RETURNING id").Scan(&cid)
	db.Write.Exec("ANALYZE")
	if err := f.s.Prepare(ctx); err != nil {
		b.Fatal(err)
	}
	return f, tm.ID, cid
}
