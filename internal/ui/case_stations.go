package ui

import (
	"html/template"
	"strconv"
	"strings"
)

// stationOptions renders the stations' <option>s once for the case page,
// the case's station selected. The page has two station selects (correct
// the station chip, escalate) over ~240 stations; ranging over them in the
// template, with a printf per option to compare ids, was most of a case
// page's template time. Names are escaped here; values are unit ids.
func stationOptions(units []option, selected int64) template.HTML {
	sel := strconv.FormatInt(selected, 10)
	var b strings.Builder
	b.Grow(len(units) * 48)
	for _, u := range units {
		b.WriteString(`<option value="`)
		b.WriteString(template.HTMLEscapeString(u.Value))
		b.WriteByte('"')
		if u.Value == sel {
			b.WriteString(" selected")
		}
		b.WriteByte('>')
		b.WriteString(template.HTMLEscapeString(u.Label))
		b.WriteString("</option>")
	}
	return template.HTML(b.String())
}
