// Package simulate drives realistic citizen traffic at a running desk, in
// each platform's real wire format: signed X Account Activity, Meta (Page
// feed, Messenger, Instagram), WhatsApp Cloud and Telegram webhook POSTs to
// the desk's /hooks/{channel id}, and, for platforms the desk pulls from
// (X stream and mentions, Mastodon, Bluesky, RSS), events injected into
// local fake servers through Injectors. It is the load generator of
// `kaval simulate`, `kaval bench` and `kaval demo`: Run paces events with a
// token bucket, sends them from a bounded pool of workers and reports
// counts and latency percentiles.
package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
)

// Injector delivers events to a platform the desk pulls from, typically by
// adding them to a local fake server the desk's connector polls or streams.
type Injector interface {
	Inject(ctx context.Context, e scenario.Event) error
}

// InjectorFunc adapts a function to Injector.
type InjectorFunc func(ctx context.Context, e scenario.Event) error

func (f InjectorFunc) Inject(ctx context.Context, e scenario.Event) error { return f(ctx, e) }

// Config is one simulation run. At least one of Duration and Count bounds it.
type Config struct {
	Target   string        // the desk's base URL, e.g. http://127.0.0.1:8080
	Rate     float64       // events per second overall; required
	Duration time.Duration // stop after this long (0: no time bound)
	Count    int           // stop after this many events (0: no count bound)
	Seed     uint64
	FirstSeq int64 // continue an earlier run of the same seed: see scenario.Config.FirstSeq
	// Token is the default secret for channels that do not set their own,
	// so a demo can configure every channel with one secret.
	Token    string
	Channels map[string]Channel  // webhook platforms: post.X, post.Facebook, post.Messenger, post.Instagram, post.WhatsApp, post.Telegram
	Inject   map[string]Injector // pull platforms (and any platform to drive in-process instead of over HTTP)
	Mix      map[string]float64  // platform weights; nil means scenario.DefaultMix. Platforms without a channel or injector are left out.
	Workers  int                 // concurrent deliveries; 8
	Bursts   []scenario.Burst    // offsets are from the start of the run
	Themes   map[string]float64  // weights of ordinary traffic's themes; nil means scenario.DefaultThemes
	// ForceHandle is the force's handle citizens tag; "BlrCityPolice".
	ForceHandle string
	HTTP        *http.Client
	Now         func() time.Time
	// OnEvent, if set, is called with every event before it is sent (the
	// demo uses it to show a live ticker). It must be fast.
	OnEvent func(scenario.Event)
	// OnStart, if set, is called when the clock starts (after prebuilding).
	OnStart func()
	// OnItem, if set, is told of each item a webhook delivery makes exist
	// on its platform, just before the delivery is sent (the demo tells
	// its fakes, so that replies find what they answer). It must be safe
	// for concurrent use.
	OnItem func(Item)
	// Prebuild builds and signs every webhook delivery of a Count-bounded
	// run before the clock starts, so that a benchmark on the desk's own
	// machine measures the desk, not the generator's text and signatures.
	Prebuild bool
}

// Counts are per-platform or overall tallies. A request is one HTTP
// delivery or injection; an event may need two (a WhatsApp or Telegram
// location is sent beside the text).
type Counts struct {
	Events   int64 `json:"events"`
	Requests int64 `json:"requests"`
	Accepted int64 `json:"accepted"` // 2xx, or injected without error
	Rejected int64 `json:"rejected"` // non-2xx
	Errors   int64 `json:"errors"`   // transport or injection errors
}

// Report is the outcome of a run.
type Report struct {
	Counts
	Platforms  map[string]*Counts `json:"platforms"`
	Statuses   map[string]int64   `json:"statuses"` // HTTP status → count
	Elapsed    time.Duration      `json:"-"`
	ElapsedS   float64            `json:"elapsed_s"`
	RatePerS   float64            `json:"rate_per_s"` // events actually sent per second
	P50, P99   time.Duration      `json:"-"`
	Max        time.Duration      `json:"-"`
	P50ms      float64            `json:"latency_p50_ms"`
	P99ms      float64            `json:"latency_p99_ms"`
	MaxMs      float64            `json:"latency_max_ms"`
	FirstError string             `json:"first_error,omitempty"`
}

