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
	// CampaignID groups it under a campaign on the public home (0: none).
	CampaignID int64
}

// FeedCampaign is a campaign as the public sees it: its name, goal and
// dates, shown above its posts.
type FeedCampaign struct {
	ID               int64
	Name, Goal       string
	StartsAt, EndsAt time.Time
}

// Feed is a station's (or the whole force's) public advisories.
type Feed struct {
	Station   string // "" for the force
	StationKn string
	Items     []FeedItem
	Campaigns map[int64]FeedCampaign // of the items above
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
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, kind, title, COALESCE(scheduled_at, released_at), updated_at, COALESCE(campaign_id, 0) FROM publications
		WHERE state = 'approved' AND public = 1 AND COALESCE(scheduled_at, released_at) <= $1`+where+`
		ORDER BY COALESCE(scheduled_at, released_at) DESC, id DESC LIMIT `+fmt.Sprint(MaxFeedItems), args...)
	if err != nil {
		return f, fmt.Errorf("publish: unable to read the feed: %w", err)
	}
	for rows.Next() {
		var it FeedItem
		var kind string
		var pub, upd int64
		if err := rows.Scan(&it.ID, &kind, &it.Title, &pub, &upd, &it.CampaignID); err != nil {
			rows.Close()
			return f, err
		}
		it.Kind, it.Published, it.Updated = Kind(kind), store.Time(pub), store.Time(max(pub, upd))
		f.Items = append(f.Items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	// The items' words and campaigns, one query each (a busy page asks
	// for the feed at every expiry of its cache).
	byID := map[int64]*FeedItem{}
	camps := map[int64]bool{}
	var ids, cids []string
	for i := range f.Items {
		f.Items[i].Texts = map[string]string{}
		byID[f.Items[i].ID] = &f.Items[i]
		ids = append(ids, fmt.Sprint(f.Items[i].ID))
		if c := f.Items[i].CampaignID; c != 0 && !camps[c] {
			camps[c] = true
			cids = append(cids, fmt.Sprint(c))
		}
	}
	if len(ids) == 0 {
		return f, nil
	}
	// The ids are integers read above: nothing a visitor typed.
	trows, err := s.db.Read.QueryContext(ctx, `SELECT publication_id, lang, text FROM publication_texts WHERE publication_id IN (`+strings.Join(ids, ",")+`)`)
	if err != nil {
		return f, err
	}
	for trows.Next() {
		var id int64
		var l, t string
		if err := trows.Scan(&id, &l, &t); err != nil {
			trows.Close()
			return f, err
		}
		byID[id].Texts[l] = t
	}
	trows.Close()
	if len(cids) == 0 {
		return f, trows.Err()
	}
	f.Campaigns = map[int64]FeedCampaign{}
	crows, err := s.db.Read.QueryContext(ctx, `SELECT id, name, goal, COALESCE(starts_at, 0), COALESCE(ends_at, 0) FROM campaigns WHERE id IN (`+strings.Join(cids, ",")+`)`)
	if err != nil {
		return f, err
	}
	defer crows.Close()
	for crows.Next() {
		var c FeedCampaign
		var st, en int64
		if err := crows.Scan(&c.ID, &c.Name, &c.Goal, &st, &en); err != nil {
			return f, err
		}
		if st != 0 {
			c.StartsAt = store.Time(st)
		}
		if en != 0 {
			c.EndsAt = store.Time(en)
		}
		f.Campaigns[c.ID] = c
	}
	return f, crows.Err()
}
