package model

import (
	"math"
	"math/bits"
	"slices"
	"strings"
	"testing"
)

const testBits = 12

func TestExtractBlocks(t *testing.T) {
	var x Extractor
	f := x.Extract("Hello hello WORLD")
	// 3 words + 2 bigrams, then char n-grams of "hello"×2 and "world".
	if x.nWord != 5 {
		t.Fatalf("word features = %d, want 5", x.nWord)
	}
	if f[0] != f[1] {
		t.Errorf("case folding: hello and Hello differ")
	}
	// "hello" padded is 7 positions: 2-grams 6, 3-grams 5, 4-grams 4, 5-grams 3 = 18 per word.
	if got := len(f) - x.nWord; got != 3*18 {
		t.Errorf("char n-grams = %d, want %d", got, 3*18)
	}
}

func TestExtractNormalises(t *testing.T) {
	var x Extractor
	a := slices.Clone(x.Extract("soooooo good http://t.co/abc @bob 2024"))
	b := slices.Clone(x.Extract("soo good https://x.y/zz @alice 1999"))
	if !slices.Equal(a, b) {
		t.Errorf("elongation, URL, mention and digit folding: %v != %v", a, b)
	}
	c := x.Extract("not good")
	d := slices.Clone(c[:x.nWord])
	e := x.Extract("very good")
	if d[1] == e[1] {
		t.Errorf("negation scope: 'good' after 'not' must differ from plain 'good'")
	}
}

func TestExtractBoundsHugeInput(t *testing.T) {
	var x Extractor
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = 'a' + byte(i%7)
		if i%9 == 0 {
			big[i] = ' '
		}
	}
	f := x.Extract(string(big))
	if len(f) > MaxRunes*6 {
		t.Errorf("%d features from a 1 MB post: MaxRunes not applied", len(f))
	}
}

func TestVectorizeNormsAndIDF(t *testing.T) {
	var x Extractor
	sp := &Space{Bits: testBits}
	v := x.Vectorize("the cat the cat sat", sp)
	seen := map[uint32]bool{}
	for _, f := range v.Idx {
		if f >= 1<<testBits {
			t.Fatalf("bucket %d outside 2^%d", f, testBits)
		}
		if seen[f] {
			t.Fatalf("bucket %d listed twice", f)
		}
		seen[f] = true
	}
	// Two blocks each of unit norm: the whole vector has norm √2 unless
	// a word and a char n-gram collide (rare at 2^12 for one short text).
	var n float64
	for _, val := range v.Val {
		n += float64(val) * float64(val)
	}
	if math.Abs(n-2) > 0.05 {
		t.Errorf("squared norm %.3f, want ≈ 2", n)
	}
	// An idf of zero drops a bucket.
	sp.IDF = make([]uint8, 1<<testBits)
	for i := range sp.IDF {
		sp.IDF[i] = IDFScale
	}
	drop := v.Idx[0]
	sp.IDF[drop] = 0
	v2 := x.Vectorize("the cat the cat sat", sp)
	if slices.Contains(v2.Idx, drop) {
		t.Errorf("bucket with idf 0 kept")
	}
}

func TestVectorizeReusesBuffers(t *testing.T) {
	var x Extractor
	sp := &Space{Bits: testBits}
	x.Vectorize("warm up the buffers with a longer sentence than the next one", sp)
	allocs := testing.AllocsPerRun(100, func() { x.Vectorize("a short post about traffic", sp) })
	if allocs > 0 {
		t.Errorf("Vectorize allocates %.1f times per call", allocs)
	}
}

// toy builds a separable problem: class = which of three words occurs.
func toy(x *Extractor, sp *Space) (ex []Example, texts []string) {
	words := []string{"alpha", "bravo", "charlie"}
	fill := []string{"one", "two", "three", "four", "five"}
	for i := 0; i < 90; i++ {
		t := fill[i%5] + " " + words[i%3] + " " + fill[(i/5)%5]
		texts = append(texts, t)
		ex = append(ex, NewExample(x.Vectorize(t, sp), i%3))
	}
	return ex, texts
}

func TestTrainSoftmaxSeparates(t *testing.T) {
	var x Extractor
	sp := &Space{Bits: testBits}
	ex, _ := toy(&x, sp)
	d := Train(ex, Softmax, 3, Options{C: 10, Bits: testBits})
	var z []float32
	for i, e := range ex {
		z = d.Score(e.Idx, e.Val, z)
		best := 0
		for j := range z {
			if z[j] > z[best] {
				best = j
			}
		}
		if best != e.Label {
			t.Fatalf("example %d: predicted %d, want %d (%v)", i, best, e.Label, z)
		}
	}
	// Deterministic: the same data gives the same weights.
	d2 := Train(ex, Softmax, 3, Options{C: 10, Bits: testBits})
	if !slices.Equal(d.W, d2.W) {
		t.Errorf("training is not deterministic")
	}
}

