package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/rumour"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/watch"
)

// A scenario file (testdata/scenarios): a synthetic stream with injected
// events of known start.
type scenarioFile struct {
	About      string  `json:"about"`
	Seed       uint64  `json:"seed"`
	PerDay     float64 `json:"per_day"`
	WarmupDays int     `json:"warmup_days"` // history before the judged days (detectors not run)
	Days       int     `json:"days"`        // judged days
	Events     []struct {
		Name     string   `json:"name"`
		Theme    string   `json:"theme"`
		Place    string   `json:"place"`
		Langs    []string `json:"langs"`
		Start    string   `json:"start"` // from the first judged day's 00:00 UTC
		Duration string   `json:"duration"`
		Share    float64  `json:"share"`
		Expect   []string `json:"expect"` // alert kinds that count as detecting it
		Bound    string   `json:"bound"`  // the test fails beyond this delay
	} `json:"events"`
}

// The tick of the judged days: detection delays are multiples of it.
const scenarioTick = 5 * time.Minute

// An alarm: a kind and key signalled for the first time.
type episode struct {
	at        time.Time
	kind, key string
}

var (
	scEngOnce sync.Once
	scEngine  *analyze.Engine
	scEngErr  error
)

// runScenario puts the stream through intake (the real analysis engine)
// and the pipeline (the rollups), hour by hour through the warm-up and
// tick by tick through the judged days, running every detector at each
// tick; it returns the alarm episodes of the judged days.
func runScenario(t *testing.T, db *store.DB, sc scenarioFile, judged time.Time) []episode {
	scEngOnce.Do(func() { scEngine, scEngErr = analyze.Default() })
	if scEngErr != nil {
		t.Fatal(scEngErr)
	}
	an := func(p *post.Post) post.Analysis {
		return scEngine.Analyze(analyze.Input{Text: p.Text, Platform: p.Platform, AuthorLocation: p.Author.Location, Lat: p.Lat, Lon: p.Lon})
	}
	ctx := context.Background()
	start := judged.Add(-time.Duration(sc.WarmupDays) * 24 * time.Hour)
	var bursts []scenario.Burst
	for _, e := range sc.Events {
		st, _ := time.ParseDuration(e.Start)
		du, _ := time.ParseDuration(e.Duration)
		bursts = append(bursts, scenario.Burst{Theme: e.Theme, Place: e.Place, Langs: e.Langs, Share: e.Share,
			Start: st + judged.Sub(start), Duration: du})
	}
	g := scenario.New(scenario.Config{Seed: sc.Seed, Start: start, Rate: sc.PerDay / 86400, Bursts: bursts})
	var clock time.Time
	now := func() time.Time { return clock }
	in := ingest.New(db, nil, ingest.Options{Now: now, Analyze: an})
	defer in.Close()
	pl := pipeline.New(db, desk.New(db, desk.Options{Now: now}), nil, an, pipeline.Options{Now: now, Listener: pipeline.Listeners{watch.Rollup{}}})
	var dets []Detector
	dets = append(dets, SpikeDetectors(db, query.NewStore(db, nil, nil), watch.SpikeOptions{})...)
	dets = append(dets, RumourDetector(db, rumour.New(db, rumour.Options{})), TermDetector(db, TermOptions{}), SurgeDetector(db, watch.SurgeOptions{}))
	next := g.Next()
	feed := func(until time.Time) {
		clock = until
		var batch []post.Post
		for next.At.Before(until) {
			if next.Valid() {
				batch = append(batch, next.Post())
			}
			next = g.Next()
		}
		if len(batch) == 0 {
			return
		}
		res, err := in.Submit(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]int64, 0, len(res))
		for _, r := range res {
			if r.Err == nil && r.ID != 0 {
				ids = append(ids, r.ID)
			}
		}
		if err := pl.Process(ctx, ids); err != nil {
			t.Fatal(err)
		}
	}
	for h := start.Add(time.Hour); !h.After(judged); h = h.Add(time.Hour) {
		feed(h)
	}
	seen := map[string]bool{}
	var eps []episode
	end := judged.Add(time.Duration(sc.Days) * 24 * time.Hour)
	for tick := judged.Add(scenarioTick); !tick.After(end); tick = tick.Add(scenarioTick) {
		feed(tick)
		for _, d := range dets {
			sigs, err := d.Detect(ctx, tick)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sigs {
				// No one acknowledges in a scenario, so an alert stays
				// open: a key seen again is the same alert, repeated.
				k := s.Kind + "|" + s.Key
				if !seen[k] {
					eps = append(eps, episode{at: tick, kind: s.Kind, key: s.Key})
				}
				seen[k] = true
			}
		}
	}
	return eps
}

