package train

import (
	"fmt"
	"io"
	"math"

	"github.com/kaval-desk/kaval/internal/analyze"
)

// The calibration of the emergency score (analyze.EmergencyCalibration):
// one Platt map per part of the decision (the head and rules' logit, the
// danger-now stage's logit), fitted on the real desk posts of the training
// part with every score out of source, and scored with each source's
// posts calibrated by maps fitted on the other sources.

// calRow is a real desk post's score logit, its part and its label.
type calRow struct {
	s     float32
	stage bool
	gold  int
	group string
}

// calRows are the real desk posts with their out-of-source logits: the
// stage's (p) where the post carries a desk matter, the head and rules'
// (the stage's first feature) elsewhere.
func calRows(rows []dangerRow, p []float64) []calRow {
	var out []calRow
	for i, r := range rows {
		if !r.real {
			continue
		}
		if analyze.DeskMatter(r.x) {
			q := min(max(p[i], 1e-6), 1-1e-6)
			out = append(out, calRow{float32(math.Log(q / (1 - q))), true, r.gold, r.group})
		} else {
			out = append(out, calRow{r.x[0], false, r.gold, r.group})
		}
	}
	return out
}

// fitPlatt fits σ(A·s + B) on the rows of one part outside group leave
// ("" none); with too few emergencies, or a slope that is not positive,
// it returns the zero map (the raw sigmoid).
func fitPlatt(rows []calRow, stage bool, leave string) analyze.Platt {
	var xs [][]float32
	var gold []int
	var w []float64
	pos := 0
	for _, r := range rows {
		if r.stage != stage || r.group == leave {
			continue
		}
		xs, gold, w = append(xs, []float32{r.s}), append(gold, r.gold), append(w, 1)
		pos += r.gold
	}
	if pos < 2 {
		return analyze.Platt{}
	}
	ab := fitLogistic(xs, gold, w, 0.01)
	if ab[0] <= 0 {
		return analyze.Platt{}
	}
	return analyze.Platt{A: ab[0], B: ab[1]}
}

// reportCalibration prints the reliability of the raw and the calibrated
// scores on the real desk posts (each source calibrated by maps fitted on
// the others), and the maps fitted on every source.
func reportCalibration(w io.Writer, rows []dangerRow, p []float64) (head, stage analyze.Platt) {
	cr := calRows(rows, p)
	groups := map[string][2]analyze.Platt{}
	for _, r := range cr {
		if _, ok := groups[r.group]; !ok {
			groups[r.group] = [2]analyze.Platt{fitPlatt(cr, false, r.group), fitPlatt(cr, true, r.group)}
		}
	}
	edges := []float64{0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.01}
	table := func(name string, prob func(calRow) float64) {
		var n, e [7]int
		var sum [7]float64
		ll := 0.0
		llg, ng := map[string]float64{}, map[string]int{}
		for _, r := range cr {
			q := prob(r)
			for b, edge := range edges {
				if q < edge {
					n[b]++
					e[b] += r.gold
					sum[b] += q
					break
				}
			}
			q = min(max(q, 1e-6), 1-1e-6)
			l := -math.Log(1 - q)
			if r.gold == 1 {
				l = -math.Log(q)
			}
			ll += l
			llg[r.group] += l
			ng[r.group]++
		}
		fmt.Fprintf(w, "  %s: log-loss %.4f (", name, ll/float64(max(len(cr), 1)))
		for _, g := range []string{"mumbai", "civic", "complaints", "crisis"} {
			fmt.Fprintf(w, " %s %.4f", g, llg[g]/float64(max(ng[g], 1)))
		}
		fmt.Fprintf(w, "); bin: posts, mean score, emergencies (rate)\n")
		lo := 0.0
		for b, edge := range edges {
			if n[b] > 0 {
				fmt.Fprintf(w, "    [%.2f, %.2f): %d, %.3f, %d (%.3f)\n", lo, min(edge, 1), n[b], sum[b]/float64(n[b]), e[b], float64(e[b])/float64(n[b]))
			}
			lo = edge
		}
	}
	sig := func(s float32) float64 { return 1 / (1 + math.Exp(-float64(s))) }
	table("raw score (published before session 9)", func(r calRow) float64 { return sig(r.s) })
	table("calibrated, each source by maps fitted on the others", func(r calRow) float64 {
		m := groups[r.group]
		if r.stage {
			return float64(m[1].Apply(r.s))
		}
		return float64(m[0].Apply(r.s))
	})
	head, stage = fitPlatt(cr, false, ""), fitPlatt(cr, true, "")
	fmt.Fprintf(w, "  analyze.EmergencyCalibration = {Head: analyze.Platt{A: %v, B: %v}, Stage: analyze.Platt{A: %v, B: %v}}\n", head.A, head.B, stage.A, stage.B)
	for g, m := range groups {
		fmt.Fprintf(w, "    without %s: head %+v stage %+v\n", g, m[0], m[1])
	}
	return head, stage
}
