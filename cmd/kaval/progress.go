package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress prints a counter line for long commands: redrawn in place on a
// terminal, one line every few seconds otherwise (logs, CI).
type progress struct {
	w     io.Writer
	label string
	total int64 // 0 when unknown
	start time.Time
	last  time.Time
	tty   bool
}

func newProgress(w io.Writer, label string, total int64) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	now := time.Now()
	return &progress{w: w, label: label, total: total, start: now, last: now, tty: tty}
}

func (p *progress) update(n int64, extra string) {
	now := time.Now()
	every := 5 * time.Second
	if p.tty {
		every = 100 * time.Millisecond
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	p.print(n, extra, false)
}

func (p *progress) done(n int64, extra string) { p.print(n, extra, true) }

func (p *progress) print(n int64, extra string, final bool) {
	el := time.Since(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(n) / el
	}
	line := fmt.Sprintf("%s %d", p.label, n)
	if p.total > 0 {
		pct := float64(n) * 100 / float64(p.total)
		bar := int(pct / 5)
		line = fmt.Sprintf("%s [%-20s] %5.1f%% %d/%d", p.label, repeat('#', bar), pct, n, p.total)
	}
	line += fmt.Sprintf(" %.0f/s", rate)
	if extra != "" {
		line += " " + extra
	}
	switch {
	case p.tty && !final:
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	default:
		fmt.Fprintln(p.w, line)
	}
}

func repeat(c byte, n int) string {
	if n < 0 {
		n = 0
	}
	if n > 20 {
		n = 20
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}
