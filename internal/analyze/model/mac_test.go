package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// scalarMac is the inner loop Accumulate had before mac20: one feature at a
// time, one lane at a time. mac20 must match it bit for bit.
func scalarMac(rows []int8, idx []uint32, val []float32, a *[20]float32) {
	for i, f := range idx {
		x := val[i] * (1.0 / 127)
		r := (*[20]int8)(rows[int(f)*20:])
		for j := 0; j < 20; j++ {
			a[j] += x * float32(r[j])
		}
	}
}

func TestMac20MatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const nrows = 512
	rows := make([]int8, nrows*20)
	for i := range rows {
		rows[i] = int8(rng.IntN(256) - 128) // every code, -128 included
	}
	for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 63, 300, 2000} {
		idx := make([]uint32, n)
		val := make([]float32, n)
		for i := range idx {
			idx[i] = uint32(rng.IntN(nrows))
			switch rng.IntN(8) {
			case 0:
				val[i] = float32(rng.NormFloat64()) * 1e-38 // subnormal products
			case 1:
				val[i] = float32(rng.NormFloat64()) * 1e30
			default:
				val[i] = float32(rng.NormFloat64())
			}
		}
		if n > 0 {
			idx[n-1] = nrows - 1 // the last row ends at the end of rows
		}
		var start [20]float32
		for j := range start {
			start[j] = float32(rng.NormFloat64())
		}
		want, got, gotGo := start, start, start
		scalarMac(rows, idx, val, &want)
		mac20(rows, idx, val, &got)
		mac20Go(rows, idx, val, &gotGo)
		for j := range want {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) || math.Float32bits(gotGo[j]) != math.Float32bits(want[j]) {
				t.Fatalf("n=%d lane %d: mac20 %x, mac20Go %x, scalar %x", n, j,
					math.Float32bits(got[j]), math.Float32bits(gotGo[j]), math.Float32bits(want[j]))
			}
		}
	}
}

// TestDecodedScoresExactly: a decoded model of the shipped width, whose
// Accumulate runs mac20, gives bit for bit the lanes of the plain loop on
// the same table, and a bucket outside the table still panics.
func TestDecodedScoresExactly(t *testing.T) {
	var x Extractor
	sp := &Space{Bits: testBits}
	_, texts := toy(&x, sp)
	rng := rand.New(rand.NewPCG(3, 4))
	sp.IDF = make([]uint8, 1<<testBits)
	for i := range sp.IDF {
		sp.IDF[i] = uint8(rng.IntN(256)) // idf 0 drops a bucket
	}
	b := &Builder{Version: "t", Space: *sp}
	for _, k := range []int{3, 5, 12} { // 20 lanes, the width mac20 serves
		d := &Dense{K: k, W: make([]float32, k<<testBits), Bias: make([]float32, k)}
		for i := range d.W {
			d.W[i] = float32(rng.NormFloat64())
		}
		b.Add("h", Sigmoid, make([]string, k), d)
	}
	m, err := Decode(b.Build().Encode())
	if err != nil {
		t.Fatal(err)
	}
	if m.Width != 20 {
		t.Fatalf("width %d: test does not reach mac20", m.Width)
	}
	texts = append(texts, "a longer text with repeated words words words and more words to fill the table",
		"", "!!! ??? 😡 ಇಲ್ಲ नहीं", "x")
	for _, text := range texts {
		v := x.Vectorize(text, &m.Space)
		var want [20]float32
		scalarMac(m.W, v.Idx, v.Val, &want)
		got := make([]float32, 20)
		m.Accumulate(v, got)
		for j := range got {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("%q lane %d: Accumulate %v, scalar %v", text, j, got[j], want[j])
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Accumulate of a bucket outside the table did not panic")
		}
	}()
	m.Accumulate(Vec{Idx: []uint32{1 << testBits}, Val: []float32{1}}, make([]float32, 20))
}

// TestMacLevelsMatchesPlainLoop: macLevels (SSE2 on amd64) gives
// Accumulate's plain loop bit for bit, for widths up to 32, every code,
// subnormal and huge values; and Levels is float32(q)/127, which its
// DIVPS computes.
func TestMacLevelsMatchesPlainLoop(t *testing.T) {
	for i := range Levels {
		if q := float32(int8(uint8(i))); Levels[i] != q/127 {
			t.Fatalf("Levels[%d] = %v, float32 division gives %v", i, Levels[i], q/127)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const nrows = 512
	for _, width := range []int{21, 26, 28, 32} {
		rows := make([]int8, nrows*width+32)
		for i := range rows {
			rows[i] = int8(rng.IntN(256) - 128)
		}
		for _, n := range []int{0, 1, 2, 15, 16, 17, 63, 300, 2000} {
			idx := make([]uint32, n)
			val := make([]float32, n)
			for i := range idx {
				idx[i] = uint32(rng.IntN(nrows))
				switch rng.IntN(8) {
				case 0:
					val[i] = float32(rng.NormFloat64()) * 1e-38
				case 1:
					val[i] = float32(rng.NormFloat64()) * 1e30
				default:
					val[i] = float32(rng.NormFloat64())
				}
			}
			var start [32]float32
			for j := range start {
				start[j] = float32(rng.NormFloat64())
			}
			got, ref := start, start
			macLevels(rows, width, idx, val, &got)
			macLevelsGo(rows, width, idx, val, &ref)
			want := start
			for i, f := range idx { // Accumulate's plain loop
				for j, q := range rows[int(f)*width : int(f)*width+width] {
					want[j] += val[i] * Levels[uint8(q)]
				}
			}
			for j := 0; j < width; j++ {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) || math.Float32bits(ref[j]) != math.Float32bits(want[j]) {
					t.Fatalf("width %d n=%d lane %d: macLevels %x, macLevelsGo %x, plain %x", width, n, j,
						math.Float32bits(got[j]), math.Float32bits(ref[j]), math.Float32bits(want[j]))
				}
			}
		}
	}
}
