package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/ui"
)

func TestLoginRedirectsBack(t *testing.T) {
	e := newEnv(t, store.NewTestSQLite(t))
	b := e.browser()
	r := b.get("/desk/password?x=1")
	if r.status != http.StatusSeeOther || r.hdr.Get("Location") != "/desk/login?next=%2Fdesk%2Fpassword%3Fx%3D1" {
		t.Fatalf("anonymous page: %d %q", r.status, r.hdr.Get("Location"))
	}
	r = b.get("/desk/login?next=%2Fdesk%2Fpassword")
	if r.status != 200 || !strings.Contains(r.body, `name="next" value="/desk/password"`) || !strings.Contains(r.body, "<html lang=\"en\"") {
		t.Fatalf("login page: %d %s", r.status, r.body)
	}
	r = b.post(ui.LoginPath, url.Values{"username": {"u-agent"}, "password": {goodPassword}, "next": {"/desk/password"}})
	if r.status != http.StatusSeeOther || r.hdr.Get("Location") != "/desk/password" {
		t.Fatalf("login: %d %q %s", r.status, r.hdr.Get("Location"), r.body)
	}
	r = b.get("/desk/password")
	if r.status != 200 || !strings.Contains(r.body, "Change your password") {
		t.Fatalf("password page: %d %s", r.status, r.body)
	}
}

// TestLoginNextIsLocal: ?next= never leads off the site (open redirect).
func TestLoginNextIsLocal(t *testing.T) {
	e := newEnv(t, store.NewTestSQLite(t))
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "\\\\evil", "http:/evil"} {
		b := e.browser()
		r := b.post(ui.LoginPath, url.Values{"username": {"u-agent"}, "password": {goodPassword}, "next": {next}})
		loc := r.hdr.Get("Location")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/desk/") {
			t.Errorf("next=%q: %d %q", next, r.status, loc)
		}
	}
}

func TestLoginErrors(t *testing.T) {
	e := newEnv(t, store.NewTestSQLite(t))
	b := e.browser()
	r := b.post(ui.LoginPath, url.Values{"username": {"u-agent"}, "password": {"wrong wrong wrong"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Wrong username or password") {
		t.Fatalf("wrong password: %d %s", r.status, r.body)
	}
	// Kannada, from the cookie the switch sets.
	r = b.post("/desk/lang", url.Values{"lang": {"kn"}, "next": {"/desk/login"}})
	if r.status != http.StatusSeeOther || r.hdr.Get("Location") != "/desk/login" {
		t.Fatalf("switch: %d %q", r.status, r.hdr.Get("Location"))
	}
	r = b.post(ui.LoginPath, url.Values{"username": {"u-agent"}, "password": {"wrong wrong wrong"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "ಪಾಸ್‌ವರ್ಡ್ ತಪ್ಪಾಗಿದೆ") || !strings.Contains(r.body, `lang="kn"`) {
		t.Fatalf("wrong password in Kannada: %d %s", r.status, r.body)
	}
}

func TestCrossSiteFormRefused(t *testing.T) {
	e := newEnv(t, store.NewTestSQLite(t))
	b := e.browser()
	b.login(auth.RoleAgent)
	r := b.post("/desk/password", url.Values{"current": {goodPassword}, "new": {"another fine passphrase"}, "confirm": {"another fine passphrase"}},
		"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "Request refused") || strings.Contains(r.body, `{"error":`) {
		t.Fatalf("cross-site post: %d %s", r.status, r.body)
	}
	if _, err := e.auth.Authenticate(t.Context(), "u-agent", goodPassword, ""); err != nil {
		t.Fatalf("the refused post changed the password: %v", err)
	}
}

func TestErrorPageIsHTML(t *testing.T) {
	e := newEnv(t, store.NewTestSQLite(t))
	b := e.browser()
	b.login(auth.RoleAgent)
	r := b.get("/desk/no/such/page")
	if r.status != 404 || !strings.HasPrefix(r.hdr.Get("Content-Type"), "text/html") || !strings.Contains(r.body, "Page not found") ||
		!strings.Contains(r.body, `class="usermenu"`) {
		t.Fatalf("404: %d %s", r.status, r.body)
	}
}
