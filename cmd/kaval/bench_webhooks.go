package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/app"
	"github.com/kaval-desk/kaval/internal/channel"
	"github.com/kaval-desk/kaval/internal/connector/meta"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/connector/telegram"
	"github.com/kaval-desk/kaval/internal/connector/telegram/tgfake"
	"github.com/kaval-desk/kaval/internal/connector/whatsapp"
	"github.com/kaval-desk/kaval/internal/connector/whatsapp/wafake"
	"github.com/kaval-desk/kaval/internal/connector/x"
	"github.com/kaval-desk/kaval/internal/connector/x/xfake"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/secretbox"
	"github.com/kaval-desk/kaval/internal/simulate"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
	"github.com/kaval-desk/kaval/internal/store"
)

func init() {
	register(command{name: "bench-webhooks", summary: "measure signed webhook deliveries acknowledged durably per second", run: benchWebhooks})
}

const benchWebhooksUsage = `[--duration 10s | --count N [--live]] [--burst] [--rate 0] [--platform whatsapp|meta|x|telegram|mix] [--workers N] [--db URL] [--no-analysis] [--cpuprofile FILE]
       kaval bench webhooks --hold 60s --bodies FILE [--count N]

Starts a whole desk in-process (a fresh SQLite file in a temp dir unless --db
is given; analysis on unless --no-analysis) on a loopback port, connects
channels to local fakes of the platforms, and drives signed webhook
deliveries at /hooks/{id} with the simulator. Counts only 2xx answers, which
the desk gives once the posts are durable, then checks that every post of
every acknowledged delivery is stored. With --count the simulator builds
and signs all deliveries before the clock starts (--live: while sending), so
the figure is the desk's, not the generator's text and HMACs; both share the
machine either way.

With --hold the desk only serves, for an external load generator: --bodies
FILE gets N pre-signed WhatsApp deliveries (one "signature TAB body" a line)
and FILE.lua a wrk script that replays them, each thread its own share, e.g.
  wrk -t2 -c64 -d10s -s FILE.lua http://127.0.0.1:PORT/hooks/ID -- 2`

// Account ids the fakes answer to and the simulator signs for.
const (
	benchXUser   = "99887766"
	benchXHandle = "BlrCityPolice"
	benchPage    = "101112131415161"
	benchIG      = "17841400000000001"
	benchPhone   = "106540352242922"
)

