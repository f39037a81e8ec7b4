package ui

import (
	"context"
	"fmt"
	"html/template"
	"strings"

	"github.com/kaval-desk/kaval/internal/publish"
)

// pickMap draws the stations' areas (the offline outlines the watch
// floor's map uses) for choosing an advisory's stations by clicking:
// static/stationpick.js shows it and ties each area to the station's
// checkbox in the list beside it. The list is the form's real control
// (keyboard, screen readers, no script), so the drawing is hidden from
// assistive technology and shown only where the script runs. Only
// numbers and escaped names reach the markup.
func (pp *publishPages) pickMap(ctx context.Context, t translator, groups []publish.StationGroup, chosen map[int64]bool) (template.HTML, error) {
	paths, height, err := pp.shape.get(ctx)
	if err != nil || len(paths) == 0 {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="stationmap pick" viewBox="-2 -2 %.0f %.0f" aria-hidden="true" focusable="false">`, outlineWidth+4, height+4)
	for _, g := range groups {
		p, ok := paths[g.UnitID]
		if !ok {
			continue
		}
		name := g.Name
		if t.lang == "kn" && g.NameKn != "" {
			name = g.NameKn
		}
		class := ""
		if chosen[g.UnitID] {
			class = ` class="sel"`
		}
		fmt.Fprintf(&b, `<path data-unit="%d"%s d="%s"><title>%s</title></path>`, g.UnitID, class, p, template.HTMLEscapeString(name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()), nil
}
