package shape

import "math"

// Index answers "which shape contains this point" through a uniform grid
// over the shapes' joint bounding box: each cell lists the shapes whose
// box overlaps it, so a lookup tests two or three polygons instead of all.
type Index struct {
	shapes []*Shape
	box    Box
	nx, ny int
	cellW  float64
	cellH  float64
	cells  [][]int32
}

// cellDeg is the grid pitch: about 1.1 km, a little smaller than a
// typical station so most cells list one to three candidates.
const cellDeg = 0.01

// NewIndex indexes shapes; nil entries are skipped (never returned).
func NewIndex(shapes []*Shape) *Index {
	ix := &Index{shapes: shapes, box: EmptyBox()}
	for _, s := range shapes {
		if s != nil {
			ix.box = ix.box.Union(s.Box)
		}
	}
	if math.IsInf(ix.box.MinLon, 1) {
		return ix
	}
	ix.nx = int(math.Ceil((ix.box.MaxLon-ix.box.MinLon)/cellDeg)) + 1
	ix.ny = int(math.Ceil((ix.box.MaxLat-ix.box.MinLat)/cellDeg)) + 1
	// A bounding box spanning the globe (an imported file gone wrong)
	// would make a huge grid; coarsen the pitch to cap the cell count.
	for ix.nx*ix.ny > 1<<20 {
		ix.nx = (ix.nx + 1) / 2
		ix.ny = (ix.ny + 1) / 2
	}
	ix.cellW = (ix.box.MaxLon - ix.box.MinLon) / float64(ix.nx)
	ix.cellH = (ix.box.MaxLat - ix.box.MinLat) / float64(ix.ny)
	if ix.cellW == 0 {
		ix.cellW = cellDeg
	}
	if ix.cellH == 0 {
		ix.cellH = cellDeg
	}
	ix.cells = make([][]int32, ix.nx*ix.ny)
	for i, s := range shapes {
		if s == nil {
			continue
		}
		x0, y0 := ix.cell(s.Box.MinLon, s.Box.MinLat)
		x1, y1 := ix.cell(s.Box.MaxLon, s.Box.MaxLat)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				ix.cells[y*ix.nx+x] = append(ix.cells[y*ix.nx+x], int32(i))
			}
		}
	}
	return ix
}

func (ix *Index) cell(lon, lat float64) (int, int) {
	x := int((lon - ix.box.MinLon) / ix.cellW)
	y := int((lat - ix.box.MinLat) / ix.cellH)
	return min(max(x, 0), ix.nx-1), min(max(y, 0), ix.ny-1)
}

// Find returns the index of the first shape containing the point, or -1.
// Where source polygons overlap slightly along shared borders, the first
// one in input order wins, which keeps results deterministic.
func (ix *Index) Find(lon, lat float64) int {
	if ix.cells == nil || math.IsNaN(lon) || math.IsNaN(lat) || !ix.box.Contains(lon, lat) {
		return -1
	}
	x, y := ix.cell(lon, lat)
	for _, i := range ix.cells[y*ix.nx+x] {
		if ix.shapes[i].Contains(lon, lat) {
			return int(i)
		}
	}
	return -1
}