func benchWebhooks(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "bench webhooks", benchWebhooksUsage)
	duration := fs.Duration("duration", 0, "how long to send (default 10s unless --count is given)")
	count := fs.Int("count", 0, "how many simulated events to send")
	rateN := fs.Float64("rate", 0, "events per second (0: as fast as the desk answers)")
	platform := fs.String("platform", "whatsapp", "whatsapp, meta, x, telegram or mix")
	workers := fs.Int("workers", 64, "concurrent deliveries in flight")
	dsn := fs.String("db", "", "database (default: a fresh SQLite file in a temp dir)")
	noAnalysis := fs.Bool("no-analysis", false, "start the desk without the analysis models (intake only)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run (desk and load generator) to FILE")
	seed := fs.Uint64("seed", 0, "scenario seed (default: random, so a reused --db gets new ids)")
	hold := fs.Duration("hold", 0, "serve this long for an external load generator instead of running the simulator")
	bodiesPath := fs.String("bodies", "", "with --hold: write pre-signed WhatsApp deliveries and a wrk script here")
	burst := fs.Bool("burst", false, "hold the pipeline (threading into cases) back while the deliveries arrive, then report how long the desk takes to catch up")
	live := fs.Bool("live", false, "with --count: build and sign each delivery while sending, instead of all of them before the clock starts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *workers <= 0 || *duration < 0 || *count < 0 || *rateN < 0 {
		fs.Usage()
		return errUsage
	}
	if *hold > 0 {
		if *bodiesPath == "" || *platform != "whatsapp" {
			return errors.New("--hold needs --bodies FILE (WhatsApp deliveries only)")
		}
		if *count == 0 {
			*count = 100000
		}
	}
	if *duration == 0 && *count == 0 {
		*duration = 10 * time.Second
	}
	if *seed == 0 {
		*seed = rand.Uint64()
	}
	mix, err := benchMix(*platform)
	if err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "kaval-bench-webhooks-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	key, err := secretbox.NewRandomKey()
	if err != nil {
		return err
	}
	getenv := func(k string) string {
		if k == "KAVAL_MASTER_KEY" {
			return key.Encode()
		}
		return ""
	}
	// Warnings only: one log line per request would be measured too.
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, app.Config{DB: *dsn, DataDir: dir, NoAnalysis: *noAnalysis, Log: log, Getenv: getenv, Version: version,
		DeferPipeline: *burst})
	if err != nil {
		return err
	}
	defer a.Close()
	a.Start(ctx)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go srv.Serve(ln)
	defer srv.Close()
	target := "http://" + ln.Addr().String()

	bc, err := benchChannels(ctx, a, mix)
	if err != nil {
		return err
	}
	defer bc.close()
	var before int64
	if err := a.DB.Read.QueryRowContext(ctx, "SELECT count(*) FROM posts").Scan(&before); err != nil {
		return err
	}

	if *hold > 0 {
		return holdForExternal(ctx, env, a, bc, target, *hold, *bodiesPath, *count, *seed, *burst)
	}

	rate := *rateN
	if rate == 0 {
		rate = 1e7 // effectively unpaced: the workers are the bound
	}
	rec := &ackRecorder{next: simulate.NewWireTransport(30*time.Second, *workers)}
	cfg := simulate.Config{Target: target, Rate: rate, Duration: *duration, Count: *count, Seed: *seed,
		Channels: bc.sim, Mix: mix, Workers: *workers, ForceHandle: benchXHandle,
		HTTP: &http.Client{Transport: rec}, Prebuild: *count > 0 && !*live}

	what := fmt.Sprintf("%d events", *count)
	if cfg.Prebuild {
		what += " (built and signed before the clock)"
	}
	if *count == 0 {
		what = duration.String() + " (built and signed while sending)"
	}
	analysis := "on"
	if *noAnalysis {
		analysis = "off"
	}
	fmt.Fprintf(env.stdout, "webhooks: %s, platform %s, %d workers, rate %s, %s, analysis %s, GOMAXPROCS %d, load %s\n",
		what, *platform, *workers, hookRateLabel(*rateN), a.DB.Dialect, analysis, runtime.GOMAXPROCS(0), hookLoadAvg())
	var prof *os.File
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		prof = f
	}
	var cpu0 float64
	var wait0 sql.DBStats
	var commits0, commitSecs0 histo
	cfg.OnStart = func() {
		if prof != nil {
			pprof.StartCPUProfile(prof)
		}
		cpu0 = processCPU()
		wait0 = a.DB.Write.Stats()
		commits0 = histogramOf(a, "kaval_ingest_batch_posts")
		commitSecs0 = histogramOf(a, "kaval_ingest_commit_seconds")
	}
	rep, err := simulate.Run(ctx, cfg)
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	end := time.Now()
	cpu := processCPU() - cpu0

	fmt.Fprintf(env.stdout, "  %d deliveries acknowledged (2xx) in %.2fs: %.0f deliveries/s durable\n",
		rep.Accepted, rep.ElapsedS, float64(rep.Accepted)/rep.ElapsedS)
	if cpu > 0 && rep.Accepted > 0 {
		per := cpu / float64(rep.Accepted)
		fmt.Fprintf(env.stdout, "  CPU (desk and load generator) %.2fs = %.2f cores busy, %.0f µs per delivery: at most %.0f deliveries/s on %d idle cores\n",
			cpu, cpu/rep.ElapsedS, per*1e6, float64(runtime.NumCPU())/per, runtime.NumCPU())
	}
	fmt.Fprintf(env.stdout, "  latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", rep.P50ms, rep.P99ms, rep.MaxMs)
	fmt.Fprintf(env.stdout, "  rejected (non-2xx) %d, transport errors %d", rep.Rejected, rep.Errors)
	if rep.FirstError != "" {
		fmt.Fprintf(env.stdout, " (first: %s)", rep.FirstError)
	}
	fmt.Fprintln(env.stdout)
	wait := a.DB.Write.Stats()
	commits := histogramOf(a, "kaval_ingest_batch_posts")
	commitSecs := histogramOf(a, "kaval_ingest_commit_seconds")
	if n := commits.count - commits0.count; n > 0 {
		fmt.Fprintf(env.stdout, "  intake: %d group commits, %.1f posts and %.2f ms each on average\n",
			n, (commits.sum-commits0.sum)/float64(n), 1000*(commitSecs.sum-commitSecs0.sum)/float64(n))
	}
	fmt.Fprintf(env.stdout, "  waits for a write connection: %d, %.2fs in all (intake, pipeline and checkpoints share it)\n",
		wait.WaitCount-wait0.WaitCount, (wait.WaitDuration - wait0.WaitDuration).Seconds())

	// Every post in every acknowledged delivery must be stored.
	want, err := bc.expected(rec.take(), end)
	if err != nil {
		return err
	}
	missing, stored, err := hookCheckStored(ctx, a.DB, want)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "  posts in acknowledged deliveries %d, new posts stored %d, missing %d\n", len(want), stored-before, missing)
	fmt.Fprintf(env.stdout, "  peak RSS %s\n", peakRSS())
	if *burst {
		// Every post is stored and analysed; threading starts now.
		a.StartPipeline()
	}
	left, took := hookWaitDesk(ctx, a.DB, 5*time.Minute)
	if left == 0 {
		fmt.Fprintf(env.stdout, "  on the desk (threaded into cases) %.1fs after the last acknowledgement\n", took.Seconds())
	} else {
		fmt.Fprintf(env.stdout, "  %d posts still waiting for the desk after %s\n", left, took.Round(time.Second))
	}
	switch {
	case missing > 0:
		return fmt.Errorf("%d posts of acknowledged deliveries are not stored", missing)
	case rep.Accepted == 0:
		return errors.New("no delivery was acknowledged")
	case stored-before != int64(len(want)) && rep.Rejected+rep.Errors == 0:
		return fmt.Errorf("stored %d new posts for %d in acknowledged deliveries", stored-before, len(want))
	}
	return nil
}

