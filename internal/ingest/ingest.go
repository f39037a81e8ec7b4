// Package ingest is the one entry point every source uses: normalise →
// analyse (in the caller's goroutine, when the desk gives an analyzer) →
// dedupe on (platform, external id) → durable → acknowledged. Posts from
// all callers are gathered into group commits (one transaction for
// whatever is waiting; on SQLite's one writer under load, up to a
// millisecond more for a fuller batch), so a thousand webhook deliveries in
// flight cost a handful of commits. Only after the commit does a caller get
// its answer, and only then are the new post ids published on the bus for
// the pipeline that threads them into cases.
package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// SubjectStored carries the ids (decimal) of newly stored posts.
const SubjectStored = "posts.stored"

var (
	postsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kaval_ingest_posts_total", Help: "Posts offered to intake, by outcome.",
	}, []string{"platform", "outcome"})
	commitSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "kaval_ingest_commit_seconds", Help: "Time of one group commit.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	})
	batchPosts = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "kaval_ingest_batch_posts", Help: "Posts per group commit.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 13),
	})
)

// Result is the outcome for one post of a Submit.
type Result struct {
	ID        int64 `json:"id,omitempty"`
	Duplicate bool  `json:"duplicate,omitempty"`
	Err       error `json:"-"`
}

// Options tune intake.
type Options struct {
	MaxBatch   int              // posts per transaction, default 2000
	Committers int              // parallel transactions: 1 on SQLite (one writer), default 4 on PostgreSQL
	Now        func() time.Time // clock, default time.Now
	Log        *slog.Logger
	// Analyze, when set, understands each post in the caller's goroutine
	// before it is queued, so a post is stored once with its analysis
	// (stage 1) instead of being rewritten by the pipeline, and the
	// single committer never waits for a model.
	Analyze post.Analyzer
	// DeletedRetention is how long a deleted post's text and payload are
	// kept as evidence before PurgeDeleted empties them; default
	// DefaultDeletedRetention (KAVAL_DELETED_RETENTION).
	DeletedRetention time.Duration
}

// Rematcher matches posts again after their text changed (query.Listener).
type Rematcher func(ctx context.Context, tx *sql.Tx, ids []int64) error

// SetRematch makes an applied edit match its post again, in the edit's
// transaction, so listening queries' counts follow the new text (app.New).
func (in *Intake) SetRematch(f Rematcher) { in.rematch = f }

// Intake accepts posts. It is safe for concurrent use; Close stops it after
// the requests already queued are committed.
type Intake struct {
	db   *store.DB
	bus  bus.Bus
	opt  Options
	reqs chan *request
	stop chan struct{}
	done chan struct{}

	rematch Rematcher // edits: see SetRematch

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // prepared multi-row statements by kind and size

	notesMu sync.Mutex
	notes   map[string]string // informational checkpoints waiting for the next commit

	// loaded is set by the gatherer when its last batch found more than
	// one request queued: callers are arriving faster than commits.
	loaded bool
}

// request is one caller's posts (or one checkpoint) waiting for a group
// commit. It carries no context: once queued it is committed whatever the
// caller does, so a post is never reported "not stored" after it was.
type request struct {
	posts []post.Post
	res   []Result // indexes into posts
	idx   []int    // which posts are valid and need storing
	body  []string // PostgreSQL: search text per post, folded by the caller's goroutine
	an    [][]any  // analysis columns per post (AnalysisColumns), nil when not analysed
	err   chan error

	// A checkpoint rides the same group commit as posts: a webhook
	// connector saves one per delivery, and a transaction of its own for
	// each would queue behind intake on SQLite's single writer.
	cpSource, cpVals string
}

// New starts intake over db, publishing stored ids on b (which may be nil).
func New(db *store.DB, b bus.Bus, opt Options) *Intake {
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 2000
	}
	if opt.Committers <= 0 {
		opt.Committers = 4
		if db.Dialect == store.SQLite {
			opt.Committers = 1
		}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	in := &Intake{db: db, bus: b, opt: opt, stmts: map[string]*sql.Stmt{}, reqs: make(chan *request, 4096), stop: make(chan struct{}), done: make(chan struct{})}
	go in.run()
	return in
}

func insertHead(d store.Dialect) string {
	cols := `platform, external_id, kind, channel, thread_id, in_reply_to, author_external_id, author_handle,
		author_name, author_location, text, declared_lang, url, lat, lon, private, created_at, received_at, raw, channel_id,
		stage, ` + AnalysisColumnNames
	if d == store.Postgres {
		cols += ", search"
	}
	return "INSERT INTO posts (" + cols + ") VALUES "
}

