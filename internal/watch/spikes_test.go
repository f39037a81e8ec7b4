package watch

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// poisson draws a Poisson count (Knuth below 30, a rounded normal above).
func poisson(r *rand.Rand, lambda float64) int64 {
	if lambda <= 0 {
		return 0
	}
	if lambda >= 30 {
		return max(0, int64(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), int64(0), 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// rate is a city-like hourly pattern: quiet at night, peaks at 10:00 and
// 19:00 IST, weekends 30% lower.
func rate(base float64, hour int64) float64 {
	t := time.UnixMilli(hour).UTC().Add(5*time.Hour + 30*time.Minute)
	h := float64(t.Hour())
	daily := 0.25 + 0.9*math.Exp(-(h-10)*(h-10)/8) + 1.0*math.Exp(-(h-19)*(h-19)/6)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		daily *= 0.7
	}
	return base * daily
}

// stream is 5 weeks of hourly counts starting at start.
func stream(r *rand.Rand, base float64, start int64) Hourly {
	h := Hourly{}
	for i := int64(0); i < 5*7*24; i++ {
		t := start + i*hourMs
		h[t] = poisson(r, rate(base, t))
	}
	return h
}

var start = time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC).UnixMilli() // a Monday

// Quiet streams: the last week of each, judged hour by hour, raises few
// false alarms, at every volume.
func TestSpikeFalseAlarms(t *testing.T) {
	for _, base := range []float64{1, 5, 20, 100} {
		alarms, hours := 0, 0
		for seed := uint64(1); seed <= 20; seed++ {
			r := rand.New(rand.NewPCG(seed, uint64(base)))
			h := stream(r, base, start)
			for i := int64(4 * 7 * 24); i < 5*7*24; i++ {
				at := start + i*hourMs
				_, _, spike, ok := Judge(h, at, start, h[at], time.Hour, SpikeOptions{})
				if !ok {
					t.Fatal("no baseline after four weeks")
				}
				hours++
				if spike {
					alarms++
				}
			}
		}
		perDay := float64(alarms) / float64(hours) * 24
		// Judged every minute as the hour fills (as the spikes endpoint
		// polled once a minute would): an hour with any alarm counts.
		minuteAlarms := 0
		for seed := uint64(1); seed <= 20; seed++ {
			r := rand.New(rand.NewPCG(seed, uint64(base)))
			h := stream(r, base, start)
			for i := int64(4 * 7 * 24); i < 5*7*24; i++ {
				at := start + i*hourMs
				lam := rate(base, at)
				var observed int64
				for m := 1; m <= 60; m++ {
					observed += poisson(r, lam/60)
					if _, _, spike, _ := Judge(h, at, start, observed, time.Duration(m)*time.Minute, SpikeOptions{}); spike {
						minuteAlarms++
						break
					}
				}
			}
		}
		perDayMin := float64(minuteAlarms) / float64(hours) * 24
		t.Logf("base %5.0f posts/h at peak: %d false alarms in %d quiet hours = %.3f per day judged hourly, %.3f per day judged every minute",
			base, alarms, hours, perDay, perDayMin)
		if perDay > 0.1 || perDayMin > 0.5 {
			t.Errorf("base %.0f: %.3f false alarms per day (%.3f judged every minute)", base, perDay, perDayMin)
		}
	}
}

// An injected burst (k times the usual rate for the hour, starting at a
// known minute) is detected within minutes; the delay is reported.
func TestSpikeDetectionDelay(t *testing.T) {
	for _, c := range []struct {
		base, k  float64
		maxDelay int // minutes, median over seeds
	}{{1, 10, 35}, {5, 4, 25}, {20, 3, 15}, {100, 2, 10}} {
		var delays []int
		missed := 0
		for seed := uint64(1); seed <= 20; seed++ {
			r := rand.New(rand.NewPCG(seed, 7))
			h := stream(r, c.base, start)
			// The burst starts at the top of an evening hour of week 5.
			at := start + (4*7*24+3*24+14)*hourMs // Thursday 14:00 UTC = 19:30 IST
			lam := rate(c.base, at)
			var observed int64
			delay := -1
			for m := 1; m <= 60; m++ {
				observed += poisson(r, lam*(1+c.k)/60)
				if _, _, spike, _ := Judge(h, at, start, observed, time.Duration(m)*time.Minute, SpikeOptions{}); spike {
					delay = m
					break
				}
			}
			if delay < 0 {
				missed++
				continue
			}
			delays = append(delays, delay)
		}
		med := median(delays)
		t.Logf("base %5.0f posts/h at peak, burst %.0f× the usual rate: detected in %d/20, median delay %d min (max %d)",
			c.base, c.k+1, len(delays), med, maxOf(delays))
		if missed > 2 || med > c.maxDelay {
			t.Errorf("base %.0f ×%.0f: missed %d, median delay %d min", c.base, c.k+1, missed, med)
		}
	}
}

func median(xs []int) int {
	if len(xs) == 0 {
		return -1
	}
	s := append([]int(nil), xs...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

func maxOf(xs []int) int {
	m := -1
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// Without a day of history there is no baseline and no alarm.
func TestSpikeNeedsHistory(t *testing.T) {
	h := Hourly{start: 50}
	if _, _, spike, ok := Judge(h, start+hourMs, start, 500, time.Hour, SpikeOptions{}); ok || spike {
		t.Fatal("judged without a baseline")
	}
	if _, _, spike, ok := Judge(h, start+24*hourMs, start, 500, time.Hour, SpikeOptions{}); !ok || !spike {
		t.Fatal("a day of history is a baseline")
	}
}
