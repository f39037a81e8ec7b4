package publish

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// FeedItem is a published advisory as the public sees it: no author, no
// accounts, only the words and when.
type FeedItem struct {
	ID        int64
	Kind      Kind
	Title     string
	Texts     map[string]string
	Published time.Time
	Updated   time.Time
}

// Feed is a station's (or the whole force's) public advisories.
type Feed struct {
	Station   string // "" for the force
	StationKn string
	Items     []FeedItem
}

// MaxFeedItems is how many advisories a feed carries.
const MaxFeedItems = 50

// StationFeed returns the public advisories targeted at the station whose
// code ends in slug ("jayanagar" for blr/ps/jayanagar); "" is every public
// advisory of the force. Only approved publications whose time has come
// are in it; a cancelled one leaves it.
func (s *Service) StationFeed(ctx context.Context, slug string) (Feed, error) {
	var f Feed
	where, args := "", []any{store.Millis(s.now())}
	if slug != "" {
		if strings.ContainsAny(slug, "/%_") || len(slug) > 100 {
			return f, fmt.Errorf("station: %w", ErrNotFound)
		}
		var id int64
		err := s.db.Read.QueryRowContext(ctx, `SELECT id, name, name_kn FROM units WHERE kind = 'station' AND (code = $1 OR code LIKE $2) ORDER BY id LIMIT 1`,
			slug, "%/"+slug).Scan(&id, &f.Station, &f.StationKn)
		if errors.Is(err, sql.ErrNoRows) {
			return f, fmt.Errorf("station %q: %w", slug, ErrNotFound)
		}
		if err != nil {
			return f, err
		}
		where = ` AND id IN (SELECT publication_id FROM publication_targets WHERE unit_id = $2)`
		args = append(args, id)
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, kind, title, COALESCE(scheduled_at, released_at), updated_at FROM publications
		WHERE state = 'approved' AND public = 1 AND COALESCE(scheduled_at, released_at) <= $1`+where+`
		ORDER BY COALESCE(scheduled_at, released_at) DESC, id DESC LIMIT `+fmt.Sprint(MaxFeedItems), args...)
	if err != nil {
		return f, fmt.Errorf("publish: unable to read the feed: %w", err)
	}
	for rows.Next() {
		var it FeedItem
		var kind string
		var pub, upd int64
		if err := rows.Scan(&it.ID, &kind, &it.Title, &pub, &upd); err != nil {
			rows.Close()
			return f, err
		}
		it.Kind, it.Published, it.Updated = Kind(kind), store.Time(pub), store.Time(max(pub, upd))
		f.Items = append(f.Items, it)
	}
	rows.Close()
	for i := range f.Items {
		f.Items[i].Texts = map[string]string{}
		trows, err := s.db.Read.QueryContext(ctx, `SELECT lang, text FROM publication_texts WHERE publication_id = $1`, f.Items[i].ID)
		if err != nil {
			return f, err
		}
		for trows.Next() {
			var l, t string
			if err := trows.Scan(&l, &t); err != nil {
				trows.Close()
				return f, err
			}
			f.Items[i].Texts[l] = t
		}
		trows.Close()
	}
	return f, nil
}
