package ui

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"strings"
)

// boundarySVG draws a jurisdiction (GeoJSON Polygon or MultiPolygon) as
// an inline SVG path, offline: no tiles, no script. Coordinates are
// projected equirectangularly around the middle latitude, which is
// faithful at a station's scale. Only numbers reach the markup.
func boundarySVG(geometry []byte, label string) template.HTML {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if len(geometry) == 0 || json.Unmarshal(geometry, &g) != nil {
		return ""
	}
	var polys [][][][2]float64
	switch g.Type {
	case "Polygon":
		var p [][][2]float64
		if json.Unmarshal(g.Coordinates, &p) != nil {
			return ""
		}
		polys = append(polys, p)
	case "MultiPolygon":
		if json.Unmarshal(g.Coordinates, &polys) != nil {
			return ""
		}
	default:
		return ""
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range polys {
		for _, ring := range p {
			for _, c := range ring {
				minX, maxX = math.Min(minX, c[0]), math.Max(maxX, c[0])
				minY, maxY = math.Min(minY, c[1]), math.Max(maxY, c[1])
			}
		}
	}
	if math.IsInf(minX, 0) || maxX-minX <= 0 || maxY-minY <= 0 {
		return ""
	}
	k := math.Cos((minY + maxY) / 2 * math.Pi / 180)
	w, h := (maxX-minX)*k, maxY-minY
	scale := 200 / math.Max(w, h)
	var d strings.Builder
	for _, p := range polys {
		for _, ring := range p {
			for i, c := range ring {
				x, y := (c[0]-minX)*k*scale, (maxY-c[1])*scale
				if i == 0 {
					fmt.Fprintf(&d, "M%.1f %.1f", x, y)
				} else {
					fmt.Fprintf(&d, "L%.1f %.1f", x, y)
				}
			}
			d.WriteString("Z")
		}
	}
	return template.HTML(fmt.Sprintf(`<svg class="map" viewBox="-4 -4 %.1f %.1f" role="img" aria-label="%s"><path d="%s"/></svg>`,
		w*scale+8, h*scale+8, template.HTMLEscapeString(label), d.String()))
}
