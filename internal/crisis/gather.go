package crisis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/alert"
	"github.com/kaval-desk/kaval/internal/analyze/simhash"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/store"
)

// Source lists the posts an alert of one kind is about, created at or
// after since (a detector that knows its cluster, a listening query).
type Source func(ctx context.Context, a alert.Alert, since time.Time) ([]int64, error)

// AddSource makes rooms opened from alerts of kind gather through f, on
// top of the room's stations.
func (s *Service) AddSource(kind string, f Source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sources[kind] = f
}

// MaxGathered bounds the posts one gathering adds to a room: a city-wide
// flood is read through its clusters and cases, not post by post.
const MaxGathered = 2000

// Gather adds the posts of an open room's alert and stations (created
// since the room's start) and their cases; items a person removed stay
// removed. It returns how many items it added.
func (s *Service) Gather(ctx context.Context, id int64) (int, error) {
	r, err := s.Get(ctx, id)
	if err != nil || r.State != StateOpen {
		return 0, err
	}
	var area, fromAlert []int64
	if len(r.Stations) > 0 {
		args := []any{store.Millis(r.Since)}
		ph := make([]string, len(r.Stations))
		for i, st := range r.Stations {
			args = append(args, st)
			ph[i] = fmt.Sprintf("$%d", i+2)
		}
		rows, err := s.db.Read.QueryContext(ctx, `SELECT id FROM posts WHERE created_at >= $1 AND station IN (`+strings.Join(ph, ", ")+`)
			ORDER BY id DESC LIMIT `+fmt.Sprint(MaxGathered), args...)
		if err != nil {
			return 0, fmt.Errorf("crisis: unable to gather posts: %w", err)
		}
		for rows.Next() {
			var n int64
			rows.Scan(&n)
			area = append(area, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	if r.AlertID != 0 {
		a, err := s.alerts.Get(ctx, r.AlertID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
		if err == nil {
			if fromAlert, err = s.sourceOf(a.Kind)(ctx, a, r.Since); err != nil {
				return 0, fmt.Errorf("crisis: unable to gather the alert's posts: %w", err)
			}
		}
	}
	bound := func(ids []int64) []int64 {
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if len(ids) > MaxGathered {
			ids = ids[len(ids)-MaxGathered:]
		}
		return ids
	}
	area, fromAlert = bound(area), bound(fromAlert)
	// Every round re-reads the sources: write only what the room lacks
	// (or, for the alert's posts, holds as the area's), so a quiet room
	// costs two reads, not thousands of no-op inserts.
	have, err := s.itemVia(ctx, id)
	if err != nil {
		return 0, err
	}
	area = slices.DeleteFunc(area, func(p int64) bool { _, ok := have[p]; return ok })
	fromAlert = slices.DeleteFunc(fromAlert, func(p int64) bool { v, ok := have[p]; return ok && v != ViaArea })
	added := 0
	now := store.Millis(s.opt.Now())
	err = s.db.BackgroundTx(ctx, func(tx *sql.Tx) error {
		// The alert's own posts first: a post both in the area and in
		// the alert's cluster counts as the alert's.
		for _, g := range []struct {
			via string
			ids []int64
		}{{ViaAlert, fromAlert}, {ViaArea, area}} {
			for _, pid := range g.ids {
				res, err := tx.ExecContext(ctx, `INSERT INTO crisis_items (room_id, kind, ref_id, via, added_at) VALUES ($1, 'post', $2, $3, $4) ON CONFLICT DO NOTHING`,
					id, pid, g.via, now)
				if err != nil {
					return err
				}
				n, _ := res.RowsAffected()
				added += int(n)
				if n == 0 && g.via == ViaAlert {
					if _, err := tx.ExecContext(ctx, `UPDATE crisis_items SET via = $3 WHERE room_id = $1 AND kind = 'post' AND ref_id = $2 AND via = 'area'`,
						id, pid, ViaAlert); err != nil {
						return err
					}
				}
			}
		}
		// The cases of the room's posts.
		res, err := tx.ExecContext(ctx, `INSERT INTO crisis_items (room_id, kind, ref_id, added_at)
			SELECT DISTINCT CAST($1 AS BIGINT), 'case', p.case_id, CAST($2 AS BIGINT) FROM crisis_items i JOIN posts p ON p.id = i.ref_id
			WHERE i.room_id = $1 AND i.kind = 'post' AND i.removed = 0 AND p.case_id IS NOT NULL
			ON CONFLICT DO NOTHING`, id, now)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		added += int(n)
		if added > 0 {
			if _, err := tx.ExecContext(ctx, "UPDATE crisis_rooms SET updated_at = $2 WHERE id = $1", id, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("crisis: unable to gather: %w", err)
	}
	if added > 0 {
		s.changed(ctx, id)
	}
	return added, nil
}

// itemVia maps the posts room id holds (removed ones too) to how they came.
func (s *Service) itemVia(ctx context.Context, id int64) (map[int64]string, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT ref_id, via FROM crisis_items WHERE room_id = $1 AND kind = 'post'", id)
	if err != nil {
		return nil, fmt.Errorf("crisis: unable to read the room's items: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var p int64
		var v string
		if err := rows.Scan(&p, &v); err != nil {
			return nil, err
		}
		out[p] = v
	}
	return out, rows.Err()
}

// How a post came into a room.
const (
	ViaAlert = "alert" // its alert's source (a detector's cluster, the key's category or station)
	ViaArea  = "area"  // the room's stations
)

func (s *Service) sourceOf(kind string) Source {
	s.mu.Lock()
	defer s.mu.Unlock()
	if src := s.sources[kind]; src != nil {
		return src
	}
	return keySource(s.db)
}

// keySource gathers by what the alert's key names: a category
// ("category:theft") or a station ("station:Adugodi%20PS").
func keySource(db *store.DB) Source {
	return func(ctx context.Context, a alert.Alert, since time.Time) ([]int64, error) {
		col, val := "", ""
		for _, part := range strings.Split(a.Key, "|") {
			k, v, ok := strings.Cut(part, ":")
			if !ok {
				continue
			}
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
			switch k {
			case "category":
				col, val = "category", v
			case "station":
				col, val = "station", v
			}
		}
		if col == "" {
			return nil, nil
		}
		rows, err := db.Read.QueryContext(ctx, "SELECT id FROM posts WHERE created_at >= $1 AND "+col+" = $2 ORDER BY id DESC LIMIT "+fmt.Sprint(MaxGathered),
			store.Millis(since), val)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var n int64
			rows.Scan(&n)
			ids = append(ids, n)
		}
		return ids, rows.Err()
	}
}

// Item kinds.
const (
	KindPost = "post"
	KindCase = "case"
)

// SetItem adds (remove false) or removes a post or case by hand; the
// timeline says who and why.
func (s *Service) SetItem(ctx context.Context, p *auth.Principal, id int64, kind string, ref int64, remove bool) error {
	if err := needUser(p); err != nil {
		return err
	}
	if kind != KindPost && kind != KindCase {
		return &Invalid{"kind", "is post or case"}
	}
	if ref <= 0 {
		return &Invalid{"id", "a positive id is required"}
	}
	now := store.Millis(s.opt.Now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockOpen(ctx, tx, id); err != nil {
			return err
		}
		table := "posts"
		if kind == KindCase {
			table = "cases"
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE id = $1", ref).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return &Invalid{"id", fmt.Sprintf("there is no %s %d", kind, ref)}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO crisis_items (room_id, kind, ref_id, manual, removed, added_by, added_at) VALUES ($1, $2, $3, 1, $4, $5, $6)
			ON CONFLICT (room_id, kind, ref_id) DO UPDATE SET removed = $4, manual = 1, added_by = $5, added_at = $6`,
			id, kind, ref, store.Bool(remove), p.UserID, now); err != nil {
			return fmt.Errorf("crisis: unable to change the room's items: %w", err)
		}
		action := "item.add"
		if remove {
			action = "item.remove"
		}
		if _, err := tx.ExecContext(ctx, "UPDATE crisis_rooms SET updated_at = $2 WHERE id = $1", id, now); err != nil {
			return err
		}
		return s.event(ctx, tx, p, id, action, map[string]any{"kind": kind, "id": ref})
	})
	if err != nil {
		return err
	}
	s.changed(ctx, id)
	return nil
}

// Contents is what a room holds, newest first.
type Contents struct {
	Posts    []RoomPost  `json:"posts"`
	Cases    []desk.Case `json:"cases"`
	Clusters []Cluster   `json:"clusters"` // near-duplicate groups of two posts or more, largest first
	Total    int         `json:"total_posts"`
}

// RoomPost is a post in a room.
type RoomPost struct {
	ID        int64     `json:"id"`
	Platform  string    `json:"platform"`
	Text      string    `json:"text"`
	Lang      string    `json:"lang"`
	Station   string    `json:"station,omitempty"`
	CaseID    int64     `json:"case_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Private   bool      `json:"private"`
	Deleted   bool      `json:"deleted"`
	Author    string    `json:"author,omitempty"` // a public handle; masked by the caller's privacy view
	Cluster   string    `json:"cluster,omitempty"`
	Via       string    `json:"via"` // alert, area or "" (by hand)
	simhash   uint64
}

// Cluster is a group of near-duplicate posts in a room.
type Cluster struct {
	Key   string   `json:"key"` // "c" and its first post's id: stable while it grows
	Posts []int64  `json:"posts"`
	Text  string   `json:"text"` // its first post's words (masked by the caller)
	Langs []string `json:"langs"`
}

// maxShown bounds the posts a room's page lists (the clusters count all).
const maxShown = 300

// AlertCluster is the key of the cluster a room's alert's detector found
// (rooms opened from an alert whose kind has a Source): its posts as the
// detector grouped them, across languages.
const AlertCluster = "alert"

// Contents returns room r's posts (at most limit shown, newest first),
// cases and clusters.
func (s *Service) Contents(ctx context.Context, r Room, limit int) (Contents, error) {
	id := r.ID
	if limit <= 0 || limit > maxShown {
		limit = maxShown
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT p.id, p.platform, p.text, p.lang, p.station, COALESCE(p.case_id, 0), p.created_at, p.private,
		p.deleted_at IS NOT NULL, p.author_handle, p.simhash, i.via
		FROM crisis_items i JOIN posts p ON p.id = i.ref_id WHERE i.room_id = $1 AND i.kind = 'post' AND i.removed = 0 ORDER BY p.id`, id)
	if err != nil {
		return Contents{}, fmt.Errorf("crisis: unable to read the room's posts: %w", err)
	}
	var all []RoomPost
	for rows.Next() {
		var rp RoomPost
		var created, sh int64
		var priv int
		if err := rows.Scan(&rp.ID, &rp.Platform, &rp.Text, &rp.Lang, &rp.Station, &rp.CaseID, &created, &priv, &rp.Deleted, &rp.Author, &sh, &rp.Via); err != nil {
			rows.Close()
			return Contents{}, err
		}
		rp.CreatedAt, rp.Private, rp.simhash = store.Time(created), priv != 0, uint64(sh)
		all = append(all, rp)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Contents{}, err
	}
	out := Contents{Posts: []RoomPost{}, Cases: []desk.Case{}, Total: len(all)}
	out.Clusters = clusters(all)
	if ac, ok := s.alertCluster(ctx, r, all); ok {
		out.Clusters = append([]Cluster{ac}, out.Clusters...)
	}
	for i := len(all) - 1; i >= 0 && len(out.Posts) < limit; i-- {
		out.Posts = append(out.Posts, all[i])
	}
	crows, err := s.db.Read.QueryContext(ctx, `SELECT ref_id FROM crisis_items WHERE room_id = $1 AND kind = 'case' AND removed = 0 ORDER BY ref_id DESC LIMIT 200`, id)
	if err != nil {
		return out, err
	}
	var cids []int64
	for crows.Next() {
		var c int64
		crows.Scan(&c)
		cids = append(cids, c)
	}
	crows.Close()
	for _, c := range cids {
		cs, err := s.desk.GetCase(ctx, c, desk.Scope{})
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		out.Cases = append(out.Cases, cs)
	}
	return out, nil
}

// alertCluster is the posts r's alert's detector grouped, when its kind
// has a Source of its own.
func (s *Service) alertCluster(ctx context.Context, r Room, all []RoomPost) (Cluster, bool) {
	if r.AlertID == 0 {
		return Cluster{}, false
	}
	a, err := s.alerts.Get(ctx, r.AlertID)
	if err != nil {
		return Cluster{}, false
	}
	s.mu.Lock()
	_, own := s.sources[a.Kind]
	s.mu.Unlock()
	if !own {
		return Cluster{}, false
	}
	c := Cluster{Key: AlertCluster, Langs: []string{}}
	for _, p := range all {
		if p.Via != ViaAlert {
			continue
		}
		if c.Text == "" {
			c.Text = shownText(p)
		}
		c.Posts = append(c.Posts, p.ID)
		if p.Lang != "" && !slices.Contains(c.Langs, p.Lang) {
			c.Langs = append(c.Langs, p.Lang)
		}
	}
	slices.Sort(c.Langs)
	return c, len(c.Posts) > 0
}

// clusters groups posts whose SimHashes are within desk.DupDistance bits
// of another's (single link, simhash.Group: bounded, where comparing
// every pair made a 20,000-post room's page cost 200 million
// comparisons), keeping groups of two or more, and marks each post with
// its cluster's key. Posts without a SimHash stay alone.
func clusters(ps []RoomPost) []Cluster {
	hs := make([]uint64, len(ps))
	for i, p := range ps {
		hs[i] = p.simhash
	}
	var out []Cluster
	for _, members := range simhash.Group(hs, desk.DupDistance) {
		root := members[0]
		c := Cluster{Key: fmt.Sprintf("c%d", ps[root].ID)}
		for _, m := range members {
			if c.Text == "" {
				c.Text = shownText(ps[m])
			}
			c.Posts = append(c.Posts, ps[m].ID)
			ps[m].Cluster = c.Key
			if l := ps[m].Lang; l != "" && !slices.Contains(c.Langs, l) {
				c.Langs = append(c.Langs, l)
			}
		}
		slices.Sort(c.Langs)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Cluster) int {
		if len(a.Posts) != len(b.Posts) {
			return len(b.Posts) - len(a.Posts)
		}
		return strings.Compare(a.Key, b.Key)
	})
	if out == nil {
		out = []Cluster{}
	}
	return out
}

// shownText is the text a cluster is shown by: a public, live post's. A
// deleted post's words are withheld and a private conversation is not a
// public rumour's face; privacy's masking applies to posts, and a
// cluster's text must not carry their words around it.
func shownText(p RoomPost) string {
	if p.Deleted || privacy.Private(p.Platform, p.Private) {
		return ""
	}
	return p.Text
}
