//go:build !amd64

package model

// mac20 is mac20Go where there is no assembly version, after touching
// every row: the loads are independent, so the core overlaps their cache
// misses, where the multiply-adds would keep only a few in flight.
func mac20(rows []int8, idx []uint32, val []float32, a *[20]float32) {
	var touch int8
	for _, f := range idx {
		o := int(f) * 20
		touch |= rows[o] | rows[o+19] // a row may straddle two cache lines
	}
	// Adding ±0 keeps the loads alive; a[0] is unchanged unless it was -0.
	a[0] += float32(touch) * 0
	mac20Go(rows, idx, val, a)
}

// macLevels is macLevelsGo where there is no assembly version.
func macLevels(rows []int8, stride int, idx []uint32, val []float32, a *[32]float32) {
	macLevelsGo(rows, stride, idx, val, a)
}

// prefetchFeatures does nothing where there is no assembly version.
func prefetchFeatures(idf []uint8, feats []uint32, mask uint32) {}
