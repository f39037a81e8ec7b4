package ingest

import (
	"encoding/json"
	"runtime"
	"strconv"
	"sync"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// Stages of a stored post (posts.stage).
const (
	StageStored   = 0 // durable, not yet analysed
	StageAnalysed = 1 // analysed, not yet on the desk
	StageOnDesk   = 2 // threaded into a case (or news, which needs none)
)

// AnalysisColumnNames are the posts columns an analysis fills, in the
// order of AnalysisColumns: the JSON and the columns the inbox filters and
// the desk threads on, so neither ever parses the JSON.
const AnalysisColumnNames = "analysis, lang, sentiment, category, station, traffic_station, urgency, emergency, offensive, simhash"

// noAnalysis binds the analysis columns of a post stored without one.
var noAnalysis = []any{nil, "", "", "", "", "", 0, 0, 0, 0}

// AnalysisColumns returns the values of AnalysisColumnNames for a.
func AnalysisColumns(a *post.Analysis) ([]any, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	var station, traffic string
	if a.Station != nil {
		station = *a.Station
	}
	if a.TrafficStation != nil {
		traffic = *a.TrafficStation
	}
	var simhash int64
	if v, err := strconv.ParseUint(a.SimHash, 16, 64); err == nil {
		simhash = int64(v) // stored as signed 64-bit; same bits
	}
	return []any{string(b), a.Lang, a.Sentiment.Label, a.TopCategory(), station, traffic,
		a.Urgency, store.Bool(a.Emergency.Label), store.Bool(a.Offensive.Label), simhash}, nil
}

// parallel calls fn(0..n-1), on every core when n is large enough for the
// goroutines to pay off (a poll page, an import batch), else inline: a
// webhook delivery of one or two posts is already one goroutine of many.
func parallel(n int, fn func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n/16)
	if workers < 2 {
		for k := range n {
			fn(k)
		}
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				k := next
				next++
				mu.Unlock()
				if k >= n {
					return
				}
				fn(k)
			}
		}()
	}
	wg.Wait()
}
