package place

import (
	"strings"

	"github.com/kaval-desk/kaval/internal/geo"
)

type builder struct {
	skip  SkipLayers
	g     *Gazetteer
	byKey map[string]int32 // joined key of a name's main variant -> entry (for aliases)
	// evidence: trie node -> every entry indexed under that name (a
	// locality, its school areas, its post office, a metro station...),
	// weighed together by resolve.
	evidence map[int32][]int32
	// Vocabulary words only the curated landmarks bring ("forummall",
	// "commercialst", "manyata") stay out of the one-edit correction:
	// "formal", "commercials" and "Manyama" are other words, where a
	// misspelt locality is worth correcting.
	curatedWord, otherWord map[string]bool
}

// cityNames name the whole city or state: never a locality.
var cityNames = map[string]bool{}

func init() {
	for _, w := range []string{"bengaluru", "bangalore", "bengaluru city", "bangalore city", "bengaluru urban", "bangalore urban",
		"bengaluru rural", "bangalore south", "bangalore north", "bengaluru gpo", "karnataka", "india", "blr", "namma bengaluru"} {
		cityNames[joinKeys(w)] = true
	}
}

func joinKeys(s string) string {
	toks, _ := tokenize(s, nil, nil)
	ks := make([]string, len(toks))
	for i, t := range toks {
		ks[i] = string(t.key)
	}
	return strings.Join(ks, " ")
}

var layerRank = map[string]int{
	"bbmp_wards": rankBBMPWard, "gba_division": rankDivision, "gba_subdivision": rankDivision,
	"pincode": rankPincode, "election_ac": rankAssembly, "admin_village": rankVillage,
	"landmark_metro": rankLandmark, "landmark_poi": rankLandmark, "landmark_curated": rankLandmark, "landmark_road": rankLandmark, "landmark_post": rankLandmark,
	"landmark_area": rankArea, "landmark_school": rankArea,
}

// schoolLayer: the layers with one point per school of the KLP list (the
// school's area field, the place its name names): a name's schools share
// one vote (resolve).
var schoolLayer = map[string]bool{"landmark_area": true, "landmark_school": true}

// SkipLayers leaves pack layers out of gazetteers built by New (for the
// held-out landmark evaluation, which builds without one source).
type SkipLayers map[string]bool