func TestTrainRegularisation(t *testing.T) {
	var x Extractor
	sp := &Space{Bits: testBits}
	ex, _ := toy(&x, sp)
	for i := range ex {
		ex[i].Label = min(ex[i].Label, 1)
	}
	weak := Train(ex, Sigmoid, 1, Options{C: 0.01, Bits: testBits})
	strong := Train(ex, Sigmoid, 1, Options{C: 100, Bits: testBits})
	norm := func(d *Dense) float64 {
		s := 0.0
		for _, w := range d.W {
			s += float64(w) * float64(w)
		}
		return s
	}
	if norm(weak) >= norm(strong) {
		t.Errorf("smaller C must give smaller weights: %.3f vs %.3f", norm(weak), norm(strong))
	}
}

func TestBuildEncodeDecode(t *testing.T) {
	var x Extractor
	sp := &Space{Bits: testBits}
	ex, texts := toy(&x, sp)
	var docs [][]uint32
	for _, e := range ex {
		docs = append(docs, e.Idx)
	}
	sp.IDF = IDF(docs, testBits, 1)
	ex = ex[:0]
	for i, t := range texts {
		ex = append(ex, NewExample(x.Vectorize(t, sp), i%3))
	}
	d := Train(ex, Softmax, 3, Options{C: 10, Bits: testBits})
	bin := make([]Example, len(ex))
	copy(bin, ex)
	for i := range bin {
		bin[i].Label = min(bin[i].Label, 1)
	}
	d2 := Train(bin, Sigmoid, 1, Options{C: 10, Bits: testBits})
	b := &Builder{Version: "test-1", Space: *sp}
	b.Add("abc", Softmax, []string{"a", "b", "c"}, d)
	b.Add("flag", Sigmoid, []string{"flag"}, d2)
	m := b.Build()
	raw := m.Encode()
	got, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != "test-1" || got.Width != 4 || got.Bits != testBits || len(got.Heads) != 2 {
		t.Fatalf("decoded header %+v", got.Heads)
	}
	h := got.Head("abc")
	acc := make([]float32, got.Width)
	var z, out []float32
	for i, t0 := range texts {
		v := x.Vectorize(t0, &got.Space)
		clear(acc)
		got.Accumulate(v, acc)
		out = h.Probs(h.Logits(acc, out[:0]))
		z = d.Score(v.Idx, v.Val, z)
		softmax(z)
		for j := range z {
			if math.Abs(float64(z[j]-out[j])) > 0.02 {
				t.Fatalf("text %d class %d: quantised %.3f vs float %.3f", i, j, out[j], z[j])
			}
		}
	}
	// Corrupt inputs fail cleanly.
	for _, bad := range [][]byte{nil, []byte("KVLM"), raw[:len(raw)-1], append([]byte("XXXX"), raw[4:]...)} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("Decode accepted a corrupt model of %d bytes", len(bad))
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("KVLM\x03\x00\x00\x00"))
	f.Add([]byte("KVLM\x03\x00\x00\x00\x01\x00\x00\x00v\x01\x00\x00\x00\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err == nil && len(m.W) != m.Width<<m.Bits {
			t.Fatalf("decoded table of %d bytes for width %d bits %d", len(m.W), m.Width, m.Bits)
		}
	})
}

func BenchmarkVectorize(b *testing.B) {
	var x Extractor
	sp := &Space{Bits: Bits}
	text := "@BlrCityPolice chain snatching near Silk Board junction just now, two men on a bike, please send help fast!!"
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		x.Vectorize(text, sp)
	}
}

// TestNBScalingFoldsIntoWeights: a head trained on features scaled by the
// log-count ratio scores unscaled features identically once ScaleRows has
// folded the scale into its weights, and Replace quantises it as Build.
func TestNBScalingFoldsIntoWeights(t *testing.T) {
	var x Extractor
	sp := &Space{Bits: testBits}
	ex, _ := toy(&x, sp)
	for i := range ex {
		ex[i].Label = i % 2
	}
	r := LogCountRatio(ex, testBits, 1)
	nonzero := 0
	for _, v := range r {
		if v != 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Fatal("log-count ratio is zero everywhere")
	}
	scaled := ScaleExamples(ex, r, false)
	d := Train(scaled, Sigmoid, 1, Options{C: 3, Bits: testBits})
	var onScaled []float32
	for _, e := range scaled {
		onScaled = append(onScaled, d.Score(e.Idx, e.Val, nil)[0])
	}
	d.ScaleRows(r, false)
	for i, e := range ex {
		if got := d.Score(e.Idx, e.Val, nil)[0]; math.Abs(float64(got-onScaled[i])) > 1e-4 {
			t.Fatalf("example %d: folded %.5f vs scaled %.5f", i, got, onScaled[i])
		}
	}
	b := &Builder{Version: "t", Space: *sp}
	b.Add("flag", Sigmoid, []string{"flag"}, d)
	built := b.Build()
	zero := &Dense{K: 1, W: make([]float32, len(d.W)), Bias: []float32{0}}
	b2 := &Builder{Version: "t", Space: *sp}
	b2.Add("flag", Sigmoid, []string{"flag"}, zero)
	m := b2.Build()
	if err := m.Replace("flag", d); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.W, built.W) || m.Heads[0].Scales[0] != built.Heads[0].Scales[0] || m.Heads[0].Bias[0] != built.Heads[0].Bias[0] {
		t.Fatal("Replace differs from Build")
	}
	if err := m.Replace("nope", d); err == nil {
		t.Fatal("Replace accepted an unknown head")
	}
}

