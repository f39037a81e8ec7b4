package conn

import "time"

// Ladder is a reconnect backoff: Next returns how long to wait before the
// next attempt, Reset starts again after a healthy connection.
type Ladder interface {
	Next() time.Duration
	Reset()
}

// Linear waits Step, 2×Step, … up to Max. With Immediate the first attempt
// waits nothing (X: "reconnect immediately, then back off linearly").
type Linear struct {
	Step, Max time.Duration
	Immediate bool
	n         int
}

func (l *Linear) Next() time.Duration {
	n := l.n
	l.n++
	if l.Immediate {
		if n == 0 {
			return 0
		}
	} else {
		n++
	}
	d := time.Duration(n) * l.Step
	if d > l.Max {
		d = l.Max
	}
	return d
}

func (l *Linear) Reset() { l.n = 0 }

// Exponential waits Base, 2×Base, 4×Base… up to Max (Max 0 = no cap).
type Exponential struct {
	Base, Max time.Duration
	n         int
}

func (e *Exponential) Next() time.Duration {
	d := e.Base
	for i := 0; i < e.n && (e.Max == 0 || d < e.Max); i++ {
		d *= 2
	}
	if e.Max > 0 && d > e.Max {
		d = e.Max
	}
	e.n++
	return d
}

func (e *Exponential) Reset() { e.n = 0 }

// Doubling waits Min, 2×Min, 4×Min… and never more than Max. Unlike
// Exponential, Max is always a cap (Max 0 means no wait at all), which is
// what the Bluesky, Mastodon, RSS and Telegram "backoff"/"backoff_max"
// settings mean.
type Doubling struct {
	Min, Max time.Duration
	cur      time.Duration
}

func (b *Doubling) Next() time.Duration {
	if b.cur == 0 {
		b.cur = b.Min
	} else {
		b.cur *= 2
	}
	if b.cur > b.Max {
		b.cur = b.Max
	}
	return b.cur
}

func (b *Doubling) Reset() { b.cur = 0 }