func hookRateLabel(r float64) string {
	if r == 0 {
		return "max"
	}
	return strconv.FormatFloat(r, 'f', -1, 64) + "/s"
}

func benchMix(platform string) (map[string]float64, error) {
	switch platform {
	case "whatsapp":
		return map[string]float64{post.WhatsApp: 1}, nil
	case "meta":
		return map[string]float64{post.Facebook: 10, post.Instagram: 8, post.Messenger: 6}, nil
	case "x":
		return map[string]float64{post.X: 1}, nil
	case "telegram":
		return map[string]float64{post.Telegram: 1}, nil
	case "mix":
		return map[string]float64{post.X: 30, post.Facebook: 10, post.Instagram: 8, post.Messenger: 6, post.WhatsApp: 22, post.Telegram: 10}, nil
	}
	return nil, fmt.Errorf("--platform: want whatsapp, meta, x, telegram or mix, not %q", platform)
}

// benchChans are the channels under test, their fakes, and how to decode
// what was delivered to each.
type benchChans struct {
	secret string
	wa     *wafake.Server // set when WhatsApp is in the mix
	waPath string
	sim    map[string]simulate.Channel
	decode map[string]func(body []byte, now time.Time) ([]post.Post, error) // by webhook path
	closes []func()
}

func (b *benchChans) close() {
	for _, c := range b.closes {
		c()
	}
}

