//go:build !amd64

package model

// mac20 is mac20Go where there is no assembly version.
func mac20(rows []int8, idx []uint32, val []float32, a *[20]float32) {
	mac20Go(rows, idx, val, a)
}
