// Package pipeline runs the work that follows the durable write: each
// stored post is analysed, its author recorded, and it is threaded into a
// case on the desk. It is driven by the bus (ids published by intake) and
// by a sweep of unfinished rows, so a crash between intake and here loses
// nothing: the post is simply picked up again.
package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// SubjectCases carries ids of cases that changed, for live views.
const SubjectCases = "cases.changed"

// txPosts is how many posts one pipeline transaction threads.
const txPosts = 64

// Analyzer understands one post. It must be pure and safe for concurrent use.
type Analyzer func(p *post.Post) post.Analysis

var (
	processed = prometheus.NewCounter(prometheus.CounterOpts{Name: "kaval_pipeline_posts_total", Help: "Posts analysed and put on the desk."})
	opened    = prometheus.NewCounter(prometheus.CounterOpts{Name: "kaval_cases_opened_total", Help: "Cases opened."})
	lagSec    = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "kaval_pipeline_lag_seconds", Help: "From receipt to on the desk.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
	})
)

// Pipeline moves posts from stored to on the desk.
type Pipeline struct {
	db      *store.DB
	desk    *desk.Desk
	bus     bus.Bus
	analyze Analyzer
	log     *slog.Logger
	workers int
	now     func() time.Time
}

// Options tune the pipeline.
type Options struct {
	Workers int // analysis goroutines per batch, default GOMAXPROCS
	Log     *slog.Logger
	Now     func() time.Time
}

// New returns a pipeline. analyze may be nil (posts then go on the desk
// without analysis, at normal priority).
func New(db *store.DB, d *desk.Desk, b bus.Bus, analyze Analyzer, opt Options) *Pipeline {
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Pipeline{db: db, desk: d, bus: b, analyze: analyze, log: opt.Log, workers: opt.Workers, now: opt.Now}
}

// Run consumes stored-post ids until ctx ends, sweeping for unfinished
// posts at start and then every interval.
func (pl *Pipeline) Run(ctx context.Context, sweepEvery time.Duration) error {
	if sweepEvery <= 0 {
		sweepEvery = 30 * time.Second
	}
	// A failed batch (a lost deadlock on PostgreSQL, a busy database)
	// asks for a sweep a second later instead of waiting for the ticker.
	retry := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(sweepEvery)
		defer t.Stop()
		for {
			if err := pl.Sweep(ctx); err != nil && ctx.Err() == nil {
				pl.log.Warn("pipeline: sweep failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-retry:
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
				}
			}
		}
	}()
	err := pl.bus.Subscribe(ctx, ingest.SubjectStored, "pipeline", bus.SubOptions{MaxBatch: 1000}, func(ctx context.Context, msgs [][]byte) error {
		ids := make([]int64, 0, len(msgs))
		for _, m := range msgs {
			if id, err := strconv.ParseInt(string(m), 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		err := pl.Process(ctx, ids)
		if err != nil {
			select {
			case retry <- struct{}{}:
			default:
			}
		}
		return err
	})
	wg.Wait()
	return err
}

// Sweep processes every post that is stored but not yet on the desk.
func (pl *Pipeline) Sweep(ctx context.Context) error {
	for ctx.Err() == nil {
		rows, err := pl.db.Read.QueryContext(ctx, "SELECT id FROM posts WHERE stage < 2 ORDER BY id LIMIT 1000")
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) == 0 {
			return nil
		}
		if err := pl.Process(ctx, ids); err != nil {
			return err
		}
	}
	return nil
}

type item struct {
	p post.Post
	a post.Analysis
}