// Submit validates and stores posts, returning one Result per post in
// order. Invalid posts get a *ValidationError in their Result and do not
// stop the others. The error return is for storage failures and
// cancellation: then nothing of this call is known to be stored.
func (in *Intake) Submit(ctx context.Context, posts []post.Post) ([]Result, error) {
	now := in.opt.Now().UTC()
	r := &request{posts: posts, res: make([]Result, len(posts)), body: make([]string, len(posts)), an: make([][]any, len(posts)), err: make(chan error, 1)}
	for i := range posts {
		if err := Normalise(&posts[i], now); err != nil {
			r.res[i].Err = err
			postsTotal.WithLabelValues(label(posts[i].Platform), "invalid").Inc()
			continue
		}
		r.idx = append(r.idx, i)
	}
	if len(r.idx) == 0 {
		return r.res, nil
	}
	// Folding and analysis run in the callers' goroutines, in parallel,
	// not in the single committer; a large batch (an import, a poll page)
	// is spread over every core.
	parallel(len(r.idx), func(k int) {
		i := r.idx[k]
		if in.db.Dialect == store.Postgres {
			r.body[i] = SearchBody(&posts[i])
		}
		if in.opt.Analyze == nil {
			return
		}
		a, err := in.opt.Analyze.Run(&posts[i])
		if err != nil {
			in.opt.Log.Error("ingest: analysis failed; the pipeline will retry", "platform", posts[i].Platform, "external_id", trunc(posts[i].ExternalID), "err", err)
			return
		}
		cols, err := AnalysisColumns(&a)
		if err != nil {
			// Stored without it; the pipeline tries again.
			in.opt.Log.Error("ingest: analysis cannot be stored", "platform", posts[i].Platform, "external_id", trunc(posts[i].ExternalID), "err", err)
			return
		}
		posts[i].Analysis = &a
		r.an[i] = cols
	})
	select {
	case in.reqs <- r:
	case <-in.stop:
		return nil, errors.New("ingest: closed")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once queued, wait for the commit even if ctx ends: the caller may
	// not ack, but we must not report "not stored" for a stored post.
	if err := <-r.err; err != nil {
		return nil, err
	}
	return r.res, nil
}

// Ingest implements connector.Sink: nil means every valid post is durable.
// Invalid posts are logged and counted but do not fail the batch, because
// a platform redelivering them would never make them valid.
func (in *Intake) Ingest(ctx context.Context, posts []post.Post) error {
	res, err := in.Submit(ctx, posts)
	if err != nil {
		return err
	}
	for i, r := range res {
		if r.Err != nil {
			in.opt.Log.Warn("ingest: post refused", "platform", posts[i].Platform, "external_id", trunc(posts[i].ExternalID), "err", r.Err)
		}
	}
	return nil
}

// Close stops accepting and waits for queued commits.
func (in *Intake) Close() {
	select {
	case <-in.stop:
	default:
		close(in.stop)
	}
	<-in.done
	in.mu.Lock()
	for _, st := range in.stmts {
		st.Close()
	}
	in.stmts = map[string]*sql.Stmt{}
	in.mu.Unlock()
}

func (in *Intake) run() {
	defer close(in.done)
	sem := make(chan struct{}, in.opt.Committers)
	for {
		var first *request
		select {
		case first = <-in.reqs:
		case <-in.stop:
			// Drain what was queued before the stop.
			for {
				select {
				case r := <-in.reqs:
					in.commit([]*request{r})
				default:
					for range in.opt.Committers {
						sem <- struct{}{}
					}
					return
				}
			}
		}
		// Wait for a free committer before gathering: whatever queued
		// while the previous commit ran then joins this one, instead of
		// this batch being fixed at the moment the previous one began.
		sem <- struct{}{}
		batch := in.gather(first)
		go func() {
			defer func() { <-sem }()
			in.commit(batch)
		}()
	}
}

// On the one writer (SQLite), a group commit waits for more callers when
// they are arriving faster than commits, until the batch holds gatherPosts
// posts or gatherWait has passed.
const (
	gatherWait  = time.Millisecond
	gatherPosts = 32
)

// gather takes first and whatever else is queued, up to MaxBatch. On the
// one writer under load it then waits a little for more: a commit's cost
// there is mostly fixed (the statement, the WAL frames of every index page
// it touches, the page cache's reset), so a batch of twenty costs little
// more than a batch of four. Measured with 64 webhook clients: 4 → 20
// posts a commit and about a tenth less CPU a delivery. A lone post, or
// PostgreSQL with its parallel committers, never waits.
func (in *Intake) gather(first *request) []*request {
	batch := []*request{first}
	n := len(first.idx)
	wait := in.opt.Committers == 1 && in.loaded
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
		in.loaded = len(batch) > 1
	}()
	for n < in.opt.MaxBatch {
		select {
		case r := <-in.reqs:
			batch = append(batch, r)
			n += len(r.idx)
			continue
		default:
		}
		if !wait || n >= gatherPosts {
			return batch
		}
		if timer == nil {
			timer = time.NewTimer(gatherWait)
		}
		select {
		case r := <-in.reqs:
			batch = append(batch, r)
			n += len(r.idx)
		case <-timer.C:
			return batch
		}
	}
	return batch
}

