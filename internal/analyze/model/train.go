package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// Example is one training item in sparse form: unique buckets with their
// L2-normalised counts.
type Example struct {
	Idx    []uint32
	Val    []float32
	Label  int    // softmax class, or for a one-output sigmoid head 0/1
	Labels []bool // multi-output sigmoid heads
	Weight float32
}

// NewExample compacts raw features (with repeats) into an Example.
func NewExample(feats []uint32, label int) Example {
	s := slices.Clone(feats)
	slices.Sort(s)
	var ex Example
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == s[i] {
			j++
		}
		ex.Idx = append(ex.Idx, s[i])
		ex.Val = append(ex.Val, float32(j-i))
		i = j
	}
	norm := float32(1)
	if len(feats) > 0 {
		norm = 1 / float32(math.Sqrt(float64(len(feats))))
	}
	for i := range ex.Val {
		ex.Val[i] *= norm
	}
	ex.Label = label
	ex.Weight = 1
	return ex
}

// Options tune training. Zero values take the defaults in brackets.
type Options struct {
	Epochs int     // passes over the data [8]
	LR     float32 // AdaGrad base rate [0.5]
	L2     float32 // L2 penalty per update on touched weights [1e-6]
	Seed   uint64  // shuffling seed: same data and seed, same weights
}

func (o *Options) defaults() {
	if o.Epochs == 0 {
		o.Epochs = 8
	}
	if o.LR == 0 {
		o.LR = 0.5
	}
	if o.L2 == 0 {
		o.L2 = 1e-6
	}
}

// Dense is a trained head in float form, before quantisation.
type Dense struct {
	K    int
	W    []float32 // Buckets*K, bucket-major
	Bias []float32
}

// Score returns the logits of an example under d (used for evaluation of
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

// Train fits a head with k outputs. For Softmax heads Label is the class;
// for Sigmoid heads with k == 1 Label is 0/1, otherwise Labels holds one
// decision per output. Example weights let callers balance classes.
func Train(ex []Example, kind Kind, k int, opt Options) *Dense {
	opt.defaults()
	d := &Dense{K: k, W: make([]float32, Buckets*k), Bias: make([]float32, k)}
	g2 := make([]float32, Buckets*k)
	b2 := make([]float32, k)
	order := make([]int, len(ex))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x6b617661))
	z := make([]float32, k)
	grad := make([]float32, k)
	for ep := 0; ep < opt.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, oi := range order {
			e := &ex[oi]
			z = d.Score(e.Idx, e.Val, z)
			switch {
			case kind == Softmax:
				softmax(z)
				for j := range z {
					grad[j] = z[j]
				}
				grad[e.Label] -= 1
			case k == 1:
				grad[0] = sigmoid(z[0]) - float32(e.Label)
			default:
				for j := range z {
					y := float32(0)
					if e.Labels[j] {
						y = 1
					}
					grad[j] = sigmoid(z[j]) - y
				}
			}
			for j := range grad {
				grad[j] *= e.Weight
			}
			for i, f := range e.Idx {
				base := int(f) * k
				for j := 0; j < k; j++ {
					g := grad[j]*e.Val[i] + opt.L2*d.W[base+j]
					g2[base+j] += g * g
					d.W[base+j] -= opt.LR * g / float32(math.Sqrt(float64(g2[base+j]))+1e-6)
				}
			}
			for j := 0; j < k; j++ {
				b2[j] += grad[j] * grad[j]
				d.Bias[j] -= opt.LR * grad[j] / float32(math.Sqrt(float64(b2[j]))+1e-6)
			}
		}
	}
	return d
}

// Balance sets example weights so that every class weighs the same in
// total (macro-averaged metrics reward it), capped at 5× to keep rare
// classes from being memorised.
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

// Builder assembles trained heads into one quantised Model.
type Builder struct {
	Version string
	heads   []Head
	dense   []*Dense
}

// Add appends a head.
func (b *Builder) Add(name string, kind Kind, classes []string, d *Dense) {
	b.heads = append(b.heads, Head{Name: name, Kind: kind, Classes: classes, Bias: slices.Clone(d.Bias)})
	b.dense = append(b.dense, d)
}

// Build quantises every head to int8 with its own scale. The scale clips
// the largest 0.01% of weights so that one outlier does not flatten the
// resolution of all the others.
func (b *Builder) Build() *Model {
	width := 0
	for i := range b.heads {
		b.heads[i].Offset = width
		width += len(b.heads[i].Classes)
	}
	m := &Model{Version: b.Version, Width: width, W: make([]int8, Buckets*width)}
	for hi := range b.heads {
		h := &b.heads[hi]
		d := b.dense[hi]
		var abs []float32
		for _, w := range d.W {
			if w != 0 {
				abs = append(abs, float32(math.Abs(float64(w))))
			}
		}
		scale := float32(1)
		if len(abs) > 0 {
			sort.Slice(abs, func(i, j int) bool { return abs[i] < abs[j] })
			clip := abs[min(len(abs)-1, len(abs)*9999/10000)]
			if clip > 0 {
				scale = clip / 127
			}
		}
		h.Scale = scale
		for f := 0; f < Buckets; f++ {
			for j := 0; j < d.K; j++ {
				q := math.Round(float64(d.W[f*d.K+j] / scale))
				q = max(-127, min(127, q))
				m.W[f*width+h.Offset+j] = int8(q)
			}
		}
	}
	m.Heads = b.heads
	return m
}
