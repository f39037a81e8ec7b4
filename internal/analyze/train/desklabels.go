package train

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/analyze"
)

// The police-desk labelled set: real posts from ../shared/data addressed
// to police (and civic) handles, labelled by hand following
// docs/LABELLING.md. The repository holds only the labels, keyed by
// DeskKey of the post's text (the data's licences and the citizens'
// words stay outside it); the texts are joined back from ../shared/data
// by DeskPool at training time.

//go:embed desk/labels.tsv
var deskLabelsTSV string

//go:embed desk/enriched.keys
var deskEnrichedKeys string

var deskEnriched = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(deskEnrichedKeys) {
		m[k] = true
	}
	return m
})

// DeskKey is the key of a post in the labelled set: the first 16 hex
// digits of the SHA-256 of its normalised text (lowercased, whitespace
// runs collapsed to one space, trimmed), so a label never carries the text
// and the same post read from another copy of the data finds its label.
func DeskKey(text string) string {
	n := strings.Join(strings.Fields(strings.ToLower(text)), " ")
	s := sha256.Sum256([]byte(n))
	return hex.EncodeToString(s[:8])
}

// PoolPost is one post that may be labelled.
type PoolPost struct {
	Key, Source, Text string
}

// DeskSources are the sources of the pool, in the order a batch mixes
// them, with how many of every 20 posts each contributes (so any prefix of
// the pool is stratified the same way) and, for cross-validation, the
// group a source is held out with (DeskGroup).
var DeskSources = []struct {
	Name  string
	Share int
	Group string
}{
	{"mumbai-police", 12, "mumbai"}, // Mumbai tweets naming a police handle
	{"mumbai-other", 2, "mumbai"},   // Mumbai tweets to civic, rail and political handles
	{"blr-traffic", 3, "bengaluru"}, // Bengaluru 2020 tweets about traffic
	{"blr-civic", 2, "bengaluru"},   // Bengaluru 2020 tweets to BBMP / BWSSB, potholes
	{"complaints", 1, "complaints"}, // tweets to companies' help desks (ACL 2019)
	// Crisis tweets of the training events (never the emergency dev
	// events) that name a handle: real posts written while people were at
	// risk, the only real source of danger now in any number. Share 0:
	// they follow the interleaved pool, so its stratified prefix is as
	// before, and are labelled by keyword (kaval label next --match).
	{"crisis", 0, "crisis"},
}

// DeskGroup is the cross-validation group of a pool source.
func DeskGroup(source string) string {
	for _, s := range DeskSources {
		if s.Name == source {
			return s.Group
		}
	}
	return source
}

var policeHandle = regexp.MustCompile(`(?i)@\w*(police|traffic|polis|dgp|cpmumbai)\w*`)

// DeskPool reads the posts that may be labelled from root (../shared/data),
// deduplicated by key, each source in key order (a fixed pseudo-random
// order), interleaved by DeskSources' shares.
func DeskPool(root string) ([]PoolPost, error) {
	by := map[string][]PoolPost{}
	seen := map[string]bool{}
	add := func(src, text string) {
		text = strings.TrimSpace(text)
		if utf8.RuneCountInString(text) < 25 || strings.HasPrefix(text, "RT @") {
			return // too short to judge; retweets repeat their original
		}
		k := DeskKey(text)
		if seen[k] {
			return
		}
		seen[k] = true
		by[src] = append(by[src], PoolPost{Key: k, Source: src, Text: text})
	}
	mumbai, err := Mumbai(root)
	if err != nil {
		return nil, err
	}
	for _, it := range mumbai {
		if policeHandle.MatchString(it.Text) {
			add("mumbai-police", it.Text)
		} else {
			add("mumbai-other", it.Text)
		}
	}
	for _, f := range []struct{ file, src string }{
		{"trafficData.csv", "blr-traffic"}, {"BBMPData.csv", "blr-civic"},
		{"BWSSBData.csv", "blr-civic"}, {"potholeData.csv", "blr-civic"},
	} {
		rows, err := readCSV(filepath.Join(root, "bengaluru-civic", "weak_labelled_tweets_2020"), f.file, ',')
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(r) >= 3 {
				add(f.src, r[2])
			}
		}
	}
	comp, err := Complaints(root)
	if err != nil {
		return nil, err
	}
	for _, it := range comp {
		add("complaints", it.Text)
	}
	for _, related := range []bool{false, true} {
		cr, err := crisis(root, related)
		if err != nil {
			return nil, err
		}
		for _, it := range cr {
			if !DevEvents[it.Group] && strings.Contains(it.Text, "@") {
				add("crisis", it.Text)
			}
		}
	}
	for _, ps := range by {
		sort.Slice(ps, func(i, j int) bool { return ps[i].Key < ps[j].Key })
	}
	var out []PoolPost
	next := map[string]int{}
	for {
		added := false
		for _, s := range DeskSources {
			for n := 0; n < s.Share && next[s.Name] < len(by[s.Name]); n++ {
				out = append(out, by[s.Name][next[s.Name]])
				next[s.Name]++
				added = true
			}
		}
		if !added {
			break
		}
	}
	for _, s := range DeskSources {
		if s.Share == 0 {
			out = append(out, by[s.Name]...)
		}
	}
	return out, nil
}