// benchChannels starts a fake for each platform in the mix (connectors
// call them at start) and creates its channel with a random secret.
func benchChannels(ctx context.Context, a *app.App, mix map[string]float64) (*benchChans, error) {
	secret := strconv.FormatUint(rand.Uint64(), 36) + strconv.FormatUint(rand.Uint64(), 36)
	b := &benchChans{secret: secret, sim: map[string]simulate.Channel{}, decode: map[string]func([]byte, time.Time) ([]post.Post, error){}}
	ok := false
	defer func() {
		if !ok {
			b.close()
		}
	}()
	create := func(sp channel.Spec) (string, error) {
		c, err := a.Channels.Create(ctx, sp)
		if err != nil {
			return "", fmt.Errorf("bench: unable to create the %s channel: %w", sp.Platform, err)
		}
		return strconv.FormatInt(c.ID, 10), nil
	}
	if mix[post.X] > 0 {
		f := xfake.New(xfake.Options{ConsumerSecret: secret, UserID: benchXUser, Handle: benchXHandle})
		b.closes = append(b.closes, f.Close)
		id, err := create(channel.Spec{Platform: post.X, Name: "bench X",
			Config:  map[string]string{"base_url": f.URL(), "mode": "webhook", "user_id": benchXUser, "handle": benchXHandle},
			Secrets: channel.Secrets{"consumer_secret": secret, "user_access_token": "bench", "bearer_token": "bench"}})
		if err != nil {
			return nil, err
		}
		b.sim[post.X] = simulate.Channel{ChannelID: id, Secret: secret, AccountID: benchXUser, Handle: benchXHandle}
		b.decode["/hooks/"+id] = func(body []byte, now time.Time) ([]post.Post, error) {
			w, err := x.DecodeWebhook(body, now)
			return w.Posts, err
		}
	}
	if mix[post.Facebook]+mix[post.Messenger]+mix[post.Instagram] > 0 {
		f := metafake.New(metafake.Options{AppSecret: secret, PageID: benchPage, IGUserID: benchIG, VerifyToken: "bench"})
		b.closes = append(b.closes, f.Close)
		id, err := create(channel.Spec{Platform: post.Facebook, Name: "bench Meta",
			Config:  map[string]string{"graph_url": f.GraphURL(), "page_id": benchPage, "ig_user_id": benchIG, "verify_token": "bench"},
			Secrets: channel.Secrets{"app_secret": secret, "page_token": "bench"}})
		if err != nil {
			return nil, err
		}
		b.sim[post.Facebook] = simulate.Channel{ChannelID: id, Secret: secret, AccountID: benchPage}
		b.sim[post.Messenger] = simulate.Channel{ChannelID: id, Secret: secret, AccountID: benchPage}
		b.sim[post.Instagram] = simulate.Channel{ChannelID: id, Secret: secret, AccountID: benchIG}
		b.decode["/hooks/"+id] = func(body []byte, now time.Time) ([]post.Post, error) {
			d, err := meta.DecodeWebhook(body, now)
			return d.Posts, err
		}
	}
	if mix[post.WhatsApp] > 0 {
		f := wafake.New(wafake.Options{AppSecret: secret, VerifyToken: "bench", PhoneNumberID: benchPhone})
		b.closes = append(b.closes, f.Close)
		id, err := create(channel.Spec{Platform: post.WhatsApp, Name: "bench WhatsApp",
			Config:  map[string]string{"graph_url": f.GraphURL(), "phone_number_id": benchPhone},
			Secrets: channel.Secrets{"app_secret": secret, "token": "bench"}})
		if err != nil {
			return nil, err
		}
		b.sim[post.WhatsApp] = simulate.Channel{ChannelID: id, Secret: secret, PhoneNumberID: benchPhone}
		b.wa, b.waPath = f, "/hooks/"+id
		b.decode["/hooks/"+id] = func(body []byte, now time.Time) ([]post.Post, error) {
			d, err := whatsapp.DecodeWebhook(body, now)
			return d.Posts, err
		}
	}
	if mix[post.Telegram] > 0 {
		f := tgfake.New("bench-bot-token")
		b.closes = append(b.closes, f.Close)
		id, err := create(channel.Spec{Platform: post.Telegram, Name: "bench Telegram",
			Config:  map[string]string{"api_url": f.URL(), "mode": "webhook"},
			Secrets: channel.Secrets{"bot_token": "bench-bot-token", "webhook_secret": secret}})
		if err != nil {
			return nil, err
		}
		b.sim[post.Telegram] = simulate.Channel{ChannelID: id, Secret: secret}
		botID := f.Bot().ID
		b.decode["/hooks/"+id] = func(body []byte, now time.Time) ([]post.Post, error) {
			u, err := telegram.DecodeUpdate(body)
			if err != nil {
				return nil, err
			}
			if p, ok := telegram.Normalize(u, body, "", botID); ok {
				return []post.Post{p}, nil
			}
			return nil, nil
		}
	}
	if err := a.Manager.Sync(ctx); err != nil {
		return nil, err
	}
	ok = true
	return b, nil
}