// Every detector over the committed scenario streams: each injected event
// is detected by a detector of its kind within its bound; alarms outside
// the events' windows are false alarms (reported per day; at most one a
// day on the quiet days). The table is docs/WATCH.md's.
func TestDetectorScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("streams of 13 days through the analysis engine and the pipeline")
	}
	files, err := filepath.Glob("testdata/scenarios/*.json")
	if err != nil || len(files) == 0 {
		t.Fatal("no scenario files", err)
	}
	judged := time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC) // a Wednesday
	var table []string
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var sc scenarioFile
			if err := json.Unmarshal(b, &sc); err != nil {
				t.Fatal(err)
			}
			db := store.NewTestSQLite(t)
			eps := runScenario(t, db, sc, judged)
			used := make([]bool, len(eps))
			for _, e := range sc.Events {
				st, _ := time.ParseDuration(e.Start)
				du, _ := time.ParseDuration(e.Duration)
				bound, _ := time.ParseDuration(e.Bound)
				from, to := judged.Add(st), judged.Add(st+du+time.Hour)
				first := -1
				for i, ep := range eps {
					if ep.at.After(from) && !ep.at.After(to) {
						used[i] = true // a detector seeing the event, of its kind or not, is no false alarm
						if first < 0 && slices.Contains(e.Expect, ep.kind) {
							first = i
						}
					}
				}
				if first < 0 {
					t.Errorf("%s: not detected (alarms: %+v)", e.Name, eps)
					table = append(table, fmt.Sprintf("| %s | %s | missed | bound %s |", name, e.Name, e.Bound))
					continue
				}
				delay := eps[first].at.Sub(from)
				t.Logf("%s: %s %s after %v", e.Name, eps[first].kind, eps[first].key, delay)
				if delay > bound {
					t.Errorf("%s: detected %v after its start, beyond %v", e.Name, delay, bound)
				}
				table = append(table, fmt.Sprintf("| %s | %s detected after | %v | %s, bound %s |", name, e.Name, delay, eps[first].kind, e.Bound))
			}
			var false_ []string
			perKind := map[string]int{}
			for i, ep := range eps {
				if !used[i] {
					false_ = append(false_, fmt.Sprintf("%s %s at %s", ep.kind, ep.key, ep.at.Format("Jan 2 15:04")))
					perKind[ep.kind]++
				}
			}
			t.Logf("false alarms: %d in %d days %v", len(false_), sc.Days, false_)
			var kinds []string
			for _, k := range slices.Sorted(maps.Keys(perKind)) {
				kinds = append(kinds, fmt.Sprintf("%s %.2f", k, float64(perKind[k])/float64(sc.Days)))
				// On quiet days each detector may cry wolf once a day at most.
				if len(sc.Events) == 0 && float64(perKind[k])/float64(sc.Days) > 1 {
					t.Errorf("%s: %.2f false alarms a day on quiet days", k, float64(perKind[k])/float64(sc.Days))
				}
			}
			table = append(table, fmt.Sprintf("| %s | false alarms / day | %.2f | %s |", name, float64(len(false_))/float64(sc.Days), strings.Join(kinds, ", ")))
		})
	}
	t.Log("\n" + strings.Join(table, "\n"))
}
