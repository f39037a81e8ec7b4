package query

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// HistoryFilter bounds a search of stored posts.
type HistoryFilter struct {
	Since, Until time.Time // created_at window; zero: unbounded
	BeforeID     int64     // page backwards: posts with id < BeforeID
	Limit        int       // matches wanted: default 50, at most 500
	// MaxScan bounds the rows the matcher reads after SQL has narrowed
	// them (default 20,000): a query SQL cannot narrow (near: alone)
	// answers in bounded time, saying where it stopped.
	MaxScan int
}

// HistoryPage is one page of matches, newest first.
type HistoryPage struct {
	Posts []post.Post `json:"posts"`
	// NextBeforeID continues the search (0: nothing older is left).
	NextBeforeID int64 `json:"next_before_id,omitempty"`
	// Scanned is how many rows SQL returned for the matcher to check.
	Scanned int `json:"scanned"`
	// Truncated: MaxScan stopped the scan before Limit matches were found.
	Truncated bool `json:"truncated"`
}

// The columns a post is matched on, read the same way by the history
// filter and the live listener so that both judge the same post alike.
const matchCols = `p.id, p.platform, p.external_id, p.kind, p.channel, p.thread_id, p.author_external_id, p.author_handle,
	p.author_name, p.text, p.url, p.private, p.created_at, p.received_at, COALESCE(p.case_id, 0),
	p.lang, p.sentiment, p.category, p.station, p.traffic_station, p.urgency, p.emergency`

// scanMatchRow reads matchCols (and the analysis JSON when withAnalysis)
// into a post whose Analysis holds what matching reads: the filter
// columns intake wrote, and the places of the stored analysis.
func scanMatchRow(r interface{ Scan(...any) error }, withAnalysis bool) (post.Post, error) {
	var p post.Post
	var priv, emergency, urgency int
	var created, received int64
	var lang, sentiment, category, station, traffic string
	var analysis sql.NullString
	dst := []any{&p.ID, &p.Platform, &p.ExternalID, &p.Kind, &p.Channel, &p.ThreadID, &p.Author.ExternalID, &p.Author.Handle,
		&p.Author.Name, &p.Text, &p.URL, &priv, &created, &received, &p.CaseID,
		&lang, &sentiment, &category, &station, &traffic, &urgency, &emergency}
	if withAnalysis {
		dst = append(dst, &analysis)
	}
	if err := r.Scan(dst...); err != nil {
		return p, err
	}
	p.Private = priv != 0
	p.CreatedAt, p.ReceivedAt = store.Time(created), store.Time(received)
	a := &post.Analysis{Lang: lang, Sentiment: post.Sentiment{Label: sentiment}, Urgency: urgency,
		Emergency: post.Flag{Label: emergency != 0}}
	if category != "" {
		a.Categories = []post.Category{{Name: category, Score: 1}}
	}
	if station != "" {
		a.Station = &station
	}
	if traffic != "" {
		a.TrafficStation = &traffic
	}
	if analysis.Valid && analysis.String != "" {
		var full struct {
			Places []post.Place `json:"places"`
		}
		if json.Unmarshal([]byte(analysis.String), &full) == nil {
			a.Places = full.Places
		}
	}
	p.Analysis = a
	return p, nil
}

// History returns stored posts matching q, newest first: SQL narrows by
// the fields and the full-text index, then the matcher is the exact final
// check (phrases, NEAR, variants, places), so the history and the live
// listener agree on every post.
func History(ctx context.Context, db *store.DB, q *Query, f HistoryFilter) (HistoryPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	maxScan := f.MaxScan
	if maxScan <= 0 {
		maxScan = 20000
	}
	set := Compile([]int64{1}, []*Query{q})
	places := set.UsesPlaces()
	page := HistoryPage{Posts: []post.Post{}}
	before := f.BeforeID
	const batch = 500
	for {
		rows, err := historyRows(ctx, db, q, f, before, batch, places)
		if err != nil {
			return page, err
		}
		n, last := 0, int64(0)
		var hit []int64
		for rows.Next() {
			p, err := scanMatchRow(rows, places)
			if err != nil {
				rows.Close()
				return page, fmt.Errorf("query: unable to read post: %w", err)
			}
			n++
			last = p.ID
			page.Scanned++
			d := NewDoc(&p)
			hit = set.Match(d, hit[:0])
			d.Release()
			if len(hit) > 0 {
				if !places {
					p.Analysis.Places = nil
				}
				page.Posts = append(page.Posts, p)
				if len(page.Posts) == limit {
					break
				}
			}
			if page.Scanned >= maxScan {
				break
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return page, fmt.Errorf("query: unable to search history: %w", err)
		}
		switch {
		case len(page.Posts) == limit:
			page.NextBeforeID = last
			return page, nil
		case page.Scanned >= maxScan:
			page.NextBeforeID, page.Truncated = last, true
			return page, nil
		case n < batch:
			return page, nil // nothing older
		}
		before = last
	}
}

func historyRows(ctx context.Context, db *store.DB, q *Query, f HistoryFilter, before int64, n int, places bool) (*sql.Rows, error) {
	var conds []string
	var args []any
	add := func(c string, a ...any) {
		conds = append(conds, numberArgs(c, len(args)+1))
		args = append(args, a...)
	}
	if !f.Since.IsZero() {
		add("p.created_at >= ?", store.Millis(f.Since))
	}
	if !f.Until.IsZero() {
		add("p.created_at < ?", store.Millis(f.Until))
	}
	if before > 0 {
		add("p.id < ?", before)
	}
	// A post its author deleted is out of the search index and out of
	// history, as in the desk's search (its recorded matches stay).
	conds = append(conds, "p.deleted_at IS NULL")
	// What its author deleted is out of every search (ingest.Apply).
	add("p.deleted_at IS NULL")
	if c, a := (sqlBuilder{db.Dialect}).where(q, len(args)+1); c != "" {
		conds = append(conds, c)
		args = append(args, a...)
	}
	cols := matchCols
	if places {
		cols += ", p.analysis"
	}
	s := "SELECT " + cols + " FROM posts p"
	for i, c := range conds {
		if i == 0 {
			s += " WHERE " + c
		} else {
			s += " AND " + c
		}
	}
	s += " ORDER BY p.id DESC LIMIT " + strconv.Itoa(n)
	rows, err := db.Read.QueryContext(ctx, s, args...)
	if err != nil {
		return nil, fmt.Errorf("query: unable to search history: %w", err)
	}
	return rows, nil
}

// Count counts the posts created in [since, until) that match q, reading
// at most maxScan candidate rows; exact is false when it stopped there.
func Count(ctx context.Context, db *store.DB, q *Query, since, until time.Time, maxScan int) (n int, exact bool, err error) {
	f := HistoryFilter{Since: since, Until: until, Limit: 500, MaxScan: maxScan}
	scanned := 0
	for {
		f.MaxScan = maxScan - scanned
		if f.MaxScan <= 0 {
			return n, false, nil
		}
		page, err := History(ctx, db, q, f)
		if err != nil {
			return n, false, err
		}
		n += len(page.Posts)
		scanned += page.Scanned
		if page.NextBeforeID == 0 {
			return n, true, nil
		}
		f.BeforeID = page.NextBeforeID
	}
}
