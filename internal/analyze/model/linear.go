package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"
)

// Kind says how a head turns its logits into probabilities.
type Kind uint8

const (
	// Softmax heads pick one of several classes.
	Softmax Kind = 1
	// Sigmoid heads make one independent yes/no decision per output
	// (binary flags and the multi-label categories).
	Sigmoid Kind = 2
)

// Levels decodes a stored weight byte: the int8 code q stands for the
// fraction sign(q)·(|q|/127)^Companding of its lane's scale (the lane's
// largest weight). A Companding above 1 spends more codes on small
// weights; measured on the dev splits, squared companding gained 0.001
// English sentiment macro-recall but lost 0.004 offensive macro-F1, so
// the shipped table is linear (Companding 1). The decoding table costs
// nothing at inference: one lookup replaces one int-to-float conversion.
var Levels [256]float32

// Companding is the exponent of the weight codes (see Levels).
const Companding = 1.0

func init() {
	for i := range Levels {
		q := float64(int8(uint8(i))) / 127
		Levels[i] = float32(math.Copysign(math.Pow(math.Abs(q), Companding), q))
	}
}

// quantize is the inverse of Levels for a weight w of a lane whose
// largest magnitude is mx.
func quantize(w, mx float32) int8 {
	if mx == 0 {
		return 0
	}
	f := math.Pow(math.Abs(float64(w/mx)), 1/Companding) * 127
	q := max(-127, min(127, math.Round(math.Copysign(f, float64(w)))))
	return int8(q)
}

// Head is one task's slice of the shared weight table.
type Head struct {
	Name    string
	Kind    Kind
	Classes []string  // output names, in lane order
	Offset  int       // first lane in the table row
	Scales  []float32 // per output: weight = Levels[code] * Scale
	Bias    []float32 // per output
}

// Model is a set of heads over one int8 table of 2^Bits rows × Width lanes,
// with the feature space (idf per bucket) they were trained in. Each lane
// has its own scale, so a head with small weights keeps its resolution.
// It is immutable after Decode and safe for concurrent use.
type Model struct {
	Version string
	Space
	Width int
	Heads []Head
	W     []int8 // 2^Bits*Width, bucket-major
}

// Head returns the head called name, or nil.
func (m *Model) Head(name string) *Head {
	for i := range m.Heads {
		if m.Heads[i].Name == name {
			return &m.Heads[i]
		}
	}
	return nil
}

// Accumulate adds the table rows of v, times their values, to acc (len
// Width), in units of each lane's scale. It is the whole inner loop of inference: one
// contiguous row per unique feature serves every head.
func (m *Model) Accumulate(v Vec, acc []float32) {
	w := m.W
	width := m.Width
	acc = acc[:width]
	if width == 20 && Companding == 1 && len(v.Val) >= len(v.Idx) && inTable(v.Idx, len(w)/20) {
		// The shipped model's width: with linear codes a weight is
		// code/127, so the division moves out of the loop and no decoding
		// table is read, and fixed-size rows let mac20 (SIMD with
		// prefetches on amd64) work without bounds checks once every row
		// is known to be in the table.
		mac20(w, v.Idx, v.Val[:len(v.Idx)], (*[20]float32)(acc))
		return
	}
	if width <= 32 && Companding == 1 && len(v.Val) >= len(v.Idx) && rowsReadable(v.Idx, width, len(w)) {
		// Up to 32 lanes (the shipped model has 26): the loop below in
		// SIMD with prefetches (macLevels), same arithmetic bit for bit.
		// Every row must have 32 readable bytes, which the table's last
		// row or two lack; a post that reaches them takes the loop below.
		var a [32]float32
		copy(a[:], acc)
		macLevels(w, width, v.Idx, v.Val[:len(v.Idx)], &a)
		copy(acc, a[:width])
		return
	}
	// Touch every row first: these loads are independent, so the core
	// overlaps their cache misses, where the multiply-adds below would
	// keep only a few in flight (the table is far larger than the cache;
	// this pass made the loop ~25% faster on 20,000 different posts).
	var touch int8
	for _, f := range v.Idx {
		if o := int(f) * width; o+width <= len(w) {
			touch |= w[o] | w[o+width-1] // a row may straddle two cache lines
		}
	}
	// Adding ±0 changes nothing but keeps the loads alive (a float sum
	// with zero is not folded away, as -0 + 0 is +0).
	acc[0] += float32(touch) * 0
	if width == 20 && Companding == 1 {
		// A bucket outside the table or a short Val: this loop panics,
		// as it always has.
		a := (*[20]float32)(acc)
		for i, f := range v.Idx {
			x := v.Val[i] * (1.0 / 127)
			r := (*[20]int8)(w[int(f)*20:])
			for j := 0; j < 20; j++ {
				a[j] += x * float32(r[j])
			}
		}
		return
	}
	for i, f := range v.Idx {
		x := v.Val[i]
		row := w[int(f)*width : int(f)*width+width]
		for j, q := range row {
			acc[j] += x * Levels[uint8(q)]
		}
	}
}

// rowsReadable reports whether 32 bytes can be read from the start of
// every row of idx in a table of n bytes with rows of width bytes.
func rowsReadable(idx []uint32, width, n int) bool {
	var top uint32
	for _, f := range idx {
		top = max(top, f)
	}
	return int(top)*width+32 <= n
}

