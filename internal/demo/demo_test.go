package demo

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/app"
	"github.com/kaval-desk/kaval/internal/auth"
)

// TestDemoTrafficReachesTheDesk runs what `kaval demo` runs: fakes, demo
// channels, and signed traffic at the webhooks, and checks every platform's
// posts become analysed cases. A second Setup on the same database repoints
// the channels instead of duplicating them.
func TestDemoTrafficReachesTheDesk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, err := app.New(ctx, app.Config{DataDir: dir, AuthConfig: auth.Config{Hash: auth.TestHashParams},
		Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Start(ctx)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()

	p, err := Setup(ctx, a.Channels, a.Manager)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	rep, _ := p.Traffic(tctx, srv.URL, 40, 7)
	if rep.Accepted == 0 || rep.Rejected != 0 || rep.Errors != 0 {
		t.Fatalf("traffic: %+v (first error %q)", rep.Counts, rep.FirstError)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var left int
		a.DB.Read.QueryRow("SELECT count(*) FROM posts WHERE stage < 2").Scan(&left)
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d posts not on the desk", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	rows, err := a.DB.Read.Query("SELECT platform, count(*), count(analysis), count(case_id) FROM posts GROUP BY platform")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for rows.Next() {
		var platform string
		var n, analysed, cased int
		rows.Scan(&platform, &n, &analysed, &cased)
		if analysed != n {
			t.Errorf("%s: %d of %d posts analysed", platform, analysed, n)
		}
		seen[platform] = true
	}
	rows.Close()
	for _, pl := range []string{"x", "whatsapp", "telegram"} {
		if !seen[pl] {
			t.Errorf("no %s posts reached the desk (saw %v)", pl, seen)
		}
	}
	before, _ := a.Channels.List(ctx)
	p2, err := Setup(ctx, a.Channels, a.Manager)
	if err != nil {
		t.Fatal(err)
	}
	p2.Close()
	after, _ := a.Channels.List(ctx)
	if len(after) != len(before) || len(before) != 4 {
		t.Fatalf("channels: %d before, %d after a second setup", len(before), len(after))
	}
}
