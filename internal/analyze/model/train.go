package model

import (
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"sync"
)

// Example is one training item in sparse form (a Vec, possibly with a tag
// feature appended).
type Example struct {
	Idx    []uint32
	Val    []float32
	Label  int    // softmax class, or for a one-output sigmoid head 0/1
	Labels []bool // multi-output sigmoid heads
	Weight float32
}

// NewExample copies a vector into an Example.
func NewExample(v Vec, label int) Example {
	return Example{Idx: slices.Clone(v.Idx), Val: slices.Clone(v.Val), Label: label, Weight: 1}
}

// Options tune training. Zero values take the defaults in brackets.
type Options struct {
	// C is the inverse regularisation strength, as in a TF-IDF + logistic
	// regression baseline: the objective is C·Σ weight·loss + ½‖W‖² [1].
	C float64
	// Iters caps the L-BFGS iterations [80].
	Iters int
	Bits  uint // hash bits of the space trained in [Bits]
}

func (o *Options) defaults() {
	if o.C == 0 {
		o.C = 1
	}
	if o.Iters == 0 {
		o.Iters = 80
	}
	if o.Bits == 0 {
		o.Bits = Bits
	}
}

// Dense is a trained head in float form, before quantisation.
type Dense struct {
	K    int
	W    []float32 // 2^Bits*K, bucket-major
	Bias []float32
}

// Score returns the logits of a vector under d (used for evaluation of
// the unquantised weights and by tests).
func (d *Dense) Score(idx []uint32, val []float32, out []float32) []float32 {
	out = append(out[:0], d.Bias...)
	for i, f := range idx {
		row := d.W[int(f)*d.K : int(f)*d.K+d.K]
		for j, w := range row {
			out[j] += w * val[i]
		}
	}
	return out
}

// Train fits a head with k outputs by minimising the weighted, L2-
// regularised logistic loss (softmax cross-entropy, or one sigmoid per
// output) with L-BFGS: a convex problem solved to convergence, so the
// result does not depend on example order or a learning-rate schedule.
// For Softmax heads Label is the class; for Sigmoid heads with k == 1
// Label is 0/1, otherwise Labels holds one decision per output.
func Train(ex []Example, kind Kind, k int, opt Options) *Dense {
	opt.defaults()
	// Only buckets that occur in training can have non-zero weights:
	// optimise over those, densely indexed, most frequent first so that
	// the rows most examples touch share a few cache-resident pages (the
	// gradient passes are bound by memory latency, not arithmetic).
	nb := 1 << opt.Bits
	freq := make([]int32, nb)
	var active []uint32
	for _, e := range ex {
		for _, f := range e.Idx {
			if freq[f] == 0 {
				active = append(active, f)
			}
			freq[f]++
		}
	}
	sort.Slice(active, func(a, b int) bool {
		fa, fb := freq[active[a]], freq[active[b]]
		if fa != fb {
			return fa > fb
		}
		return active[a] < active[b]
	})
	dense := freq // reused: bucket → compact index
	for i, f := range active {
		dense[f] = int32(i)
	}
	// Examples in compact index space.
	cex := make([]cexample, len(ex))
	for i, e := range ex {
		ci := make([]int32, len(e.Idx))
		for j, f := range e.Idx {
			ci[j] = dense[f]
		}
		cex[i] = cexample{idx: ci, val: e.Val, label: e.Label, labels: e.Labels, w: float64(e.Weight)}
	}
	p := &problem{ex: cex, kind: kind, k: k, nf: len(active), c: opt.C}
	x := make([]float64, len(active)*k+k)
	lbfgs(p, x, opt.Iters)

	d := &Dense{K: k, W: make([]float32, nb*k), Bias: make([]float32, k)}
	for i, f := range active {
		for j := 0; j < k; j++ {
			d.W[int(f)*k+j] = float32(x[i*k+j])
		}
	}
	for j := 0; j < k; j++ {
		d.Bias[j] = float32(x[len(active)*k+j])
	}
	return d
}

type cexample struct {
	idx    []int32
	val    []float32
	label  int
	labels []bool
	w      float64
}

type problem struct {
	ex   []cexample
	kind Kind
	k    int
	nf   int
	c    float64

	grads [][]float64 // per-goroutine gradient buffers
}