// expected decodes the acknowledged deliveries with the connectors' own
// decoders: the set of posts the desk promised to keep.
func (b *benchChans) expected(acked []ackedDelivery, now time.Time) (map[[2]string]bool, error) {
	want := map[[2]string]bool{}
	for _, d := range acked {
		dec := b.decode[d.path]
		if dec == nil {
			return nil, fmt.Errorf("bench: acknowledged delivery to unknown path %s", d.path)
		}
		posts, err := dec(d.body, now)
		if err != nil {
			return nil, fmt.Errorf("bench: an acknowledged delivery does not decode: %w", err)
		}
		for _, p := range posts {
			want[[2]string{p.Platform, strings.TrimSpace(p.ExternalID)}] = true
		}
	}
	return want, nil
}

// ackRecorder keeps the body of every delivery the desk answered with a
// 2xx. It costs the load generator one copy per delivery.
type ackRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	list []ackedDelivery
}

type ackedDelivery struct {
	path string
	body []byte
}

func (r *ackRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := r.next.RoundTrip(req)
	if err != nil || res.StatusCode < 200 || res.StatusCode > 299 || req.GetBody == nil {
		return res, err
	}
	rc, gerr := req.GetBody()
	if gerr != nil {
		return res, err
	}
	body, _ := io.ReadAll(rc)
	r.mu.Lock()
	r.list = append(r.list, ackedDelivery{path: req.URL.Path, body: body})
	r.mu.Unlock()
	return res, err
}

func (r *ackRecorder) take() []ackedDelivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.list
	r.list = nil
	return l
}

// checkStoredPosts counts the wanted posts that are not in the posts
// table, and the table's rows.
func hookCheckStored(ctx context.Context, db *store.DB, want map[[2]string]bool) (missing int, stored int64, err error) {
	rows, err := db.Read.QueryContext(ctx, "SELECT platform, external_id FROM posts")
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	have := make(map[[2]string]bool, len(want))
	for rows.Next() {
		var k [2]string
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			return 0, 0, err
		}
		have[k] = true
		stored++
	}
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	for k := range want {
		if !have[k] {
			missing++
		}
	}
	return missing, stored, nil
}