// rowsPerInsert bounds one multi-row INSERT: 31 parameters a row stays far
// below SQLite's (32,766) and PostgreSQL's (65,535) parameter limits.
const rowsPerInsert = 200

// insertColumns is how many values a post row binds: 20 of the post, its
// stage and the 10 analysis columns (PostgreSQL adds the search text).
const insertColumns = 31

type pending struct {
	r *request
	i int
}

func (in *Intake) commit(batch []*request) {
	start := time.Now()
	var ids [][]byte
	// Dedupe within the batch first: the first offer of a (platform,
	// external id) is inserted, later ones in the same batch are duplicates
	// of it.
	first := map[[2]string]pending{}
	var rows []pending
	var dupes []pending
	for _, r := range batch {
		for _, i := range r.idx {
			k := [2]string{r.posts[i].Platform, r.posts[i].ExternalID}
			if _, seen := first[k]; seen {
				dupes = append(dupes, pending{r, i})
				continue
			}
			first[k] = pending{r, i}
			rows = append(rows, pending{r, i})
		}
	}
	cps := in.checkpoints(batch)
	err := in.prepare()
	if err == nil {
		err = in.db.Tx(context.Background(), func(tx *sql.Tx) error {
			ids = ids[:0]
			for _, cp := range cps {
				if _, err := tx.Exec(qCheckpoint, cp[0], cp[1], store.Millis(in.opt.Now())); err != nil {
					return fmt.Errorf("ingest: unable to save checkpoint %q: %w", cp[0], err)
				}
			}
			for lo := 0; lo < len(rows); {
				n := chunkSize(len(rows) - lo)
				chunk := rows[lo : lo+n]
				lo += n
				got, err := in.insertChunk(tx, chunk)
				if err != nil {
					return err
				}
				for _, pd := range chunk {
					p := &pd.r.posts[pd.i]
					if id, ok := got[[2]string{p.Platform, p.ExternalID}]; ok {
						pd.r.res[pd.i] = Result{ID: id}
						ids = append(ids, strconv.AppendInt(nil, id, 10))
					} else {
						pd.r.res[pd.i] = Result{Duplicate: true}
					}
				}
			}
			return nil
		})
	}
	for _, d := range dupes {
		d.r.res[d.i] = Result{Duplicate: true}
	}
	commitSeconds.Observe(time.Since(start).Seconds())
	n := 0
	for _, r := range batch {
		n += len(r.idx)
	}
	batchPosts.Observe(float64(n))
	if err == nil {
		in.fillDuplicateIDs(batch)
	}
	for _, r := range batch {
		if err == nil {
			for _, i := range r.idx {
				outcome := "stored"
				if r.res[i].Duplicate {
					outcome = "duplicate"
				}
				postsTotal.WithLabelValues(label(r.posts[i].Platform), outcome).Inc()
			}
		}
		r.err <- err
	}
	if err != nil {
		in.opt.Log.Error("ingest: commit failed", "posts", n, "err", err)
		return
	}
	if in.bus != nil && len(ids) > 0 {
		if perr := in.bus.Publish(context.Background(), SubjectStored, ids...); perr != nil {
			// Durable already; the pipeline's sweep picks these up.
			in.opt.Log.Warn("ingest: publish failed", "err", perr)
		}
	}
}

