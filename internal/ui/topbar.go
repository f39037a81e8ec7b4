package ui

import "github.com/kaval-desk/kaval/internal/auth"

// AddTopBar adds a control to the top bar: the GET fragment at path,
// loaded on each page and every minute, for holders of perm (the shift's
// clock-in state, which UI.md puts beside search).
func (u *UI) AddTopBar(path string, perm auth.Perm) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.bar = append(u.bar, navEntry{path: path, perm: perm})
}

// topBar lists the controls p may see.
func (u *UI) topBar(p *auth.Principal) []string {
	if p == nil || p.MustChange {
		return nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []string
	for _, e := range u.bar {
		if p.Can(e.perm) {
			out = append(out, e.path)
		}
	}
	return out
}
