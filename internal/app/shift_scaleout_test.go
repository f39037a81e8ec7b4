package app

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/bus/bustest"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/rules"
	"github.com/kaval-desk/kaval/internal/shift"
	"github.com/kaval-desk/kaval/internal/store"
)

// TestScaleOutRoundRobin: two replicas on one PostgreSQL and one NATS
// JetStream thread posts arriving at once on both; a rule puts every new
// case in a team's round-robin. Nobody ends above capacity, no case is
// given twice, the team's four agents are filled evenly and the rest of
// the cases wait in the team's queue.
func TestScaleOutRoundRobin(t *testing.T) {
	db := store.NewTestPostgres(t)
	dsn := pgDSN(t, db)
	natsURL := bustest.StartNATS(t)
	key := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	getenv := func(k string) string {
		if k == "KAVAL_MASTER_KEY" {
			return key
		}
		return ""
	}
	ctx := context.Background()
	var replicas []*App
	for i := range 2 {
		a, err := New(ctx, Config{DB: dsn, Bus: natsURL, DataDir: t.TempDir(), Getenv: getenv, NoAnalysis: true,
			AuthConfig: auth.Config{Hash: auth.TestHashParams}})
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		t.Cleanup(a.Close)
		replicas = append(replicas, a)
	}
	a := replicas[0]
	tm, err := a.Shift.CreateTeam(ctx, shift.TeamInput{Name: "X desk"})
	if err != nil {
		t.Fatal(err)
	}
	var agents []int64
	for i := range 4 {
		u, _, err := a.Auth.CreateUser(ctx, auth.NewUser{Username: fmt.Sprint("agent", i), Role: auth.RoleAgent})
		if err != nil {
			t.Fatal(err)
		}
		agents = append(agents, u.ID)
		if err := a.Shift.SetMember(ctx, tm.ID, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Shift.SetSkills(ctx, u.ID, shift.Skills{Capacity: 5}); err != nil {
			t.Fatal(err)
		}
		if _, err := replicas[i%2].Shift.ClockIn(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Rules.Create(ctx, 0, rules.Rule{Name: "X to the desk", Enabled: true,
		Conditions: rules.Conditions{Platforms: []string{post.X}}, Actions: rules.Actions{AssignTeamID: tm.ID}}); err != nil {
		t.Fatal(err)
	}
	for _, r := range replicas {
		if err := r.Engine.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		r.Start(ctx)
	}
	// 40 citizens, two posts each, all at once, alternating replicas.
	var wg sync.WaitGroup
	start := make(chan struct{})
	for c := range 40 {
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := post.Post{Platform: post.X, ExternalID: fmt.Sprintf("rr%d-%d", c, i), Kind: post.KindMention, Channel: "force",
					Author: post.Author{ExternalID: fmt.Sprint("citizen", c)}, Text: fmt.Sprintf("Signal at junction %d not working", c),
					CreatedAt: time.Now().UTC()}
				<-start
				if _, err := replicas[(c+i)%2].Intake.Submit(ctx, []post.Post{p}); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var left int
		db.Read.QueryRow("SELECT count(*) FROM posts WHERE stage < 2").Scan(&left)
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d posts never reached the desk", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var cases, assigned, queued, twice int
	db.Read.QueryRow("SELECT count(*), count(assignee_id) FROM cases").Scan(&cases, &assigned)
	db.Read.QueryRow("SELECT count(*) FROM cases WHERE assignee_id IS NULL AND team = 'X desk'").Scan(&queued)
	db.Read.QueryRow("SELECT count(*) FROM (SELECT case_id FROM case_events WHERE kind = 'assign' GROUP BY case_id HAVING count(*) > 1) x").Scan(&twice)
	if cases != 40 {
		t.Fatalf("%d cases for 40 citizens", cases)
	}
	if assigned != 20 || queued != 20 {
		t.Errorf("%d assigned and %d queued, want 20 (4 agents x capacity 5) and 20", assigned, queued)
	}
	if twice != 0 {
		t.Errorf("%d cases were given more than once", twice)
	}
	for _, u := range agents {
		var n int
		db.Read.QueryRow("SELECT count(*) FROM cases WHERE assignee_id = $1", u).Scan(&n)
		if n != 5 {
			t.Errorf("agent %d holds %d cases, want 5 (capacity)", u, n)
		}
	}
}
