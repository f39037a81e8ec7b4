package main

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/watch"
)

func init() {
	register(command{name: "bench-watch", summary: "watch floor dashboards' latency over a year of rollups (~10M posts), and rollup write contention", run: benchWatch})
}

// benchWatch fills the rollup tables (and the cases table) as a city desk
// would have them after a year of ~10 million posts, generated in SQL,
// then times every dashboard's read; then it measures what keeping the
// rollups costs intake: workers putting posts on the desk concurrently,
// each transaction with and without the rollups (on PostgreSQL the shared
// hour's rows are where replicas contend).
func benchWatch(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "bench watch", "[--db URL] [--runs N] [--cases N] [--contention-posts N]")
	dsn := fs.String("db", "", "database (default: a new SQLite file in $TMPDIR)")
	runs := fs.Int("runs", 30, "timed runs of each dashboard read")
	ncases := fs.Int("cases", 3000000, "cases to store (a year of a city desk: ~3 million)")
	cposts := fs.Int("contention-posts", 12000, "posts each contention round puts on the desk (0: skip the contention rounds)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dsn == "" {
		dir, err := os.MkdirTemp("", "kaval-bench-watch-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*dsn = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := seedUnits(ctx, db); err != nil {
		return err
	}
	end := time.Now().Truncate(time.Hour)
	t0 := time.Now()
	// A database filled by an earlier run (--db) is measured as it is.
	var posts int64
	db.Read.QueryRowContext(ctx, "SELECT COALESCE(SUM(posts), 0) FROM volume_daily WHERE dim = 'all'").Scan(&posts)
	if posts == 0 {
		if posts, err = fillWatch(ctx, db, end, *ncases); err != nil {
			return err
		}
	} else {
		var last int64
		db.Read.QueryRowContext(ctx, "SELECT MAX(hour) FROM volume_hourly WHERE dim = 'all'").Scan(&last)
		end = time.UnixMilli(last + 3600000)
	}
	var rows, caseN int64
	db.Read.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM volume_hourly) + (SELECT COUNT(*) FROM volume_daily) + (SELECT COUNT(*) FROM term_daily) + (SELECT COUNT(*) FROM response_daily)").Scan(&rows)
	db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases").Scan(&caseN)
	w := env.stdout
	fmt.Fprintf(w, "## Watch floor dashboards (%s)\n\n`kaval bench watch`: a year of rollups for %d posts (%d rollup rows) and %d cases, generated in SQL in %s; %d runs each, median and 95th percentile.\n\n",
		db.Dialect, posts, rows, caseN, time.Since(t0).Round(time.Second), *runs)
	fmt.Fprintln(w, "| dashboard read | median | p95 |")
	fmt.Fprintln(w, "|---|---|---|")
	now := end.Add(37 * time.Minute)
	day := 24 * time.Hour
	reads := []struct {
		name string
		run  func() error
	}{
		{"volume by platform, 7 days by hour", func() error {
			_, err := watch.ReadVolume(ctx, db, watch.VolumeFilter{By: watch.DimPlatform, Since: now.Add(-7 * day), Until: now})
			return err
		}},
		{"volume by station, 90 days by day", func() error {
			_, err := watch.ReadVolume(ctx, db, watch.VolumeFilter{By: watch.DimStation, Since: now.Add(-90 * day), Until: now, Interval: "day"})
			return err
		}},
		{"station map, 7 days", func() error { _, err := watch.ReadStations(ctx, db, now.Add(-7*day), now); return err }},
		{"station map, 30 days", func() error { _, err := watch.ReadStations(ctx, db, now.Add(-30*day), now); return err }},
		{"reputation, 90 days by day", func() error { _, err := watch.ReadReputation(ctx, db, now.Add(-90*day), now, "day"); return err }},
		{"top places, 30 days", func() error {
			_, err := watch.TopTerms(ctx, db, watch.TermPlace, now.Add(-30*day), now, 20)
			return err
		}},
		{"top hashtags, 30 days", func() error {
			_, err := watch.TopTerms(ctx, db, watch.TermHashtag, now.Add(-30*day), now, 20)
			return err
		}},
		{"emerging terms", func() error { _, err := watch.EmergingTerms(ctx, db, now, 20); return err }},
		{"response times by unit, 30 days", func() error { _, err := watch.ReadResponses(ctx, db, "unit", now.Add(-30*day), now, now); return err }},
		{"response times by agent, 90 days", func() error { _, err := watch.ReadResponses(ctx, db, "agent", now.Add(-90*day), now, now); return err }},
		{"spike detector: categories", func() error {
			_, err := watch.DimSpikes(ctx, db, watch.DimCategory, now, watch.SpikeOptions{})
			return err
		}},
		{"spike detector: stations", func() error {
			_, err := watch.DimSpikes(ctx, db, watch.DimStation, now, watch.SpikeOptions{})
			return err
		}},
	}
	for _, r := range reads {
		med, p95, err := timeRuns(*runs, r.run)
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", r.name, ms(med), ms(p95))
	}
	if *cposts <= 0 { // --contention-posts 0: dashboards only
		return nil
	}
	fmt.Fprintf(w, "\nRollup writes with concurrent intake: each worker puts batches of 50 posts on the desk (an UPDATE of the posts, as the pipeline's transaction does), with and without the rollups (volume by hour and day, terms) in the same transaction; all posts in the current hour, so every transaction updates the same rollup rows.\n\n")
	fmt.Fprintln(w, "| workers | posts/s without rollups | posts/s with rollups | p95 transaction with rollups | failed transactions |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, workers := range []int{1, 4, 8} {
		base, _, _, err := contention(ctx, db, workers, *cposts, false)
		if err != nil {
			return err
		}
		with, p95, failed, err := contention(ctx, db, workers, *cposts, true)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "| %d | %.0f | %.0f | %s | %d |\n", workers, base, with, ms(p95), failed)
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func timeRuns(n int, f func() error) (med, p95 time.Duration, err error) {
	if err := f(); err != nil { // warm the caches once
		return 0, 0, err
	}
	ds := make([]time.Duration, n)
	for i := range ds {
		t := time.Now()
		if err := f(); err != nil {
			return 0, 0, err
		}
		ds[i] = time.Since(t)
	}
	slices.Sort(ds)
	return ds[n/2], ds[min(n-1, int(math.Ceil(float64(n)*0.95))-1)], nil
}

