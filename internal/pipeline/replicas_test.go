package pipeline

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// A sweep's claim never waits for a post another transaction holds: it
// takes the posts it can, in id order, and leaves the rest to their holder
// or to the next sweep. Before, the claim locked its rows in whatever order
// the plan met them and waited for each, so a replica holding a later post
// and asking for an earlier one deadlocked with it.
func TestSweepClaimSkipsLockedPosts(t *testing.T) {
	db := store.NewTestPostgres(t)
	e := setup(t, db)
	ctx := context.Background()
	res, err := e.in.Submit(ctx, []post.Post{mention("k1", "a", "first"), mention("k2", "b", "second")})
	if err != nil {
		t.Fatal(err)
	}
	first, second := res[0].ID, res[1].ID
	// Another replica is working on the second post.
	other, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback()
	if _, err := other.ExecContext(ctx, "SELECT id FROM posts WHERE id = $1 FOR UPDATE", second); err != nil {
		t.Fatal(err)
	}
	swept := make(chan error, 1)
	claimed := make(chan struct{})
	var once sync.Once
	e.pl.afterClaim = func() { once.Do(func() { close(claimed) }) }
	go func() { swept <- e.pl.Process(ctx, []int64{first, second}) }()
	// ... and, once the sweep holds the first, wants it too: with a claim
	// that waits, the two wait for each other until PostgreSQL kills one.
	select {
	case <-claimed:
	case err := <-swept:
		t.Fatalf("the sweep ended before its claim returned: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the sweep waited for a post another transaction holds")
	}
	lockErr := make(chan error, 1)
	go func() {
		_, err := other.ExecContext(ctx, "SELECT id FROM posts WHERE id = $1 FOR UPDATE", first)
		lockErr <- err
	}()
	select {
	case err := <-swept:
		if err != nil {
			t.Fatalf("sweep: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the sweep waited for a post another transaction holds")
	}
	if err := <-lockErr; err != nil {
		t.Fatalf("the other replica: %v", err)
	}
	other.Rollback()
	stage := func(id int64) (s int) {
		db.Read.QueryRow("SELECT stage FROM posts WHERE id = $1", id).Scan(&s)
		return s
	}
	if stage(first) != 2 || stage(second) != 1 {
		t.Fatalf("stages %d %d, want the first on the desk and the second left", stage(first), stage(second))
	}
	if err := e.pl.Sweep(ctx); err != nil || stage(second) != 2 {
		t.Fatalf("the next sweep: stage %d, %v", stage(second), err)
	}
}

// Two replicas sweeping the same backlog at once on PostgreSQL: no
// deadlock, every post on the desk once, and the same cases as one replica
// makes (posts of one citizen, and copies of one report from several,
// land in one case whichever replica threads them).
func TestConcurrentSweeps(t *testing.T) {
	backlog := func(e *env) []post.Post {
		var posts []post.Post
		for i := range 600 {
			p := mention(fmt.Sprint("c", i), fmt.Sprint("u", i%40), fmt.Sprintf("routine query number %d about a permit", i))
			switch i % 6 {
			case 0:
				p.Text = "help, chain snatched in Jayanagar"
			case 1: // a hundred citizens who write once each
				p.Author.ExternalID = fmt.Sprint("t", i)
				p.Text = "A big tree fell on the road near 5th Block Jayanagar, blocking traffic"
			case 2:
				p.Text = "Loud music all night near Koramangala 80 feet road, nobody can sleep"
			}
			p.CreatedAt = e.now
			posts = append(posts, p)
		}
		return posts
	}
	cases := func(db *store.DB) (n int) {
		db.Read.QueryRow("SELECT count(*) FROM cases").Scan(&n)
		return n
	}
	// The reference: one replica.
	one := store.NewTestPostgres(t)
	e1 := setup(t, one)
	if _, err := e1.in.Submit(context.Background(), backlog(e1)); err != nil {
		t.Fatal(err)
	}
	if err := e1.pl.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := cases(one)

	db := store.NewTestPostgres(t)
	e := setup(t, db)
	ctx := context.Background()
	if _, err := e.in.Submit(ctx, backlog(e)); err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return e.now }
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for r := range 2 {
		d := desk.New(db, desk.Options{Now: clock, ThreadWindow: time.Hour})
		if err := d.ReloadUnits(ctx); err != nil {
			t.Fatal(err)
		}
		pl := New(db, d, nil, keywordAnalyzer, Options{Now: clock})
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[r] = pl.Sweep(ctx)
		}()
	}
	wg.Wait()
	for r, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", r, err)
		}
	}
	var left, events, linked int
	db.Read.QueryRow("SELECT count(*) FROM posts WHERE stage < 2").Scan(&left)
	db.Read.QueryRow("SELECT count(*) FROM case_events WHERE kind IN ('opened', 'post')").Scan(&events)
	db.Read.QueryRow("SELECT count(*) FROM posts WHERE case_id IS NOT NULL").Scan(&linked)
	if left != 0 || events != 600 || linked != 600 {
		t.Fatalf("%d posts left, %d threading events and %d posts in cases for 600 posts", left, events, linked)
	}
	if got := cases(db); got != want {
		t.Fatalf("two replicas made %d cases, one replica %d", got, want)
	}
	var dupCases int
	db.Read.QueryRow("SELECT count(DISTINCT case_id) FROM posts WHERE text LIKE 'A big tree fell%'").Scan(&dupCases)
	if dupCases != 1 {
		t.Fatalf("copies of one report from several citizens in %d cases", dupCases)
	}
}
