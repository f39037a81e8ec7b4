// Package watch is the watch floor's view of the stream: hourly volume
// rollups kept as posts reach the desk, the volume-over-time series the
// dashboards read, and a volume spike detector per listening query
// against a seasonal (hour of day, day of week) baseline.
package watch

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/privacy"
)

// Dimensions of the volume rollups. DimAll has the one value "".
const (
	DimAll       = "all"
	DimPlatform  = "platform"
	DimCategory  = "category"
	DimSentiment = "sentiment"
	DimLang      = "lang"
	DimStation   = "station"
)

// Dims lists the dimensions a series may be broken down by.
var Dims = []string{DimAll, DimPlatform, DimCategory, DimSentiment, DimLang, DimStation}

// Narrower rollups the dashboards read, kept in the same tables:
// DimStationNegative counts a station's negative posts (the map's
// negative share), DimForce the posts addressed to the force (mentions,
// replies, comments, messages, forms; not posts found by listening) by
// sentiment (the reputation index).
const (
	DimStationNegative = "station_negative"
	DimForce           = "force"
)

// addressed reports whether a post of this kind speaks to the force
// rather than about the world: what the reputation index is made of.
func addressed(kind string) bool {
	switch kind {
	case post.KindMention, post.KindComment, post.KindReply, post.KindDirectMessage, post.KindForm:
		return true
	}
	return false
}

const hourMs = 3600000

// Rollup counts posts per hour and dimension value. It is a pipeline
// listener: it runs in the transaction that puts the posts on the desk,
// which claims each post once, so every post is counted exactly once.
type Rollup struct{}

type key struct {
	dim, value string
	hour       int64
}

// Listen adds the posts ids to the hourly rollups inside tx.
func (Rollup) Listen(ctx context.Context, tx *sql.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = id
	}
	rows, err := tx.QueryContext(ctx, "SELECT created_at, platform, category, sentiment, lang, station, kind, private, text, COALESCE(analysis, '') FROM posts WHERE id IN ("+
		strings.Join(ph, ",")+")", args...)
	if err != nil {
		return fmt.Errorf("watch: unable to read posts to count: %w", err)
	}
	counts := map[key]int64{}
	termCounts := map[key]int64{}
	for rows.Next() {
		var created int64
		var platform, category, sentiment, lang, station, kind, text, analysis string
		var private bool
		if err := rows.Scan(&created, &platform, &category, &sentiment, &lang, &station, &kind, &private, &text, &analysis); err != nil {
			rows.Close()
			return fmt.Errorf("watch: unable to read posts to count: %w", err)
		}
		h := created - created%hourMs
		counts[key{DimAll, "", h}]++
		counts[key{DimPlatform, platform, h}]++
		counts[key{DimCategory, category, h}]++
		counts[key{DimSentiment, sentiment, h}]++
		counts[key{DimLang, lang, h}]++
		counts[key{DimStation, station, h}]++
		if sentiment == "negative" {
			counts[key{DimStationNegative, station, h}]++
		}
		if addressed(kind) {
			counts[key{DimForce, sentiment, h}]++
		}
		if privacy.Private(platform, private) {
			// A private conversation's words stay out of the term
			// dashboards: a rare word there (a name the redaction
			// missed, a matter) would tell analysts what a citizen
			// wrote in confidence. Its counts above are only numbers.
			continue
		}
		var a *post.Analysis
		if analysis != "" {
			a = &post.Analysis{}
			if json.Unmarshal([]byte(analysis), a) != nil {
				a = nil
			}
		}
		d := created - created%dayMs
		for t := range terms(text, a) {
			termCounts[key{t[0], t[1], d}]++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("watch: unable to read posts to count: %w", err)
	}
	// In key order, so concurrent pipelines (PostgreSQL replicas) lock
	// the shared rows in the same order and never deadlock.
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	if err := upsert(ctx, tx, "volume_hourly", "hour", keys, counts, hourMs); err != nil {
		return err
	}
	if err := upsert(ctx, tx, "volume_daily", "day", keys, counts, dayMs); err != nil {
		return err
	}
	// Terms: key.dim is the kind, key.value the term, key.hour the day.
	tkeys := make([]key, 0, len(termCounts))
	for k := range termCounts {
		tkeys = append(tkeys, k)
	}
	slices.SortFunc(tkeys, compareKeys)
	return upsertTerms(ctx, tx, tkeys, termCounts)
}

// upsertTerms adds the terms' counts in key order (see upsert).
func upsertTerms(ctx context.Context, tx *sql.Tx, keys []key, counts map[key]int64) error {
	for lo := 0; lo < len(keys); lo += 1000 {
		chunk := keys[lo:min(lo+1000, len(keys))]
		vals := make([]string, len(chunk))
		args := make([]any, 0, 4*len(chunk))
		for i, k := range chunk {
			vals[i] = fmt.Sprintf("($%d, $%d, $%d, $%d)", 4*i+1, 4*i+2, 4*i+3, 4*i+4)
			args = append(args, k.dim, k.hour, k.value, counts[k])
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO term_daily (kind, day, term, posts) VALUES `+strings.Join(vals, ", ")+`
			ON CONFLICT (kind, day, term) DO UPDATE SET posts = term_daily.posts + excluded.posts`, args...); err != nil {
			return fmt.Errorf("watch: unable to update term rollups: %w", err)
		}
	}
	return nil
}

const dayMs = 24 * hourMs

func compareKeys(a, b key) int {
	return cmp.Or(strings.Compare(a.dim, b.dim), cmp.Compare(a.hour, b.hour), strings.Compare(a.value, b.value))
}

// upsert adds counts to table with hours truncated to period, one row
// per key, in key order (so concurrent pipelines lock rows alike).
func upsert(ctx context.Context, tx *sql.Tx, table, col string, keys []key, counts map[key]int64, period int64) error {
	type row struct {
		k key
		n int64
	}
	merged := map[key]int64{}
	var rows []row
	for _, k := range keys {
		t := k
		t.hour -= t.hour % period
		if _, ok := merged[t]; !ok {
			rows = append(rows, row{k: t})
		}
		merged[t] += counts[k]
	}
	slices.SortFunc(rows, func(a, b row) int { return compareKeys(a.k, b.k) })
	for i := range rows {
		rows[i].n = merged[rows[i].k]
	}
	for lo := 0; lo < len(rows); lo += 1000 {
		chunk := rows[lo:min(lo+1000, len(rows))]
		vals := make([]string, len(chunk))
		args := make([]any, 0, 4*len(chunk))
		for i, r := range chunk {
			vals[i] = fmt.Sprintf("($%d, $%d, $%d, $%d)", 4*i+1, 4*i+2, 4*i+3, 4*i+4)
			args = append(args, r.k.dim, r.k.value, r.k.hour, r.n)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (dim, value, `+col+`, posts) VALUES `+strings.Join(vals, ", ")+`
			ON CONFLICT (dim, `+col+`, value) DO UPDATE SET posts = `+table+`.posts + excluded.posts`, args...); err != nil {
			return fmt.Errorf("watch: unable to update volume rollups: %w", err)
		}
	}
	return nil
}