// DeskLabel is one labelled post of the police-desk set (docs/LABELLING.md).
type DeskLabel struct {
	Key, Source string
	Category    string // one of analyze.Categories, or "none"
	Emergency   bool   // police emergency: danger now
	Complaint   bool
	Urgency     int    // 0 low, 1 medium, 2 high
	Place       string // the place the matter is at, as written ("" none)
	Station     string // the police station named or certain ("" none)
}

// DeskLabelColumns is the header of the label files.
const DeskLabelColumns = "key\tsource\tcategory\temergency\tcomplaint\turgency\tplace\tstation"

// ParseDeskLabels reads a label file (DeskLabelColumns, tab-separated;
// blank lines and lines starting with # are skipped). Every error names
// its line; a key labelled twice keeps the last line.
func ParseDeskLabels(src string) ([]DeskLabel, error) {
	var out []DeskLabel
	at := map[string]int{}
	for n, l := range strings.Split(src, "\n") {
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) == "" || l[0] == '#' || l == DeskLabelColumns {
			continue
		}
		p := strings.Split(l, "\t")
		for len(p) < 8 {
			p = append(p, "")
		}
		if len(p) > 8 {
			return nil, fmt.Errorf("line %d: %d columns, want 8 (%s)", n+1, len(p), DeskLabelColumns)
		}
		for i := range p {
			p[i] = strings.TrimSpace(p[i])
		}
		lab := DeskLabel{Key: p[0], Source: p[1], Category: p[2], Place: p[6], Station: p[7]}
		if len(lab.Key) != 16 {
			return nil, fmt.Errorf("line %d: key %q is not 16 hex digits", n+1, lab.Key)
		}
		if lab.Category != "none" && !isCategory(lab.Category) {
			return nil, fmt.Errorf("line %d: unknown category %q", n+1, lab.Category)
		}
		var err error
		if lab.Emergency, err = bit(p[3]); err != nil {
			return nil, fmt.Errorf("line %d: emergency: %w", n+1, err)
		}
		if lab.Complaint, err = bit(p[4]); err != nil {
			return nil, fmt.Errorf("line %d: complaint: %w", n+1, err)
		}
		switch p[5] {
		case "0", "1", "2":
			lab.Urgency = int(p[5][0] - '0')
		default:
			return nil, fmt.Errorf("line %d: urgency %q, want 0, 1 or 2", n+1, p[5])
		}
		if i, ok := at[lab.Key]; ok {
			out[i] = lab
			continue
		}
		at[lab.Key] = len(out)
		out = append(out, lab)
	}
	return out, nil
}

func isCategory(c string) bool {
	for _, x := range analyze.Categories {
		if x == c {
			return true
		}
	}
	return false
}

