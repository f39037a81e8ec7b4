package sla

import (
	"testing"
	"time"
)

// FuzzCalendarAdd: whatever the hours, holidays and pauses, a deadline is
// never before its start plus the target (working time is at most wall
// time), a pause never brings it earlier, and on 24×7 without pauses it
// is exactly start plus the target.
func FuzzCalendarAdd(f *testing.F) {
	f.Add(int64(0), uint16(60), []byte{1, 60, 105, 2, 60, 105}, int64(10), int64(40), false)
	f.Add(int64(600), uint16(4320), []byte{0, 0, 144}, int64(-30), int64(5000), true)
	f.Fuzz(func(t *testing.T, startMin int64, d uint16, hours []byte, pFrom, pLen int64, open bool) {
		base := ist("2026-12-01 00:00")
		start := base.Add(time.Duration(startMin%(60*24*400)) * time.Minute)
		target := time.Duration(d%(60*24*30)) * time.Minute
		cal := &Calendar{Kind: Business, Hours: map[time.Weekday][2]int{}, Holidays: map[string]bool{"2026-12-25": true}}
		for i := 0; i+2 < len(hours) && i < 21; i += 3 {
			o, c := int(hours[i+1])*10, int(hours[i+2])*10
			if o < c && c <= 24*60 {
				cal.Hours[time.Weekday(hours[i]%7)] = [2]int{o, c}
			}
		}
		if len(cal.Hours) == 0 {
			cal.Kind = Always
		}
		now := start.Add(48 * time.Hour)
		plain, _ := cal.Add(start, target, nil, now)
		if plain.Before(start.Add(target)) {
			t.Fatalf("%v from %v due %v: earlier than wall time", target, start, plain)
		}
		if cal.Kind == Always && !plain.Equal(start.Add(target)) {
			t.Fatalf("24x7: %v", plain)
		}
		p := Interval{From: start.Add(time.Duration(pFrom%(60*24*10)) * time.Minute)}
		if !open {
			p.To = p.From.Add(time.Duration(pLen%(60*24*10)) * time.Minute)
			if !p.To.After(p.From) {
				return
			}
		} else if p.From.After(now) {
			return
		}
		paused, _ := cal.Add(start, target, []Interval{p}, now)
		if paused.Before(plain) {
			t.Fatalf("a pause %v brought %v forward to %v", p, plain, paused)
		}
	})
}
