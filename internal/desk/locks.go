package desk

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// Threading on PostgreSQL serialises the workers of all replicas with
// transaction-scoped advisory locks: one per thread key, so two posts of
// one citizen racing cannot open two cases, and one per place of the
// near-duplicate window, so two copies of one report racing on two
// replicas cannot either, and each replica reads the place's recent
// reports complete (dups.go). A transaction takes all the locks it needs
// at once, in ascending order (Begin), so two of them never wait for each
// other in a cycle. On SQLite the one write connection serialises
// everything already.

// Begin readies a transaction that threads posts: it takes, in one fixed
// order, the locks their threading needs and reads the recent reports of
// their places. Attach then takes nothing more for them. Call it once per
// transaction, after the posts' analyses are set.
func (d *Desk) Begin(ctx context.Context, tx *sql.Tx, b *Batch, posts []*post.Post) error {
	keys := make([]string, 0, len(posts))
	places := make([]string, 0, len(posts))
	for _, p := range posts {
		if !NeedsCase(p) {
			continue
		}
		k, _ := threadKey(p)
		keys = append(keys, k)
		places = append(places, fingerprintOf(p).place)
	}
	return d.prepare(ctx, tx, b, keys, places, d.opt.Now().UTC())
}

// prepare takes the locks of the given thread keys and places that b does
// not hold yet and reads the places' recent reports; with b nil it does it
// for this call alone.
func (d *Desk) prepare(ctx context.Context, tx *sql.Tx, b *Batch, keys, places []string, now time.Time) error {
	if b != nil && b.locked == nil {
		b.locked, b.read = map[int64]bool{}, map[string]bool{}
	}
	var ids []int64
	want := func(kind, s string) {
		id := lockID(kind, s)
		if b != nil {
			if b.locked[id] {
				return
			}
			b.locked[id] = true
		}
		ids = append(ids, id)
	}
	for _, k := range keys {
		want("thread", k)
	}
	var read []string
	for _, pl := range places {
		if pl == "" || b != nil && b.read[pl] || slices.Contains(read, pl) {
			continue
		}
		want("place", pl)
		read = append(read, pl)
		if b != nil {
			b.read[pl] = true
		}
	}
	if len(ids) > 0 && d.db.Dialect == store.Postgres {
		slices.Sort(ids)
		ids = slices.Compact(ids)
		list := make([]byte, 0, 21*len(ids)+2)
		list = append(list, '{')
		for i, id := range ids {
			if i > 0 {
				list = append(list, ',')
			}
			list = strconv.AppendInt(list, id, 10)
		}
		list = append(list, '}')
		if _, err := d.exec(ctx, tx, qLock, string(list)); err != nil {
			return fmt.Errorf("desk: unable to lock threads: %w", err)
		}
	}
	return d.catchUp(ctx, tx, read, now)
}

// lockID is the advisory lock of a thread key or place.
func lockID(kind, s string) int64 {
	h := fnv.New64a()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(s))
	return int64(h.Sum64())
}
