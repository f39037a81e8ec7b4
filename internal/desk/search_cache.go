package desk

import (
	"context"
	"fmt"
	"strconv"
	"sync"
)

// A common word's set of matching post ids (search_set.go) costs ~15 ms
// to read from FTS5 at 1M posts ("traffic": 98,722 ids), every page of
// every search. The set changes only when the search index does, so the
// desk keeps the sets of the last few words between requests, tagged with
// the index's state they were read at; only the first search after a
// write to the index pays for its set.
//
// The state is two records of FTS5's own: the structure record
// (posts_fts_data id 10) and the averages record (id 1). posts_fts is
// contentless_delete (00001_core.sql), so its structure holds a counter
// of flushes (nOriginCntr) that grows with every transaction that inserts
// into the index and never goes back, and the averages record holds the
// number of rows indexed, which every delete lowers. A change of content
// is an insert (the counter grows) or deletes alone (the row count falls
// with no insert to raise it again), so no two states of different
// content have the same pair of records. TestSearchCacheState holds this
// against inserts, deletes, edits and FTS5's own merges; a write by
// another process to the same file is seen the same way.
//
// The state is read before the set and the set is stored under it: a
// write between the two makes the stored set newer than its tag, never
// older, and the next request, seeing the newer state, reads the set
// again.

// searchCacheWords and searchCacheIDs bound the cache: the most recently
// used words are kept, up to this many words and this many ids in all
// (8 bytes each: 4M ids is 32 MB).
var (
	searchCacheWords = 8
	searchCacheIDs   = 4 << 20
)

type setCache struct {
	mu    sync.Mutex
	state string     // the index's state every entry was read at
	lru   []setEntry // least recently used first
	ids   int        // ids held in all
	hits  int        // sets served (tests see the cache used)
	puts  int        // sets kept
}

type setEntry struct {
	q   string
	ids []int64 // ascending; shared by readers, never written after put
}

// get returns the set of q if it was read at state.
func (c *setCache) get(state, q string) ([]int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != state {
		return nil, false
	}
	for i, e := range c.lru {
		if e.q == q {
			copy(c.lru[i:], c.lru[i+1:])
			c.lru[len(c.lru)-1] = e
			c.hits++
			return e.ids, true
		}
	}
	return nil, false
}

// put keeps the set of q, read at state. A different state drops every
// set read at the one before.
func (c *setCache) put(state, q string, ids []int64) {
	if len(ids) > searchCacheIDs {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != state {
		c.state, c.lru, c.ids = state, nil, 0
	}
	for i, e := range c.lru {
		if e.q == q {
			c.ids -= len(e.ids)
			c.lru = append(c.lru[:i], c.lru[i+1:]...)
			break
		}
	}
	c.lru = append(c.lru, setEntry{q: q, ids: ids})
	c.puts++
	c.ids += len(ids)
	for len(c.lru) > searchCacheWords || c.ids > searchCacheIDs {
		c.ids -= len(c.lru[0].ids)
		c.lru = c.lru[1:]
	}
}

// forget drops every set (the bench's "first search after a write").
func (c *setCache) forget() {
	c.mu.Lock()
	c.state, c.lru, c.ids = "", nil, 0
	c.mu.Unlock()
}

// indexState reads the search index's state: FTS5's averages and
// structure records, as they are stored (two rowid lookups).
func (d *Desk) indexState(ctx context.Context) (string, error) {
	rows, err := d.db.Read.QueryContext(ctx, "SELECT id, block FROM posts_fts_data WHERE id IN (1, 10) ORDER BY id")
	if err != nil {
		return "", fmt.Errorf("desk: unable to read the search index's state: %w", err)
	}
	defer rows.Close()
	var b []byte
	for rows.Next() {
		var id int64
		var block []byte
		if err := rows.Scan(&id, &block); err != nil {
			return "", fmt.Errorf("desk: unable to read the search index's state: %w", err)
		}
		b = strconv.AppendInt(b, id, 10)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(len(block)), 10)
		b = append(b, ':')
		b = append(b, block...)
	}
	return string(b), rows.Err()
}

// ForgetSearchSets drops the common words' sets kept between requests,
// so the next search reads its set as the first after a write would
// (kaval bench inbox times both).
func (d *Desk) ForgetSearchSets() { d.sets.forget() }