// Process analyses the given posts (those not yet on the desk) and threads
// them into cases, in id order, in one transaction. It is idempotent: a
// post already on the desk is skipped, so redelivery and the sweep are
// harmless.
func (pl *Pipeline) Process(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	items, err := pl.load(ctx, ids)
	if err != nil || len(items) == 0 {
		return err
	}
	// Outside the transaction: preparing needs the write connection.
	if err := pl.db.Prepare(ctx, append(pl.desk.HotQueries(), qClaim, qAuthor, qAnalysis)...); err != nil {
		return fmt.Errorf("pipeline: unable to prepare: %w", err)
	}
	pl.runAnalysis(items)
	var changed []int64
	var fresh int
	// Short transactions: on SQLite the pipeline shares the one write
	// connection with intake, and a long hold would stall webhook
	// acknowledgements behind it. Items stay in id order across chunks.
	for lo := 0; lo < len(items); lo += txPosts {
		chunk := items[lo:min(lo+txPosts, len(items))]
		n0, f0 := len(changed), fresh
		err = pl.db.Tx(ctx, func(tx *sql.Tx) error {
			changed, fresh = changed[:n0], f0
			for i := range chunk {
				it := &chunk[i]
				// Claim the post; a concurrent worker that got here first wins.
				res, err := pl.exec(ctx, tx, qClaim, it.p.ID)
				if err != nil {
					return fmt.Errorf("pipeline: unable to claim post: %w", err)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					continue
				}
				authorID, err := pl.upsertAuthor(ctx, tx, &it.p)
				if err != nil {
					return err
				}
				if pl.analyze != nil {
					it.p.Analysis = &it.a
				}
				caseID, isNew, err := pl.desk.Attach(ctx, tx, &it.p, authorID)
				if err != nil {
					return err
				}
				if err := pl.writeAnalysis(ctx, tx, it.p.ID, it.p.Analysis, authorID, caseID); err != nil {
					return err
				}
				if caseID != 0 {
					changed = append(changed, caseID)
				}
				if isNew {
					fresh++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	now := pl.now()
	for _, it := range items {
		lagSec.Observe(now.Sub(it.p.ReceivedAt).Seconds())
	}
	processed.Add(float64(len(items)))
	opened.Add(float64(fresh))
	if len(changed) > 0 && pl.bus != nil {
		msgs := make([][]byte, 0, len(changed))
		seen := map[int64]bool{}
		for _, id := range changed {
			if !seen[id] {
				seen[id] = true
				msgs = append(msgs, strconv.AppendInt(nil, id, 10))
			}
		}
		if err := pl.bus.Publish(ctx, SubjectCases, msgs...); err != nil {
			pl.log.Warn("pipeline: publish failed", "err", err)
		}
	}
	return nil
}

func (pl *Pipeline) load(ctx context.Context, ids []int64) ([]item, error) {
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = id
	}
	rows, err := pl.db.Read.QueryContext(ctx, `SELECT id, platform, external_id, kind, channel, thread_id, in_reply_to,
		author_external_id, author_handle, author_name, author_location, text, declared_lang, lat, lon, private,
		created_at, received_at FROM posts WHERE stage < 2 AND id IN (`+strings.Join(ph, ",")+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("pipeline: unable to load posts: %w", err)
	}
	defer rows.Close()
	var items []item
	for rows.Next() {
		var it item
		p := &it.p
		var lat, lon sql.NullFloat64
		var priv int
		var created, received int64
		if err := rows.Scan(&p.ID, &p.Platform, &p.ExternalID, &p.Kind, &p.Channel, &p.ThreadID, &p.InReplyTo,
			&p.Author.ExternalID, &p.Author.Handle, &p.Author.Name, &p.Author.Location, &p.Text, &p.Lang, &lat, &lon,
			&priv, &created, &received); err != nil {
			return nil, err
		}
		if lat.Valid && lon.Valid {
			p.Lat, p.Lon = &lat.Float64, &lon.Float64
		}
		p.Private = priv != 0
		p.CreatedAt, p.ReceivedAt = store.Time(created), store.Time(received)
		items = append(items, it)
	}
	return items, rows.Err()
}

// runAnalysis analyses items on all cores; analysis is pure, so order of
// work does not matter, only the order of the writes that follow.
func (pl *Pipeline) runAnalysis(items []item) {
	if pl.analyze == nil {
		return
	}
	var wg sync.WaitGroup
	next := make(chan int, len(items))
	for i := range items {
		next <- i
	}
	close(next)
	for range min(pl.workers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				items[i].a = safeAnalyze(pl.analyze, &items[i].p, pl.log)
			}
		}()
	}
	wg.Wait()
}

// safeAnalyze keeps one pathological post from stopping the pipeline: a
// panic in a model becomes an empty analysis and a log line.
func safeAnalyze(an Analyzer, p *post.Post, log *slog.Logger) (a post.Analysis) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("pipeline: analysis panicked", "post", p.ID, "panic", r)
			a = post.Analysis{}
		}
	}()
	return an(p)
}

