package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
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

// Head is one task's slice of the shared weight table.
type Head struct {
	Name    string
	Kind    Kind
	Classes []string  // output names, in lane order
	Offset  int       // first lane in the table row
	Scale   float32   // weight = int8 * Scale
	Bias    []float32 // per output
}

// Model is a set of heads over one int8 table of Buckets rows × Width lanes.
// It is immutable after Decode and safe for concurrent use.
type Model struct {
	Version string
	Width   int
	Heads   []Head
	W       []int8 // Buckets*Width, bucket-major
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

// Accumulate sums the table rows of feats into acc (len Width), as raw int32
// lane sums. It is the whole inner loop of inference: one row per feature.
func (m *Model) Accumulate(feats []uint32, acc []int32) {
	w := m.W
	width := m.Width
	for _, f := range feats {
		row := w[int(f)*width : int(f)*width+width]
		for j, v := range row {
			acc[j] += int32(v)
		}
	}
}

// Logits converts raw lane sums of a head into logits for a post with n
// features (features are L2-normalised counts: each weighs 1/sqrt(n)).
func (h *Head) Logits(acc []int32, n int, out []float32) []float32 {
	out = out[:0]
	norm := float32(1)
	if n > 0 {
		norm = 1 / float32(math.Sqrt(float64(n)))
	}
	for j := range h.Classes {
		out = append(out, float32(acc[h.Offset+j])*h.Scale*norm+h.Bias[j])
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
//   per head: string Name, u8 Kind, u32 nClasses, strings, u32 Offset, f32 Scale, f32 bias×n |
//   u32 Bits | Buckets*Width int8 bytes.
// Strings are u32 length + bytes.

const magic = "KVLM"
const formatVersion = 1

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
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(h.Scale))
		for _, v := range h.Bias {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	b = binary.LittleEndian.AppendUint32(b, Bits)
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

// Decode reads a model written by Encode. The weight table is copied once
// into an int8 slice (a few MB: well under a millisecond per MB).
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
		h.Scale = math.Float32frombits(r.u32())
		for j := 0; j < nc; j++ {
			h.Bias = append(h.Bias, math.Float32frombits(r.u32()))
		}
		if h.Offset+nc > m.Width {
			r.err = errors.New("head outside table")
		}
		m.Heads = append(m.Heads, h)
	}
	if bits := r.u32(); r.err == nil && bits != Bits {
		return nil, fmt.Errorf("model: unable to decode: %d hash bits, this build uses %d", bits, Bits)
	}
	if r.err != nil {
		return nil, fmt.Errorf("model: unable to decode: %w", r.err)
	}
	if len(r.b) != Buckets*m.Width {
		return nil, fmt.Errorf("model: unable to decode: table has %d bytes, want %d", len(r.b), Buckets*m.Width)
	}
	m.W = make([]int8, len(r.b))
	for i, v := range r.b {
		m.W[i] = int8(v)
	}
	return m, nil
}
