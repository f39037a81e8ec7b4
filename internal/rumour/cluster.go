// Package rumour finds rumour clusters: groups of near-duplicate posts
// (the same text forwarded, retweeted, pasted with small edits) that grow
// fast and carry misinformation cues, weighted by them ("forward to everyone", "100%
// true, my cousin saw it", unverified casualty counts), gathered per
// police station so that one wave in Kannada and English about one
// locality is one cluster. Clusters are stored (rumour_clusters,
// rumour_posts) so that an alert names one and a crisis room can answer
// each of its posts, including those that join it later (ClusterPosts).
package rumour

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/analyze/simhash"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/store"
)

// Options tune the detector. The defaults are what docs/WATCH.md measured
// on the committed scenario streams.
type Options struct {
	// Window: posts up to this old are grouped (default desk.DupWindow,
	// 6 hours, the desk's own near-duplicate window).
	Window time.Duration
	// Growth: a group grows fast when many accounts posted a copy within
	// this long (default 30 minutes).
	Growth time.Duration
	// MinAccounts: a wave is never a rumour with fewer distinct accounts
	// posting it within Growth (default 4: at 1,500 posts a day the
	// simulator's own slow rumour waves reach 3 in half an hour by chance
	// every day or two).
	MinAccounts int
	// Threshold on the growth score: accounts within Growth × (1 + the
	// group's mean cue weight). Default 9: four accounts copying a text
	// that says "beware, forward to all groups" within half an hour, seven
	// copying one that only says "beware".
	Threshold float64
	// MinCue: the least mean cue weight of a rumour (default 0.4, an
	// alarm call in every copy or a call to forward in every other one).
	// Copies with no cue at all are the same complaint from many people
	// or a campaign, not a rumour: the simulator's templates, at a post a
	// second, make such groups every few minutes.
	MinCue float64
	// Distance: SimHashes at most this many bits apart are copies
	// (default desk.DupDistance, measured on CrisisLexT6).
	Distance int
	// MinWords: shorter posts hash alike whatever they say (default 6).
	MinWords int
	// MaxPosts bounds the posts read per run (default 50,000, the most
	// recent).
	MaxPosts int
	Cues     *Cues // default DefaultCues()
}

func (o *Options) defaults() {
	if o.Window <= 0 {
		o.Window = desk.DupWindow
	}
	if o.Growth <= 0 {
		o.Growth = 30 * time.Minute
	}
	if o.MinAccounts <= 0 {
		o.MinAccounts = 4
	}
	if o.Threshold <= 0 {
		o.Threshold = 9
	}
	if o.MinCue <= 0 {
		o.MinCue = 0.4
	}
	if o.Distance <= 0 {
		o.Distance = desk.DupDistance
	}
	if o.MinWords <= 0 {
		o.MinWords = 6
	}
	if o.MaxPosts <= 0 {
		o.MaxPosts = 50000
	}
	if o.Cues == nil {
		o.Cues = DefaultCues()
	}
}

// Growing is a cluster that grew fast in this run: what an alert says.
type Growing struct {
	Cluster
	Accounts int     `json:"accounts"` // distinct accounts posting copies within Growth (its fastest wave's)
	CueMean  float64 `json:"cue_mean"` // mean cue weight of those copies
	Score    float64 `json:"score"`    // Accounts × (1 + CueMean), of its fastest wave
	PostIDs  []int64 `json:"post_ids"` // every post of the cluster, oldest first
}

// Detector finds and stores rumour clusters.
type Detector struct {
	db  *store.DB
	opt Options
}

// New returns a detector.
func New(db *store.DB, opt Options) *Detector {
	opt.defaults()
	return &Detector{db: db, opt: opt}
}

// Options returns the detector's options, defaults filled in.
func (d *Detector) Options() Options { return d.opt }

type cand struct {
	id      int64
	hash    uint64
	station string
	lang    string
	author  string
	at      int64
	// Filled for members of groups: the text's cues and word count.
	words   int
	cueW    float64
	cues    []string
	cluster int64 // the stored cluster it is in already, 0 none
}