// TestNegatorPrefilter: the bit prefilter keeps every negator and agrees
// with the map on other words.
func TestNegatorPrefilter(t *testing.T) {
	for h := range negators {
		if !isNegator(h) {
			t.Fatalf("negator hash %x filtered out", h)
		}
	}
	for _, w := range []string{"yes", "good", "road", "water", "police", "ಬೆಂಕಿ", "पानी", "nothin", "nott"} {
		h := wordHash(w)
		if isNegator(h) != negators[h] {
			t.Errorf("%q: prefilter %v, map %v", w, isNegator(h), negators[h])
		}
	}
	set := 0
	for _, b := range negatorBits {
		set += bits.OnesCount64(b)
	}
	if set == 0 || set > len(negators) {
		t.Errorf("%d of 256 prefilter bits set for %d negators", set, len(negators))
	}
}

func TestHandleBuckets(t *testing.T) {
	sp := &Space{Bits: Bits}
	one := func(s string) []uint32 { return HandleBuckets(s, sp, nil) }
	got := one("@FC_Help my coat @VerizonSupport2 hi @x a@ @ @_ok")
	want := append(one("@fc"), one("@help")...)
	want = append(want, one("@verizon")...)
	want = append(want, one("@support2")...)
	// "@x": one letter; "a@ ", "@ " and "@_ok" are not handles (as prepare reads them).
	if !slices.Equal(got, want) {
		t.Fatalf("parts %v, want %v", got, want)
	}
	if n := len(one("no handles here, mail a@b")); n != 0 { // "b": one letter
		t.Fatalf("one-letter part kept: %d", n)
	}
	if n := len(one(strings.Repeat("@HelpDesk ", 10000))); n != MaxHandleParts {
		t.Fatalf("%d parts from 10,000 handles, want the cap %d", n, MaxHandleParts)
	}
	if len(one("@fc")) != 1 || one("@fc")[0] == one("@cf")[0] || one("@FC")[0] != one("@fc")[0] {
		t.Fatal("parts are hashed by their lowercased letters in order")
	}
	for _, b := range one("@Ünïcode_ab @ab\xff\xfe_cd") {
		if b >= 1<<sp.Bits {
			t.Fatal("bucket outside the space")
		}
	}
}

// TestVectorizeAfterLongPost: a post's vector does not depend on what the
// Extractor featurised before, and a long post lists each bucket once.
// Before the slot came from the bucket alone, a post of over 4,096
// features grew the slot table past the bucket bits, and from then on a
// bucket reached by two features could be listed twice (the engine's
// scores then depended on which pooled Extractor served the post).
func TestVectorizeAfterLongPost(t *testing.T) {
	sp := &Space{Bits: Bits}
	long := strings.Repeat("long post about potholes near Indiranagar 100 feet road ", 400)
	posts := []string{
		"To see paul McCartney perform because there's a chance he may bring  Kanye out and miss the weeknd or not?",
		"Fire near Silk Board, help now!!",
		"ಕೋರಮಂಗಲದಲ್ಲಿ ಕಳ್ಳತನ ಆಗಿದೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ",
		long,
	}
	for _, p := range posts {
		var fresh, used Extractor
		want := fresh.Vectorize(p, sp)
		used.Vectorize(long, sp)
		got := used.Vectorize(p, sp)
		if !slices.Equal(got.Idx, want.Idx) || !slices.Equal(got.Val, want.Val) {
			t.Errorf("%.40q: %d features after a long post, %d fresh", p, len(got.Idx), len(want.Idx))
		}
		seen := map[uint32]bool{}
		for _, b := range want.Idx {
			if seen[b] {
				t.Errorf("%.40q: bucket %d listed twice", p, b)
			}
			seen[b] = true
		}
	}
}
