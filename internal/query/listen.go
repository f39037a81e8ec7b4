package query

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kaval-desk/kaval/internal/store"
)

var (
	matchesTotal = prometheus.NewCounter(prometheus.CounterOpts{Name: "kaval_query_matches_total",
		Help: "Posts matched by approved listening queries (one per query and post)."})
	activeQueries = prometheus.NewGauge(prometheus.GaugeOpts{Name: "kaval_listening_queries_active",
		Help: "Approved listening queries matched on every post."})
)

// Collectors returns this package's metrics for the server's registry.
func Collectors() []prometheus.Collector { return []prometheus.Collector{matchesTotal, activeQueries} }

// Listener matches every post the pipeline puts on the desk against the
// approved listening queries and records each match (query_matches) in
// the pipeline's own transaction: a post is matched exactly once, when it
// is threaded, and never lost between the two.
type Listener struct {
	db  *store.DB
	st  *Store
	log *slog.Logger

	mu   sync.RWMutex
	set  *Set
	revs map[int64]int64 // query id → the approved revision the set holds
	sig  string          // what was loaded, to skip recompiling
}

// NewListener returns a listener with no queries; call Reload (and Run
// to follow changes made by other replicas).
func NewListener(db *store.DB, st *Store, log *slog.Logger) *Listener {
	if log == nil {
		log = slog.Default()
	}
	return &Listener{db: db, st: st, log: log, set: Compile(nil, nil)}
}

// Reload compiles the approved queries. A stored query that no longer
// parses (the gazetteer changed) is skipped and logged, never fatal.
func (l *Listener) Reload(ctx context.Context) error {
	ls, err := l.st.active(ctx, l.db.Read)
	if err != nil {
		return err
	}
	var sig strings.Builder
	for _, q := range ls {
		fmt.Fprintf(&sig, "%d:%d,", q.id, q.revision)
	}
	l.mu.RLock()
	same := sig.String() == l.sig
	l.mu.RUnlock()
	if same {
		return nil
	}
	var ids []int64
	var qs []*Query
	revs := map[int64]int64{}
	for _, lq := range ls {
		q, err := l.st.parse(lq.query)
		if err != nil {
			l.log.Error("query: an approved listening query no longer parses; it is not matched", "query", lq.id, "err", err)
			continue
		}
		ids, qs = append(ids, lq.id), append(qs, q)
		revs[lq.id] = lq.revision
	}
	set := Compile(ids, qs)
	l.mu.Lock()
	l.set, l.revs, l.sig = set, revs, sig.String()
	l.mu.Unlock()
	activeQueries.Set(float64(set.Len()))
	return nil
}

// Run reloads every interval until ctx ends, so an approval made through
// another replica is matched here within that time (this replica's own
// approvals reload at once through the Store's onChange).
func (l *Listener) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 15 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := l.Reload(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("query: reloading listening queries failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ReloadSoon is the Store's onChange: reload in the background.
func (l *Listener) ReloadSoon() {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := l.Reload(ctx); err != nil {
			l.log.Warn("query: reloading listening queries failed", "err", err)
		}
	}()
}

// Listen matches the posts ids (just put on the desk, inside tx) and
// records their matches in tx. The posts are read back from their rows,
// exactly as the history filter reads them, so live and history agree.
func (l *Listener) Listen(ctx context.Context, tx *sql.Tx, ids []int64) error {
	l.mu.RLock()
	set, revs := l.set, l.revs
	l.mu.RUnlock()
	if set.Len() == 0 || len(ids) == 0 {
		return nil
	}
	var ms []match
	at := map[match]int64{}
	// The hourly volume of each query (watch's dashboards and spike
	// detector): each post reaches here once, when the pipeline claims it.
	per := map[hourKey]int64{}
	err := matchPosts(ctx, tx, set, ids, "", func(id, created int64, hits []int64) {
		for _, q := range hits {
			m := match{q, id}
			ms = append(ms, m)
			at[m] = created
			per[hourKey{q, hourOf(created)}]++
		}
	})
	if err != nil || len(ms) == 0 {
		return err
	}
	if err := insertMatches(ctx, tx, ms, revs, at); err != nil {
		return err
	}
	matchesTotal.Add(float64(len(ms)))
	return addVolume(ctx, tx, per)
}
