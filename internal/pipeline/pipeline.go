// Package pipeline runs the work that follows the durable write: each
// stored post gets its author recorded, is threaded into a case on the
// desk and (SQLite) added to the full-text index; a post intake stored
// without an analysis is analysed here first. It is driven by the bus (ids
// published by intake) and by a sweep of unfinished rows, so a crash
// between intake and here loses nothing: the post is simply picked up
// again.
package pipeline

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
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
type Analyzer = post.Analyzer

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
	db       *store.DB
	desk     *desk.Desk
	bus      bus.Bus
	analyze  Analyzer
	log      *slog.Logger
	workers  int
	now      func() time.Time
	listener Listener

	afterClaim func()                                                   // tests: called inside the chunk's transaction once its posts are claimed
	rematch    func(ctx context.Context, tx *sql.Tx, ids []int64) error // Reanalyze: see SetRematch
}

// Listener sees the posts of each transaction that puts posts on the desk,
// after they are analysed and threaded and inside that transaction, so
// what it records (listening-query matches) commits with them, once.
type Listener interface {
	Listen(ctx context.Context, tx *sql.Tx, ids []int64) error
}

// Listeners runs several listeners in order.
type Listeners []Listener

// Listen implements Listener.
func (ls Listeners) Listen(ctx context.Context, tx *sql.Tx, ids []int64) error {
	for _, l := range ls {
		if err := l.Listen(ctx, tx, ids); err != nil {
			return err
		}
	}
	return nil
}