// String is the human summary printed at the end of `kaval simulate`.
func (r Report) String() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "events %d, requests %d: accepted %d, rejected %d, errors %d in %.1fs (%.1f events/s)\n",
		r.Events, r.Requests, r.Accepted, r.Rejected, r.Errors, r.ElapsedS, r.RatePerS)
	fmt.Fprintf(&b, "latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", r.P50ms, r.P99ms, r.MaxMs)
	for _, p := range slices.Sorted(maps.Keys(r.Platforms)) {
		c := r.Platforms[p]
		fmt.Fprintf(&b, "  %-10s events %6d  accepted %6d  rejected %5d  errors %5d\n", p, c.Events, c.Accepted, c.Rejected, c.Errors)
	}
	if r.FirstError != "" {
		fmt.Fprintf(&b, "first error: %s\n", r.FirstError)
	}
	return b.String()
}

// Default account ids for channels that leave them empty. They are
// invented and only need to be consistent within a run.
var defaultAccounts = map[string]Channel{
	post.X:         {AccountID: "99887766", Handle: "BlrCityPolice"},
	post.Facebook:  {AccountID: "101112131415161"},
	post.Messenger: {AccountID: "101112131415161"},
	post.Instagram: {AccountID: "17841400000000001"},
	post.WhatsApp:  {AccountID: "102290129340398", PhoneNumberID: "106540352242922", DisplayPhone: "918000000000"},
	post.Telegram:  {AccountID: "-1001234567890", Handle: "BlrCityPoliceBot"},
}

func (cfg *Config) emitters() (map[string]emitter, error) {
	out := map[string]emitter{}
	recent := newRecentIDs()
	for p, ch := range cfg.Channels {
		def, ok := defaultAccounts[p]
		if !ok {
			return nil, fmt.Errorf("simulate: no webhook format for platform %q (use an injector)", p)
		}
		if ch.ChannelID == "" && ch.URL == "" {
			return nil, fmt.Errorf("simulate: channel for %s needs channel_id or url", p)
		}
		if ch.Secret == "" {
			ch.Secret = cfg.Token
		}
		if ch.Secret == "" && p != post.Telegram {
			return nil, fmt.Errorf("simulate: channel for %s needs a secret (or --token)", p)
		}
		if ch.AccountID == "" {
			ch.AccountID = def.AccountID
		}
		if ch.Handle == "" {
			ch.Handle = def.Handle
		}
		if ch.PhoneNumberID == "" {
			ch.PhoneNumberID = def.PhoneNumberID
		}
		if ch.DisplayPhone == "" {
			ch.DisplayPhone = def.DisplayPhone
		}
		if cfg.Target == "" && ch.URL == "" {
			return nil, fmt.Errorf("simulate: no target URL for %s", p)
		}
		u := hookURL(cfg.Target, ch)
		switch p {
		case post.X:
			out[p] = &xEmitter{url: u, ch: ch}
		case post.Facebook, post.Messenger, post.Instagram:
			out[p] = &metaEmitter{url: u, ch: ch, recent: recent}
		case post.WhatsApp:
			out[p] = &waEmitter{url: u, ch: ch}
		case post.Telegram:
			if _, err := strconv.ParseInt(ch.AccountID, 10, 64); err != nil {
				return nil, fmt.Errorf("simulate: telegram account_id must be a chat id: %w", err)
			}
			out[p] = &tgEmitter{url: u, ch: ch}
		}
	}
	return out, nil
}

type job struct {
	e    scenario.Event
	reqs []request
}

type tally struct {
	mu        sync.Mutex
	report    Report
	latencies []time.Duration
}

func (t *tally) platform(p string) *Counts {
	c := t.report.Platforms[p]
	if c == nil {
		c = &Counts{}
		t.report.Platforms[p] = c
	}
	return c
}

func (t *tally) result(p string, status int, lat time.Duration, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.platform(p)
	c.Requests++
	t.report.Requests++
	switch {
	case err != nil:
		c.Errors++
		t.report.Errors++
		if t.report.FirstError == "" {
			t.report.FirstError = p + ": " + err.Error()
		}
		return
	case status == 0 || status >= 200 && status < 300: // 0: injected in-process
		c.Accepted++
		t.report.Accepted++
	default:
		c.Rejected++
		t.report.Rejected++
		if t.report.FirstError == "" {
			t.report.FirstError = fmt.Sprintf("%s: HTTP %d", p, status)
		}
	}
	if status != 0 {
		t.report.Statuses[strconv.Itoa(status)]++
	}
	t.latencies = append(t.latencies, lat)
}

