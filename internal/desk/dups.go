package desk

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// Near-duplicate reports. When several citizens report one thing ("a tree
// fell on 5th Block road") their posts are near-identical and name the
// same place; the desk puts the copies into the first reporter's open case
// instead of opening one case each, so an agent sees one incident with its
// reporters (each post stays a reply target of its own, and each reporter
// finds the case again for their follow-ups through thread_cases).
//
// Two posts are copies when their SimHashes are at most DupDistance bits
// apart, they route to the same station, the later one is at most
// DupWindow after the earlier, and each has at least dupMinWords words.
// The figures behind these choices are in docs/TRIAGE.md.
const (
	// DupDistance: on CrisisLexT6 (6 events, 5,000 tweets each), pairs at
	// ≤ 6 bits are 98% of the verbatim copies (retweets, added mentions,
	// links, emoji) and 28% of the edited ones, while two different
	// tweets of the same disaster fall that close once in 250,000 pairs;
	// at ≤ 8 bits recall of edited copies is 63% but false pairs are four
	// times as frequent. A wrong merge hides a report inside another case;
	// a missed one costs an agent a merge, so precision wins.
	DupDistance = 6
	// DupWindow: 58% of copies in the same data came within 6 hours of the
	// previous copy, 74% within 24; the window also bounds the candidates
	// (false pairs grow with it) and the memory each replica keeps.
	DupWindow = 6 * time.Hour
	// dupMinWords: short generic posts ("any update?", "please help")
	// hash alike whoever writes them and whatever they are about.
	dupMinWords = 6
	// dupPerPlace caps what a replica keeps per place: the most recent
	// copies of a flood of reports are enough to match the next one.
	dupPerPlace = 4096
)

// fingerprint is what a post is matched on; place is "" when the post is
// not one to cluster.
type fingerprint struct {
	place string
	hash  uint64
	at    int64
}

// fingerprintOf returns a post's fingerprint: its SimHash and the station
// it routes to (the traffic station when it names no other).
func fingerprintOf(p *post.Post) fingerprint {
	a := p.Analysis
	if a == nil || a.SimHash == "" || p.Kind == post.KindNews {
		return fingerprint{}
	}
	h, err := strconv.ParseUint(a.SimHash, 16, 64)
	if err != nil || h == 0 || words(p.Text) < dupMinWords {
		return fingerprint{}
	}
	var place string
	switch {
	case a.Station != nil && *a.Station != "":
		place = "ps:" + *a.Station
	case a.TrafficStation != nil && *a.TrafficStation != "":
		place = "tr:" + *a.TrafficStation
	default:
		return fingerprint{}
	}
	return fingerprint{place: place, hash: h, at: store.Millis(p.CreatedAt)}
}

// words counts runs of non-space bytes (enough to tell a sentence from
// "help!").
func words(s string) int {
	n, in := 0, false
	for i := 0; i < len(s); i++ {
		sp := s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r'
		if !sp && !in {
			n++
		}
		in = !sp
	}
	return n
}

// fpRow is one stored fingerprint.
type fpRow struct {
	id     int64
	hash   uint64
	caseID int64
	postID int64
	at     int64
}

// dupWindow is a replica's copy of the recent fingerprints, per place. The
// store is the truth: before a place is matched, the fingerprints written
// since (by any replica) are read with one query, under the place's lock
// on PostgreSQL, so two replicas never miss each other's copies.
type dupWindow struct {
	mu     sync.Mutex
	places map[string]*placeWindow
}

type placeWindow struct {
	after int64   // highest id read
	rows  []fpRow // in id order
}