// Options tune the pipeline.
type Options struct {
	Workers  int // analysis goroutines per batch, default GOMAXPROCS
	Log      *slog.Logger
	Now      func() time.Time
	Listener Listener // optional: listening queries, volume rollups (query.Listener, watch.Rollup)
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
	return &Pipeline{db: db, desk: d, bus: b, analyze: analyze, log: opt.Log, workers: opt.Workers, now: opt.Now, listener: opt.Listener}
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
			if err := pl.NoteChanges(ctx, nil); err != nil && ctx.Err() == nil {
				pl.log.Warn("pipeline: noting edits and deletions failed", "err", err)
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
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := pl.runChanges(ctx); err != nil && ctx.Err() == nil {
			pl.log.Error("pipeline: edits and deletions subscription stopped", "err", err)
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

// Sweep processes every post that is stored but not yet on the desk, and
// forgets the near-duplicate fingerprints older than their window.
func (pl *Pipeline) Sweep(ctx context.Context) error {
	if err := pl.desk.PruneFingerprints(ctx); err != nil {
		return err
	}
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
	// analysed: intake stored the post with its analysis, and p.Analysis
	// holds the part the desk threads on, read from the filter columns.
	analysed bool
	// fresh: the pipeline analysed the post and must store a, encoded
	// in cols (ingest.AnalysisColumns).
	fresh bool
	cols  []any
	body  string // SQLite: the post's full-text index entry (ingest.SearchBody)
}

// Process analyses the given posts (those intake stored without analysis)
// and threads them into cases, in id order. It is idempotent: a post
// already on the desk is skipped, so redelivery and the sweep are
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
	fts := pl.db.Dialect == store.SQLite // PostgreSQL's search vector is a column intake fills
	hot := append(pl.desk.HotQueries(), pl.qClaim(), pl.qAuthors(), qAnalysis)
	if fts {
		hot = append(hot, qIndex)
	}
	if err := pl.db.Prepare(ctx, hot...); err != nil {
		return fmt.Errorf("pipeline: unable to prepare: %w", err)
	}
	pl.understand(items, fts)
	var changed []int64
	var fresh int
	// Short transactions: on SQLite the pipeline shares the one write
	// connection with intake, and a long hold would stall webhook
	// acknowledgements behind it. Items stay in id order across chunks.
	for lo := 0; lo < len(items); lo += txPosts {
		chunk := items[lo:min(lo+txPosts, len(items))]
		n0, f0 := len(changed), fresh
		var b desk.Batch
		err = pl.db.BackgroundTx(ctx, func(tx *sql.Tx) error {
			changed, fresh, b = changed[:n0], f0, desk.Batch{}
			// Claim the chunk in one statement; posts a concurrent worker
			// claimed first are theirs.
			claimed, err := pl.claim(ctx, tx, chunk)
			if err != nil {
				return err
			}
			if pl.afterClaim != nil {
				pl.afterClaim()
			}
			if fts {
				if err := pl.index(ctx, tx, chunk, claimed); err != nil {
					return err
				}
			}
			// Every lock the chunk's threading needs, in one fixed order,
			// before any other (desk.Begin).
			posts := make([]*post.Post, 0, len(chunk))
			for i := range chunk {
				if it := &chunk[i]; claimed[it.p.ID] {
					if it.fresh {
						it.p.Analysis = &it.a
					}
					posts = append(posts, &it.p)
				}
			}
			if err := pl.desk.Begin(ctx, tx, &b, posts); err != nil {
				return err
			}
			authors, err := pl.upsertAuthors(ctx, tx, chunk, claimed)
			if err != nil {
				return err
			}
			for i := range chunk {
				it := &chunk[i]
				if !claimed[it.p.ID] {
					continue
				}
				authorID := authors[authorKey{it.p.Platform, it.p.Author.ExternalID}]
				caseID, isNew, err := pl.desk.Attach(ctx, tx, &b, &it.p, authorID)
				if err != nil {
					return err
				}
				if it.fresh {
					if err := pl.writeAnalysis(ctx, tx, it.p.ID, it.cols, authorID, caseID); err != nil {
						return err
					}
				} else {
					b.Link(it.p.ID, authorID, caseID)
				}
				if caseID != 0 {
					changed = append(changed, caseID)
				}
				if isNew {
					fresh++
				}
			}
			if err := pl.desk.Flush(ctx, tx, &b); err != nil {
				return err
			}
			if pl.listener != nil {
				ids := make([]int64, 0, len(claimed))
				for i := range chunk {
					if claimed[chunk[i].p.ID] {
						ids = append(ids, chunk[i].p.ID)
					}
				}
				return pl.listener.Listen(ctx, tx, ids)
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

// qClaim moves a set of posts on the desk (stage 2) and returns those that
// were not yet: the ids are one JSON array (SQLite) or array literal
// (PostgreSQL) parameter, so one prepared statement serves any chunk.
func (pl *Pipeline) qClaim() string {
	if pl.db.Dialect == store.Postgres {
		// Row locks in id order, and none waited for: a post another
		// replica is threading is theirs. (Without ORDER BY the rows were
		// locked in whatever order the plan met them, and two replicas
		// claiming overlapping chunks could deadlock.)
		return `UPDATE posts SET stage = 2 WHERE id IN (SELECT id FROM posts WHERE id = ANY($1::bigint[]) AND stage < 2
			ORDER BY id FOR UPDATE SKIP LOCKED) RETURNING id`
	}
	return "UPDATE posts SET stage = 2 WHERE id IN (SELECT value FROM json_each($1)) AND stage < 2 RETURNING id"
}

func (pl *Pipeline) claim(ctx context.Context, tx *sql.Tx, chunk []item) (map[int64]bool, error) {
	open, close := byte('['), byte(']')
	if pl.db.Dialect == store.Postgres {
		open, close = '{', '}'
	}
	list := []byte{open}
	for i := range chunk {
		if i > 0 {
			list = append(list, ',')
		}
		list = strconv.AppendInt(list, chunk[i].p.ID, 10)
	}
	list = append(list, close)
	st, err := pl.db.Stmt(ctx, tx, pl.qClaim())
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, string(list))
	if err != nil {
		return nil, fmt.Errorf("pipeline: unable to claim posts: %w", err)
	}
	defer rows.Close()
	claimed := make(map[int64]bool, len(chunk))
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		claimed[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pipeline: unable to claim posts: %w", err)
	}
	return claimed, nil
}

// index adds the claimed posts of chunk to SQLite's full-text index, in id
// order (FTS5 flushes its pending terms whenever a rowid goes backwards),
// with one statement. (Posts an older desk indexed at intake lost their
// entries in migration 00008, so none is indexed twice.)
func (pl *Pipeline) index(ctx context.Context, tx *sql.Tx, chunk []item, claimed map[int64]bool) error {
	rows := make([][2]any, 0, len(chunk))
	for i := range chunk {
		if claimed[chunk[i].p.ID] {
			rows = append(rows, [2]any{chunk[i].p.ID, chunk[i].body})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	js, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	if _, err := pl.exec(ctx, tx, qIndex, string(js)); err != nil {
		return fmt.Errorf("pipeline: unable to index posts: %w", err)
	}
	return nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func (pl *Pipeline) load(ctx context.Context, ids []int64) ([]item, error) {
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = id
	}
	rows, err := pl.db.Read.QueryContext(ctx, `SELECT id, platform, external_id, kind, channel, thread_id, in_reply_to,
		author_external_id, author_handle, author_name, author_location, text, declared_lang, lat, lon, private,
		created_at, received_at, stage, lang, category, station, traffic_station, urgency, emergency, simhash
		FROM posts WHERE stage < 2 AND id IN (`+strings.Join(ph, ",")+`) ORDER BY id`, args...)
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
		var stage, urgency, emergency int
		var t triage
		if err := rows.Scan(&p.ID, &p.Platform, &p.ExternalID, &p.Kind, &p.Channel, &p.ThreadID, &p.InReplyTo,
			&p.Author.ExternalID, &p.Author.Handle, &p.Author.Name, &p.Author.Location, &p.Text, &p.Lang, &lat, &lon,
			&priv, &created, &received, &stage, &t.lang, &t.category, &t.station, &t.traffic, &urgency, &emergency,
			&t.simhash); err != nil {
			return nil, err
		}
		if stage == ingest.StageAnalysed {
			t.urgency, t.emergency = urgency, emergency != 0
			it.analysed = true
			p.Analysis = t.analysis()
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

// understand readies items on all cores: the analysis of posts stored
// without one and, when index is set, the folded text for SQLite's
// full-text index. It is pure, so order of work does not matter, only the
// order of the writes that follow.
func (pl *Pipeline) understand(items []item, index bool) {
	var wg sync.WaitGroup
	next := make(chan int, len(items))
	for i := range items {
		if index || (!items[i].analysed && pl.analyze != nil) {
			next <- i
		}
	}
	close(next)
	for range min(pl.workers, len(next)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				it := &items[i]
				if index {
					it.body = ingest.SearchBody(&it.p)
				}
				if it.analysed || pl.analyze == nil {
					continue
				}
				a, err := pl.analyze.Run(&it.p)
				if err != nil {
					pl.log.Error("pipeline: analysis failed", "post", it.p.ID, "err", err)
				}
				// Encoded here, on every core and before the transaction;
				// an analysis that cannot be encoded (a NaN score) leaves
				// the post unanalysed rather than failing its chunk forever.
				cols, err := ingest.AnalysisColumns(&a)
				if err != nil {
					pl.log.Error("pipeline: analysis cannot be stored; the post goes on the desk without it", "post", it.p.ID, "err", err)
					continue
				}
				it.a, it.cols, it.fresh = a, cols, true
			}
		}()
	}
	wg.Wait()
}

// authorKey identifies an author on a platform.
type authorKey struct{ platform, id string }

// upsertAuthors records the authors of the claimed posts of chunk with one
// statement and returns their ids. Each author is one row, folded from its
// posts in id order as one upsert per post would leave it: the last
// non-empty handle, name and location, how many posts, and first and last
// seen by the posts' own times (a platform may deliver an older post
// later). One statement instead of one per post saves a round trip per
// post on PostgreSQL. Rows go in key order, so two replicas upserting
// overlapping authors lock them in the same order.
func (pl *Pipeline) upsertAuthors(ctx context.Context, tx *sql.Tx, chunk []item, claimed map[int64]bool) (map[authorKey]int64, error) {
	type row struct {
		handle, name, location string
		first, last, count     int64
	}
	rows := map[authorKey]*row{}
	for i := range chunk {
		p := &chunk[i].p
		if !claimed[p.ID] || p.Author.ExternalID == "" {
			continue
		}
		k := authorKey{p.Platform, p.Author.ExternalID}
		ms := store.Millis(p.CreatedAt)
		r := rows[k]
		if r == nil {
			r = &row{first: ms, last: ms}
			rows[k] = r
		}
		r.first, r.last = min(r.first, ms), max(r.last, ms)
		r.count++
		for _, f := range []struct {
			dst *string
			v   string
		}{{&r.handle, p.Author.Handle}, {&r.name, p.Author.Name}, {&r.location, p.Author.Location}} {
			if f.v != "" {
				*f.dst = f.v
			}
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	keys := make([]authorKey, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b authorKey) int {
		return cmp.Or(strings.Compare(a.platform, b.platform), strings.Compare(a.id, b.id))
	})
	list := make([][8]any, len(keys))
	for i, k := range keys {
		r := rows[k]
		list[i] = [8]any{k.platform, k.id, r.handle, r.name, r.location, r.first, r.last, r.count}
	}
	js, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	st, err := pl.db.Stmt(ctx, tx, pl.qAuthors())
	if err != nil {
		return nil, err
	}
	rs, err := st.QueryContext(ctx, string(js))
	if err != nil {
		return nil, fmt.Errorf("pipeline: unable to record authors: %w", err)
	}
	defer rs.Close()
	ids := make(map[authorKey]int64, len(keys))
	for rs.Next() {
		var id int64
		var k authorKey
		if err := rs.Scan(&id, &k.platform, &k.id); err != nil {
			return nil, fmt.Errorf("pipeline: unable to record authors: %w", err)
		}
		ids[k] = id
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("pipeline: unable to record authors: %w", err)
	}
	return ids, nil
}

// qAuthors upserts the rows of a JSON array of [platform, external id,
// handle, name, location, first seen, last seen, posts], in array order.
func (pl *Pipeline) qAuthors() string {
	rows := `SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7
		FROM json_each($1) WHERE true ORDER BY key` // WHERE: SQLite's parser needs it before ON CONFLICT
	if pl.db.Dialect == store.Postgres {
		rows = `SELECT e->>0, e->>1, e->>2, e->>3, e->>4, (e->>5)::bigint, (e->>6)::bigint, (e->>7)::int
		FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(e, n) ORDER BY n`
	}
	return `INSERT INTO authors (platform, external_id, handle, name, location, first_seen_at, last_seen_at, post_count)
		` + rows + `
		ON CONFLICT (platform, external_id) DO UPDATE SET
			handle = CASE WHEN excluded.handle <> '' THEN excluded.handle ELSE authors.handle END,
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE authors.name END,
			location = CASE WHEN excluded.location <> '' THEN excluded.location ELSE authors.location END,
			first_seen_at = CASE WHEN authors.first_seen_at < excluded.first_seen_at THEN authors.first_seen_at ELSE excluded.first_seen_at END,
			last_seen_at = CASE WHEN authors.last_seen_at > excluded.last_seen_at THEN authors.last_seen_at ELSE excluded.last_seen_at END,
			post_count = authors.post_count + excluded.post_count
		RETURNING id, platform, external_id`
}

// writeAnalysis stores an analysis the pipeline made, encoded by
// ingest.AnalysisColumns: the JSON and the columns the inbox filters on, so
// filters never parse JSON.
func (pl *Pipeline) writeAnalysis(ctx context.Context, tx *sql.Tx, postID int64, cols []any, authorID, caseID int64) error {
	args := append(append(make([]any, 0, len(cols)+3), cols...), nullID(authorID), nullID(caseID), postID)
	if _, err := pl.exec(ctx, tx, qAnalysis, args...); err != nil {
		return fmt.Errorf("pipeline: unable to store analysis: %w", err)
	}
	return nil
}

// triage is the part of a stored analysis the desk threads on (priority,
// routing, language), read from the filter columns intake wrote with the
// post: the pipeline never parses the analysis JSON.
type triage struct {
	lang, category, station, traffic string
	urgency                          int
	emergency                        bool
	simhash                          int64 // the near-duplicate signature, stored signed
}

func (t triage) analysis() *post.Analysis {
	a := &post.Analysis{Lang: t.lang, Urgency: t.urgency, Emergency: post.Flag{Label: t.emergency}}
	if t.simhash != 0 {
		a.SimHash = strconv.FormatUint(uint64(t.simhash), 16)
	}
	if t.category != "" {
		a.Categories = []post.Category{{Name: t.category, Score: 1}}
	}
	if t.station != "" {
		a.Station = &t.station
	}
	if t.traffic != "" {
		a.TrafficStation = &t.traffic
	}
	return a
}

// ErrNoAnalyzer is returned by Reanalyze when there is nothing to run.
var ErrNoAnalyzer = errors.New("pipeline: no analyzer")

// Collectors returns this package's metrics for the server's registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{processed, opened, lagSec}
}

// The statements of the pipeline's hot path, prepared once per database.
const (
	qIndex = "INSERT INTO posts_fts (rowid, body) SELECT value->>0, value->>1 FROM json_each($1) ORDER BY key"
	// qAnalysis binds ingest.AnalysisColumns. A post it analyses is
	// stored as analysed at least; the claim has already moved one being
	// threaded on the desk.
	qAnalysis = `UPDATE posts SET analysis = $1, lang = $2, sentiment = $3, category = $4, station = $5,
		traffic_station = $6, urgency = $7, emergency = $8, offensive = $9, simhash = $10,
		author_id = COALESCE($11, author_id), case_id = COALESCE($12, case_id),
		stage = CASE WHEN stage < 1 THEN 1 ELSE stage END WHERE id = $13`
)

func (pl *Pipeline) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	st, err := pl.db.Stmt(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}