func bit(s string) (bool, error) {
	switch s {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("%q, want 0 or 1", s)
}

// DeskLabels is the committed labelled set (desk/labels.tsv).
func DeskLabels() []DeskLabel {
	ls, err := ParseDeskLabels(deskLabelsTSV)
	if err != nil {
		panic("train: desk/labels.tsv: " + err.Error())
	}
	return ls
}

// LabelledPost is a labelled post with its text joined from the pool.
type LabelledPost struct {
	DeskLabel
	Text  string
	Group string // DeskGroup of its source
}

// JoinDesk joins labels to their posts' texts; labels whose post is not in
// the pool (another copy of the data) are counted in missing.
func JoinDesk(pool []PoolPost, ls []DeskLabel) (out []LabelledPost, missing int) {
	text := make(map[string]string, len(pool))
	for _, p := range pool {
		text[p.Key] = p.Text
	}
	for _, l := range ls {
		t, ok := text[l.Key]
		if !ok {
			missing++
			continue
		}
		out = append(out, LabelledPost{DeskLabel: l, Text: t, Group: DeskGroup(l.Source)})
	}
	return out, missing
}

// SecondSample is the sample for a second annotator: n labelled posts
// stratified by source (each source's share of the labelled set, at least
// 10 each, rounding taken up by the largest source), the lowest keys of
// each source (a fixed pseudo-random choice that does not depend on the
// labels), in key order.
func SecondSample(ls []DeskLabel, n int) []DeskLabel {
	by := map[string][]DeskLabel{}
	for _, l := range ls {
		by[l.Source] = append(by[l.Source], l)
	}
	var srcs []string
	for s, xs := range by {
		srcs = append(srcs, s)
		sort.Slice(xs, func(i, j int) bool { return xs[i].Key < xs[j].Key })
	}
	sort.Strings(srcs)
	take := map[string]int{}
	total, big := 0, ""
	for _, s := range srcs {
		k := min(max(n*len(by[s])/max(len(ls), 1), 10), len(by[s]))
		take[s] = k
		total += k
		if big == "" || len(by[s]) > len(by[big]) {
			big = s
		}
	}
	if big != "" {
		take[big] = max(0, min(len(by[big]), take[big]+n-total))
	}
	var out []DeskLabel
	for _, s := range srcs {
		out = append(out, by[s][:take[s]]...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Kappa is Cohen's kappa of two annotators' labels of the same items
// (parallel slices); NaN when there is no item or when both gave every
// item the same single label (chance agreement 1: kappa is undefined).
func Kappa(a, b []string) float64 {
	n := float64(len(a))
	if n == 0 {
		return math.NaN()
	}
	agree := 0.0
	ca, cb := map[string]float64{}, map[string]float64{}
	for i := range a {
		if a[i] == b[i] {
			agree++
		}
		ca[a[i]]++
		cb[b[i]]++
	}
	po := agree / n
	pe := 0.0
	for k, v := range ca {
		pe += v / n * cb[k] / n
	}
	if pe == 1 {
		return math.NaN()
	}
	return (po - pe) / (1 - pe)
}

// deskIndex maps DeskKey to the labelled post, built once per Data.
func (d *Data) deskIndex() map[string]*LabelledPost {
	if d.deskIdx == nil {
		d.deskIdx = map[string]*LabelledPost{}
		for i := range d.DeskL {
			d.deskIdx[d.DeskL[i].Key] = &d.DeskL[i]
		}
	}
	return d.deskIdx
}

// deskOf is the desk label of text, nil when it has none.
func (d *Data) deskOf(text string) *LabelledPost {
	if len(d.DeskL) == 0 {
		return nil
	}
	return d.deskIndex()[DeskKey(strings.TrimSpace(text))]
}

// deskLabelled reports whether text carries a desk label: the emergency,
// complaint and category heads then read it with that label (deskTrain)
// instead of its data set's own, and not at all when it is in the
// police-desk dev split.
func (d *Data) deskLabelled(text string) bool { return d.deskOf(text) != nil }

// crisisEvent is the crisis event of a crisis tweet (by DeskKey), "crisis"
// when the text is in no crisis set.
func (d *Data) crisisEvent(text string) string {
	if d.eventOf == nil {
		d.eventOf = map[string]string{}
		for _, src := range [][]Item{d.Crisis, d.CrisisRelated} {
			for _, it := range src {
				d.eventOf[DeskKey(strings.TrimSpace(it.Text))] = it.Group
			}
		}
	}
	if e, ok := d.eventOf[DeskKey(strings.TrimSpace(text))]; ok {
		return e
	}
	return "crisis"
}

// deskDevText reports whether text is a post of the police-desk dev split.
func (d *Data) deskDevText(text string) bool {
	p := d.deskOf(text)
	return p != nil && DeskDev(p.Key)
}

// deskTrain is the labelled desk posts outside the police-desk dev split.
func (d *Data) deskTrain() []LabelledPost {
	var out []LabelledPost
	for _, p := range d.DeskL {
		if !DeskDev(p.Key) {
			out = append(out, p)
		}
	}
	return out
}

// deskFold is the source a desk group is held out with in the
// leave-one-source-out folds of the emergency, complaint and category
// heads: the data set its posts were drawn from.
func deskFold(group string) string {
	if group == "bengaluru" {
		return "civic"
	}
	return group
}

// DeskWeight is the weight of a labelled desk post in the heads that read
// them (the category head; the emergency and complaint heads under
// cross-validation), chosen out of source (kaval train --cv desk: category
// top-1 on held-out sources 0.632 without the desk labels, 0.633 / 0.635 /
// 0.638 at weight 1 / 2 / 4, with session 6's lexicons);
// DeskEmergencyWeight that of a desk post labelled an emergency.
var DeskWeight, DeskEmergencyWeight float32 = 4, 4
