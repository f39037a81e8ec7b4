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
	"github.com/kaval-desk/kaval/internal/store"
)

// TestScaleOutReplicasShareWork runs two desks on one PostgreSQL database
// and one NATS JetStream, as `kaval serve --db postgres://… --bus nats://…`
// replicas do. Posts taken in by either replica are analysed and threaded
// exactly once into one case per citizen. (The per-thread lock that keeps
// racing workers from opening two cases is tested directly in pipeline.)
func TestScaleOutReplicasShareWork(t *testing.T) {
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
		a, err := New(ctx, Config{DB: dsn, Bus: natsURL, DataDir: t.TempDir(), Getenv: getenv,
			AuthConfig: auth.Config{Hash: auth.TestHashParams}})
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		a.Start(ctx)
		t.Cleanup(a.Close)
		replicas = append(replicas, a)
	}
	// 20 citizens each post 30 times, all at once, alternating replicas,
	// so posts of one citizen are threaded by both replicas concurrently.
	// The posts are shorter than near-duplicate clustering looks at (the
	// desk puts copies of one report from many citizens into one case;
	// tested in desk), so each citizen keeps a case of their own here.
	var wg sync.WaitGroup
	start := make(chan struct{})
	for c := range 20 {
		for i := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := post.Post{Platform: post.X, ExternalID: fmt.Sprintf("c%d-%d", c, i), Kind: post.KindMention, Channel: "force",
					Author: post.Author{ExternalID: fmt.Sprint("citizen", c)}, Text: "Chain snatching near Jayanagar, help",
					CreatedAt: time.Now().UTC()}
				<-start
				if _, err := replicas[i%2].Intake.Submit(ctx, []post.Post{p}); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	deadline := time.Now().Add(30 * time.Second)
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
	var posts, cases, onCase, events int
	db.Read.QueryRow("SELECT count(*), count(case_id) FROM posts").Scan(&posts, &onCase)
	db.Read.QueryRow("SELECT count(*) FROM cases").Scan(&cases)
	db.Read.QueryRow("SELECT count(*) FROM case_events WHERE kind IN ('opened', 'post')").Scan(&events)
	if posts != 600 || onCase != 600 {
		t.Fatalf("%d posts, %d on a case", posts, onCase)
	}
	if cases != 20 {
		t.Fatalf("%d cases for 20 citizens: racing replicas opened duplicates", cases)
	}
	if events != 600 {
		t.Fatalf("%d timeline entries for 600 posts: a post was threaded twice", events)
	}
}
