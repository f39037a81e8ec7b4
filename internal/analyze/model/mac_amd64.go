package model

import "unsafe"

// mac20 is mac20Go in SSE2 (part of every amd64 CPU): the 20 lanes live in
// five registers of four floats for the whole post, and each feature's
// codes are widened, converted, multiplied and added four lanes per
// instruction. MULPS and ADDPS round each lane exactly as MULSS and ADDSS
// (what Go compiles the scalar loop to) do, and the features are added in
// the same order, so the sums are bit for bit mac20Go's. On 20,000
// different posts the multiply-adds took ~4.4 µs a post in the scalar Go
// loop and take ~1.0 µs here (CPU profile of BenchmarkVectorizeAccumulate).
//
// The rows are random reads of a 21 MB table. Rather than a pass that
// loads every row before the arithmetic (a load that misses holds up
// everything behind it, so that pass is pure waiting), the loop prefetches
// the row 16 features ahead: the misses overlap the arithmetic
// (BenchmarkAccumulate 2.8 → 2.15 µs a post).
//
// The caller guarantees every idx[i] is a row of rows (20 bytes each) and len(val) ==
// len(idx): the assembly does not check bounds.
func mac20(rows []int8, idx []uint32, val []float32, a *[20]float32) {
	if len(idx) == 0 {
		return
	}
	mac20SSE2(unsafe.Pointer(&rows[0]), &idx[0], &val[0], len(idx), a)
}

//go:noescape
func mac20SSE2(rows unsafe.Pointer, idx *uint32, val *float32, n int, a *[20]float32)

// macLevels is the plain Accumulate loop for a model up to 32 lanes wide
// (the shipped one has 26) in SSE2: eight registers of four lanes for the
// whole post; each code is widened, converted, divided by 127 (DIVPS
// rounds as Go's float32 division does, so the weight is Levels[q] bit for
// bit), multiplied by the feature's value and added, in feature order, so
// the sums are the scalar loop's exactly. The caller guarantees every row
// has 32 readable bytes from its start and len(val) >= len(idx).
func macLevels(rows []int8, stride int, idx []uint32, val []float32, a *[32]float32) {
	if len(idx) == 0 {
		return
	}
	macLevelsSSE2(unsafe.Pointer(&rows[0]), stride, &idx[0], &val[0], len(idx), a)
}

//go:noescape
func macLevelsSSE2(rows unsafe.Pointer, stride int, idx *uint32, val *float32, n int, a *[32]float32)

// prefetchFeatures asks for the idf byte of every feature's bucket ahead
// of Vectorize's value pass (see prefetchIDF).
func prefetchFeatures(idf []uint8, feats []uint32, mask uint32) {
	if len(feats) == 0 || len(idf) == 0 || int(mask) >= len(idf) {
		return
	}
	prefetchIDF(unsafe.Pointer(&idf[0]), &feats[0], len(feats), mask)
}

//go:noescape
func prefetchIDF(idf unsafe.Pointer, feats *uint32, n int, mask uint32)
