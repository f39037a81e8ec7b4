package ui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/ui"
	"github.com/kaval-desk/kaval/internal/web"
)

const goodPassword = "a perfectly fine passphrase"

// env is the shell over real HTTP on a real database: one user per role
// (password goodPassword), a browser-like client per test.
type env struct {
	t     *testing.T
	db    *store.DB
	auth  *auth.Service
	srv   *web.Server
	ui    *ui.UI
	ts    *httptest.Server
	unit  int64
	users map[auth.Role]*auth.User
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := &env{t: t, db: db, users: map[auth.Role]*auth.User{}}
	e.auth = auth.New(db, auth.Config{Hash: auth.TestHashParams})
	e.srv = web.New(web.Config{}, web.Deps{DB: db, Auth: e.auth, Logger: slog.New(slog.DiscardHandler)})
	var err error
	if e.ui, err = ui.New(ui.Deps{Server: e.srv, Auth: e.auth, Log: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.ui.Close)
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(e.ts.Close)
	if err := db.Write.QueryRow(`INSERT INTO units (code, kind, name, created_at) VALUES ('blr/ps/adugodi', 'station', 'Adugodi PS', 0) RETURNING id`).Scan(&e.unit); err != nil {
		t.Fatal(err)
	}
	for _, r := range auth.Roles {
		nu := auth.NewUser{Username: "u-" + strings.ReplaceAll(string(r), "_", "-"), Role: r, Password: goodPassword}
		if r == auth.RoleStationOfficer {
			nu.UnitID = e.unit
		}
		u, _, err := e.auth.CreateUser(context.Background(), nu)
		if err != nil {
			t.Fatal(err)
		}
		e.users[r] = u
	}
	return e
}

// browser is a client that keeps cookies, does not follow redirects (the
// tests look at them) and sends what a browser sends on same-origin forms.
type browser struct {
	e *env
	c *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resp struct {
	status int
	body   string
	hdr    http.Header
}

func (b *browser) do(method, path string, form url.Values, hdr ...string) resp {
	b.e.t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	r, err := http.NewRequest(method, b.e.ts.URL+path, rd)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", b.e.ts.URL)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			r.Header.Del(hdr[i])
		} else {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := b.c.Do(r)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, body: string(body), hdr: res.Header}
}

func (b *browser) get(path string, hdr ...string) resp { return b.do("GET", path, nil, hdr...) }

func (b *browser) post(path string, form url.Values, hdr ...string) resp {
	return b.do("POST", path, form, hdr...)
}

// login logs in as a role's user and fails the test unless it worked.
func (b *browser) login(role auth.Role) {
	b.e.t.Helper()
	r := b.post(ui.LoginPath, url.Values{"username": {b.e.users[role].Username}, "password": {goodPassword}})
	if r.status != http.StatusSeeOther {
		b.e.t.Fatalf("login as %s: %d %s", role, r.status, r.body)
	}
}
