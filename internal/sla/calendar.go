// Package sla runs the desk's service-level clocks: first-response and
// resolution targets per priority and category, counted on a calendar
// (24×7, or business hours skipping Karnataka's public holidays), paused
// while a case waits on the citizen, with warnings at a share of the
// target and breach alerts to the shift's supervisors. A sweep on one
// replica at a time (internal/lease) keeps every open case's deadlines
// up to date and raises each alert once; a breach report reads the
// cases.
package sla

import (
	"fmt"
	"iter"
	"sort"
	"time"
)

// Calendar kinds.
const (
	Always   = "24x7"
	Business = "business"
)

// IST is where the desk's hours and holidays are counted.
var IST = func() *time.Location {
	l, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		return time.FixedZone("IST", 5*3600+1800)
	}
	return l
}()

// Calendar says when the clock runs.
type Calendar struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"` // 24x7 or business
	// Hours are the working minutes of each weekday (0 = Sunday) in IST:
	// [open, close), e.g. [600, 1050] is 10:00 to 17:30. A weekday absent
	// is closed. Only for business calendars.
	Hours map[time.Weekday][2]int `json:"hours,omitempty"`
	// Holidays (YYYY-MM-DD) are closed all day; filled from the holiday list.
	Holidays map[string]bool `json:"-"`
}

// Validate checks a calendar as an admin edits it.
func (c *Calendar) Validate() error {
	switch c.Kind {
	case Always:
		c.Hours = nil
	case Business:
		open := 0
		for d, h := range c.Hours {
			if d < time.Sunday || d > time.Saturday {
				return fmt.Errorf("sla: no weekday %d", d)
			}
			if h[0] < 0 || h[1] > 24*60 || h[0] >= h[1] {
				return fmt.Errorf("sla: %s's hours must open before they close, within the day", d)
			}
			open++
		}
		if open == 0 {
			return fmt.Errorf("sla: a business calendar needs at least one working day")
		}
	default:
		return fmt.Errorf("sla: a calendar is 24x7 or business")
	}
	return nil
}

// Interval is a span of time; a zero To is still open (a pause going on).
type Interval struct{ From, To time.Time }

// window returns the working window of the day containing t (in IST), or
// ok false when the day is closed.
func (c *Calendar) window(day time.Time) (from, to time.Time, ok bool) {
	if c.Holidays[day.Format(time.DateOnly)] {
		return time.Time{}, time.Time{}, false
	}
	h, ok := c.Hours[day.Weekday()]
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	return day.Add(time.Duration(h[0]) * time.Minute), day.Add(time.Duration(h[1]) * time.Minute), true
}

// maxDays bounds the walk through a calendar (a year of closed days means
// a misconfigured calendar, not a deadline).
const maxDays = 400

// Add returns when d of the calendar's working time, not counting the
// pauses, has passed since start. A pause still open stops the count: the
// rest is counted from now, as if the pause ended now (the deadline the
// case would have if the citizen answered this minute), and paused is
// true.
func (c *Calendar) Add(start time.Time, d time.Duration, pauses []Interval, now time.Time) (due time.Time, paused bool) {
	ps := append([]Interval(nil), pauses...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].From.Before(ps[j].From) })
	left := d
	for w := range c.windows(start) {
		// Cut the pauses out of this working window.
		from := w.From
		for _, p := range ps {
			if !p.To.IsZero() && !p.To.After(from) {
				continue
			}
			if !p.From.Before(w.To) {
				break
			}
			if p.From.After(from) {
				if span := p.From.Sub(from); span >= left {
					return from.Add(left), false
				} else {
					left -= span
				}
			}
			if p.To.IsZero() {
				due, _ := c.Add(later(now, start), left, nil, now)
				return due, true
			}
			from = later(from, p.To)
			if !from.Before(w.To) {
				break
			}
		}
		if from.Before(w.To) {
			if span := w.To.Sub(from); span >= left {
				return from.Add(left), false
			} else {
				left -= span
			}
		}
	}
	return start.Add(time.Duration(maxDays) * 24 * time.Hour), false
}

// windows yields the working windows from start on: one endless window
// for 24×7, else each open day's hours (the first cut at start), lazily:
// most deadlines end within a day or two.
func (c *Calendar) windows(start time.Time) iter.Seq[Interval] {
	return func(yield func(Interval) bool) {
		if c.Kind != Business {
			yield(Interval{From: start, To: start.Add(100 * 365 * 24 * time.Hour)})
			return
		}
		s := start.In(IST)
		day := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, IST)
		for i := 0; i < maxDays; i++ {
			if from, to, ok := c.window(day); ok && to.After(start) {
				if !yield(Interval{From: later(from, start), To: to}) {
					return
				}
			}
			day = day.AddDate(0, 0, 1)
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