// checkpoints are the cursors this commit saves, one per source: the
// batch's in queue order (the last one of a source wins, as it would have
// in separate commits) and the informational notes waiting since the last
// commit, unless a request of the batch saves that source.
func (in *Intake) checkpoints(batch []*request) [][2]string {
	in.notesMu.Lock()
	notes := in.notes
	in.notes = nil
	in.notesMu.Unlock()
	last := map[string]string{}
	var order []string
	add := func(src, vals string) {
		if _, ok := last[src]; !ok {
			order = append(order, src)
		}
		last[src] = vals
	}
	for src, vals := range notes {
		add(src, vals)
	}
	for _, r := range batch {
		if r.cpSource != "" {
			add(r.cpSource, r.cpVals)
		}
	}
	out := make([][2]string, len(order))
	for i, src := range order {
		out[i] = [2]string{src, last[src]}
	}
	return out
}

// chunkSizes are the row counts of the multi-row statements: a batch is cut
// into these so each statement text is prepared once and reused, instead of
// SQLite parsing a new statement for every commit. The small sizes matter:
// under a steady stream of webhooks a group commit holds a handful of posts,
// and each statement costs a pass through the driver.
var chunkSizes = [...]int{rowsPerInsert, 50, 16, 8, 4, 2, 1}

func chunkSize(left int) int {
	for _, n := range chunkSizes {
		if n <= left {
			return n
		}
	}
	return 1
}

// prepare readies every multi-row statement once. It must run outside a
// transaction: on SQLite the write pool has a single connection, which a
// transaction holds.
func (in *Intake) prepare() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.stmts) > 0 {
		return nil
	}
	stmts := map[string]*sql.Stmt{}
	for _, n := range chunkSizes {
		qs := map[string]string{"posts": insertValues(in.db.Dialect, n)}
		for kind, q := range qs {
			st, err := in.db.Write.Prepare(q)
			if err != nil {
				for _, s := range stmts {
					s.Close()
				}
				return fmt.Errorf("ingest: unable to prepare: %w", err)
			}
			stmts[kind+":"+strconv.Itoa(n)] = st
		}
	}
	in.stmts = stmts
	return nil
}

// stmt returns the prepared statement for kind ("posts" or "fts") and n
// rows, one of chunkSizes.
func (in *Intake) stmt(kind string, n int) (*sql.Stmt, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	st, ok := in.stmts[kind+":"+strconv.Itoa(n)]
	if !ok {
		return nil, fmt.Errorf("ingest: no statement for %d %s rows", n, kind)
	}
	return st, nil
}

// insertValues is the multi-row INSERT of n posts. SQLite gets "?"
// placeholders: it resolves "$N" names with a linear search per parameter,
// quadratic in a statement this size.
func insertValues(d store.Dialect, n int) string {
	pg := d == store.Postgres
	per := insertColumns
	if pg {
		per++
	}
	var sb strings.Builder
	sb.WriteString(insertHead(d))
	for k := range n {
		if k > 0 {
			sb.WriteString(",")
		}
		sb.WriteString("(")
		for c := 1; c <= per; c++ {
			if c > 1 {
				sb.WriteString(",")
			}
			switch {
			case !pg:
				sb.WriteString("?")
			case c == per:
				sb.WriteString("to_tsvector('simple', $" + strconv.Itoa(k*per+c) + ")")
			default:
				sb.WriteString("$" + strconv.Itoa(k*per+c))
			}
		}
		sb.WriteString(")")
	}
	sb.WriteString(" ON CONFLICT (platform, external_id) DO NOTHING RETURNING id, platform, external_id")
	return sb.String()
}

// insertChunk stores the posts of chunk (one of chunkSizes long) with one
// multi-row INSERT and returns the ids of the rows that were new, keyed by
// (platform, external id). On PostgreSQL the search vector is a column of
// the row; SQLite's full-text index is filled by the pipeline, in its
// larger transactions, off the path a webhook waits on.
func (in *Intake) insertChunk(tx *sql.Tx, chunk []pending) (map[[2]string]int64, error) {
	pg := in.db.Dialect == store.Postgres
	ins, err := in.stmt("posts", len(chunk))
	if err != nil {
		return nil, err
	}
	args := make([]any, 0, len(chunk)*(insertColumns+1))
	for _, pd := range chunk {
		p := &pd.r.posts[pd.i]
		args = append(args, p.Platform, p.ExternalID, p.Kind, p.Channel, p.ThreadID, p.InReplyTo,
			p.Author.ExternalID, p.Author.Handle, p.Author.Name, p.Author.Location, p.Text, p.Lang, p.URL,
			p.Lat, p.Lon, store.Bool(p.Private), store.Millis(p.CreatedAt), store.Millis(p.ReceivedAt), string(p.Raw), channelID(p.ChannelID))
		if an := pd.r.an[pd.i]; an != nil {
			args = append(args, StageAnalysed)
			args = append(args, an...)
		} else {
			args = append(args, StageStored)
			args = append(args, noAnalysis...)
		}
		if pg {
			args = append(args, pd.r.body[pd.i])
		}
	}
	rs, err := tx.Stmt(ins).Query(args...)
	if err != nil {
		return nil, fmt.Errorf("ingest: unable to store posts: %w", err)
	}
	got := make(map[[2]string]int64, len(chunk))
	for rs.Next() {
		var id int64
		var k [2]string
		if err := rs.Scan(&id, &k[0], &k[1]); err != nil {
			rs.Close()
			return nil, fmt.Errorf("ingest: unable to read ids: %w", err)
		}
		got[k] = id
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("ingest: unable to store posts: %w", err)
	}
	return got, nil
}

