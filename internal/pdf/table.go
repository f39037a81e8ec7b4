package pdf

import "fmt"

// Column is one column of a table: its title, its share of the text
// width, and whether its cells are numbers (set flush right).
type Column struct {
	Title string
	Width float64 // fraction of the text width; the shares should sum to 1
	Right bool
}

const cellPad = 3.0

// Table writes rows under a header row, each cell wrapped within its
// column; a row never splits across pages, and the header is repeated at
// the top of every page the table runs onto.
func (d *Doc) Table(cols []Column, rows [][]string) {
	total := pageW - 2*margin
	widths := make([]float64, len(cols))
	for i, c := range cols {
		widths[i] = c.Width * total
	}
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Title
	}
	d.room(2 * leading(SizeSmall) * 2)
	d.tableRow(cols, widths, header, true)
	for _, r := range rows {
		if d.rowFits(cols, widths, r) {
			d.tableRow(cols, widths, r, false)
			continue
		}
		d.newPage()
		d.tableRow(cols, widths, header, true)
		d.tableRow(cols, widths, r, false)
	}
	d.y -= SizeBody
}

func (d *Doc) layoutRow(widths []float64, cells []string, size float64) ([][]line, float64) {
	lines := make([][]line, len(widths))
	h := 0.0
	for i := range widths {
		if i < len(cells) {
			lines[i] = d.wrap(cells[i], size, widths[i]-2*cellPad)
		}
		h = max(h, float64(len(lines[i]))*leading(size))
	}
	return lines, h + 2*cellPad
}

func (d *Doc) rowFits(cols []Column, widths []float64, cells []string) bool {
	_, h := d.layoutRow(widths, cells, SizeSmall)
	return d.y-h >= bottomY
}

// tableRow draws one row at the cursor: a shaded band for the header, a
// hairline under every row.
func (d *Doc) tableRow(cols []Column, widths []float64, cells []string, head bool) {
	lines, h := d.layoutRow(widths, cells, SizeSmall)
	if head {
		fmt.Fprintf(d.page, "0.92 0.93 0.95 rg %.2f %.2f %.2f %.2f re f 0 0 0 rg\n", margin, d.y-h, pageW-2*margin, h)
	}
	x := margin
	for i, ls := range lines {
		y := d.y - cellPad
		for _, l := range ls {
			y -= leading(SizeSmall)
			lx := x + cellPad
			if cols[i].Right {
				lx = x + widths[i] - cellPad - l.width
			}
			drawLineTo(d.page, l, lx, y+SizeSmall*0.45, SizeSmall, head)
		}
		x += widths[i]
	}
	d.y -= h
	fmt.Fprintf(d.page, "0.75 0.75 0.78 RG 0.4 w %.2f %.2f m %.2f %.2f l S 0 0 0 RG\n", margin, d.y, pageW-margin, d.y)
}
