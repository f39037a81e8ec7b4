package browsertest

import (
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
)

// TestLoginAndPasswordChange: the staff sign-in page (the root is the
// public site, its footer links here); a wrong
// password says so; a user on a one-time password must choose their own
// before anything else, and lands where they were going.
func TestLoginAndPasswordChange(t *testing.T) {
	env := Start(t, Options{})
	b := env.Browser(t)
	b.Go("/desk/login")
	if loc := b.Location(); loc != "/desk/login" {
		t.Fatalf("/desk/login led to %s", loc)
	}
	b.Check("login")

	b.LoginAs("agent", "not the password", "")
	if got := b.Text(".form-error"); !strings.Contains(got, "Wrong username or password") {
		t.Fatalf("wrong password: %q", got)
	}
	b.Check("login-error")

	u := env.Users[auth.RoleAgent]
	otp, err := env.App.Auth.ResetPassword(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	b.Go("/desk/account")
	if loc := b.Location(); loc != "/desk/login?next=%2Fdesk%2Faccount" {
		t.Fatalf("anonymous account page led to %s", loc)
	}
	b.LoginAs("agent", otp, "")
	if loc := b.Location(); loc != "/desk/password?next=%2Fdesk%2Faccount" {
		t.Fatalf("one-time password login led to %s", loc)
	}
	b.Check("password-forced")
	// Any other page sends them back until the password is changed.
	b.Go("/desk/account")
	if loc := b.Location(); !strings.HasPrefix(loc, "/desk/password") {
		t.Fatalf("account page before the change: %s", loc)
	}
	b.Fill("#current", otp)
	b.Fill("#new", "my own good passphrase")
	b.Fill("#confirm", "my own good passphrase")
	b.Submit(`form[action="/desk/password"] button[type=submit]`)
	if loc := b.Location(); loc != "/desk/account" {
		t.Fatalf("after the change: %s: %s", loc, b.Text("main"))
	}
	if got := b.Text("#flash"); !strings.Contains(got, "Your password was changed") {
		t.Errorf("flash: %q", got)
	}
	b.Check("account")
	b.CheckCSP()
}
