package model

// mac20Go adds val[i]/127 × the 20 codes of row idx[i] to a, feature by
// feature: the reference arithmetic of the shipped model's inner loop.
// mac20 must produce exactly its results (on amd64 it is SSE2 assembly,
// see mac_amd64.s).
//
// Four features share one pass over the lanes: each lane still adds the
// four products one after the other in feature order (Go evaluates
// a + p0 + p1 + p2 + p3 left to right and rounds every step), so the sums
// are those of one feature at a time, but a lane is loaded and stored
// once per four features instead of once per feature.
func mac20Go(rows []int8, idx []uint32, val []float32, a *[20]float32) {
	val = val[:len(idx)]
	i := 0
	for ; i+4 <= len(idx); i += 4 {
		x0, x1, x2, x3 := val[i]*(1.0/127), val[i+1]*(1.0/127), val[i+2]*(1.0/127), val[i+3]*(1.0/127)
		r0 := (*[20]int8)(rows[int(idx[i])*20:])
		r1 := (*[20]int8)(rows[int(idx[i+1])*20:])
		r2 := (*[20]int8)(rows[int(idx[i+2])*20:])
		r3 := (*[20]int8)(rows[int(idx[i+3])*20:])
		for j := 0; j < 20; j++ {
			a[j] = a[j] + x0*float32(r0[j]) + x1*float32(r1[j]) + x2*float32(r2[j]) + x3*float32(r3[j])
		}
	}
	for ; i < len(idx); i++ {
		x := val[i] * (1.0 / 127)
		r := (*[20]int8)(rows[int(idx[i])*20:])
		for j := 0; j < 20; j++ {
			a[j] += x * float32(r[j])
		}
	}
}

// macLevelsGo is the reference for macLevels: Accumulate's plain loop
// (acc[j] += x * Levels[q]) over all 32 lanes of a row that starts every
// stride bytes; lanes past the model's width are the caller's to ignore.
func macLevelsGo(rows []int8, stride int, idx []uint32, val []float32, a *[32]float32) {
	for i, f := range idx {
		x := val[i]
		r := (*[32]int8)(rows[int(f)*stride:])
		for j := 0; j < 32; j++ {
			a[j] += x * Levels[uint8(r[j])]
		}
	}
}