// catchUp reads the fingerprints of places written since this replica last
// looked and drops those older than the window. The caller holds the
// places' locks (PostgreSQL) or the write connection (SQLite).
func (d *Desk) catchUp(ctx context.Context, tx *sql.Tx, places []string, now time.Time) error {
	if len(places) == 0 {
		return nil
	}
	w := &d.dups
	cutoff := store.Millis(now.Add(-DupWindow))
	w.mu.Lock()
	if w.places == nil {
		w.places = map[string]*placeWindow{}
	}
	list := make([][2]any, len(places))
	for i, pl := range places {
		var after int64
		if pw := w.places[pl]; pw != nil {
			after = pw.after
		}
		list[i] = [2]any{pl, after}
	}
	w.mu.Unlock()
	js, err := json.Marshal(list)
	if err != nil {
		return err
	}
	st, err := d.db.Stmt(ctx, tx, d.qCatchUp())
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, string(js), cutoff)
	if err != nil {
		return fmt.Errorf("desk: unable to read recent reports: %w", err)
	}
	defer rows.Close()
	got := map[string][]fpRow{}
	for rows.Next() {
		var r fpRow
		var pl string
		var h int64
		if err := rows.Scan(&r.id, &pl, &h, &r.caseID, &r.postID, &r.at); err != nil {
			return fmt.Errorf("desk: unable to read recent reports: %w", err)
		}
		r.hash = uint64(h)
		got[pl] = append(got[pl], r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("desk: unable to read recent reports: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, pl := range places {
		pw := w.places[pl]
		if pw == nil {
			pw = &placeWindow{}
			w.places[pl] = pw
		}
		for _, r := range got[pl] {
			// Another transaction of this replica may have read the same
			// rows first: keep each once, in id order.
			if r.id > pw.after {
				pw.rows = append(pw.rows, r)
				pw.after = r.id
			}
		}
		i := 0
		for i < len(pw.rows) && pw.rows[i].at < cutoff {
			i++
		}
		if over := len(pw.rows) - i - dupPerPlace; over > 0 {
			i += over
		}
		if i > 0 {
			pw.rows = slices.Delete(pw.rows, 0, i)
		}
	}
	return nil
}

// dupCandidate is a near copy of a post: the case it is in and how close.
type dupCandidate struct {
	caseID, postID int64
	dist           int
}

// nearCopies returns the cases holding near copies of fp, the closest (then
// the most recent) first: from the replica's window and from the copies
// this transaction has written but not committed (pending).
func (d *Desk) nearCopies(fp fingerprint, pending []pendingFP) []dupCandidate {
	var out []dupCandidate
	win := DupWindow.Milliseconds()
	consider := func(r fpRow) {
		if r.at < fp.at-win || r.at > fp.at+win {
			return
		}
		if dist := bits.OnesCount64(r.hash ^ fp.hash); dist <= DupDistance {
			out = append(out, dupCandidate{caseID: r.caseID, postID: r.postID, dist: dist})
		}
	}
	d.dups.mu.Lock()
	if pw := d.dups.places[fp.place]; pw != nil {
		for i := len(pw.rows) - 1; i >= 0; i-- {
			consider(pw.rows[i])
		}
	}
	d.dups.mu.Unlock()
	for i := len(pending) - 1; i >= 0; i-- {
		if pending[i].place == fp.place {
			consider(pending[i].fpRow)
		}
	}
	// Stable: among equals the most recent, considered first, stays first.
	slices.SortStableFunc(out, func(a, b dupCandidate) int { return cmp.Compare(a.dist, b.dist) })
	return out
}

// pendingFP is a fingerprint written by the current transaction.
type pendingFP struct {
	place string
	fpRow
}

// qCatchUp reads, for a JSON array of [place, after id], the fingerprints
// of each place after that id and not older than $2.
func (d *Desk) qCatchUp() string {
	if d.db.Dialect == store.Postgres {
		return `SELECT f.id, f.place, f.simhash, f.case_id, f.post_id, f.at
			FROM jsonb_array_elements($1::jsonb) AS e JOIN fingerprints f ON f.place = e->>0 AND f.id > (e->>1)::bigint
			WHERE f.at >= $2 ORDER BY f.id`
	}
	return `SELECT f.id, f.place, f.simhash, f.case_id, f.post_id, f.at
		FROM json_each($1) AS e JOIN fingerprints f ON f.place = e.value->>0 AND f.id > e.value->>1
		WHERE f.at >= $2 ORDER BY f.id`
}

// qFingerprints writes a JSON array of [place, simhash, case, post, at].
func (d *Desk) qFingerprints() string {
	if d.db.Dialect == store.Postgres {
		return `INSERT INTO fingerprints (place, simhash, case_id, post_id, at)
			SELECT e->>0, (e->>1)::bigint, (e->>2)::bigint, (e->>3)::bigint, (e->>4)::bigint
			FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(e, n) ORDER BY n`
	}
	return `INSERT INTO fingerprints (place, simhash, case_id, post_id, at)
		SELECT value->>0, value->>1, value->>2, value->>3, value->>4 FROM json_each($1) ORDER BY key`
}

func (d *Desk) writeFingerprints(ctx context.Context, tx *sql.Tx, fps []pendingFP) error {
	if len(fps) == 0 {
		return nil
	}
	rows := make([][5]any, len(fps))
	for i, f := range fps {
		rows[i] = [5]any{f.place, int64(f.hash), f.caseID, f.postID, f.at}
	}
	js, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	if _, err := d.exec(ctx, tx, d.qFingerprints(), string(js)); err != nil {
		return fmt.Errorf("desk: unable to record report fingerprints: %w", err)
	}
	return nil
}

// PruneFingerprints deletes the fingerprints older than the clustering
// window; the pipeline calls it with its sweep.
func (d *Desk) PruneFingerprints(ctx context.Context) error {
	cutoff := store.Millis(d.opt.Now().Add(-DupWindow))
	return d.db.BackgroundTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM fingerprints WHERE at < $1", cutoff); err != nil {
			return fmt.Errorf("desk: unable to prune report fingerprints: %w", err)
		}
		return nil
	})
}