// eval returns the objective at x and writes its gradient into g. The
// examples are split in two halves scored in parallel; partial sums are
// added in a fixed order, so the result is deterministic.
func (p *problem) eval(x, g []float64) float64 {
	const parts = 2
	var wg sync.WaitGroup
	losses := make([]float64, parts)
	chunk := (len(p.ex) + parts - 1) / parts
	if p.grads == nil {
		p.grads = [][]float64{make([]float64, len(x)), make([]float64, len(x))}
	}
	grads := p.grads
	for t := 0; t < parts; t++ {
		clear(grads[t])
		lo, hi := t*chunk, min(len(p.ex), (t+1)*chunk)
		wg.Add(1)
		go func(t, lo, hi int) {
			defer wg.Done()
			losses[t] = p.partial(x, grads[t], p.ex[lo:hi])
		}(t, lo, hi)
	}
	wg.Wait()
	loss := 0.0
	clear(g)
	for t := 0; t < parts; t++ {
		loss += losses[t]
		for i, v := range grads[t] {
			g[i] += v
		}
	}
	// Regularise the weights, not the biases.
	nw := p.nf * p.k
	for i := 0; i < nw; i++ {
		loss += 0.5 * x[i] * x[i]
		g[i] += x[i]
	}
	return loss
}

func (p *problem) partial(x, g []float64, ex []cexample) float64 {
	k := p.k
	bias := x[p.nf*k:]
	gb := g[p.nf*k:]
	z := make([]float64, k)
	d := make([]float64, k)
	loss := 0.0
	for ei := range ex {
		e := &ex[ei]
		copy(z, bias)
		for i, f := range e.idx {
			v := float64(e.val[i])
			row := x[int(f)*k : int(f)*k+k]
			for j := range z {
				z[j] += row[j] * v
			}
		}
		cw := p.c * e.w
		switch {
		case p.kind == Softmax:
			mx := z[0]
			for _, v := range z {
				mx = max(mx, v)
			}
			s := 0.0
			for j, v := range z {
				d[j] = math.Exp(v - mx)
				s += d[j]
			}
			loss += cw * (math.Log(s) + mx - z[e.label])
			for j := range d {
				d[j] = cw * d[j] / s
			}
			d[e.label] -= cw
		case k == 1:
			loss += cw * logistic(z[0], e.label == 1)
			d[0] = cw * (sigmoid64(z[0]) - float64(e.label))
		default:
			for j := range z {
				y := 0.0
				if e.labels[j] {
					y = 1
				}
				loss += cw * logistic(z[j], y == 1)
				d[j] = cw * (sigmoid64(z[j]) - y)
			}
		}
		for j := range d {
			gb[j] += d[j]
		}
		for i, f := range e.idx {
			v := float64(e.val[i])
			row := g[int(f)*k : int(f)*k+k]
			for j := range row {
				row[j] += d[j] * v
			}
		}
	}
	return loss
}

// logistic is the log loss of logit z for label y, computed stably.
func logistic(z float64, y bool) float64 {
	if !y {
		z = -z
	}
	if z > 0 {
		return math.Log1p(math.Exp(-z))
	}
	return -z + math.Log1p(math.Exp(z))
}

