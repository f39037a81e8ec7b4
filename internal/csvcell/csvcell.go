// Package csvcell keeps citizen text in a CSV export from running as a
// spreadsheet formula. Every export (SLA breaches, reports) writes its
// cells through Safe, so they all refuse the same tricks.
package csvcell

import "strings"

// Safe prefixes s with an apostrophe, so it reads as text, when it
// starts (after any spaces) with =, +, -, @, a tab or a carriage return,
// or their full-width forms, which some spreadsheets fold. Exports write
// no plain negative number through it.
func Safe(s string) string {
	t := strings.TrimLeft(s, " ")
	if t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0])) {
		return "'" + s
	}
	for _, w := range []string{"\uff1d", "\uff0b", "\uff0d", "\uff20"} {
		if strings.HasPrefix(t, w) {
			return "'" + s
		}
	}
	return s
}
