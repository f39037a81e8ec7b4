package browsertest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
)

// TestAdminPages walks the administrator's pages in both languages and
// both widths (screenshots, axe, CSP): channels with a connect attempt
// that the connector refuses (its words shown, the secret not echoed),
// units and a unit's contact edit, tokens (created, shown once),
// sessions.
func TestAdminPages(t *testing.T) {
	env := Start(t, Options{})
	b := env.Browser(t)
	b.Login(auth.RoleAdmin)

	b.Go("/desk/admin/channels")
	b.Check("admin-channels-empty")
	b.Click("details.card summary")
	b.Select("#ch-platform", "telegram")
	b.Fill("#ch-name", "BCP Telegram")
	b.Fill("#ch-secrets", "not_the_right_key=very-secret-value-123")
	b.Submit(`form[action="/desk/admin/channels"] button[type=submit]`)
	main := b.Text("main")
	if !strings.Contains(main, "refuses these settings") || strings.Contains(b.Eval(`document.body.innerHTML`), "very-secret-value-123") {
		t.Fatalf("refused channel: %q", main)
	}
	b.Snap("admin-channels-refused")

	b.Go("/desk/admin/units")
	if !b.Exists(".tree li li") {
		t.Fatal("no unit hierarchy")
	}
	b.Check("admin-units")
	b.Go("/desk/admin/units/" + itoa(env.Unit))
	b.Fill("#unit-phone", "080 2294 2000")
	b.Submit(`form[action^="/desk/admin/units/"] button`)
	if got := b.Text("#flash"); !strings.Contains(got, "Saved the contact details") {
		t.Fatalf("unit contact: %q", got)
	}
	b.Check("admin-unit")

	b.Go("/desk/admin/tokens")
	b.Fill(`input[name="name"]`, "nightly report")
	b.Submit(`form[action="/desk/admin/tokens"] button[type=submit]`)
	if secret := b.Text("#token-secret"); !strings.HasPrefix(secret, "kvl_") {
		t.Fatalf("token secret: %q", secret)
	}
	b.Snap("admin-token-created")
	b.Go("/desk/admin/tokens")
	if b.Exists("#token-secret") {
		t.Fatal("token secret shown again")
	}
	b.Check("admin-tokens")

	other := env.Browser(t)
	other.Login(auth.RoleAgent)
	b.Go("/desk/admin/sessions")
	if got := b.Text("main table"); !strings.Contains(got, "agent") {
		t.Fatalf("sessions: %q", got)
	}
	b.Check("admin-sessions")
	b.Submit(`#main tr:not(:has(.chip-ok)) form button`)
	if got := b.Text("#flash"); !strings.Contains(got, "session was ended") {
		t.Fatalf("ending a session: %q", got)
	}
	other.Go("/desk/account")
	if loc := other.Location(); !strings.HasPrefix(loc, "/desk/login") {
		t.Fatalf("the ended session still works: %s", loc)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