func (b *builder) build() error {
	g := b.g
	p := g.pack
	// Law-and-order stations first: their names are what people call
	// the locality the station is named after.
	for _, u := range p.Units() {
		if u.Kind != geo.KindStation {
			continue
		}
		base := strings.TrimSuffix(u.Name, " PS")
		e := b.entry(base, rankStation, u.Lat, u.Lon)
		g.entries[e].station = u.Name
		g.entries[e].stationEntry = true
		g.entries[e].layer = "station"
		b.add(e, base, strings.TrimSuffix(u.NameKn, " ಪೊಲೀಸ್ ಠಾಣೆ"))
		var letters []byte
		for _, c := range []byte(strings.ToLower(base)) {
			if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
				letters = append(letters, c)
			}
		}
		if len(letters) >= 4 {
			g.stationHandles[keyOf(string(letters))] = e
		}
	}
	for _, a := range p.Areas() {
		e := b.entry(a.Name, rankWard, a.Lat, a.Lon)
		b.g.entries[e].shares = a.Stations
		b.g.entries[e].layer = "ward"
		b.add(e, trimWard(a.Name), trimWard(a.NameKn))
	}
	for _, u := range p.Units() {
		if u.Kind != geo.KindTrafficStation {
			continue
		}
		base := strings.TrimSuffix(u.Name, " Traffic PS")
		e := b.entry(base, rankTraffic, u.Lat, u.Lon)
		g.entries[e].traffic = u.Name
		g.entries[e].layer = "traffic"
		b.add(e, base, strings.TrimSuffix(u.NameKn, " ಸಂಚಾರ ಪೊಲೀಸ್ ಠಾಣೆ"))
	}
	areaPoints := map[string]int{}
	for _, pl := range p.Places() {
		if schoolLayer[pl.Layer] {
			areaPoints[pl.Layer+joinKeys(pl.Name)]++
		}
	}
	for _, pl := range p.Places() {
		rank, ok := layerRank[pl.Layer]
		if !ok || b.skip[pl.Layer] {
			continue
		}
		if schoolLayer[pl.Layer] && areaPoints[pl.Layer+joinKeys(pl.Name)] == 1 && b.extendsKnown(pl.Name) {
			// One school in "Jayanagar 4th Block" is too thin to move
			// the block away from what "Jayanagar" says.
			continue
		}
		name, kn := pl.Name, pl.NameKn
		var pin string
		if pl.Layer == "pincode" {
			pin, name, _ = strings.Cut(name, ": ")
			_, kn, _ = strings.Cut(kn, ": ")
		}
		e := b.entry(name, rank, pl.Lat, pl.Lon)
		b.g.entries[e].shares = pl.Stations
		b.g.entries[e].layer = pl.Layer
		if pin != "" {
			g.pins[pin] = e
		}
		b.add(e, trimWard(name), trimWard(kn))
		if pl.Layer == "landmark_metro" {
			// "Indiranagar metro" is the station's point, which may lie
			// in another police station than the locality it is named
			// after ("Indiranagar" alone stays the locality).
			for _, suf := range []string{" metro", " metro station"} {
				b.insert(strings.Fields(joinKeys(name+suf)), e)
			}
		}
	}
	b.resolve()
	b.aliases()
	// One-deletion index over long, distinctive vocabulary words.
	for k, id := range g.vocab {
		if len(k) < 6 || k[0] >= 0x80 || commonWords[k] || b.curatedWord[k] && !b.otherWord[k] {
			continue
		}
		g.prefix3.add([]byte(k))
		for i := 0; i < len(k); i++ {
			d := k[:i] + k[i+1:]
			if old, ok := g.dels[d]; ok && old != id {
				g.dels[d] = -1
			} else {
				g.dels[d] = id
			}
		}
	}
	return nil
}

func trimWard(s string) string {
	s = strings.TrimSpace(s)
	for _, suf := range []string{" ward", " Ward", " ವಾರ್ಡ್"} {
		s = strings.TrimSuffix(s, suf)
	}
	return s
}

// entry creates an entry resolved through the pack at (lat, lon).
func (b *builder) entry(name string, rank int, lat, lon float64) int32 {
	l := b.g.pack.Locate(lat, lon)
	b.g.entries = append(b.g.entries, entry{name: name, rank: rank, lat: lat, lon: lon, ward: l.Ward, station: l.Station, traffic: l.TrafficStation})
	return int32(len(b.g.entries) - 1)
}

// splitSuffixes: "Jayanagar" is also written "Jaya Nagar".
var splitSuffixes = []string{"nagara", "nagar", "halli", "hally", "palya", "puram", "pura", "pete", "pet", "layout", "gudi", "sandra", "kere", "wadi", "garden", "town", "guppe", "gere"}