func (pl *Pipeline) upsertAuthor(ctx context.Context, tx *sql.Tx, p *post.Post) (int64, error) {
	if p.Author.ExternalID == "" {
		return 0, nil
	}
	ms := store.Millis(p.CreatedAt)
	var id int64
	st, err := pl.db.Stmt(ctx, tx, qAuthor)
	if err != nil {
		return 0, err
	}
	err = st.QueryRowContext(ctx, p.Platform, p.Author.ExternalID, p.Author.Handle, p.Author.Name, p.Author.Location, ms).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("pipeline: unable to record author: %w", err)
	}
	return id, nil
}

// writeAnalysis stores the analysis JSON and the columns the inbox filters
// on, so filters never parse JSON.
func (pl *Pipeline) writeAnalysis(ctx context.Context, tx *sql.Tx, postID int64, a *post.Analysis, authorID, caseID int64) error {
	var js sql.NullString
	var lang, sentiment, category, station string
	var urgency, emergency, offensive int
	var simhash int64
	if a != nil {
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		js = sql.NullString{String: string(b), Valid: true}
		lang, sentiment, category = a.Lang, a.Sentiment.Label, a.TopCategory()
		if a.Station != nil {
			station = *a.Station
		}
		urgency, emergency, offensive = a.Urgency, store.Bool(a.Emergency.Label), store.Bool(a.Offensive.Label)
		if v, err := strconv.ParseUint(a.SimHash, 16, 64); err == nil {
			simhash = int64(v) // stored as signed 64-bit; same bits
		}
	}
	var author, cs sql.NullInt64
	if authorID != 0 {
		author = sql.NullInt64{Int64: authorID, Valid: true}
	}
	if caseID != 0 {
		cs = sql.NullInt64{Int64: caseID, Valid: true}
	}
	_, err := pl.exec(ctx, tx, qAnalysis,
		js, lang, sentiment, category, station, urgency, emergency, offensive, simhash, author, cs, postID)
	if err != nil {
		return fmt.Errorf("pipeline: unable to store analysis: %w", err)
	}
	return nil
}

// ErrNoAnalyzer is returned by Reanalyze when there is nothing to run.
var ErrNoAnalyzer = errors.New("pipeline: no analyzer")

// Collectors returns this package's metrics for the server's registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{processed, opened, lagSec}
}

// The statements of the pipeline's hot path, prepared once per database.
const (
	qClaim  = "UPDATE posts SET stage = 2 WHERE id = $1 AND stage < 2"
	qAuthor = `INSERT INTO authors (platform, external_id, handle, name, location, first_seen_at, last_seen_at, post_count)
		VALUES ($1, $2, $3, $4, $5, $6, $6, 1)
		ON CONFLICT (platform, external_id) DO UPDATE SET
			handle = CASE WHEN excluded.handle <> '' THEN excluded.handle ELSE authors.handle END,
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE authors.name END,
			location = CASE WHEN excluded.location <> '' THEN excluded.location ELSE authors.location END,
			last_seen_at = CASE WHEN authors.last_seen_at > excluded.last_seen_at THEN authors.last_seen_at ELSE excluded.last_seen_at END,
			post_count = authors.post_count + 1
		RETURNING id`
	qAnalysis = `UPDATE posts SET analysis = $1, lang = $2, sentiment = $3, category = $4, station = $5,
		urgency = $6, emergency = $7, offensive = $8, simhash = $9, author_id = COALESCE($10, author_id),
		case_id = COALESCE($11, case_id), stage = 2 WHERE id = $12`
)

func (pl *Pipeline) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	st, err := pl.db.Stmt(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}
