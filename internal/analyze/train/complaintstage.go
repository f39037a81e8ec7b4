package train

import (
	"fmt"
	"io"
	"sort"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/model"
)

// The complaint stage (analyze.ComplaintDecision) is fitted and chosen
// here, out of source, as the danger-now stage: every post's complaint
// head logit comes from a head trained without the post's source, the
// stage probability from a stage fitted without it, and each source's
// threshold is chosen on the other sources.

type complaintRow struct {
	x     []float32
	z     float32 // the head's out-of-source logit (the flag before the stage is z > 0)
	gold  int
	group string
	real  bool
}

// complaintRows builds the stage's rows: the labelled desk posts of the
// training part and the authored set, each scored by a complaint head
// trained without its source (crisis posts, which no complaint head
// reads, by the head trained on everything).
func complaintRows(d *Data) []complaintRow {
	f := newFeaturizer(d)
	ComplaintDeskLabels = false
	var rows []complaintRow
	for _, src := range []string{"mumbai", "civic", "complaints", "authored", ""} {
		var ex []model.Example
		if src != "complaints" {
			for _, it := range d.trainOnly(d.Complaints) {
				ex = append(ex, f.complaintExample(it.Text, boolLabel(it.Label)))
			}
		}
		for _, it := range complaintExtra(d, src) {
			e := f.complaintExample(it.text, it.label)
			e.Weight = it.weight
			ex = append(ex, e)
		}
		dense := complaintHead(f, ex)
		score := func(text string) float32 {
			x := f.complaintExample(text, 0)
			return dense.Score(x.Idx, x.Val, nil)[0]
		}
		add := func(text string, gold bool, group string, real bool) {
			z := score(text)
			x := analyze.ComplaintFeatures(text)(z)
			rows = append(rows, complaintRow{x: x[:], z: z, gold: b2i(gold), group: group, real: real})
		}
		for _, p := range d.deskTrain() {
			g := deskFold(p.Group)
			if g == src || src == "" && g == "crisis" {
				add(p.Text, p.Complaint, g, true)
			}
		}
		if src == "authored" {
			for _, p := range d.Desk {
				if !d.isDev(p.Text) {
					add(p.Text, p.Complaint, "authored", false)
				}
			}
		}
	}
	return rows
}

// ComplaintStageCV reports the complaint stage out of source (kaval train
// --cv complaint-stage) against the head alone, by source, and prints the
// stage fitted on every row with the threshold chosen on all sources'
// out-of-source probabilities.
func ComplaintStageCV(d *Data, w io.Writer) {
	rows := complaintRows(d)
	before := make([]float64, len(rows))
	for i, r := range rows {
		if r.z > 0 {
			before[i] = 1
		}
	}
	fmt.Fprintln(w, "complaint head alone (flag: logit > 0):")
	reportComplaint(w, rows, before, func(string) float64 { return 0.5 })
	for _, lambda := range []float64{0.1, 1, 10} {
		p := complaintOOF(rows, lambda)
		ts := map[string]float64{}
		for _, g := range complaintGroups(rows) {
			ts[g] = chooseComplaintThreshold(rows, p, g)
		}
		fmt.Fprintf(w, "complaint stage, lambda %.1f (threshold per source chosen on the others):\n", lambda)
		reportComplaint(w, rows, p, func(g string) float64 { return ts[g] })
	}
	p := complaintOOF(rows, ComplaintLambda)
	t := chooseComplaintThreshold(rows, p, "")
	xs := make([][]float32, len(rows))
	gold := make([]int, len(rows))
	wt := make([]float64, len(rows))
	for i, r := range rows {
		xs[i], gold[i], wt[i] = r.x, r.gold, 1
	}
	st := fitLogistic(xs, gold, wt, ComplaintLambda)
	fmt.Fprintf(w, "shipped setting (lambda %.1f): threshold %.2f\nanalyze.ComplaintDecision = analyze.ComplaintStage{", ComplaintLambda, t)
	for i, v := range st {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprint(w, v)
	}
	fmt.Fprintln(w, "}")
}

// ComplaintLambda is the complaint stage's regularisation, chosen by
// ComplaintStageCV.
var ComplaintLambda = 1.0

func complaintGroups(rows []complaintRow) []string {
	seen := map[string]bool{}
	var gs []string
	for _, r := range rows {
		if !seen[r.group] {
			seen[r.group] = true
			gs = append(gs, r.group)
		}
	}
	sort.Strings(gs)
	return gs
}

func complaintOOF(rows []complaintRow, lambda float64) []float64 {
	return oofByGroup(rows, lambda, func(st []float32, x []float32) float64 {
		var cs analyze.ComplaintStage
		copy(cs[:], st)
		var fx [analyze.ComplaintFeatureCount]float32
		copy(fx[:], x)
		return float64(cs.Prob(fx))
	})
}

// oofByGroup gives each row the probability prob of a logistic stage
// fitted on the rows of the other groups (sources).
func oofByGroup(rows []complaintRow, lambda float64, prob func(st, x []float32) float64) []float64 {
	p := make([]float64, len(rows))
	for _, g := range complaintGroups(rows) {
		var xs [][]float32
		var gold []int
		var wt []float64
		for _, r := range rows {
			if r.group != g {
				xs, gold, wt = append(xs, r.x), append(gold, r.gold), append(wt, 1)
			}
		}
		st := fitLogistic(xs, gold, wt, lambda)
		for i, r := range rows {
			if r.group == g {
				p[i] = prob(st, r.x)
			}
		}
	}
	return p
}

// chooseComplaintThreshold is the threshold with the best macro-F1 on the
// real desk posts outside group leave (all when "").
func chooseComplaintThreshold(rows []complaintRow, p []float64, leave string) float64 {
	best, bestT := -1.0, 0.5
	for k := 5; k < 96; k++ {
		t := float64(k) / 100
		var g, q []int
		for i, r := range rows {
			if r.group != leave && r.real {
				g = append(g, r.gold)
				q = append(q, b2i(p[i] >= t))
			}
		}
		if m := macroF1Of(g, q, 2); m > best+1e-9 {
			best, bestT = m, t
		}
	}
	return bestT
}

func reportComplaint(w io.Writer, rows []complaintRow, p []float64, th func(string) float64) {
	by := map[string][2][]int{}
	for i, r := range rows {
		for _, k := range []string{r.group, map[bool]string{true: "all real"}[r.real]} {
			if k == "" {
				continue
			}
			v := by[k]
			v[0] = append(v[0], r.gold)
			v[1] = append(v[1], b2i(p[i] >= th(r.group)))
			by[k] = v
		}
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, q := by[k][0], by[k][1]
		tp, pos, flagged := 0, 0, 0
		for i := range g {
			pos += g[i]
			flagged += q[i]
			if g[i] == 1 && q[i] == 1 {
				tp++
			}
		}
		fmt.Fprintf(w, "  %-10s macro-F1 %.3f (n %d), recall %d/%d, precision %.2f\n", k, macroF1Of(g, q, 2), len(g), tp, pos, ratio(tp, flagged))
	}
}
