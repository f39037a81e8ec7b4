package rumour

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// Cluster is a stored rumour cluster.
type Cluster struct {
	ID      int64     `json:"id"`
	Station string    `json:"station"` // the station most of its posts are placed in, "" when none names one
	Langs   []string  `json:"langs"`   // its posts' languages, most used first
	Posts   int       `json:"posts"`
	Authors int       `json:"authors"` // distinct accounts
	Cues    []string  `json:"cues"`    // the misinformation cues its posts carry (ids of cues.json)
	Score   float64   `json:"score"`   // the highest growth score it reached
	FirstAt time.Time `json:"first_at"`
	LastAt  time.Time `json:"last_at"`
	FoundAt time.Time `json:"found_at"`
}

// Post is one post of a cluster, as a crisis room needs it to answer it:
// the desk reads the rest through its own, privacy-aware, paths.
type Post struct {
	PostID   int64     `json:"post_id"`
	Platform string    `json:"platform"`
	Kind     string    `json:"kind"`
	Lang     string    `json:"lang"`
	Station  string    `json:"station"`
	CaseID   int64     `json:"case_id,omitempty"`
	At       time.Time `json:"at"`
	Cues     []string  `json:"cues"`
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// Get returns one cluster (store.ErrNotFound when there is none).
func Get(ctx context.Context, db *store.DB, id int64) (Cluster, error) {
	var c Cluster
	var langs, cues string
	var first, last, found int64
	err := db.Read.QueryRowContext(ctx, `SELECT id, station, langs, posts, authors, cues, score, first_at, last_at, found_at
		FROM rumour_clusters WHERE id = $1`, id).Scan(&c.ID, &c.Station, &langs, &c.Posts, &c.Authors, &cues, &c.Score, &first, &last, &found)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("rumour: unable to read cluster: %w", err)
	}
	c.Langs, c.Cues = split(langs), split(cues)
	c.FirstAt, c.LastAt, c.FoundAt = store.Time(first), store.Time(last), store.Time(found)
	return c, nil
}

// ClusterPosts returns every post of cluster id, oldest first: the ones the
// detector put in it when it alerted and those that joined it since.
// store.ErrNotFound when there is no such cluster.
func ClusterPosts(ctx context.Context, db *store.DB, id int64) ([]Post, error) {
	if _, err := Get(ctx, db, id); err != nil {
		return nil, err
	}
	rows, err := db.Read.QueryContext(ctx, `SELECT p.id, p.platform, p.kind, p.lang, p.station, COALESCE(p.case_id, 0), r.at, r.cues
		FROM rumour_posts r JOIN posts p ON p.id = r.post_id WHERE r.cluster_id = $1 ORDER BY r.at, p.id`, id)
	if err != nil {
		return nil, fmt.Errorf("rumour: unable to read cluster posts: %w", err)
	}
	defer rows.Close()
	out := []Post{}
	for rows.Next() {
		var p Post
		var at int64
		var cues string
		if err := rows.Scan(&p.PostID, &p.Platform, &p.Kind, &p.Lang, &p.Station, &p.CaseID, &at, &cues); err != nil {
			return nil, fmt.Errorf("rumour: unable to read cluster posts: %w", err)
		}
		p.At, p.Cues = store.Time(at), split(cues)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Recent lists the clusters with a post since since, the latest first (at
// most limit, default 50).
func Recent(ctx context.Context, db *store.DB, since time.Time, limit int) ([]Cluster, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := db.Read.QueryContext(ctx, `SELECT id FROM rumour_clusters WHERE last_at >= $1 ORDER BY last_at DESC, id DESC LIMIT $2`,
		store.Millis(since), limit)
	if err != nil {
		return nil, fmt.Errorf("rumour: unable to list clusters: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("rumour: unable to list clusters: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []Cluster{}
	for _, id := range ids {
		c, err := Get(ctx, db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func postIDs(ctx context.Context, db *store.DB, id int64) ([]int64, error) {
	rows, err := db.Read.QueryContext(ctx, `SELECT post_id FROM rumour_posts WHERE cluster_id = $1 ORDER BY at, post_id`, id)
	if err != nil {
		return nil, fmt.Errorf("rumour: unable to read cluster posts: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// refresh recomputes a cluster's summary from its posts, in tx.
func refresh(ctx context.Context, tx *sql.Tx, id int64, score float64) error {
	rows, err := tx.QueryContext(ctx, `SELECT p.lang, p.station, p.platform, p.author_external_id, p.id, r.at, r.cues
		FROM rumour_posts r JOIN posts p ON p.id = r.post_id WHERE r.cluster_id = $1`, id)
	if err != nil {
		return fmt.Errorf("rumour: unable to read cluster posts: %w", err)
	}
	langs, stations, authors, cues := map[string]int{}, map[string]int{}, map[string]bool{}, map[string]bool{}
	var n int
	var first, last int64
	for rows.Next() {
		var lang, station, platform, author, cs string
		var pid, at int64
		if err := rows.Scan(&lang, &station, &platform, &author, &pid, &at, &cs); err != nil {
			rows.Close()
			return fmt.Errorf("rumour: unable to read cluster posts: %w", err)
		}
		n++
		if lang != "" {
			langs[lang]++
		}
		if station != "" {
			stations[station]++
		}
		if author == "" {
			author = fmt.Sprint("post:", pid)
		}
		authors[platform+":"+author] = true
		for _, c := range split(cs) {
			cues[c] = true
		}
		if first == 0 || at < first {
			first = at
		}
		last = max(last, at)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rumour: unable to read cluster posts: %w", err)
	}
	ls := slices.Collect(maps.Keys(langs))
	slices.SortFunc(ls, func(a, b string) int { return cmp.Or(cmp.Compare(langs[b], langs[a]), cmp.Compare(a, b)) })
	// The station stays the one it was found about unless none was known.
	_, err = tx.ExecContext(ctx, `UPDATE rumour_clusters SET station = CASE WHEN station = '' THEN $2 ELSE station END, langs = $3, posts = $4,
		authors = $5, cues = $6, score = CASE WHEN score > $7 THEN score ELSE $7 END, first_at = $8, last_at = $9 WHERE id = $1`,
		id, top(stations), strings.Join(ls, ","), n, len(authors), strings.Join(slices.Sorted(maps.Keys(cues)), ","), score, first, last)
	if err != nil {
		return fmt.Errorf("rumour: unable to update a cluster: %w", err)
	}
	return nil
}
