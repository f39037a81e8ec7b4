package place

import (
	"sort"
	"strings"

	"github.com/kaval-desk/kaval/internal/post"
)

// Names repeat across kinds: "Kengeri" is a locality, a station, a metro
// station, a post office and the area of five schools. Each is evidence
// of where a post naming it is, none the answer alone. resolve weighs,
// for every name in the trie, the stations its entries point to: a point
// (a landmark, a school, a post office, a station's office) votes for the
// station holding it, an area (a ward, a village) for the stations
// sharing it by their parts. The winner becomes the name's station; when
// the evidence is split the place carries the plausible stations with
// their shares (post.Place.Stations) and a lower confidence.
//
// Weights per layer (how much one name in that layer counts; the schools
// of one locality share theirs). They were set by leave-one-source-out
// routing of the metro, point-of-interest and school-locality names
// (TestLandmarkSources), never on the post offices, the held-out fifth.
var layerWeight = map[string]float64{
	"station": 3, "ward": 2, "bbmp_wards": 2, "traffic": 0.5,
	"gba_division": 1, "gba_subdivision": 1, "pincode": 1, "election_ac": 0.5, "admin_village": 1,
	"landmark_metro": 1, "landmark_poi": 1, "landmark_road": 1, "landmark_post": 1, "landmark_area": 2, "landmark_school": 2,
	"landmark_curated": 2,
}

// Shares below minAlt are not listed as plausible (nor more than maxAlts
// stations: a long road crosses a dozen); a winner below splitShare marks
// the name as split.
const (
	minAlt     = 0.1
	maxAlts    = 4
	splitShare = 0.6
)

func (b *builder) resolve() {
	g := b.g
	type vote struct {
		st string
		w  float64
	}
	var votes []vote
	add := func(st string, w float64) {
		if st == "" || w <= 0 {
			return
		}
		for i := range votes {
			if votes[i].st == st {
				votes[i].w += w
				return
			}
		}
		votes = append(votes, vote{st, w})
	}
	nodes := make([]int32, 0, len(b.evidence))
	for n := range b.evidence {
		nodes = append(nodes, n)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i] < nodes[j] }) // deterministic entry numbering
	for _, node := range nodes {
		ev := b.evidence[node]
		primary := g.final[node]
		if primary < 0 {
			continue
		}
		votes = votes[:0]
		nArea := 0
		for _, x := range ev {
			if schoolLayer[g.entries[x].layer] {
				nArea++
			}
		}
		for _, x := range ev {
			e := &g.entries[x]
			w := layerWeight[e.layer]
			if schoolLayer[e.layer] {
				w /= float64(nArea)
			}
			if len(e.shares) > 0 {
				for _, sh := range e.shares {
					add(sh.Station, w*sh.Part)
				}
			} else {
				add(e.station, w)
			}
		}
		if len(votes) == 0 {
			continue
		}
		total := 0.0
		for _, v := range votes {
			total += v.w
		}
		p := &g.entries[primary]
		sort.SliceStable(votes, func(i, j int) bool {
			if votes[i].w != votes[j].w {
				return votes[i].w > votes[j].w
			}
			return votes[i].st == p.station // a tie keeps the named place's own station
		})
		win, top := votes[0].st, votes[0].w/total
		if win == p.station && top > 0.999 {
			continue
		}
		ne := *p
		ne.station, ne.clash, ne.alts = win, top < splitShare, nil
		// The point: the best-ranked piece of evidence inside the winner.
		best := int32(-1)
		for _, x := range ev {
			e := &g.entries[x]
			if len(e.shares) == 0 && e.station == win && (best < 0 || e.rank < g.entries[best].rank) {
				best = x
			}
		}
		if best >= 0 && best != primary {
			be := &g.entries[best]
			ne.lat, ne.lon, ne.ward, ne.traffic = be.lat, be.lon, be.ward, be.traffic
		}
		ne.altPts = nil
		for _, v := range votes {
			if f := v.w / total; f >= minAlt && len(ne.alts) < maxAlts {
				ne.alts = append(ne.alts, post.StationShare{Station: v.st, Share: float64(int(f*100+0.5)) / 100})
				pt := int32(-1)
				for _, x := range ev {
					e := &g.entries[x]
					if len(e.shares) == 0 && e.station == v.st && (pt < 0 || e.rank < g.entries[pt].rank) {
						pt = x
					}
				}
				ne.altPts = append(ne.altPts, pt)
			}
		}
		if len(ne.alts) < 2 {
			ne.alts, ne.altPts = nil, nil
		}
		g.entries = append(g.entries, ne)
		g.final[node] = int32(len(g.entries) - 1)
	}
	// Aliases name the resolved place of their target.
	for k := range b.byKey {
		if n := b.walk(strings.Fields(k)); n > 0 && g.final[n] >= 0 {
			b.byKey[k] = g.final[n]
		}
	}
}

// walk returns the trie node of a key sequence, or 0.
func (b *builder) walk(keys []string) int32 {
	node := int32(0)
	for _, k := range keys {
		id, ok := b.g.vocab[k]
		if !ok {
			return 0
		}
		nx, ok := b.g.next[uint64(node)<<32|uint64(uint32(id))]
		if !ok {
			return 0
		}
		node = nx
	}
	return node
}
