package desk

import "time"

// Deadlines is when a case of priority prio, whose clock started at from,
// must have its first response and be resolved. Every deadline the desk
// sets comes from here (a case opened, escalated by a more urgent post, or
// re-prioritised by a person), so that working-hour calendars or a unit's
// own promises can be added in one place.
func (s SLA) Deadlines(prio int, from time.Time) (firstResponse, resolve time.Time) {
	if prio < P1 || prio > P4 {
		prio = P3
	}
	return from.Add(s.FirstResponse[prio]), from.Add(s.Resolve[prio])
}