// fillWatch writes the rollups of a year: every hour 600 to 1,500 posts
// (a city's daily pattern), spread over 11 platforms, 19 categories, 3
// sentiments, 8 languages and the pack's stations; 90 days of terms (the
// reads look at 30 days at most); the cases of the year with their
// response rollups by unit and 20 agents.
func fillWatch(ctx context.Context, db *store.DB, end time.Time, ncases int) (int64, error) {
	x := func(q string, args ...any) error {
		if _, err := db.Write.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("bench watch: %w\n%s", err, q)
		}
		return nil
	}
	if err := x("CREATE TABLE bench_n (i BIGINT PRIMARY KEY)"); err != nil {
		return 0, err
	}
	defer db.Write.ExecContext(context.Background(), "DROP TABLE bench_n")
	for lo := 0; lo < 10000; lo += 1000 {
		vals := make([]string, 1000)
		for i := range vals {
			vals[i] = fmt.Sprintf("(%d)", lo+i)
		}
		if err := x("INSERT INTO bench_n (i) VALUES " + strings.Join(vals, ",")); err != nil {
			return 0, err
		}
	}
	if err := x("CREATE TABLE bench_dv (dim TEXT, value TEXT, n BIGINT)"); err != nil {
		return 0, err
	}
	defer db.Write.ExecContext(context.Background(), "DROP TABLE bench_dv")
	var stations []string
	rows, err := db.Read.QueryContext(ctx, "SELECT name FROM units WHERE kind = 'station' ORDER BY id")
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		stations = append(stations, s)
	}
	rows.Close()
	var dv []string
	add := func(dim string, values []string) {
		for _, v := range values {
			dv = append(dv, fmt.Sprintf("('%s', '%s', %d)", dim, strings.ReplaceAll(v, "'", "''"), len(values)))
		}
	}
	add(watch.DimAll, []string{""})
	add(watch.DimPlatform, []string{"x", "facebook", "instagram", "messenger", "whatsapp", "telegram", "mastodon", "bluesky", "rss", "webform", "import"})
	add(watch.DimCategory, []string{"theft", "traffic_parking", "civic", "cybercrime_fraud", "drugs", "elderly", "emergency", "information_request", "lost_found",
		"missing_person", "noise_nuisance", "police_complaint", "public_order", "rumour", "spam", "womens_safety", "child_safety", "appreciation", ""})
	add(watch.DimSentiment, []string{"negative", "neutral", "positive"})
	add(watch.DimLang, []string{"en", "kn", "kn-Latn", "hi", "hi-Latn", "ta", "te", "und"})
	add(watch.DimStation, stations)
	add(watch.DimStationNegative, stations)
	add(watch.DimForce, []string{"negative", "neutral", "positive"})
	if err := x("INSERT INTO bench_dv (dim, value, n) VALUES " + strings.Join(dv, ",")); err != nil {
		return 0, err
	}
	e := end.UnixMilli()
	// Hour i of the year (0 = a year ago); posts (600 + 900·(i mod 24)/23)
	// shared evenly among a dimension's values (a third for the narrower
	// two).
	if err := x(`INSERT INTO volume_hourly (dim, value, hour, posts)
		SELECT dv.dim, dv.value, $1 - (8760 - n.i) * 3600000, (600 + 900 * (n.i % 24) / 23) / dv.n / (CASE WHEN dv.dim IN ('station_negative', 'force') THEN 3 ELSE 1 END)
		FROM bench_n n, bench_dv dv WHERE n.i < 8760`, e); err != nil {
		return 0, err
	}
	if err := x(`INSERT INTO volume_daily (dim, day, value, posts)
		SELECT dim, hour - hour % 86400000, value, SUM(posts) FROM volume_hourly GROUP BY dim, hour - hour % 86400000, value`); err != nil {
		return 0, err
	}
	today := e - e%86400000
	// Terms: 10,000 words, 2,000 hashtags and 500 places a day, Zipf-like.
	for _, k := range []struct {
		kind string
		n    int
	}{{watch.TermWord, 10000}, {watch.TermHashtag, 2000}, {watch.TermPlace, 500}} {
		if err := x(`INSERT INTO term_daily (kind, day, term, posts)
			SELECT CAST($1 AS TEXT), $2 - d.i * 86400000, CAST($1 AS TEXT) || '-' || t.i, 1 + 3000 / (t.i + 1) FROM bench_n d, bench_n t WHERE d.i < 90 AND t.i < $3`, k.kind, today, k.n); err != nil {
			return 0, err
		}
	}
	// Cases: one every ~10 s over the year; 5% still open, a quarter of
	// those critical or high; answered 20 minutes after, resolved 6 hours
	// after; 20 agents.
	if err := x(`INSERT INTO users (username, role, created_at, updated_at) SELECT 'bench-agent-' || i, 'agent', $1, $1 FROM bench_n WHERE i < 20`, e); err != nil {
		return 0, err
	}
	if err := x(`CREATE TABLE bench_u (j BIGINT PRIMARY KEY, id BIGINT)`); err != nil {
		return 0, err
	}
	defer db.Write.ExecContext(context.Background(), "DROP TABLE bench_u")
	if err := x(`INSERT INTO bench_u (j, id) SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id FROM units WHERE kind = 'station'`); err != nil {
		return 0, err
	}
	if err := x(`CREATE TABLE bench_a (j BIGINT PRIMARY KEY, id BIGINT)`); err != nil {
		return 0, err
	}
	defer db.Write.ExecContext(context.Background(), "DROP TABLE bench_a")
	if err := x(`INSERT INTO bench_a (j, id) SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id FROM users WHERE username LIKE 'bench-agent-%'`); err != nil {
		return 0, err
	}
	span := int64(365 * 86400000)
	for lo := 0; lo < ncases; lo += 500000 {
		hi := min(ncases, lo+500000)
		if err := x(`INSERT INTO cases (ref, status, priority, urgency, category, platform, thread_key, unit_id, assignee_id, created_at, last_post_at, updated_at,
				first_response_due, resolve_due, first_response_at, resolved_at)
			SELECT 'BENCH-' || k, CASE WHEN k % 20 = 0 THEN 'open' ELSE 'closed' END, 1 + k % 4, k % 100, 'theft', 'x', 'bench:' || k, u.id, a.id,
				c, c, c, c + 900000, c + 86400000, CASE WHEN k % 20 = 0 THEN NULL ELSE c + 1200000 END, CASE WHEN k % 20 = 0 THEN NULL ELSE c + 21600000 END
			FROM (SELECT b.i * 10000 + n.i AS k, CAST($1 AS BIGINT) - CAST($2 AS BIGINT) + (b.i * 10000 + n.i) * (CAST($2 AS BIGINT) / CAST($3 AS BIGINT)) AS c
				FROM bench_n b, bench_n n WHERE b.i * 10000 + n.i >= CAST($4 AS BIGINT) AND b.i * 10000 + n.i < CAST($5 AS BIGINT)) s
			JOIN bench_u u ON u.j = s.k % (SELECT COUNT(*) FROM bench_u) JOIN bench_a a ON a.j = s.k % 20`, e, span, ncases, lo, hi); err != nil {
			return 0, err
		}
	}
	if err := x(`INSERT INTO response_daily (day, unit_id, agent_id, responded, response_ms, response_late, resolved, resolution_ms, resolution_late)
		SELECT first_response_at - first_response_at % 86400000, unit_id, assignee_id, COUNT(*), SUM(first_response_at - created_at),
			SUM(CASE WHEN first_response_at > first_response_due THEN 1 ELSE 0 END), COUNT(*), SUM(resolved_at - created_at), 0
		FROM cases WHERE first_response_at IS NOT NULL GROUP BY first_response_at - first_response_at % 86400000, unit_id, assignee_id
		ON CONFLICT (day, unit_id, agent_id) DO NOTHING`); err != nil {
		return 0, err
	}
	if db.Dialect == store.Postgres {
		for _, t := range []string{"volume_hourly", "volume_daily", "term_daily", "response_daily", "cases"} {
			x("VACUUM ANALYZE " + t)
		}
	} else {
		x("ANALYZE")
	}
	var posts int64
	db.Read.QueryRowContext(ctx, "SELECT SUM(posts) FROM volume_daily WHERE dim = 'all'").Scan(&posts)
	return posts, nil
}

