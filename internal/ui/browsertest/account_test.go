package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/kaval-desk/kaval/internal/auth"
)

// TestTOTPLogin: a user turns on two-step login from their account (the
// QR code is drawn by the desk; the test reads the key shown beside it),
// then can log in only with a code from it.
func TestTOTPLogin(t *testing.T) {
	env := Start(t, Options{})
	b := env.Browser(t)
	b.Login(auth.RoleSupervisor)
	b.Go("/desk/account/totp")
	b.Submit(`form[action="/desk/account/totp"] button`)
	if !b.Exists(".qr svg path") {
		t.Fatal("no QR code drawn")
	}
	secret := strings.TrimSpace(b.Text("#totp-secret"))
	b.Snap("totp-enrol")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.Fill("#totp-code", code)
	b.Submit(`form[action="/desk/account/totp/confirm"] button`)
	if loc := b.Location(); loc != "/desk/account" {
		t.Fatalf("after confirming: %s: %s", loc, b.Text("main"))
	}
	if got := b.Text("#flash"); !strings.Contains(got, "Two-step login is on") {
		t.Errorf("flash: %q", got)
	}

	c := env.Browser(t)
	c.LoginAs("supervisor", Password, "")
	if got := c.Text(".form-error"); !strings.Contains(got, "two-step login") {
		t.Fatalf("login without a code: %q", got)
	}
	c.Check("login-code-needed")
	code, _ = totp.GenerateCode(secret, time.Now())
	c.LoginAs("supervisor", Password, code)
	if loc := c.Location(); strings.HasPrefix(loc, "/desk/login") {
		t.Fatalf("login with the code failed: %s", c.Text("main"))
	}
	c.CheckCSP()
}

// TestLockout: five wrong passwords lock the account; then even the right
// one is refused, and the page says what to do.
func TestLockout(t *testing.T) {
	env := Start(t, Options{})
	b := env.Browser(t)
	for i := 0; i < 5; i++ {
		b.LoginAs("analyst", fmt.Sprintf("wrong password %d", i), "")
	}
	b.LoginAs("analyst", Password, "")
	if got := b.Text(".form-error"); !strings.Contains(got, "locked") {
		t.Fatalf("after five failures: %q", got)
	}
	b.Check("login-locked")
	u, _ := env.App.Auth.GetUser(t.Context(), env.Users[auth.RoleAnalyst].ID)
	if u.LockedUntil.IsZero() {
		t.Fatal("not locked in the database")
	}
}

// TestCrossSiteFormRefused: a page on another origin that posts a form to
// the desk with the officer's cookie (same site, other port: the cookie is
// sent) is refused, and the password stays as it was.
func TestCrossSiteFormRefused(t *testing.T) {
	env := Start(t, Options{})
	b := env.Browser(t)
	b.Login(auth.RoleAgent)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/desk/password">
<input name="current" value="%s"><input name="new" value="attacker chosen password"><input name="confirm" value="attacker chosen password">
</form><script>document.forms[0].submit()</script>`, env.URL, Password)
	}))
	defer evil.Close()
	b.Run(navigateAndWait(evil.URL + "/"))
	if loc := b.Location(); loc != "/desk/password" {
		t.Fatalf("the forged post did not reach the desk: %s", loc)
	}
	if got := b.Text("main h1"); got != "Request refused" {
		t.Fatalf("forged post: %q", got)
	}
	b.Screenshot("cross-site-refused-en-1280")
	if _, err := env.App.Auth.Authenticate(t.Context(), "agent", Password, ""); err != nil {
		t.Fatalf("the forged post changed the password: %v", err)
	}
}

// TestAdminCreatesUser: an administrator adds a station officer through
// the admin pages, sees the one-time password once, and the officer logs
// in with it and must choose their own; the audit log shows it all.
func TestAdminCreatesUser(t *testing.T) {
	env := Start(t, Options{})
	b := env.Browser(t)
	b.Login(auth.RoleAdmin)
	// An administrator lands on the first menu entry they may open (the
	// inbox, now that it exists), and opens the users page from the menu.
	if loc := b.Location(); loc != "/desk/inbox" {
		t.Fatalf("admin home: %s", loc)
	}
	b.Go("/desk/admin/users")
	b.Check("admin-users")
	b.Click("details.card summary")
	b.Fill("#nu-username", "ravi.jayanagar")
	b.Fill("#nu-name", "Ravi K")
	b.Select("#nu-role", "station_officer")
	b.Select("#nu-unit", fmt.Sprint(env.Unit))
	b.Submit(`form[action="/desk/admin/users"] button`)
	otp := strings.TrimSpace(b.Text("#one-time-password"))
	if len(otp) != 23 {
		t.Fatalf("one-time password %q: %s", otp, b.Text("main"))
	}
	b.Snap("admin-user-created")
	// Shown once: the list page does not have it.
	b.Go("/desk/admin/users")
	if b.Exists("#one-time-password") {
		t.Fatal("one-time password shown again")
	}
	b.Go("/desk/admin/audit?action=user.create")
	if got := b.Text("main table"); !strings.Contains(got, "ravi.jayanagar") {
		t.Fatalf("audit: %q", got)
	}
	b.Check("admin-audit")

	o := env.Browser(t)
	o.LoginAs("ravi.jayanagar", otp, "")
	if loc := o.Location(); !strings.HasPrefix(loc, "/desk/password") {
		t.Fatalf("new officer's first login: %s", loc)
	}
	// A station officer sees no admin menu.
	o.Fill("#current", otp)
	o.Fill("#new", "ravi's own passphrase")
	o.Fill("#confirm", "ravi's own passphrase")
	o.Submit(`form[action="/desk/password"] button[type=submit]`)
	o.Go("/desk/admin/users")
	if got := o.Text("main h1"); got != "Not allowed for your role" {
		t.Fatalf("officer on the admin page: %q", got)
	}
	if o.Exists(`.sidenav a[href^="/desk/admin"]`) {
		t.Fatal("officer's menu shows Admin")
	}
	o.Check("forbidden")
}