// inTable reports whether every bucket of idx is one of n rows.
func inTable(idx []uint32, n int) bool {
	var top uint32
	for _, f := range idx {
		top = max(top, f)
	}
	return len(idx) == 0 || int(top) < n
}

// Logits converts the accumulated lanes of a head into logits.
func (h *Head) Logits(acc []float32, out []float32) []float32 {
	out = out[:0]
	for j := range h.Classes {
		out = append(out, acc[h.Offset+j]*h.Scales[j]+h.Bias[j])
	}
	return out
}

// Probs turns logits into probabilities in place (softmax or sigmoid).
func (h *Head) Probs(logits []float32) []float32 {
	if h.Kind == Sigmoid {
		for i, z := range logits {
			logits[i] = sigmoid(z)
		}
		return logits
	}
	softmax(logits)
	return logits
}

func sigmoid(z float32) float32 { return 1 / (1 + float32(math.Exp(float64(-z)))) }

func softmax(z []float32) {
	if len(z) == 0 {
		return
	}
	mx := z[0]
	for _, v := range z {
		if v > mx {
			mx = v
		}
	}
	var s float32
	for i, v := range z {
		z[i] = float32(math.Exp(float64(v - mx)))
		s += z[i]
	}
	for i := range z {
		z[i] /= s
	}
}

// Serialised form (little endian):
//   "KVLM" u32 version-of-format | string Version | u32 Width | u32 nHeads |
//   per head: string Name, u8 Kind, u32 nClasses, strings, u32 Offset, f32 scale×n, f32 bias×n |
//   u32 Bits | 2^Bits idf bytes | 2^Bits*Width int8 bytes.
// Strings are u32 length + bytes.

const magic = "KVLM"
const formatVersion = 3 // 3: squared companding (Levels)

// Encode writes the model in its embedded form.
func (m *Model) Encode() []byte {
	b := make([]byte, 0, len(m.W)+4096)
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, formatVersion)
	b = appendString(b, m.Version)
	b = binary.LittleEndian.AppendUint32(b, uint32(m.Width))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.Heads)))
	for _, h := range m.Heads {
		b = appendString(b, h.Name)
		b = append(b, byte(h.Kind))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(h.Classes)))
		for _, c := range h.Classes {
			b = appendString(b, c)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(h.Offset))
		for _, v := range h.Scales {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		for _, v := range h.Bias {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(m.Bits))
	b = append(b, m.IDF...)
	for _, v := range m.W {
		b = append(b, byte(v))
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) u32() uint32 {
	if r.err != nil || len(r.b) < 4 {
		r.err = errors.New("truncated")
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *reader) str() string {
	n := r.u32()
	if r.err != nil || uint32(len(r.b)) < n || n > 1<<16 {
		r.err = errors.New("bad string")
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// Decode reads a model written by Encode. The idf and weight tables alias
// b, which must not be modified afterwards.
func Decode(b []byte) (*Model, error) {
	if len(b) < 8 || string(b[:4]) != magic {
		return nil, errors.New("model: unable to decode: not a model file")
	}
	r := &reader{b: b[4:]}
	if v := r.u32(); v != formatVersion {
		return nil, fmt.Errorf("model: unable to decode: format %d, want %d", v, formatVersion)
	}
	m := &Model{Version: r.str()}
	m.Width = int(r.u32())
	nh := int(r.u32())
	if r.err != nil || m.Width <= 0 || m.Width > 256 || nh > 64 {
		return nil, errors.New("model: unable to decode: bad header")
	}
	for i := 0; i < nh && r.err == nil; i++ {
		h := Head{Name: r.str()}
		if len(r.b) < 1 {
			r.err = errors.New("truncated")
			break
		}
		h.Kind = Kind(r.b[0])
		r.b = r.b[1:]
		nc := int(r.u32())
		if nc > 64 {
			r.err = errors.New("too many classes")
			break
		}
		for j := 0; j < nc; j++ {
			h.Classes = append(h.Classes, r.str())
		}
		h.Offset = int(r.u32())
		for j := 0; j < nc; j++ {
			h.Scales = append(h.Scales, math.Float32frombits(r.u32()))
		}
		for j := 0; j < nc; j++ {
			h.Bias = append(h.Bias, math.Float32frombits(r.u32()))
		}
		if h.Offset+nc > m.Width {
			r.err = errors.New("head outside table")
		}
		m.Heads = append(m.Heads, h)
	}
	bits := r.u32()
	if r.err != nil {
		return nil, fmt.Errorf("model: unable to decode: %w", r.err)
	}
	if bits < 10 || bits > 24 {
		return nil, fmt.Errorf("model: unable to decode: %d hash bits", bits)
	}
	m.Bits = uint(bits)
	n := 1 << bits
	if len(r.b) != n+n*m.Width {
		return nil, fmt.Errorf("model: unable to decode: table has %d bytes, want %d", len(r.b), n+n*m.Width)
	}
	// The tables alias the input: the embedded model is read-only data
	// that lives as long as the binary, so loading costs no copy.
	m.IDF = r.b[:n:n]
	m.W = unsafe.Slice((*int8)(unsafe.Pointer(&r.b[n])), n*m.Width)
	return m, nil
}
