package desk

import (
	"sync/atomic"

	"github.com/kaval-desk/kaval/internal/post"
)

// surgeHooks are what a crisis room in surge mode changes on the desk
// (internal/crisis sets them; the desk does not import it): the priority
// a distress post gets at triage, and the {advisory_link} of templates.
type surgeHooks struct {
	boost    atomic.Pointer[func(p *post.Post, prio int) int]
	advisory atomic.Pointer[func(station string) string]
}

// SetBoost sets the function that may raise a post's priority at triage
// (it gets the priority the analysis gave and returns the one to use).
func (d *Desk) SetBoost(f func(p *post.Post, prio int) int) { d.hooks.boost.Store(&f) }

// SetAdvisoryLink sets the function giving {advisory_link} for a case at
// a station (its English name; "" for a case without one).
func (d *Desk) SetAdvisoryLink(f func(station string) string) { d.hooks.advisory.Store(&f) }

func (d *Desk) boosted(p *post.Post, prio int) int {
	if f := d.hooks.boost.Load(); f != nil {
		if b := (*f)(p, prio); b >= P1 && b <= P4 {
			return b
		}
	}
	return prio
}

// advisoryLink is the hook's pinned link for station (its English name).
func (d *Desk) advisoryLink(station string) string {
	f := d.hooks.advisory.Load()
	if f == nil {
		return ""
	}
	return (*f)(station)
}
