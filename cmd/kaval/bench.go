package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
	"github.com/kaval-desk/kaval/internal/store"
)

func init() {
	register(command{name: "bench", summary: "measure speed: bench intake | pipeline | query | inbox | analyze | webhooks", run: runBench})
}

func runBench(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.stderr, "Usage: kaval bench intake|pipeline|query|inbox|analyze|webhooks|watch|public [options]")
		return errUsage
	}
	switch args[0] {
	case "intake":
		return benchIntake(ctx, env, args[1:])
	case "pipeline":
		return benchPipeline(ctx, env, args[1:])
	}
	// Other benchmarks register themselves as "bench-NAME".
	if c, ok := commands["bench-"+args[0]]; ok {
		return c.run(ctx, env, args[1:])
	}
	return fmt.Errorf("unknown benchmark %q", args[0])
}

// eventPost turns a simulated citizen event into the normalised post a
// connector would produce, for benchmarks that start at intake.
func eventPost(e scenario.Event) post.Post {
	p := post.Post{
		Platform: e.Platform, ExternalID: e.ID, Kind: e.Kind, Channel: "bench",
		Author: post.Author{ExternalID: e.AuthorID, Handle: e.AuthorHandle, Name: e.AuthorName},
		Text:   e.Text, Lat: e.Lat, Lon: e.Lon, CreatedAt: e.At, InReplyTo: e.ReplyTo,
	}
	if e.Kind == post.KindDirectMessage {
		p.Private, p.ThreadID = true, e.ThreadKey
	}
	return p
}

func benchPosts(n int) []post.Post { return benchPostsFrom(0, n) }

// benchPostsFrom returns posts from to from+n of a fixed simulated stream.
func benchPostsFrom(from, n int) []post.Post {
	g := scenario.New(scenario.Config{Seed: 42 + uint64(from), Start: time.Now().Add(-time.Hour)})
	out := make([]post.Post, n)
	for i := range out {
		out[i] = eventPost(g.Next())
		out[i].ExternalID = "b" + strconv.Itoa(from+i) // unique whatever the generator repeats
	}
	return out
}

// benchDB opens the database to measure: a fresh SQLite file in a temp dir
// unless --db names one.
func benchDB(ctx context.Context, dsn string) (*store.DB, func(), error) {
	cleanup := func() {}
	if dsn == "" {
		dir, err := os.MkdirTemp("", "kaval-bench-")
		if err != nil {
			return nil, nil, err
		}
		dsn = "sqlite:" + filepath.Join(dir, "bench.db")
		cleanup = func() { os.RemoveAll(dir) }
	}
	db, err := openStore(ctx, dsn)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return db, func() { db.Close(); cleanup() }, nil
}

func benchIntake(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "bench intake", "[--posts N] [--clients C] [--batch B] [--db URL]")
	n := fs.Int("posts", 200000, "posts to submit")
	clients := fs.Int("clients", 64, "concurrent submitters (webhook deliveries in flight)")
	batch := fs.Int("batch", 1, "posts per submit (1 = one webhook delivery each)")
	dsn := fs.String("db", "", "database (default: a fresh SQLite file in a temp dir)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the timed part to FILE")
	if err := fs.Parse(args); err != nil {
		return err
	}
	posts := benchPosts(*n)
	db, done, err := benchDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer done()
	in := ingest.New(db, nil, ingest.Options{})
	defer in.Close()

	// What is measured is the durable write: no analysis (the desk adds it
	// in the callers' goroutines) and, on SQLite, no full-text index (the
	// pipeline fills it when it threads).
	what := "search column written"
	if db.Dialect == store.SQLite {
		what = "full-text index left to the pipeline"
	}
	fmt.Fprintf(env.stdout, "intake: %d posts, %d clients, %d per submit, %s, no analysis, %s\n", *n, *clients, *batch, db.Dialect, what)
	lat := make([]time.Duration, 0, *n / *batch + 1)
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	prog := newProgress(env.stderr, "intake", int64(*n))
	for range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for {
				i := int(next.Add(int64(*batch))) - *batch
				if i >= len(posts) || ctx.Err() != nil {
					break
				}
				j := min(i+*batch, len(posts))
				t0 := time.Now()
				if _, err := in.Submit(ctx, posts[i:j]); err != nil {
					fmt.Fprintln(env.stderr, err)
					return
				}
				mine = append(mine, time.Since(t0))
				prog.update(int64(j), "")
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	prog.done(int64(*n), "")
	var stored int
	db.Read.QueryRow("SELECT count(*) FROM posts").Scan(&stored)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Fprintf(env.stdout, "  %d posts durable in %.2fs: %.0f posts/s\n", stored, el.Seconds(), float64(stored)/el.Seconds())
	fmt.Fprintf(env.stdout, "  accept-to-durable latency p50 %s p99 %s\n", pct(lat, 50), pct(lat, 99))
	fmt.Fprintf(env.stdout, "  peak RSS %s\n", peakRSS())
	if stored != *n {
		return fmt.Errorf("stored %d of %d", stored, *n)
	}
	return nil
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := len(d) * p / 100
	if i >= len(d) {
		i = len(d) - 1
	}
	return d[i].Round(10 * time.Microsecond)
}

// peakRSS reads the process's high-water resident set from /proc.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.Atoi(f[1])
				return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
			}
		}
	}
	return "unknown"
}
