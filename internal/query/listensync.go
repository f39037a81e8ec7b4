package query

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// ListenQuery is an approved query as connectors listen for it: each
// asks it for its own platform's form (Query.ListenForm).
type ListenQuery struct {
	ID, Revision int64
	Name         string
	Query        *Query
}

// ListeningQueries returns the approved queries, for the connectors that
// listen on platforms. A stored query that no longer parses is left out
// (the Listener logs it).
func (s *Store) ListeningQueries(ctx context.Context) ([]ListenQuery, error) {
	ls, err := s.active(ctx, s.db.Read)
	if err != nil {
		return nil, err
	}
	out := make([]ListenQuery, 0, len(ls))
	for _, l := range ls {
		q, err := s.parse(l.query)
		if err != nil {
			continue
		}
		out = append(out, ListenQuery{ID: l.id, Revision: l.revision, Query: q})
	}
	return out, nil
}

// States of listening on a platform, per query and channel.
const (
	ListenExact        = "exact"        // the platform is asked exactly the query's words
	ListenWidened      = "widened"      // asked for more; the desk's matcher filters
	ListenPartial      = "partial"      // some forms the desk matches are not asked for (word*, inflected Kannada)
	ListenUnsearchable = "unsearchable" // nothing to search for (analysed fields only), or too long
	ListenNever        = "never"        // the query names other platforms
	ListenUnsupported  = "unsupported"  // this channel does not listen (e.g. an X channel without the stream)
	ListenError        = "error"        // the platform refused; Error says why
)

// Reasons a platform finds fewer posts than the desk would match
// (ListenPartial), reported beside the Widen* codes.
const (
	ReasonWholeWords  = "whole_words"  // platforms match whole words: word* and inflected Kannada forms are missed
	ReasonIndexedOnly = "indexed_only" // the platform's search only finds posts it indexed (Mastodon full-text search)
)

// ListenReport is a connector's state for one query.
type ListenReport struct {
	QueryID, Revision int64
	State             string
	Form              []string // the platform's form: one line per rule or search
	Reasons           []string // Widen* codes
	Error             string   // the platform's refusal, "" on success
}

// ReportListening records a channel's whole listening state after a
// sync: one report per approved query it considered. Rows of queries not
// reported (retired since) are removed. A report with an Error keeps the
// time of the last successful sync.
func (s *Store) ReportListening(ctx context.Context, channelID int64, platform string, reports []ListenReport) error {
	now := store.Millis(s.now())
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		keep := make([]any, 0, len(reports)+1)
		keep = append(keep, channelID)
		ph := make([]string, 0, len(reports))
		for _, r := range reports {
			var synced sql.NullInt64
			if r.Error == "" {
				synced = sql.NullInt64{Int64: now, Valid: true}
			}
			// A query retired (or deleted) between the connector's read and
			// this report is skipped by the join, not refused.
			if _, err := tx.ExecContext(ctx, `INSERT INTO listening_sync (query_id, channel_id, platform, revision, state, form, reasons, error, synced_at, checked_at)
				SELECT id, CAST($2 AS BIGINT), $3, CAST($4 AS BIGINT), $5, $6, $7, $8, CAST($9 AS BIGINT), CAST($10 AS BIGINT) FROM listening_queries WHERE id = $1
				ON CONFLICT (query_id, channel_id) DO UPDATE SET platform = excluded.platform, revision = excluded.revision,
					state = excluded.state, form = excluded.form, reasons = excluded.reasons, error = excluded.error,
					synced_at = COALESCE(excluded.synced_at, listening_sync.synced_at), checked_at = excluded.checked_at`,
				r.QueryID, channelID, platform, r.Revision, r.State, strings.Join(r.Form, "\n"), strings.Join(r.Reasons, ","),
				clip(r.Error, 2000), synced, now); err != nil {
				return fmt.Errorf("query: unable to record listening state: %w", err)
			}
			keep = append(keep, r.QueryID)
			ph = append(ph, fmt.Sprintf("$%d", len(keep)))
		}
		q := "DELETE FROM listening_sync WHERE channel_id = $1"
		if len(ph) > 0 {
			q += " AND query_id NOT IN (" + strings.Join(ph, ",") + ")"
		}
		if _, err := tx.ExecContext(ctx, q, keep...); err != nil {
			return fmt.Errorf("query: unable to record listening state: %w", err)
		}
		return nil
	})
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// ListenState is how one channel listens for a query, for the query pages.
type ListenState struct {
	QueryID   int64     `json:"query_id"`
	ChannelID int64     `json:"channel_id"`
	Channel   string    `json:"channel"`
	Platform  string    `json:"platform"`
	Revision  int64     `json:"revision"`
	State     string    `json:"state"`
	Form      []string  `json:"form,omitempty"`
	Reasons   []string  `json:"reasons,omitempty"`
	Error     string    `json:"error,omitempty"`
	SyncedAt  time.Time `json:"synced_at,omitzero"`
	CheckedAt time.Time `json:"checked_at"`
}

// ListeningStates returns the listening state of the queries ids (all
// when ids is empty), by query id, channels in name order.
func (s *Store) ListeningStates(ctx context.Context, ids ...int64) (map[int64][]ListenState, error) {
	q := `SELECT l.query_id, l.channel_id, COALESCE(c.name, ''), l.platform, l.revision, l.state, l.form, l.reasons, l.error, l.synced_at, l.checked_at
		FROM listening_sync l LEFT JOIN channels c ON c.id = l.channel_id`
	args := make([]any, len(ids))
	if len(ids) > 0 {
		ph := make([]string, len(ids))
		for i, id := range ids {
			ph[i], args[i] = fmt.Sprintf("$%d", i+1), id
		}
		q += " WHERE l.query_id IN (" + strings.Join(ph, ",") + ")"
	}
	rows, err := s.db.Read.QueryContext(ctx, q+" ORDER BY l.query_id, c.name, l.channel_id", args...)
	if err != nil {
		return nil, fmt.Errorf("query: unable to read listening state: %w", err)
	}
	defer rows.Close()
	out := map[int64][]ListenState{}
	for rows.Next() {
		var st ListenState
		var form, reasons string
		var synced sql.NullInt64
		var checked int64
		if err := rows.Scan(&st.QueryID, &st.ChannelID, &st.Channel, &st.Platform, &st.Revision, &st.State, &form, &reasons,
			&st.Error, &synced, &checked); err != nil {
			return nil, fmt.Errorf("query: unable to read listening state: %w", err)
		}
		if form != "" {
			st.Form = strings.Split(form, "\n")
		}
		if reasons != "" {
			st.Reasons = strings.Split(reasons, ",")
		}
		st.SyncedAt, st.CheckedAt = store.NullTime(synced), store.Time(checked)
		out[st.QueryID] = append(out[st.QueryID], st)
	}
	return out, rows.Err()
}
