package place

import "github.com/kaval-desk/kaval/internal/post"

// coMention settles a place whose evidence is split between stations
// ("Rajajinagar": Rajaji Nagar PS 0.55, Subramanya Nagar PS 0.45) by the
// other places the same post names ("near Orion Mall, Rajajinagar"): a
// plausible station that another place of the post lies wholly in wins
// over a larger share (another split place settles nothing). ps[k] was
// made from entry ents[k]. The place's point moves to its own evidence
// inside the chosen station, or, when it has none there (a ward's part),
// to the co-mentioned place's point. Shares (Stations) are left as the
// evidence gave them, so Station may be a listed station other than the first.
func (g *Gazetteer) coMention(ps []post.Place, ents []int32) {
	if len(ps) != len(ents) {
		return
	}
	for i := range ps {
		e := &g.entries[ents[i]]
		if len(e.alts) < 2 || ps[i].Source != "text" {
			continue
		}
		best, bestScore, from := -1, 0.0, -1
		for a, alt := range e.alts {
			// The evidence of the place times that of the others:
			// each other place's share of the station (1 when wholly
			// in it), floored so a place that does not list it
			// weakens it without vetoing it.
			score, src := alt.Share, -1
			for j := range ps {
				if j == i || ps[j].Source != "text" {
					continue
				}
				sh := 0.0
				if len(ps[j].Stations) == 0 {
					if ps[j].Station == alt.Station {
						sh = 1
					}
				} else {
					for _, s := range ps[j].Stations {
						if s.Station == alt.Station {
							sh = s.Share
						}
					}
				}
				if ps[j].Station == alt.Station && src < 0 {
					src = j
				}
				score *= coFloor + sh
			}
			if score > bestScore {
				best, bestScore, from = a, score, src
			}
		}
		if best < 0 || e.alts[best].Station == ps[i].Station {
			continue
		}
		pt := e.altPts[best]
		if pt < 0 && from < 0 {
			continue // no point of the place or the post inside that station
		}
		ps[i].Station = e.alts[best].Station
		if pt >= 0 {
			x := &g.entries[pt]
			ps[i].Lat, ps[i].Lon, ps[i].Ward, ps[i].TrafficStation = x.lat, x.lon, x.ward, x.traffic
		} else {
			ps[i].Lat, ps[i].Lon, ps[i].Ward, ps[i].TrafficStation = ps[from].Lat, ps[from].Lon, ps[from].Ward, ps[from].TrafficStation
		}
	}
}

// coFloor: how much a station keeps when another place of the post does
// not list it (chosen on the leave-one-source-out folds, PLACES.md).
var coFloor = 0.1
