package train

import (
	"fmt"
	"io"
	"sort"

	"github.com/kaval-desk/kaval/internal/analyze"
)

// DeskDev reports whether a labelled desk post is in the police-desk dev
// split: one key in four (by the key's last hex digit), fixed before any
// model saw the labels. Dev posts train no head and count in no idf
// (Data.isDev); they are scored once, at the end (DeskScore).
func DeskDev(key string) bool {
	if key == "" {
		return false
	}
	switch key[len(key)-1] {
	case '0', '4', '8', 'c':
		return true
	}
	return false
}

// DeskEnriched reports whether a labelled post was chosen by keyword
// (kaval label next --match; desk/enriched.keys), not by the stratified
// pool order. Rates of ordinary posts flagged are measured on the
// stratified posts only: the enriched ones were picked for danger words.
func DeskEnriched(key string) bool { return deskEnriched()[key] }

// DeskResult is the engine's figures on labelled desk posts of one
// source group.
type DeskResult struct {
	Group string
	N     int
	// Emergency: tp, fp, fn, and ordinary posts of the stratified sample
	// flagged (fpStrat of nStrat).
	TP, FP, FN, FPStrat, NStrat int
	// Category: top-1 among posts with a gold category (right of
	// catN), posts with a gold category given none (catNone), posts
	// labelled none given none (noneNone of noneN).
	CatRight, CatN, CatNone, NoneNone, NoneN int
	PerCat                                   map[string][2]int // right, n
	// Complaint: confusion [gold][pred].
	Comp [2][2]int
	// Reliability: emergency scores by tenth, [bin] = {posts, emergencies}.
	Rel [10][2]int
}

// Precision, Recall and FlagRate of the emergency flag.
func (r *DeskResult) Precision() float64 { return ratio(r.TP, r.TP+r.FP) }
func (r *DeskResult) Recall() float64    { return ratio(r.TP, r.TP+r.FN) }
func (r *DeskResult) FlagRate() float64  { return ratio(r.FPStrat, r.NStrat) }

// Top1 is category top-1 accuracy among posts with a gold category.
func (r *DeskResult) Top1() float64 { return ratio(r.CatRight, r.CatN) }

// ComplaintMacroF1 is the complaint flag's macro-F1.
func (r *DeskResult) ComplaintMacroF1() float64 {
	var gold, pred []int
	for g := 0; g < 2; g++ {
		for p := 0; p < 2; p++ {
			for n := 0; n < r.Comp[g][p]; n++ {
				gold, pred = append(gold, g), append(pred, p)
			}
		}
	}
	return macroF1Of(gold, pred, 2)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// DeskScore scores the engine on labelled desk posts, by source group and
// over all ("all"). The category the engine gives is its first (highest
// scoring) category, "none" when it gives none; the emergency category is
// the flag.
func DeskScore(e *analyze.Engine, posts []LabelledPost) []*DeskResult {
	by := map[string]*DeskResult{}
	get := func(g string) *DeskResult {
		r := by[g]
		if r == nil {
			r = &DeskResult{Group: g, PerCat: map[string][2]int{}}
			by[g] = r
		}
		return r
	}
	for _, p := range posts {
		a := e.Analyze(analyze.Input{Text: p.Text})
		cat := "none"
		if len(a.Categories) > 0 {
			cat = a.Categories[0].Name
		}
		for _, r := range []*DeskResult{get(p.Group), get("all")} {
			r.N++
			switch {
			case a.Emergency.Label && p.Emergency:
				r.TP++
			case a.Emergency.Label:
				r.FP++
			case p.Emergency:
				r.FN++
			}
			if !p.Emergency && !DeskEnriched(p.Key) {
				r.NStrat++
				if a.Emergency.Label {
					r.FPStrat++
				}
			}
			bin := min(int(a.Emergency.Score*10), 9)
			r.Rel[bin][0]++
			if p.Emergency {
				r.Rel[bin][1]++
			}
			if p.Category == "none" {
				r.NoneN++
				if cat == "none" {
					r.NoneNone++
				}
			} else if !p.Emergency || p.Category != "emergency" {
				r.CatN++
				pc := r.PerCat[p.Category]
				pc[1]++
				if cat == p.Category {
					r.CatRight++
					pc[0]++
				}
				if cat == "none" {
					r.CatNone++
				}
				r.PerCat[p.Category] = pc
			}
			r.Comp[b2i(p.Complaint)][b2i(a.Complaint.Label)]++
		}
	}
	var out []*DeskResult
	for _, r := range by {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	return out
}

// WriteDeskScore prints DeskScore's figures, one block per group.
func WriteDeskScore(w io.Writer, rs []*DeskResult) {
	for _, r := range rs {
		fmt.Fprintf(w, "%-11s n %4d | emergency P %.2f R %.2f (tp %d fp %d fn %d), ordinary flagged %.1f%% (%d/%d) | category top-1 %.3f (%d/%d), given none %d, none kept %d/%d | complaint macro-F1 %.3f %v\n",
			r.Group, r.N, r.Precision(), r.Recall(), r.TP, r.FP, r.FN, 100*r.FlagRate(), r.FPStrat, r.NStrat,
			r.Top1(), r.CatRight, r.CatN, r.CatNone, r.NoneNone, r.NoneN, r.ComplaintMacroF1(), r.Comp)
		if r.Group != "all" {
			continue
		}
		var cs []string
		for c := range r.PerCat {
			cs = append(cs, c)
		}
		sort.Strings(cs)
		fmt.Fprint(w, "  by category:")
		for _, c := range cs {
			fmt.Fprintf(w, " %s %d/%d", c, r.PerCat[c][0], r.PerCat[c][1])
		}
		fmt.Fprint(w, "\n  emergency score reliability (score bin: posts, emergencies):")
		for b, v := range r.Rel {
			if v[0] > 0 {
				fmt.Fprintf(w, " [%.1f,%.1f) %d/%d", float64(b)/10, float64(b+1)/10, v[1], v[0])
			}
		}
		fmt.Fprintln(w)
	}
}