func sigmoid64(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// lbfgs minimises p from x in place: limited-memory BFGS (history 8) with
// a backtracking Armijo line search. It stops after iters iterations or
// when the objective no longer improves by a relative 1e-6.
func lbfgs(p *problem, x []float64, iters int) {
	const m = 8
	n := len(x)
	g := make([]float64, n)
	f := p.eval(x, g)
	var sHist, yHist [][]float64
	var rho []float64
	dir := make([]float64, n)
	xNew := make([]float64, n)
	gNew := make([]float64, n)
	alpha := make([]float64, m)
	for it := 0; it < iters; it++ {
		// Two-loop recursion: dir = -H·g.
		for i := range dir {
			dir[i] = -g[i]
		}
		for i := len(sHist) - 1; i >= 0; i-- {
			alpha[i] = rho[i] * dot(sHist[i], dir)
			axpy(-alpha[i], yHist[i], dir)
		}
		if l := len(sHist); l > 0 {
			gamma := dot(sHist[l-1], yHist[l-1]) / dot(yHist[l-1], yHist[l-1])
			for i := range dir {
				dir[i] *= gamma
			}
		}
		for i := range sHist {
			beta := rho[i] * dot(yHist[i], dir)
			axpy(alpha[i]-beta, sHist[i], dir)
		}
		gd := dot(g, dir)
		if gd >= 0 { // not a descent direction: restart from the gradient
			for i := range dir {
				dir[i] = -g[i]
			}
			gd = dot(g, dir)
			sHist, yHist, rho = nil, nil, nil
		}
		step := 1.0
		if len(sHist) == 0 {
			step = 1 / math.Sqrt(dot(g, g))
		}
		var fNew float64
		for ls := 0; ; ls++ {
			for i := range x {
				xNew[i] = x[i] + step*dir[i]
			}
			fNew = p.eval(xNew, gNew)
			if fNew <= f+1e-4*step*gd || ls == 30 {
				break
			}
			step /= 2
		}
		var s, y []float64
		if len(sHist) == m {
			s, y = sHist[0], yHist[0]
			sHist, yHist, rho = sHist[1:], yHist[1:], rho[1:]
		} else {
			s, y = make([]float64, n), make([]float64, n)
		}
		for i := range x {
			s[i] = xNew[i] - x[i]
			y[i] = gNew[i] - g[i]
		}
		if sy := dot(s, y); sy > 1e-12 {
			sHist = append(sHist, s)
			yHist = append(yHist, y)
			rho = append(rho, 1/sy)
		}
		done := f-fNew < 1e-6*math.Abs(f)
		if debugLBFGS {
			println("lbfgs", it, fNew, step)
		}
		copy(x, xNew)
		copy(g, gNew)
		f = fNew
		if done {
			break
		}
	}
}

var debugLBFGS = os.Getenv("KAVAL_DEBUG_LBFGS") != ""

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

// Balance sets example weights so that every class weighs the same in
// total (macro-averaged metrics reward it), like class_weight="balanced",
// capped at 5× to keep rare classes from being memorised.
func Balance(ex []Example, k int) {
	count := make([]float64, k)
	for _, e := range ex {
		count[e.Label] += float64(e.Weight)
	}
	total := 0.0
	for _, c := range count {
		total += c
	}
	for i := range ex {
		c := count[ex[i].Label]
		if c == 0 {
			continue
		}
		w := total / (float64(k) * c)
		w = min(w, 5)
		ex[i].Weight *= float32(w)
	}
}

// IDF computes the smoothed inverse document frequency of every bucket
// over docs (one Vec per document, unique buckets): ln((1+N)/(1+df))+1,
// stored in fixed point; buckets seen in fewer than minDF documents get 0
// and are dropped from vectors.
func IDF(docs [][]uint32, bits uint, minDF int) []uint8 {
	df := make([]int32, 1<<bits)
	for _, d := range docs {
		for _, f := range d {
			df[f]++
		}
	}
	out := make([]uint8, 1<<bits)
	n := float64(len(docs))
	for i, c := range df {
		if int(c) < minDF {
			continue
		}
		v := math.Log((1+n)/(1+float64(c))) + 1
		out[i] = uint8(max(1, min(255, math.Round(v*IDFScale))))
	}
	return out
}

// Builder assembles trained heads into one quantised Model.
type Builder struct {
	Version string
	Space   Space
	heads   []Head
	dense   []*Dense
}

// Add appends a head.
func (b *Builder) Add(name string, kind Kind, classes []string, d *Dense) {
	b.heads = append(b.heads, Head{Name: name, Kind: kind, Classes: classes, Bias: slices.Clone(d.Bias)})
	b.dense = append(b.dense, d)
}

// Build quantises every lane to an int8 code (see Levels) with its own
// scale, the lane's largest weight. (Clipping the top weights was tried: the largest
// weights are the strongest words and the language tags, and clipping
// them cost more than the resolution it bought.)
func (b *Builder) Build() *Model {
	width := 0
	for i := range b.heads {
		b.heads[i].Offset = width
		width += len(b.heads[i].Classes)
	}
	nb := 1 << b.Space.Bits
	m := &Model{Version: b.Version, Space: b.Space, Width: width, W: make([]int8, nb*width)}
	for hi := range b.heads {
		h := &b.heads[hi]
		d := b.dense[hi]
		h.Scales = make([]float32, d.K)
		for j := 0; j < d.K; j++ {
			mx := float32(0)
			for f := 0; f < nb; f++ {
				mx = max(mx, float32(math.Abs(float64(d.W[f*d.K+j]))))
			}
			h.Scales[j] = max(mx, 1e-30)
			for f := 0; f < nb; f++ {
				m.W[f*width+h.Offset+j] = quantize(d.W[f*d.K+j], mx)
			}
		}
	}
	m.Heads = b.heads
	return m
}

// LogCountRatio is the Naive-Bayes log-count ratio of every bucket for a
// binary task (NBSVM, Wang & Manning 2012): r = ln((α+p)/‖α+p‖₁ ÷
// (α+q)/‖α+q‖₁), where p and q count the positive and negative examples
// that contain the bucket, and the norms run over the buckets seen in
// training. Scaling features by r before logistic regression and folding
// r into the trained weights (Dense.ScaleRows) costs nothing at inference.
func LogCountRatio(ex []Example, bits uint, alpha float64) []float32 {
	n := 1 << bits
	pos := make([]float32, n)
	neg := make([]float32, n)
	seen := make([]bool, n)
	var sp, sn float64
	active := 0
	for _, e := range ex {
		for _, f := range e.Idx {
			if !seen[f] {
				seen[f] = true
				active++
			}
			if e.Label == 1 {
				pos[f]++
				sp++
			} else {
				neg[f]++
				sn++
			}
		}
	}
	np := sp + alpha*float64(active)
	nn := sn + alpha*float64(active)
	r := make([]float32, n)
	for f := range r {
		if seen[f] {
			r[f] = float32(math.Log((alpha + float64(pos[f])) / np / ((alpha + float64(neg[f])) / nn)))
		}
	}
	return r
}

// ScaleExamples returns copies of ex with every value multiplied by the
// bucket's r (see LogCountRatio); |r| is used when abs is set, which keeps
// the sign of each weight free to be learnt.
func ScaleExamples(ex []Example, r []float32, abs bool) []Example {
	out := make([]Example, len(ex))
	for i, e := range ex {
		v := make([]float32, len(e.Val))
		for j, f := range e.Idx {
			s := r[f]
			if abs && s < 0 {
				s = -s
			}
			v[j] = e.Val[j] * s
		}
		out[i] = e
		out[i].Val = v
	}
	return out
}

// ScaleRows multiplies every bucket's weights by r (|r| when abs), so the
// head scores unscaled features as it was trained on scaled ones.
func (d *Dense) ScaleRows(r []float32, abs bool) {
	for f, s := range r {
		if abs && s < 0 {
			s = -s
		}
		row := d.W[f*d.K : f*d.K+d.K]
		for j := range row {
			row[j] *= s
		}
	}
}

// Replace re-quantises the lanes of the head called name from d (same
// number of outputs), as Build would have: retraining one head does not
// require retraining the others. m must own its table (not a Decode of
// read-only data).
func (m *Model) Replace(name string, d *Dense) error {
	h := m.Head(name)
	if h == nil || len(h.Classes) != d.K {
		return fmt.Errorf("model: unable to replace head %s: no head with %d outputs", name, d.K)
	}
	nb := 1 << m.Bits
	if len(d.W) != nb*d.K {
		return fmt.Errorf("model: unable to replace head %s: weights for %d buckets, want %d", name, len(d.W)/d.K, nb)
	}
	h.Bias = slices.Clone(d.Bias)
	for j := 0; j < d.K; j++ {
		mx := float32(0)
		for f := 0; f < nb; f++ {
			mx = max(mx, float32(math.Abs(float64(d.W[f*d.K+j]))))
		}
		h.Scales[j] = max(mx, 1e-30)
		for f := 0; f < nb; f++ {
			m.W[f*m.Width+h.Offset+j] = quantize(d.W[f*d.K+j], mx)
		}
	}
	return nil
}
