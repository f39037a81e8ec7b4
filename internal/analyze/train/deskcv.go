package train

import (
	"fmt"
	"io"
	"math"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/model"
)

// deskCVSources are the data sets the labelled desk posts were drawn from,
// each held out whole in DeskCV (with its own data set's rows).
var deskCVSources = []string{"mumbai", "civic", "complaints"}

// DeskCVWeights, when set (kaval train --cv-desk-weights), are the desk
// label weights DeskCV measures (0: without the desk labels).
var DeskCVWeights []float32

// DeskCV reports the complaint and category heads on the labelled desk
// posts out of source (kaval train --cv desk): for each source, heads
// trained without any row of it (its data set and its desk labels) score
// its desk posts of the training part (the police-desk dev split is never
// read). Variants: without the desk labels, and with them at weights 1, 2
// and 4; for categories also the floor under which a post gets none.
func DeskCV(d *Data, w io.Writer) {
	f := newFeaturizer(d)
	type variant struct {
		on     bool
		weight float32
	}
	vs := []variant{{false, 0}, {true, 1}, {true, 2}, {true, 4}}
	if DeskCVWeights != nil {
		vs = nil
		for _, wt := range DeskCVWeights {
			vs = append(vs, variant{wt > 0, wt})
		}
	}
	for _, v := range vs {
		ComplaintDeskLabels, CategoryDeskLabels, DeskWeight = v.on, v.on, v.weight
		fmt.Fprintf(w, "desk labels %v weight %.0f\n", v.on, v.weight)
		var cg, cp []int
		all := map[float32]*[3]int{} // floor -> right, n(with category), none kept
		allNone := 0
		for _, src := range deskCVSources {
			var test []LabelledPost
			for _, p := range d.deskTrain() {
				if deskFold(p.Group) == src {
					test = append(test, p)
				}
			}
			// Complaint.
			var ex []model.Example
			if src != "complaints" {
				for _, it := range d.trainOnly(d.Complaints) {
					if !d.deskLabelled(it.Text) {
						ex = append(ex, f.complaintExample(it.Text, boolLabel(it.Label)))
					}
				}
			}
			for _, it := range complaintExtra(d, src) {
				if src == "civic" && it.source == "civic" {
					continue
				}
				e := f.complaintExample(it.text, it.label)
				e.Weight = it.weight
				ex = append(ex, e)
			}
			dense := complaintHead(f, ex)
			var g, p []int
			for _, t := range test {
				g = append(g, b2i(t.Complaint))
				p = append(p, complaintPred(f, dense, t.Text))
			}
			cg, cp = append(cg, g...), append(cp, p...)
			fmt.Fprintf(w, "  %-10s complaint macro-F1 %.3f (n %d)", src, macroF1Of(g, p, 2), len(g))
			// Category.
			cats, cex := categoryExamplesWithout(d, f, src)
			cd := model.Train(cex, model.Sigmoid, len(cats), optionsFor("category"))
			for _, floor := range []float32{0.2, 0.35, 0.5} {
				right, n, none, noneN := 0, 0, 0, 0
				for _, t := range test {
					top := deskTopCategory(f, cd, cats, t.Text, floor)
					if t.Category == "none" {
						noneN++
						if top == "none" {
							none++
						}
						continue
					}
					if t.Category == "emergency" {
						continue
					}
					n++
					if top == t.Category {
						right++
					}
				}
				a := all[floor]
				if a == nil {
					a = new([3]int)
					all[floor] = a
				}
				a[0] += right
				a[1] += n
				a[2] += none
				if floor == 0.2 {
					allNone += noneN
				}
				fmt.Fprintf(w, " | floor %.2f top-1 %.3f (%d/%d) none kept %d/%d", floor, ratio(right, n), right, n, none, noneN)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "  all        complaint macro-F1 %.3f (n %d)", macroF1Of(cg, cp, 2), len(cg))
		for _, floor := range []float32{0.2, 0.35, 0.5} {
			a := all[floor]
			fmt.Fprintf(w, " | floor %.2f top-1 %.3f (%d/%d) none kept %d/%d", floor, ratio(a[0], a[1]), a[0], a[1], a[2], allNone)
		}
		fmt.Fprintln(w)
	}
	ComplaintDeskLabels, CategoryDeskLabels, DeskWeight = false, true, 4
}

// categoryExamplesWithout is CategoryExamples' training rows without any
// row of source (the Mumbai, civic or complaints data set and the desk
// posts drawn from it).
func categoryExamplesWithout(d *Data, f *featurizer, source string) ([]string, []model.Example) {
	keep := func(text, src string, _ []string) bool { return src != source }
	saved := categoryRowFilter
	categoryRowFilter = keep
	defer func() { categoryRowFilter = saved }()
	return CategoryExamples(d, f, false)
}

// categoryRowFilter, when set, keeps only the category rows it accepts
// (text, source "mumbai", "civic", "authored", "labels" or a desk fold);
// for leave-one-source-out cross-validation.
var categoryRowFilter func(text, source string, cats []string) bool

// deskTopCategory is the engine's first category for text with a category
// head trained by cross-validation: the head's probabilities and the
// lexicons' scores, the highest if at least floor (the emergency category
// left out: it is the flag), else "none".
func deskTopCategory(f *featurizer, dense *model.Dense, cats []string, text string, floor float32) string {
	s := analyze.CategoryRules(text)
	x := f.example(text, "", 0)
	z := dense.Score(x.Idx, x.Val, nil)
	for j, c := range cats {
		k := indexOf(analyze.Categories, c)
		s[k] = max(s[k], float32(1/(1+math.Exp(-float64(z[j])))))
	}
	top, ts := "none", floor
	for k, c := range analyze.Categories {
		if c != "emergency" && s[k] >= ts {
			top, ts = c, s[k]
		}
	}
	return top
}

// DeskComplaintCV reports the complaint head on the labelled desk posts
// out of source (kaval train --cv desk-complaint), by desk-label weight
// (0: without them) and by offset added to the head's logit (the flag is
// logit + offset > 0): every source's posts scored by a head trained
// without any row of it.
func DeskComplaintCV(d *Data, w io.Writer) {
	f := newFeaturizer(d)
	offsets := []float32{-1.5, -1, -0.75, -0.5, -0.25, 0, 0.25, 0.5}
	for _, wt := range []float32{0, 0.5, 1, 2, 4} {
		ComplaintDeskLabels, DeskWeight = wt > 0, wt
		var gold []int
		var z []float32
		var src []string
		for _, s := range deskCVSources {
			var ex []model.Example
			if s != "complaints" {
				for _, it := range d.trainOnly(d.Complaints) {
					if !d.deskLabelled(it.Text) {
						ex = append(ex, f.complaintExample(it.Text, boolLabel(it.Label)))
					}
				}
			}
			for _, it := range complaintExtra(d, s) {
				e := f.complaintExample(it.text, it.label)
				e.Weight = it.weight
				ex = append(ex, e)
			}
			dense := complaintHead(f, ex)
			for _, p := range d.deskTrain() {
				if deskFold(p.Group) != s {
					continue
				}
				x := f.complaintExample(p.Text, 0)
				gold = append(gold, b2i(p.Complaint))
				z = append(z, dense.Score(x.Idx, x.Val, nil)[0])
				src = append(src, s)
			}
		}
		fmt.Fprintf(w, "complaint, desk label weight %.1f:", wt)
		for _, off := range offsets {
			fmt.Fprintf(w, "\n  offset %+.2f:", off)
			for _, s := range append(deskCVSources, "all") {
				var g, p []int
				for i := range gold {
					if s == "all" || src[i] == s {
						g = append(g, gold[i])
						p = append(p, b2i(z[i]+off > 0))
					}
				}
				fmt.Fprintf(w, " %s %.3f", s, macroF1Of(g, p, 2))
			}
		}
		fmt.Fprintln(w)
	}
	ComplaintDeskLabels, DeskWeight = false, 4
}