// waitDesk waits until every post is analysed and on the desk, or limit.
func hookWaitDesk(ctx context.Context, db *store.DB, limit time.Duration) (left int64, took time.Duration) {
	t0 := time.Now()
	for {
		if err := db.Read.QueryRowContext(ctx, "SELECT count(*) FROM posts WHERE stage < 2").Scan(&left); err != nil {
			return -1, time.Since(t0)
		}
		if left == 0 || time.Since(t0) > limit || ctx.Err() != nil {
			return left, time.Since(t0)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type histo struct {
	count uint64
	sum   float64
}

// histogramOf reads a histogram from the desk's metrics registry.
func histogramOf(a *app.App, name string) histo {
	mfs, err := a.Web.Registry().Gather()
	if err != nil {
		return histo{}
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		var h histo
		for _, m := range mf.GetMetric() {
			h.count += m.GetHistogram().GetSampleCount()
			h.sum += m.GetHistogram().GetSampleSum()
		}
		return h
	}
	return histo{}
}

// processCPU is this process's user+system CPU time in seconds, from
// /proc (0 where there is none). Clock ticks are 100 per second on Linux.
func processCPU() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name, which may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return (utime + stime) / 100
}

func hookLoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// wrkScript replays the deliveries of a bodies file. Thread k of T takes
// lines k, k+T, k+2T…, so threads send distinct deliveries; give T after
// "--" (default 16). Past the end of its share a thread starts again
// (redeliveries: acknowledged, but no new posts).
const wrkScript = `-- written by kaval bench webhooks --hold --bodies
local path = %q
local n = 0
function setup(thread)
  thread:set("id", n)
  n = n + 1
end
function init(args)
  local stride = tonumber(args[1]) or 16
  sigs, bodies = {}, {}
  local i = 0
  for line in io.lines(path) do
    if i %% stride == id %% stride then
      local sig, body = line:match("^([^\t]*)\t(.*)$")
      sigs[#sigs + 1], bodies[#bodies + 1] = sig, body
    end
    i = i + 1
  end
  cursor = 1
end
function request()
  local k = cursor
  cursor = cursor + 1
  if cursor > #bodies then cursor = 1 end
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = sigs[k]}, bodies[k])
end
`

// holdForExternal writes n signed WhatsApp deliveries and a wrk script,
// serves until hold passes or ctx ends, and reports what the desk stored.
func holdForExternal(ctx context.Context, env *cliEnv, a *app.App, bc *benchChans, target string, hold time.Duration, path string, n int, seed uint64, burst bool) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	gen := scenario.New(scenario.Config{Seed: seed, Start: time.Now(), Platforms: map[string]float64{post.WhatsApp: 1}})
	for range n {
		e := gen.Next()
		from := "910" + fmt.Sprintf("%09d", seqDigits(e.AuthorID))
		body := bc.wa.Payload(bc.wa.Text(from, e.AuthorName, e.Text, "", time.Now()))
		w.WriteString(metafake.Sign(bc.secret, body))
		w.WriteByte('\t')
		w.Write(body)
		w.WriteByte('\n')
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		return err
	}
	if err := os.WriteFile(path+".lua", fmt.Appendf(nil, wrkScript, path), 0o644); err != nil {
		return err
	}
	url := target + bc.waPath
	fmt.Fprintf(env.stdout, "%d signed WhatsApp deliveries in %s; desk at %s for %s (Ctrl-C stops). Run e.g.\n  wrk -t2 -c64 -d10s -s %s.lua %s -- 2\n",
		n, path, target, hold, path, url)
	hctx, cancel := context.WithTimeout(ctx, hold)
	defer cancel()
	<-hctx.Done()

	var stored int64
	var first, last sql.NullInt64
	if err := a.DB.Read.QueryRowContext(context.Background(), "SELECT count(*), min(received_at), max(received_at) FROM posts WHERE platform = $1", post.WhatsApp).Scan(&stored, &first, &last); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "  %d WhatsApp posts stored", stored)
	if span := time.Duration(last.Int64-first.Int64) * time.Millisecond; stored > 1 && span > 0 {
		fmt.Fprintf(env.stdout, " over %.2fs: %.0f posts/s durable (one post per delivery)", span.Seconds(), float64(stored-1)/span.Seconds())
	}
	fmt.Fprintln(env.stdout)
	if burst {
		a.StartPipeline()
	}
	left, took := hookWaitDesk(context.Background(), a.DB, 5*time.Minute)
	if left == 0 {
		fmt.Fprintf(env.stdout, "  all on the desk %.1fs after the hold ended\n", took.Seconds())
	} else {
		fmt.Fprintf(env.stdout, "  %d posts still waiting for the desk after %s\n", left, took.Round(time.Second))
	}
	return nil
}

// seqDigits keeps the last nine digits of a decimal id.
func seqDigits(id string) int64 {
	if len(id) > 9 {
		id = id[len(id)-9:]
	}
	v, _ := strconv.ParseInt(id, 10, 64)
	return v
}