// fillDuplicateIDs looks up the existing id of each duplicate so callers
// (the API, import) can point at the stored post.
func (in *Intake) fillDuplicateIDs(batch []*request) {
	for _, r := range batch {
		for _, i := range r.idx {
			if !r.res[i].Duplicate {
				continue
			}
			p := &r.posts[i]
			in.db.Write.QueryRow("SELECT id FROM posts WHERE platform = $1 AND external_id = $2", p.Platform, p.ExternalID).Scan(&r.res[i].ID)
		}
	}
}

// SearchBody is what the full-text index holds: the folded text and the
// author's handle and name, so a search for a handle finds their posts.
// Everything but letters, digits and marks becomes a space, so both
// stores see the same words: PostgreSQL's parser would otherwise keep
// "done.Next" as one host name, "1.5" as one number and a@b.in as one
// address, and a search for "next", "5" or "b" would miss them (SQLite's
// tokenizer already splits there).
func SearchBody(p *post.Post) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) || unicode.Is(unicode.Co, r) {
			return r
		}
		return ' '
	}, textnorm.Fold(p.Text+" "+p.Author.Handle+" "+p.Author.Name))
}

// label keeps metric label cardinality bounded: platform names are
// validated, but refused posts can carry anything.
func label(platform string) string {
	if len(platform) > 16 {
		return "other"
	}
	return platform
}

func trunc(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// LoadCheckpoint implements connector.Checkpoints.
func (in *Intake) LoadCheckpoint(ctx context.Context, source string) (map[string]string, error) {
	var vals string
	err := in.db.Read.QueryRowContext(ctx, "SELECT vals FROM checkpoints WHERE source = $1", source).Scan(&vals)
	if errors.Is(err, sql.ErrNoRows) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: unable to load checkpoint %q: %w", source, err)
	}
	m := map[string]string{}
	if err := json.Unmarshal([]byte(vals), &m); err != nil {
		return nil, fmt.Errorf("ingest: corrupt checkpoint %q: %w", source, err)
	}
	return m, nil
}

// SaveCheckpoint implements connector.Checkpoints.
func (in *Intake) SaveCheckpoint(ctx context.Context, source string, values map[string]string) error {
	b, err := json.Marshal(values)
	if err != nil {
		return err
	}
	r := &request{err: make(chan error, 1), cpSource: source, cpVals: string(b)}
	select {
	case in.reqs <- r:
	case <-in.stop:
		return errors.New("ingest: closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-r.err
}

// NoteCheckpoint implements connector.Noter: the checkpoint rides the next
// group commit and the caller does not wait for it. Notes of one source
// replace each other; a note lost in a crash costs nothing, because only
// informational checkpoints (a webhook's last event time) are noted.
func (in *Intake) NoteCheckpoint(source string, values map[string]string) {
	b, err := json.Marshal(values)
	if err != nil {
		return
	}
	in.notesMu.Lock()
	wake := in.notes == nil
	if wake {
		in.notes = map[string]string{}
	}
	in.notes[source] = string(b)
	in.notesMu.Unlock()
	if wake {
		// An empty request makes sure a commit happens even if no post
		// follows; when the queue is full, commits are coming anyway.
		select {
		case in.reqs <- &request{err: make(chan error, 1)}:
		default:
		}
	}
}

const qCheckpoint = `INSERT INTO checkpoints (source, vals, updated_at) VALUES ($1, $2, $3)
	ON CONFLICT (source) DO UPDATE SET vals = excluded.vals, updated_at = excluded.updated_at`

func channelID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Collectors returns this package's metrics for the server's registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{postsTotal, commitSeconds, batchPosts, changesTotal}
}