// Run groups the posts of the last Window (as of now) into near-duplicate
// groups, stores the groups that grow fast (and the new copies of stored
// clusters) and returns the clusters that grew fast in this run. It
// writes: run it on one replica at a time (the alert loop's lease).
func (d *Detector) Run(ctx context.Context, now time.Time) ([]Growing, error) {
	o := d.opt
	nowMs := store.Millis(now)
	since := nowMs - o.Window.Milliseconds()
	cands, err := d.read(ctx, since, nowMs)
	if err != nil || len(cands) < 2 {
		return nil, err
	}
	groups := group(cands, o.Distance)
	if len(groups) == 0 {
		return nil, nil
	}
	if err := d.describe(ctx, cands, groups); err != nil {
		return nil, err
	}
	growthStart := nowMs - o.Growth.Milliseconds()
	type judged struct {
		members        []int              // indexes into cands, of posts long enough to judge
		recent         map[string]float64 // accounts posting within Growth → their most cue-laden copy's weight
		cueMean        float64
		accounts       int
		score          float64
		grows, copyish bool
		station        string
		cluster        int64
	}
	var all []*judged
	for _, g := range groups {
		j := &judged{recent: map[string]float64{}}
		stations := map[string]int{}
		for _, i := range g {
			c := &cands[i]
			if c.words < o.MinWords {
				continue
			}
			j.members = append(j.members, i)
			if c.station != "" {
				stations[c.station]++
			}
			if c.cluster != 0 && (j.cluster == 0 || c.cluster < j.cluster) {
				j.cluster = c.cluster
			}
			if c.at >= growthStart {
				// An account counts once, with its most cue-laden copy.
				j.recent[c.author] = max(j.recent[c.author], c.cueW)
			}
		}
		if len(j.members) < 2 {
			continue
		}
		j.station = top(stations)
		j.cueMean = cueMean(j.recent)
		// Copies of one message name the same place; posts that share a
		// wording but name places all over the city are a template (the
		// same complaint from many people, a form letter), not a wave.
		placed := 0
		for _, n := range stations {
			placed += n
		}
		j.copyish = j.cueMean >= o.MinCue && !(placed >= 3 && 2*stations[j.station] < placed)
		all = append(all, j)
	}
	// A wave is judged per station: its wordings (edited copies drift
	// apart by more than Distance bits; translations share nothing) add
	// up. Groups that name no station are judged alone.
	waves := map[string][]*judged{}
	for n, j := range all {
		if !j.copyish {
			continue
		}
		k := "station:" + j.station
		if j.station == "" {
			k = fmt.Sprint("group:", n)
		}
		waves[k] = append(waves[k], j)
	}
	for _, w := range waves {
		acc := map[string]float64{}
		for _, j := range w {
			for a, cw := range j.recent {
				acc[a] = max(acc[a], cw)
			}
		}
		m := cueMean(acc)
		score := float64(len(acc)) * (1 + m)
		if len(acc) >= o.MinAccounts && m >= o.MinCue && score >= o.Threshold {
			for _, j := range w {
				j.grows, j.accounts, j.cueMean, j.score = true, len(acc), m, score
			}
		}
	}
	var js []judged
	for _, j := range all {
		if j.grows || j.cluster != 0 {
			js = append(js, *j)
		}
	}
	if len(js) == 0 {
		return nil, nil
	}
	grew := map[int64]float64{} // cluster → best score this run
	accts := map[int64][2]float64{}
	err = d.db.BackgroundTx(ctx, func(tx *sql.Tx) error {
		// A growing group about a station joins the cluster still active
		// there: one wave in two languages is one cluster.
		active := map[string]int64{}
		rows, err := tx.QueryContext(ctx, `SELECT id, station FROM rumour_clusters WHERE last_at >= $1 AND station <> '' ORDER BY id`, since)
		if err != nil {
			return fmt.Errorf("rumour: unable to read clusters: %w", err)
		}
		for rows.Next() {
			var id int64
			var st string
			if err := rows.Scan(&id, &st); err != nil {
				rows.Close()
				return fmt.Errorf("rumour: unable to read clusters: %w", err)
			}
			if active[st] == 0 {
				active[st] = id
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("rumour: unable to read clusters: %w", err)
		}
		slices.SortFunc(js, func(a, b judged) int { return cmp.Compare(b.score, a.score) })
		touched := map[int64]bool{}
		for _, j := range js {
			id := j.cluster
			if id == 0 && j.station != "" {
				id = active[j.station]
			}
			if id == 0 {
				first := cands[j.members[0]].at
				if err := tx.QueryRowContext(ctx, `INSERT INTO rumour_clusters (station, first_at, last_at, found_at) VALUES ($1, $2, $2, $3) RETURNING id`,
					j.station, first, nowMs).Scan(&id); err != nil {
					return fmt.Errorf("rumour: unable to store a cluster: %w", err)
				}
				if j.station != "" {
					active[j.station] = id
				}
			}
			for _, i := range j.members {
				c := cands[i]
				if c.cluster != 0 {
					continue
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO rumour_posts (cluster_id, post_id, at, cue_weight, cues) VALUES ($1, $2, $3, $4, $5)
					ON CONFLICT (post_id) DO NOTHING`, id, c.id, c.at, c.cueW, strings.Join(c.cues, ",")); err != nil {
					return fmt.Errorf("rumour: unable to store a cluster's post: %w", err)
				}
			}
			touched[id] = true
			if j.grows && j.score > grew[id] {
				grew[id] = round2(j.score)
				accts[id] = [2]float64{float64(j.accounts), j.cueMean}
			}
		}
		for id := range touched {
			if err := refresh(ctx, tx, id, grew[id]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Growing, 0, len(grew))
	for id, score := range grew {
		c, err := Get(ctx, d.db, id)
		if err != nil {
			return nil, err
		}
		ids, err := postIDs(ctx, d.db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, Growing{Cluster: c, Accounts: int(accts[id][0]), CueMean: round2(accts[id][1]), Score: round2(score), PostIDs: ids})
	}
	slices.SortFunc(out, func(a, b Growing) int { return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// cueMean is the mean cue weight of the accounts' copies.
func cueMean(acc map[string]float64) float64 {
	if len(acc) == 0 {
		return 0
	}
	var sum float64
	for _, w := range acc {
		sum += w
	}
	return sum / float64(len(acc))
}

func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

// top is the most frequent key ("" for none; ties by name).
func top(m map[string]int) string {
	best, n := "", 0
	for k, c := range m {
		if c > n || c == n && k < best {
			best, n = k, c
		}
	}
	return best
}

// read returns the analysed posts created in [since, until] that carry a
// SimHash, news left out (outlets repeat each other's headlines).
func (d *Detector) read(ctx context.Context, since, until int64) ([]cand, error) {
	rows, err := d.db.Read.QueryContext(ctx, `SELECT id, simhash, station, lang, platform, author_external_id, created_at FROM posts
		WHERE created_at >= $1 AND created_at <= $2 AND simhash <> 0 AND kind <> 'news' ORDER BY created_at DESC LIMIT $3`, since, until, d.opt.MaxPosts)
	if err != nil {
		return nil, fmt.Errorf("rumour: unable to read posts: %w", err)
	}
	defer rows.Close()
	var out []cand
	for rows.Next() {
		var c cand
		var h int64
		var platform, author string
		if err := rows.Scan(&c.id, &h, &c.station, &c.lang, &platform, &author, &c.at); err != nil {
			return nil, fmt.Errorf("rumour: unable to read posts: %w", err)
		}
		c.hash = uint64(h)
		c.author = platform + ":" + author
		if author == "" {
			c.author = "post:" + strconv.FormatInt(c.id, 10) // no account known: each post its own
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// group returns the groups of at least two posts whose SimHashes chain
// within dist bits (simhash.Group), each in order of creation, the groups
// by their first post.
func group(cs []cand, dist int) [][]int {
	hs := make([]uint64, len(cs))
	for i, c := range cs {
		hs[i] = c.hash
	}
	out := simhash.Group(hs, dist)
	for _, g := range out {
		slices.SortFunc(g, func(a, b int) int { return cmp.Or(cmp.Compare(cs[a].at, cs[b].at), cmp.Compare(cs[a].id, cs[b].id)) })
	}
	slices.SortFunc(out, func(a, b []int) int { return cmp.Compare(a[0], b[0]) })
	return out
}

// describe reads the texts of the grouped posts (their words and cues) and
// the clusters they are stored in already.
func (d *Detector) describe(ctx context.Context, cs []cand, groups [][]int) error {
	at := map[int64]int{}
	var ids []string
	for _, g := range groups {
		for _, i := range g {
			at[cs[i].id] = i
			ids = append(ids, strconv.FormatInt(cs[i].id, 10)) // integers from the store: no injection possible
		}
	}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		list := strings.Join(ids[:n], ",")
		ids = ids[n:]
		rows, err := d.db.Read.QueryContext(ctx, `SELECT p.id, p.text, COALESCE(r.cluster_id, 0) FROM posts p
			LEFT JOIN rumour_posts r ON r.post_id = p.id WHERE p.id IN (`+list+`)`)
		if err != nil {
			return fmt.Errorf("rumour: unable to read posts: %w", err)
		}
		for rows.Next() {
			var id, cluster int64
			var text string
			if err := rows.Scan(&id, &text, &cluster); err != nil {
				rows.Close()
				return fmt.Errorf("rumour: unable to read posts: %w", err)
			}
			c := &cs[at[id]]
			c.words = len(strings.Fields(text))
			c.cues, c.cueW = d.opt.Cues.Find(text)
			c.cluster = cluster
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("rumour: unable to read posts: %w", err)
		}
	}
	return nil
}