// add indexes an entry under its English and Kannada names and their
// spelling variants.
func (b *builder) add(e int32, name, kn string) {
	toks, _ := tokenize(name, nil, nil)
	if len(toks) > 0 {
		keys := make([]string, len(toks))
		allLatin := true
		for i, t := range toks {
			keys[i] = string(t.key)
			allLatin = allLatin && t.latin
		}
		joined := strings.Join(keys, " ")
		if cityNames[joined] {
			return
		}
		if _, ok := b.byKey[joined]; !ok {
			b.byKey[joined] = e
		}
		// A one-word name that is an everyday word needs context; a
		// multi-word name ("City Market", "Church Street") is specific.
		if len(keys) == 1 && commonWords[keys[0]] {
			b.g.entries[e].common = true
		}
		b.insert(keys, e)
		if len(toks) > 1 && allLatin {
			// "J P Nagar" is also "JP Nagar" (handled by tokenize) and
			// "Jpnagar"; "Cox Town" is "Coxtown".
			var raw strings.Builder
			for _, t := range toks {
				for _, c := range strings.ToLower(name[t.start:t.end]) {
					if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
						raw.WriteRune(c)
					}
				}
			}
			b.insert([]string{keyOf(raw.String())}, e)
		}
		if len(toks) == 1 && allLatin {
			low := strings.ToLower(name)
			for _, s := range splitSuffixes {
				if strings.HasSuffix(low, s) && len(low)-len(s) >= 3 {
					b.insert([]string{keyOf(low[:len(low)-len(s)]), keyOf(s)}, e)
					break
				}
			}
		}
	}
	if kn != "" {
		ktoks, _ := tokenize(kn, nil, nil)
		keys := make([]string, 0, len(ktoks))
		for _, t := range ktoks {
			keys = append(keys, string(t.key))
		}
		if len(keys) == 1 && len([]rune(keys[0])) < 3 {
			return
		}
		if len(keys) > 0 {
			b.insert(keys, e)
		}
		if len(keys) > 1 {
			b.insert([]string{strings.Join(keys, "")}, e)
		}
	}
}

// insert adds a key sequence to the trie. Where two entries share a key,
// the better-ranked one names the place, and resolve weighs all of them
// to choose its station.
func (b *builder) insert(keys []string, e int32) {
	g := b.g
	node := int32(0)
	// Words only the curated landmarks or the school names bring stay out
	// of the one-edit correction ("Arabian" is no misspelt school village).
	curated := g.entries[e].layer == "landmark_curated" || g.entries[e].layer == "landmark_school"
	for _, k := range keys {
		if k == "" {
			continue
		}
		if b.curatedWord != nil {
			if curated {
				b.curatedWord[k] = true
			} else {
				b.otherWord[k] = true
			}
		}
		id, ok := g.vocab[k]
		if !ok {
			id = int32(len(g.vocab))
			g.vocab[k] = id
		}
		key := uint64(node)<<32 | uint64(uint32(id))
		nx, ok := g.next[key]
		if !ok {
			nx = int32(len(g.final))
			g.final = append(g.final, -1)
			g.next[key] = nx
		}
		node = nx
	}
	if node == 0 {
		return
	}
	if b.evidence != nil {
		ev := b.evidence[node]
		for _, x := range ev {
			if x == e {
				return
			}
		}
		b.evidence[node] = append(ev, e)
	}
	old := g.final[node]
	switch {
	case old < 0:
		g.final[node] = e
	case old == e:
	case g.entries[e].rank < g.entries[old].rank:
		g.final[node] = e
	}
}

// aliases adds the hand-curated landmarks and nicknames: each resolves
// to the place of an existing gazetteer name, so no coordinate is
// invented here.
func (b *builder) aliases() {
	for _, a := range aliasList {
		target, ok := b.byKey[joinKeys(a.target)]
		if !ok {
			continue // the pack lacks the target; tested in place_test
		}
		t := b.g.entries[target]
		t.name, t.rank, t.common, t.clash, t.alts, t.altPts = a.alias, rankAlias, a.needsContext, false, nil, nil
		b.g.entries = append(b.g.entries, t)
		e := int32(len(b.g.entries) - 1)
		keys := strings.Fields(joinKeys(a.alias))
		b.insert(keys, e)
	}
}

// extendsKnown: the name's first words already name a place ("Jayanagar"
// of "Jayanagar 4th Block").
func (b *builder) extendsKnown(name string) bool {
	keys := strings.Fields(joinKeys(name))
	for j := len(keys) - 1; j >= 1; j-- {
		if n := b.walk(keys[:j]); n > 0 && b.g.final[n] >= 0 {
			return true
		}
	}
	return false
}
