package ui

import (
	"fmt"
	"testing"
)

// FuzzClockMinutes: the shift pattern form's "HH:MM" reader accepts only
// times of day, and what it accepts reads back the same.
func FuzzClockMinutes(f *testing.F) {
	for _, s := range []string{"06:00", "23:59", "24:00", "6:5", " 14:00 ", "-1:30", "12:60", "", ":", "0x1:00", "٠٦:٠٠", "1e1:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := clockMinutes(s)
		if !ok {
			return
		}
		if m < 0 || m >= 1440 {
			t.Fatalf("%q read as %d minutes", s, m)
		}
		again, ok := clockMinutes(fmt.Sprintf("%02d:%02d", m/60, m%60))
		if !ok || again != m {
			t.Fatalf("%q: %d does not read back (%d %v)", s, m, again, ok)
		}
	})
}
