package train

import (
	"math"

	"github.com/kaval-desk/kaval/internal/analyze/model"
)

// Calibration of decision offsets for the macro metrics.
//
// A logistic head trained with balanced class weights is close to, but not
// at, the decision rule that maximises macro-recall or macro-F1. The rule
// is tuned on the TRAINING data only: k models, each trained without one
// fold, score the fold they did not see (out-of-fold logits); a bias offset
// per class (softmax) or a threshold (binary) is then chosen to maximise
// the task's metric on those out-of-fold logits and folded into the final
// head's bias. The dev splits never take part.

// metricFn scores predictions against gold labels.
type metricFn func(gold, pred []int, k int) float64

func macroRecallOf(gold, pred []int, k int) float64 {
	return score("", "", make([]string, k), gold, pred, 0, "").MacroRecall
}

func macroF1Of(gold, pred []int, k int) float64 {
	return score("", "", make([]string, k), gold, pred, 0, "").MacroF1
}

func positiveF1Of(gold, pred []int, _ int) float64 {
	tp, fp, fn := 0, 0, 0
	for i, g := range gold {
		switch {
		case g == 1 && pred[i] == 1:
			tp++
		case g == 0 && pred[i] == 1:
			fp++
		case g == 1:
			fn++
		}
	}
	if tp == 0 {
		return 0
	}
	return 2 * float64(tp) / float64(2*tp+fp+fn)
}

// outOfFold trains one model per fold on the other folds and returns every
// example's logits from the model that did not see it. fold(i) < 0 keeps
// example i in every training set and out of scoring (extra data).
func outOfFold(ex []model.Example, kind model.Kind, k, folds int, fold func(i int) int, opt model.Options) [][]float32 {
	out := make([][]float32, len(ex))
	for f := 0; f < folds; f++ {
		var tr []model.Example
		for i := range ex {
			if fold(i) != f {
				tr = append(tr, ex[i])
			}
		}
		d := model.Train(tr, kind, k, opt)
		for i := range ex {
			if fold(i) == f {
				out[i] = d.Score(ex[i].Idx, ex[i].Val, nil)
			}
		}
	}
	return out
}

// softmaxOffsets returns per-class bias offsets (class 1 fixed at 0 for a
// 3-class head) maximising metric on the scored examples' logits. A grid
// over [-1.5, 1.5] in steps of 0.05; among equal scores the smallest
// offsets win, so the result stays near the trained head.
func softmaxOffsets(logits [][]float32, gold []int, metric metricFn) []float32 {
	const steps, step = 30, 0.05
	k := 3
	best, bestScore, bestNorm := []float32{0, 0, 0}, -1.0, math.Inf(1)
	pred := make([]int, len(gold))
	for a := -steps; a <= steps; a++ {
		for c := -steps; c <= steps; c++ {
			off := [3]float32{float32(a) * step, 0, float32(c) * step}
			for i, z := range logits {
				b := 0
				for j := 1; j < k; j++ {
					if z[j]+off[j] > z[b]+off[b] {
						b = j
					}
				}
				pred[i] = b
			}
			s := metric(gold, pred, k)
			n := float64(a*a + c*c)
			if s > bestScore+1e-9 || math.Abs(s-bestScore) <= 1e-9 && n < bestNorm {
				best, bestScore, bestNorm = off[:], s, n
			}
		}
	}
	return best
}

// threshold returns the logit threshold in [-3, 3] (steps of 0.02)
// maximising metric for a binary head; ties go to the one nearest 0.
func threshold(logits [][]float32, gold []int, metric metricFn) float32 {
	pred := make([]int, len(gold))
	best, bestScore := float32(0), -1.0
	for t := -150; t <= 150; t++ {
		th := float32(t) * 0.02
		for i, z := range logits {
			pred[i] = 0
			if z[0] > th {
				pred[i] = 1
			}
		}
		s := metric(gold, pred, 2)
		if s > bestScore+1e-9 || math.Abs(s-bestScore) <= 1e-9 && abs32(th) < abs32(best) {
			best, bestScore = th, s
		}
	}
	return best
}

