package browsertest

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
)

// TestPageWeight holds the budget of UI.md: a staff page under 150 KB on
// the wire with an empty cache (htmx, the stylesheet, the Kannada font
// and the page), under 20 KB when the cache is warm (the page alone; the
// rest is served under content-hash URLs with a year-long cache). Sizes,
// not times: they do not depend on the machine.
func TestPageWeight(t *testing.T) {
	env := Start(t, Options{})
	b := env.Browser(t)
	b.Login(auth.RoleAdmin)
	for _, path := range []string{"/desk/admin/users", "/desk/account", "/desk/admin/audit"} {
		cold, warm := b.Weight(path)
		t.Logf("%s: %d bytes with an empty cache, %d bytes warm", path, cold, warm)
		if cold > 150_000 || warm > 20_000 || cold == 0 || warm == 0 {
			t.Errorf("%s: %d bytes cold (budget 150,000), %d warm (budget 20,000)", path, cold, warm)
		}
	}
	b.Lang("kn")
	cold, warm := b.Weight("/desk/admin/users")
	t.Logf("/desk/admin/users in Kannada: %d bytes cold, %d warm", cold, warm)
	if cold > 150_000 || warm > 20_000 {
		t.Errorf("Kannada: %d cold, %d warm", cold, warm)
	}
}