// contention runs workers that each put batches of 50 fresh posts on the
// desk, with or without the rollups in the same transaction, and reports
// posts per second, the 95th percentile transaction and the transactions
// that failed (deadlocks, serialisation).
func contention(ctx context.Context, db *store.DB, workers, n int, rollups bool) (float64, time.Duration, int, error) {
	now := time.Now()
	// Posts for this round, already analysed: the transaction marks them
	// on the desk and (with rollups) counts them.
	var first int64
	db.Read.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM posts").Scan(&first)
	texts := []string{"Chain snatching near Forum mall Koramangala, please help #safety", "Traffic jam at Silk Board again #BengaluruTraffic",
		"ಕೋರಮಂಗಲದಲ್ಲಿ ಸರಗಳ್ಳತನ ನಡೆದಿದೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ", "Thank you Jayanagar police for the quick help"}
	for lo := 0; lo < n; lo += 500 {
		vals := make([]string, 0, 500)
		args := make([]any, 0, 2000)
		for i := lo; i < min(n, lo+500); i++ {
			k := len(args)
			vals = append(vals, fmt.Sprintf("('x', $%d, $%d, $%d, $%d, 1, 'en', 'negative', 'theft', 'Koramangala PS', 'mention')", k+1, k+2, k+3, k+4))
			args = append(args, fmt.Sprintf("bench-%d-%d", first, i), texts[i%len(texts)]+fmt.Sprint(" ", i), now.UnixMilli()-int64(i%600)*1000, now.UnixMilli())
		}
		if _, err := db.Write.ExecContext(ctx, `INSERT INTO posts (platform, external_id, text, created_at, received_at, stage, lang, sentiment, category, station, kind) VALUES `+
			strings.Join(vals, ","), args...); err != nil {
			return 0, 0, 0, err
		}
	}
	ids := make(chan []int64, n/50+1)
	rows, err := db.Read.QueryContext(ctx, "SELECT id FROM posts WHERE id > $1 ORDER BY id", first)
	if err != nil {
		return 0, 0, 0, err
	}
	var batch []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		if batch = append(batch, id); len(batch) == 50 {
			ids <- batch
			batch = nil
		}
	}
	rows.Close()
	if batch != nil {
		ids <- batch
	}
	close(ids)
	var mu sync.Mutex
	var lat []time.Duration
	failed := 0
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range ids {
				t := time.Now()
				err := db.BackgroundTx(ctx, func(tx *sql.Tx) error {
					ph := make([]string, len(b))
					args := make([]any, len(b))
					for i, id := range b {
						ph[i], args[i] = fmt.Sprintf("$%d", i+1), id
					}
					if _, err := tx.ExecContext(ctx, "UPDATE posts SET stage = 2 WHERE id IN ("+strings.Join(ph, ",")+")", args...); err != nil {
						return err
					}
					if rollups {
						return watch.Rollup{}.Listen(ctx, tx, b)
					}
					return nil
				})
				mu.Lock()
				lat = append(lat, time.Since(t))
				if err != nil {
					failed++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	slices.Sort(lat)
	return float64(n) / el.Seconds(), lat[min(len(lat)-1, len(lat)*95/100)], failed, nil
}
