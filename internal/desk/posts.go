package desk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// PostFilter selects posts. Zero fields do not filter.
type PostFilter struct {
	Q         string
	Platform  string
	Lang      string
	Sentiment string
	Category  string
	Station   string
	Emergency *bool
	CaseID    int64
	Since     int64 // Unix ms, created_at >=
	Until     int64 // Unix ms, created_at <
	BeforeID  int64 // keyset: posts with id < BeforeID
	Limit     int   // default 50, at most 500
}

const postCols = `p.id, p.platform, p.external_id, p.kind, p.channel, p.thread_id, p.in_reply_to, p.author_external_id,
	p.author_handle, p.author_name, p.author_location, p.text, p.declared_lang, p.url, p.lat, p.lon, p.private,
	p.created_at, p.received_at, COALESCE(p.analysis, ''), COALESCE(p.case_id, 0), COALESCE(p.channel_id, 0),
	p.edited_at, p.deleted_at`

// scanPost reads postCols, then any extra columns into extra.
func scanPost(r interface{ Scan(...any) error }, extra ...any) (post.Post, error) {
	var p post.Post
	var lat, lon sql.NullFloat64
	var priv int
	var created, received int64
	var analysis string
	var edited, deleted sql.NullInt64
	err := r.Scan(append([]any{&p.ID, &p.Platform, &p.ExternalID, &p.Kind, &p.Channel, &p.ThreadID, &p.InReplyTo, &p.Author.ExternalID,
		&p.Author.Handle, &p.Author.Name, &p.Author.Location, &p.Text, &p.Lang, &p.URL, &lat, &lon, &priv,
		&created, &received, &analysis, &p.CaseID, &p.ChannelID, &edited, &deleted}, extra...)...)
	if err != nil {
		return p, err
	}
	if edited.Valid {
		t := store.Time(edited.Int64)
		p.EditedAt = &t
	}
	if deleted.Valid {
		t := store.Time(deleted.Int64)
		p.DeletedAt = &t
	}
	if lat.Valid && lon.Valid {
		p.Lat, p.Lon = &lat.Float64, &lon.Float64
	}
	p.Private = priv != 0
	p.CreatedAt, p.ReceivedAt = store.Time(created), store.Time(received)
	if analysis != "" {
		var a post.Analysis
		if json.Unmarshal([]byte(analysis), &a) == nil {
			p.Analysis = &a
		}
	}
	return p, nil
}

// searchTerms splits a query into index terms exactly as the index was
// built (textnorm.Fold, then letters, digits and marks), so Kannada words
// keep their vowel signs and no query character reaches the FTS syntax.
func searchTerms(q string) []string {
	f := textnorm.Fold(q)
	terms := strings.FieldsFunc(f, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || unicode.Is(unicode.Co, r))
	})
	if len(terms) > 16 {
		terms = terms[:16]
	}
	return terms
}

// matchPosts returns a condition over posts p matching every term of q as
// a prefix (Kannada is agglutinative: ಕೋರಮಂಗಲ must find ಕೋರಮಂಗಲದಲ್ಲಿ).
// ok is false when the query has no searchable term.
func (d *Desk) matchPosts(q string) (cond string, args []any, ok bool) {
	terms := searchTerms(q)
	if len(terms) == 0 {
		return "", nil, false
	}
	if d.db.Dialect == store.Postgres {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = "'" + strings.ReplaceAll(t, "'", "''") + "':*"
		}
		return "p.search @@ to_tsquery('simple', ?)", []any{strings.Join(parts, " & ")}, true
	}
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"*`
	}
	return "p.id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)", []any{strings.Join(parts, " AND ")}, true
}

// ListPosts returns posts newest first. A restricted scope sees only posts
// of cases routed to its unit.
func (d *Desk) ListPosts(ctx context.Context, f PostFilter, sc Scope) ([]post.Post, error) {
	w := &where{}
	if sc.Restricted {
		w.add("p.case_id IN (SELECT id FROM cases WHERE unit_id IN "+subtree+")", sc.UnitID)
	}
	if f.Q != "" {
		cond, args, ok := d.matchPosts(f.Q)
		if !ok {
			return []post.Post{}, nil
		}
		w.add(cond, args...)
		// A post its author deleted is out of the search index; this
		// also covers one indexed after the deletion was recorded.
		w.add("p.deleted_at IS NULL")
	}
	for _, c := range []struct {
		col, v string
	}{{"p.platform", f.Platform}, {"p.lang", f.Lang}, {"p.sentiment", f.Sentiment}, {"p.category", f.Category}, {"p.station", f.Station}} {
		if c.v != "" {
			w.add(c.col+" = ?", c.v)
		}
	}
	if f.Emergency != nil {
		w.add("p.emergency = ?", store.Bool(*f.Emergency))
	}
	if f.CaseID != 0 {
		w.add("p.case_id = ?", f.CaseID)
	}
	if f.Since != 0 {
		w.add("p.created_at >= ?", f.Since)
	}
	if f.Until != 0 {
		w.add("p.created_at < ?", f.Until)
	}
	if f.BeforeID != 0 {
		w.add("p.id < ?", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 500 {
		limit = 500
	}
	order := " ORDER BY p.id DESC"
	if f.CaseID != 0 {
		order = " ORDER BY p.created_at, p.id"
	}
	rows, err := d.db.Read.QueryContext(ctx, "SELECT "+postCols+" FROM posts p"+w.sql()+order+" LIMIT "+strconv.Itoa(limit), w.args...)
	if err != nil {
		return nil, fmt.Errorf("desk: unable to list posts: %w", err)
	}
	defer rows.Close()
	out := []post.Post{}
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, fmt.Errorf("desk: unable to read post: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// GetPost returns one post with its raw payload.
func (d *Desk) GetPost(ctx context.Context, id int64, sc Scope) (post.Post, json.RawMessage, error) {
	w := &where{}
	w.add("p.id = ?", id)
	if sc.Restricted {
		w.add("p.case_id IN (SELECT id FROM cases WHERE unit_id IN "+subtree+")", sc.UnitID)
	}
	q, args := "SELECT "+postCols+", p.raw FROM posts p"+w.sql(), w.args
	var raw string
	p, err := scanPost(d.db.Read.QueryRowContext(ctx, q, args...), &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil, store.ErrNotFound
	}
	if err != nil {
		return p, nil, fmt.Errorf("desk: unable to get post: %w", err)
	}
	if raw != "" {
		p.Raw = json.RawMessage(raw)
	}
	return p, p.Raw, nil
}