func abs32(v float32) float32 { return float32(math.Abs(float64(v))) }

// calibrate trains the out-of-fold models of a head and shifts d's bias
// by the chosen offsets (threshold for sigmoid heads). scored(i) reports
// whether example i counts towards the metric; fold assigns folds.
func calibrate(d *model.Dense, ex []model.Example, kind model.Kind, k, folds int, fold func(i int) int, scored func(i int) bool, metric metricFn, opt model.Options) []float32 {
	oof := outOfFold(ex, kind, k, folds, fold, opt)
	var logits [][]float32
	var gold []int
	for i := range ex {
		if oof[i] != nil && scored(i) {
			logits = append(logits, oof[i])
			gold = append(gold, ex[i].Label)
		}
	}
	if kind == model.Softmax {
		off := softmaxOffsets(logits, gold, metric)
		for j := range off {
			d.Bias[j] += off[j]
		}
		return off
	}
	th := threshold(logits, gold, metric)
	d.Bias[0] -= th
	return []float32{-th}
}

// selectC returns the candidate C whose out-of-fold models score best on
// the scored examples (each with its own calibrated decision offset), and
// the scores of all candidates. Used by kaval train --select.
func selectC(ex []model.Example, kind model.Kind, k, folds int, fold func(i int) int, scored func(i int) bool, metric metricFn, cs []float64) (float64, []float64) {
	best, bestScore := cs[0], -1.0
	var all []float64
	for _, c := range cs {
		opt := model.Options{C: c, Bits: model.Bits}
		oof := outOfFold(ex, kind, k, folds, fold, opt)
		var logits [][]float32
		var gold []int
		for i := range ex {
			if oof[i] != nil && scored(i) {
				logits = append(logits, oof[i])
				gold = append(gold, ex[i].Label)
			}
		}
		pred := make([]int, len(gold))
		if kind == model.Softmax {
			off := softmaxOffsets(logits, gold, metric)
			for i, z := range logits {
				b := 0
				for j := range z {
					if z[j]+off[j] > z[b]+off[b] {
						b = j
					}
				}
				pred[i] = b
			}
		} else {
			th := threshold(logits, gold, metric)
			for i, z := range logits {
				if z[0] > th {
					pred[i] = 1
				}
			}
		}
		s := metric(gold, pred, k)
		all = append(all, s)
		if s > bestScore {
			best, bestScore = c, s
		}
	}
	return best, all
}

// guardedThreshold returns the logit threshold (grid as threshold) that
// maximises metric over the examples where scored holds, among those that
// flag at most maxFPR of the guard examples (negatives from ordinary
// traffic); ties go to the one nearest 0.
func guardedThreshold(logits [][]float32, gold []int, scored, guard []bool, metric metricFn, maxFPR float64) float32 {
	var g []int
	for i, s := range scored {
		if s {
			g = append(g, gold[i])
		}
	}
	pred := make([]int, len(g))
	best, bestScore := float32(0), -1.0
	for t := -150; t <= 150; t++ {
		th := float32(t) * 0.02
		fp, n, k := 0, 0, 0
		for i, z := range logits {
			if guard[i] {
				n++
				if z[0] > th {
					fp++
				}
			}
			if scored[i] {
				pred[k] = 0
				if z[0] > th {
					pred[k] = 1
				}
				k++
			}
		}
		if n > 0 && float64(fp) > maxFPR*float64(n) {
			continue
		}
		s := metric(g, pred, 2)
		if s > bestScore+1e-9 || math.Abs(s-bestScore) <= 1e-9 && abs32(th) < abs32(best) {
			best, bestScore = th, s
		}
	}
	return best
}

// EmergencyMaxFPR is the share of everyday negatives the emergency
// threshold may flag (out of fold).
const EmergencyMaxFPR = 0.01

// EmergencyDeskMaxFPR is the share of ordinary police-desk posts (the
// non-emergency posts of deskSources) the emergency threshold may flag,
// out of source: each source is scored by heads that never read it.
var EmergencyDeskMaxFPR = 0.02