// Run drives traffic until the duration or count bound is reached or ctx
// ends, and reports what happened. Delivery failures are counted, not
// returned: the error is for a configuration that cannot run at all.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.Rate <= 0 {
		return Report{}, errors.New("simulate: rate must be positive")
	}
	if cfg.Duration <= 0 && cfg.Count <= 0 {
		return Report{}, errors.New("simulate: set a duration or a count")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Transport: NewWireTransport(30*time.Second, cfg.Workers)}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ems, err := cfg.emitters()
	if err != nil {
		return Report{}, err
	}
	mix := cfg.Mix
	if mix == nil {
		mix = scenario.DefaultMix
	}
	active := map[string]float64{}
	for p, w := range mix {
		_, hook := ems[p]
		_, inj := cfg.Inject[p]
		if w > 0 && (hook || inj) {
			active[p] = w
		}
	}
	if len(active) == 0 {
		return Report{}, errors.New("simulate: no platform in the mix has a channel or an injector")
	}

	start := cfg.Now()
	gen := scenario.New(scenario.Config{Seed: cfg.Seed, FirstSeq: cfg.FirstSeq, Start: start, Rate: cfg.Rate, Platforms: active,
		ForceHandle: cfg.ForceHandle, Bursts: cfg.Bursts, Themes: cfg.Themes})
	var built []job
	if cfg.Prebuild {
		if cfg.Count <= 0 {
			return Report{}, errors.New("simulate: prebuilding needs a count")
		}
		built = make([]job, cfg.Count)
		for i := range built {
			e := gen.Next()
			built[i].e = e
			if cfg.Inject[e.Platform] == nil {
				built[i].reqs = ems[e.Platform].build(e)
			}
		}
		start = cfg.Now()
	}
	if cfg.OnStart != nil {
		cfg.OnStart()
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	// A burst of a tenth of a second's worth keeps pacing smooth while
	// letting the producer catch up after a slow scheduling slice.
	burst := max(1, int(cfg.Rate/10))
	lim := rate.NewLimiter(rate.Limit(cfg.Rate), burst)

	t := &tally{report: Report{Platforms: map[string]*Counts{}, Statuses: map[string]int64{}}}
	jobs := make(chan job, cfg.Workers*2)
	var wg sync.WaitGroup
	for range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if inj := cfg.Inject[j.e.Platform]; inj != nil {
					t0 := time.Now()
					err := inj.Inject(ctx, j.e)
					t.result(j.e.Platform, 0, time.Since(t0), err)
					if err == nil {
						t.mu.Lock()
						t.report.Statuses["injected"]++
						t.mu.Unlock()
					}
					continue
				}
				reqs := j.reqs
				if reqs == nil {
					reqs = ems[j.e.Platform].build(j.e)
				}
				for _, r := range reqs {
					if r.item != nil && cfg.OnItem != nil {
						cfg.OnItem(*r.item)
					}
					status, lat, err := deliver(ctx, cfg.HTTP, r)
					t.result(r.platform, status, lat, err)
				}
			}
		}()
	}

	for cfg.Count <= 0 || t.events() < int64(cfg.Count) {
		if err := lim.Wait(ctx); err != nil {
			break // duration reached (or would be before the next token) or cancelled
		}
		var j job
		if built != nil {
			j = built[t.events()]
		} else {
			j.e = gen.Next()
		}
		e := j.e
		if cfg.OnEvent != nil {
			cfg.OnEvent(e)
		}
		select {
		case jobs <- j:
			t.mu.Lock()
			t.report.Events++
			t.platform(e.Platform).Events++
			t.mu.Unlock()
			continue
		case <-ctx.Done():
		}
		break
	}
	close(jobs)
	wg.Wait()

	r := t.report
	r.Elapsed = cfg.Now().Sub(start)
	r.ElapsedS = r.Elapsed.Seconds()
	if r.ElapsedS > 0 {
		r.RatePerS = float64(r.Events) / r.ElapsedS
	}
	if n := len(t.latencies); n > 0 {
		slices.Sort(t.latencies)
		r.P50 = t.latencies[n*50/100]
		r.P99 = t.latencies[min(n-1, n*99/100)]
		r.Max = t.latencies[n-1]
		r.P50ms, r.P99ms, r.MaxMs = ms(r.P50), ms(r.P99), ms(r.Max)
	}
	return r, nil
}

func (t *tally) events() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.report.Events
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func deliver(ctx context.Context, c *http.Client, r request) (int, time.Duration, error) {
	// Deliveries already queued finish even when the run's time is up:
	// stopping mid-request would count them as errors.
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, r.url, bytes.NewReader(r.body))
	if err != nil {
		return 0, 0, err
	}
	req.Header = r.header.Clone()
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, time.Since(t0), err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, time.Since(t0), nil
}

// LoadChannels reads a channels file: a JSON object mapping platform name
// to Channel, e.g. {"x": {"channel_id": "3", "secret": "…"}, …}.
func LoadChannels(r io.Reader) (map[string]Channel, error) {
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	var chs map[string]Channel
	if err := dec.Decode(&chs); err != nil {
		return nil, fmt.Errorf("simulate: unable to read channels: %w", err)
	}
	return chs, nil
}
