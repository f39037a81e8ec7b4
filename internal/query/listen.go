package query

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
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
	places := set.UsesPlaces()
	cols := matchCols
	if places {
		cols += ", p.analysis"
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = id
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+cols+" FROM posts p WHERE p.id IN ("+strings.Join(ph, ",")+") ORDER BY p.id", args...)
	if err != nil {
		return fmt.Errorf("query: unable to read posts to match: %w", err)
	}
	var ins []any
	var hit []int64
	for rows.Next() {
		p, err := scanMatchRow(rows, places)
		if err != nil {
			rows.Close()
			return fmt.Errorf("query: unable to read posts to match: %w", err)
		}
		d := NewDoc(&p)
		hit = set.Match(d, hit[:0])
		d.Release()
		for _, q := range hit {
			ins = append(ins, q, p.ID, revs[q], store.Millis(p.CreatedAt))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query: unable to read posts to match: %w", err)
	}
	if len(ins) == 0 {
		return nil
	}
	// 1,000 rows a statement keeps under SQLite's 32,766 parameters.
	for lo := 0; lo < len(ins); lo += 4000 {
		chunk := ins[lo:min(lo+4000, len(ins))]
		vals := make([]string, 0, len(chunk)/4)
		for i := 0; i < len(chunk); i += 4 {
			vals = append(vals, fmt.Sprintf("($%d, $%d, $%d, $%d)", i+1, i+2, i+3, i+4))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO query_matches (query_id, post_id, revision_id, post_created_at) VALUES `+
			strings.Join(vals, ", ")+` ON CONFLICT (query_id, post_id) DO NOTHING`, chunk...); err != nil {
			return fmt.Errorf("query: unable to record matches: %w", err)
		}
		matchesTotal.Add(float64(len(vals)))
	}
	// The hourly volume of each query (watch's dashboards and spike
	// detector): each post reaches here once, when the pipeline claims it.
	type qh struct{ q, hour int64 }
	per := map[qh]int64{}
	for i := 0; i < len(ins); i += 4 {
		ms := ins[i+3].(int64)
		per[qh{ins[i].(int64), ms - ms%3600000}]++
	}
	keys := make([]qh, 0, len(per))
	for k := range per {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b qh) int { return cmp.Or(cmp.Compare(a.q, b.q), cmp.Compare(a.hour, b.hour)) })
	for lo := 0; lo < len(keys); lo += 1000 {
		chunk := keys[lo:min(lo+1000, len(keys))]
		vals := make([]string, len(chunk))
		args := make([]any, 0, 3*len(chunk))
		for i, k := range chunk {
			vals[i] = fmt.Sprintf("($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
			args = append(args, k.q, k.hour, per[k])
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO query_volume_hourly (query_id, hour, posts) VALUES `+strings.Join(vals, ", ")+`
			ON CONFLICT (query_id, hour) DO UPDATE SET posts = query_volume_hourly.posts + excluded.posts`, args...); err != nil {
			return fmt.Errorf("query: unable to count matches per hour: %w", err)
		}
	}
	return nil
}
