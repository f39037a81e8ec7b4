package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/channel"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/report"
	"github.com/kaval-desk/kaval/internal/sla"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/ui"
	"github.com/kaval-desk/kaval/internal/unit"
	"github.com/kaval-desk/kaval/internal/web"
)

// env is a running server over real HTTP on a real database, with one
// user and one bearer token per role.
type env struct {
	t      *testing.T
	db     *store.DB
	auth   *auth.Service
	srv    *web.Server
	ts     *httptest.Server
	unit   int64
	users  map[auth.Role]*auth.User
	tokens map[auth.Role]string
}

const goodPassword = "a perfectly fine passphrase"

func newEnv(t *testing.T, db *store.DB, opts ...func(*web.Config, *web.Deps)) *env {
	t.Helper()
	e := &env{t: t, db: db, users: map[auth.Role]*auth.User{}, tokens: map[auth.Role]string{}}
	e.auth = auth.New(db, auth.Config{Hash: auth.TestHashParams})
	cfg := web.Config{}
	deps := web.Deps{DB: db, Auth: e.auth, Logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg, &deps)
	}
	e.srv = web.New(cfg, deps)
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(e.ts.Close)
	if err := db.Write.QueryRow(`INSERT INTO units (code, kind, name, created_at) VALUES ('blr/ps/adugodi', 'station', 'Adugodi PS', 0) RETURNING id`).Scan(&e.unit); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, r := range auth.Roles {
		nu := auth.NewUser{Username: "u-" + strings.ReplaceAll(string(r), "_", "-"), Role: r, Password: goodPassword}
		if r == auth.RoleStationOfficer {
			nu.UnitID = e.unit
		}
		u, _, err := e.auth.CreateUser(ctx, nu)
		if err != nil {
			t.Fatal(err)
		}
		_, tok, err := e.auth.CreateToken(ctx, u.ID, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		e.users[r], e.tokens[r] = u, tok
	}
	return e
}

// req is the one-line request helper. body may be nil, a string (sent
// raw) or any value (sent as JSON). hdr are header name/value pairs.
func (e *env) req(method, path, token string, body any, hdr ...string) (int, map[string]any, *http.Response) {
	return e.reqWith(http.DefaultClient, method, path, token, body, hdr...)
}

func (e *env) reqWith(c *http.Client, method, path, token string, body any, hdr ...string) (int, map[string]any, *http.Response) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	r, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			r.Header.Del(hdr[i])
		} else {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := c.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &m); err != nil {
			e.t.Fatalf("%s %s: invalid JSON response %q", method, path, raw)
		}
	} else if len(raw) > 0 && raw[0] == '[' {
		var list []any
		json.Unmarshal(raw, &list)
		m = map[string]any{"list": list}
	}
	return resp.StatusCode, m, resp
}

func errCode(m map[string]any) string {
	if e, ok := m["error"].(map[string]any); ok {
		s, _ := e["code"].(string)
		return s
	}
	return ""
}

func errField(m map[string]any) string {
	if e, ok := m["error"].(map[string]any); ok {
		s, _ := e["field"].(string)
		return s
	}
	return ""
}

func (e *env) countUsers() int {
	var n int
	e.db.Read.QueryRow(`SELECT count(*) FROM users`).Scan(&n)
	return n
}

// mountAll mounts the desk and intake surfaces too, as the app does, so
// the route-table tests cover every API route, not only this package's.
func mountAll(e *env) {
	d := desk.New(e.db, desk.Options{})
	if err := d.ReloadUnits(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.srv.DeskAPI(d)
	e.srv.DeskWorkAPI(d, desk.NewPresence(nil, nil))
	in := ingest.New(e.db, nil, ingest.Options{})
	e.t.Cleanup(in.Close)
	e.srv.IntakeAPI(in)
	chs := channel.NewStore(e.db, nil)
	e.srv.ChannelAPI(chs, channel.NewManager(chs, channel.Options{Sink: in, Checkpoints: in}))
	ob := outbox.New(e.db)
	e.srv.ReplyAPI(d, ob)
	e.srv.PublishAPI(chs, ob)
	ps := publish.New(e.db, ob, publish.Options{BaseURL: "https://desk.example.in"})
	e.srv.PublicationsAPI(ps)
	nt := notify.New(e.db, notify.Config{}, notify.Options{})
	e.srv.NotifyAPI(nt)
	e.srv.SLAAPI(sla.NewStore(e.db))
	u, err := ui.New(ui.Deps{Server: e.srv, Auth: e.auth, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(u.Close)
	u.ChannelPages(channel.NewAdmin(chs, channel.NewManager(chs, channel.Options{Sink: in, Checkpoints: in}), nil))
	u.PublishPages(ps)
	rs := report.NewService(e.db)
	e.srv.ReportsAPI(rs, u.Labels)
	u.ReportPages(rs, unit.NewStore(e.db))
}

// wildcardRE matches path wildcards such as {id} or {file}.
var wildcardRE = regexp.MustCompile(`\{[a-z_]+\}`)

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestRouteTablePermissions walks every registered route, API and pages:
// each role gets 403 exactly where its permissions lack the route's
// permission, and no credentials get 401 on every non-public API route,
// and on a page the login page (GET) or a 401 page (POST). A route added
// without a fitting permission shows up here.
func TestRouteTablePermissions(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		mountAll(e)
		routes := e.srv.Routes()
		if len(routes) < 25 {
			t.Fatalf("route table has %d routes", len(routes))
		}
		for _, rt := range routes {
			if !auth.KnownPerm(rt.Perm) {
				t.Errorf("%s %s: unknown permission %q", rt.Method, rt.Pattern, rt.Perm)
			}
			path := wildcardRE.ReplaceAllString(strings.ReplaceAll(rt.Pattern, "{$}", ""), "999999")
			var body any
			if rt.Method == http.MethodPost || rt.Method == http.MethodPatch || rt.Method == http.MethodPut {
				body = "{}"
			}
			if rt.Page {
				checkPage(t, e, rt, path)
				continue
			}
			if rt.Perm != auth.PermPublic {
				if st, m, _ := e.req(rt.Method, path, "", body); st != http.StatusUnauthorized || errCode(m) != "unauthenticated" {
					t.Errorf("%s %s anonymous: %d %v", rt.Method, rt.Pattern, st, m)
				}
			}
			for _, role := range auth.Roles {
				allowed := auth.PermsOf(role).Has(rt.Perm)
				st, m, _ := e.req(rt.Method, path, e.tokens[role], body)
				if !allowed && (st != http.StatusForbidden || errCode(m) != "forbidden") {
					t.Errorf("%s %s as %s: want 403 forbidden, got %d %v", rt.Method, rt.Pattern, role, st, m)
				}
				if allowed && (errCode(m) == "forbidden" || errCode(m) == "unauthenticated" || st >= 500) {
					t.Errorf("%s %s as %s: allowed but got %d %v", rt.Method, rt.Pattern, role, st, m)
				}
			}
		}
	})
}

// checkPage is the route x role check of a page: the same permission
// decisions, told the way a browser is told (redirect to login, HTML
// error pages, never JSON).
func checkPage(t *testing.T, e *env, rt web.RouteInfo, path string) {
	t.Helper()
	send := func(token string) *http.Response {
		r, _ := http.NewRequest(rt.Method, e.ts.URL+path, strings.NewReader(""))
		if rt.Method != http.MethodGet {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := noRedirects.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode >= 400 && !strings.HasPrefix(ct, "text/html") {
			t.Errorf("page %s %s: error answered as %q", rt.Method, rt.Pattern, ct)
		}
		return resp
	}
	if rt.Perm != auth.PermPublic {
		resp := send("")
		switch {
		case rt.Method == http.MethodGet && (resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/desk/login")):
			t.Errorf("page %s %s anonymous: %d to %q, want the login page", rt.Method, rt.Pattern, resp.StatusCode, resp.Header.Get("Location"))
		case rt.Method != http.MethodGet && resp.StatusCode != http.StatusUnauthorized:
			t.Errorf("page %s %s anonymous: %d, want 401", rt.Method, rt.Pattern, resp.StatusCode)
		}
	}
	for _, role := range auth.Roles {
		allowed := auth.PermsOf(role).Has(rt.Perm)
		st := send(e.tokens[role]).StatusCode
		if !allowed && st != http.StatusForbidden {
			t.Errorf("page %s %s as %s: want 403, got %d", rt.Method, rt.Pattern, role, st)
		}
		// A public page may say 401 itself (the login form: wrong password).
		if allowed && (st == http.StatusForbidden || st == http.StatusUnauthorized && rt.Perm != auth.PermPublic || st >= 500) {
			t.Errorf("page %s %s as %s: allowed but got %d", rt.Method, rt.Pattern, role, st)
		}
	}
}

func TestRouteNeedsPermission(t *testing.T) {
	db := store.NewTestSQLite(t)
	srv := web.New(web.Config{}, web.Deps{DB: db, Auth: auth.New(db, auth.Config{Hash: auth.TestHashParams}), Logger: slog.New(slog.DiscardHandler)})
	h := func(w http.ResponseWriter, r *http.Request) error { return nil }
	for _, perm := range []auth.Perm{"", "cases:everything"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Route with permission %q did not panic", perm)
				}
			}()
			srv.Route("GET", "/api/v1/x", perm, web.OpDoc{Summary: "x"}, h)
		}()
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Route without a summary did not panic")
			}
		}()
		srv.Route("GET", "/api/v1/y", auth.PermCasesRead, web.OpDoc{}, h)
	}()
}

func TestBadInput(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.tokens[auth.RoleAdmin]
		before := e.countUsers()
		cases := []struct {
			name, body string
			hdr        []string
			status     int
			code       string
			field      string
		}{
			{"malformed", `{"username":`, nil, 400, "invalid_json", ""},
			{"syntax", `{"username" "x"}`, nil, 400, "invalid_json", ""},
			{"invalid utf8", "{\"username\":\"\xff\xfe\",\"role\":\"agent\"}", nil, 400, "invalid_utf8", ""},
			{"unknown field", `{"username":"bob","role":"agent","is_admin":true}`, nil, 400, "unknown_field", "is_admin"},
			{"wrong type", `{"username":123,"role":"agent"}`, nil, 400, "wrong_type", "username"},
			{"wrong type int", `{"username":"bob","role":"agent","unit_id":"1"}`, nil, 400, "wrong_type", "unit_id"},
			{"two objects", `{"username":"bob","role":"agent"}{"username":"eve"}`, nil, 400, "invalid_json", ""},
			{"array", `[{"username":"bob","role":"agent"}]`, nil, 400, "invalid_json", ""},
			{"empty", ``, nil, 400, "empty_body", ""},
			{"not json", `{"username":"bob","role":"agent"}`, []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type", ""},
			{"sql in username", `{"username":"bob'; DROP TABLE users;--","role":"agent"}`, nil, 422, "invalid", "username"},
			{"sql in role", `{"username":"bob","role":"admin' OR '1'='1"}`, nil, 422, "invalid", "role"},
			{"nul in name", `{"username":"bob","role":"agent","name":"a\u0000b"}`, nil, 422, "invalid", "name"},
			{"short password", `{"username":"bob","role":"agent","password":"x"}`, nil, 422, "invalid", "password"},
			{"oversize", `{"username":"bob","role":"agent","name":"` + strings.Repeat("ಕ", 400_000) + `"}`, nil, 413, "body_too_large", ""},
		}
		for _, c := range cases {
			st, m, _ := e.req("POST", "/api/v1/users", admin, c.body, c.hdr...)
			if st != c.status || errCode(m) != c.code || errField(m) != c.field {
				t.Errorf("%s: got %d %v, want %d %s field %q", c.name, st, m, c.status, c.code, c.field)
			}
			if msg, _ := m["error"].(map[string]any)["message"].(string); msg == "" {
				t.Errorf("%s: no message", c.name)
			}
		}
		if n := e.countUsers(); n != before {
			t.Fatalf("users %d → %d after rejected requests", before, n)
		}
		// Metacharacters in a free-text field are stored verbatim, as data.
		evil := `Robert'); DROP TABLE api_tokens;-- "ಕಳ್ಳತನ" <script>`
		st, m, _ := e.req("POST", "/api/v1/tokens", admin, map[string]any{"name": evil})
		if st != 201 || m["token"].(map[string]any)["name"] != evil {
			t.Fatalf("token with metacharacters: %d %v", st, m)
		}
		for _, p := range []string{"/api/v1/users/1%20OR%201=1", "/api/v1/users/-1", "/api/v1/users/abc"} {
			if st, m, _ := e.req("GET", p, admin, nil); st != 400 || errCode(m) != "invalid_id" {
				t.Errorf("%s: %d %v", p, st, m)
			}
		}
		if st, m, _ := e.req("GET", "/api/v1/audit?limit=abc", admin, nil); st != 400 || errField(m) != "limit" {
			t.Errorf("bad limit: %d %v", st, m)
		}
		if st, m, _ := e.req("GET", "/api/v1/audit?target=user:1'%20OR%20'1'='1", admin, nil); st != 200 || len(m["list"].([]any)) != 0 {
			t.Errorf("sql in query: %d %v", st, m)
		}
	})
}

func login(t *testing.T, e *env, c *http.Client, user, pw string, hdr ...string) (int, map[string]any) {
	t.Helper()
	st, m, _ := e.reqWith(c, "POST", "/api/v1/session", "", map[string]string{"username": user, "password": pw}, hdr...)
	return st, m
}

func jarClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

func TestSessionFlow(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		st, m, _ := e.req("POST", "/api/v1/users", e.tokens[auth.RoleAdmin], map[string]any{"username": "new.admin", "role": "admin"})
		if st != 201 {
			t.Fatalf("create: %d %v", st, m)
		}
		otp := m["one_time_password"].(string)
		c := jarClient()
		st, m, resp := e.reqWith(c, "POST", "/api/v1/session", "", map[string]string{"username": "new.admin", "password": otp})
		if st != 201 || m["must_change"] != true {
			t.Fatalf("login: %d %v", st, m)
		}
		ck := resp.Cookies()
		if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteLaxMode || ck[0].Path != "/" || ck[0].Secure {
			t.Fatalf("cookie %+v", ck)
		}
		if st, m, _ := e.reqWith(c, "GET", "/api/v1/me", "", nil); st != 200 || m["method"] != "session" {
			t.Fatalf("me: %d %v", st, m)
		}
		if st, m, _ := e.reqWith(c, "GET", "/api/v1/users", "", nil); st != 403 || errCode(m) != "password_change_required" {
			t.Fatalf("before password change: %d %v", st, m)
		}
		if st, m, _ := e.reqWith(c, "POST", "/api/v1/me/password", "", map[string]string{"current_password": otp, "new_password": goodPassword}); st != 204 {
			t.Fatalf("change: %d %v", st, m)
		}
		if st, _, _ := e.reqWith(c, "GET", "/api/v1/users", "", nil); st != 200 {
			t.Fatalf("after password change: %d", st)
		}
		if st, _, _ := e.reqWith(c, "DELETE", "/api/v1/session", "", nil); st != 204 {
			t.Fatalf("logout: %d", st)
		}
		// The server forgot the session: replaying the old cookie fails.
		st, m, _ = e.req("GET", "/api/v1/me", "", nil, "Cookie", ck[0].Name+"="+ck[0].Value)
		if st != 401 {
			t.Fatalf("old cookie after logout: %d %v", st, m)
		}
		if st, m := login(t, e, jarClient(), "new.admin", "wrong password!"); st != 401 || errCode(m) != "invalid_credentials" {
			t.Fatalf("wrong password: %d %v", st, m)
		}
		if st, m := login(t, e, jarClient(), "nobody", "wrong password!"); st != 401 || errCode(m) != "invalid_credentials" {
			t.Fatalf("unknown user: %d %v", st, m)
		}
		// A bearer client cannot "log out" a token.
		if st, m, _ := e.req("DELETE", "/api/v1/session", e.tokens[auth.RoleAgent], nil); st != 400 || errCode(m) != "not_a_session" {
			t.Fatalf("logout with token: %d %v", st, m)
		}
	})
}

// TestMustChangeTokenRefused: a user still on a one-time password (new, or
// reset by an administrator) is refused with a token as with a session,
// until they set their own password.
func TestMustChangeTokenRefused(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.users[auth.RoleAgent]
		if _, err := e.auth.ResetPassword(context.Background(), u.ID); err != nil {
			t.Fatal(err)
		}
		tok := e.tokens[auth.RoleAgent] // made before the reset
		if st, m, _ := e.req("GET", "/api/v1/tokens", tok, nil); st != 403 || errCode(m) != "password_change_required" {
			t.Fatalf("token of a user who must change their password: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", "/api/v1/tokens", tok, map[string]string{"name": "more"}); st != 403 || errCode(m) != "password_change_required" {
			t.Fatalf("new token while on a one-time password: %d %v", st, m)
		}
		if st, _, _ := e.req("GET", "/api/v1/me", tok, nil); st != 200 {
			t.Fatalf("me: %d", st)
		}
	})
}

func TestCSRF(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := jarClient()
		// Cross-site login (login CSRF) is refused.
		if st, m := login(t, e, c, "u-agent", goodPassword, "Sec-Fetch-Site", "cross-site"); st != 403 || errCode(m) != "cross_origin" {
			t.Fatalf("cross-site login: %d %v", st, m)
		}
		if st, m := login(t, e, c, "u-agent", goodPassword, "Sec-Fetch-Site", "same-origin", "Origin", e.ts.URL); st != 201 {
			t.Fatalf("same-origin login: %d %v", st, m)
		}
		tokens := func() int {
			var n int
			db.Read.QueryRow(`SELECT count(*) FROM api_tokens`).Scan(&n)
			return n
		}
		before := tokens()
		body := map[string]string{"name": "csrf"}
		if st, m, _ := e.reqWith(c, "POST", "/api/v1/tokens", "", body, "Sec-Fetch-Site", "cross-site"); st != 403 || errCode(m) != "cross_origin" {
			t.Fatalf("cross-site cookie POST: %d %v", st, m)
		}
		if st, m, _ := e.reqWith(c, "POST", "/api/v1/tokens", "", body, "Origin", "https://evil.example"); st != 403 || errCode(m) != "cross_origin" {
			t.Fatalf("foreign Origin cookie POST: %d %v", st, m)
		}
		if n := tokens(); n != before {
			t.Fatal("a refused cross-site request stored a token")
		}
		if st, _, _ := e.reqWith(c, "GET", "/api/v1/tokens", "", nil, "Sec-Fetch-Site", "cross-site"); st != 200 {
			t.Fatalf("cross-site GET: %d", st)
		}
		if st, m, _ := e.reqWith(c, "POST", "/api/v1/tokens", "", body, "Sec-Fetch-Site", "same-origin"); st != 201 {
			t.Fatalf("same-origin cookie POST: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", "/api/v1/tokens", e.tokens[auth.RoleAgent], body, "Sec-Fetch-Site", "cross-site"); st != 201 {
			t.Fatalf("bearer POST from anywhere: %d %v", st, m)
		}
	})
}

func TestLoginLockoutAndRateLimit(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := jarClient()
		for i := 0; i < 5; i++ {
			if st, m := login(t, e, c, "u-agent", "not the password", "X-Request-Id", "try-"+string(rune('a'+i))); st != 401 {
				t.Fatalf("attempt %d: %d %v", i, st, m)
			}
		}
		if st, m := login(t, e, c, "u-agent", goodPassword); st != 423 || errCode(m) != "account_locked" {
			t.Fatalf("right password after 5 failures: %d %v", st, m)
		}
		// Bearer tokens of a locked user keep working (the lock guards the
		// password, and the token is a different credential).
		if st, _, _ := e.req("GET", "/api/v1/me", e.tokens[auth.RoleAgent], nil); st != 200 {
			t.Fatalf("token of locked user: %d", st)
		}
		var locked int
		db.Read.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'user.locked'`).Scan(&locked)
		if locked != 1 {
			t.Fatalf("lockout audited %d times", locked)
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		e := newEnv(t, store.NewTestSQLite(t), func(c *web.Config, d *web.Deps) { c.LoginBurst = 3 })
		for i := 0; i < 3; i++ {
			login(t, e, jarClient(), "u-analyst", "not the password")
		}
		st, m, resp := e.req("POST", "/api/v1/session", "", map[string]string{"username": "u-agent", "password": goodPassword})
		if st != 429 || errCode(m) != "rate_limited" || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("4th attempt: %d %v", st, m)
		}
	})
}

func TestTokensHTTP(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		agent, admin := e.tokens[auth.RoleAgent], e.tokens[auth.RoleAdmin]
		st, m, _ := e.req("POST", "/api/v1/tokens", agent, map[string]any{"name": "script", "ttl_days": 30})
		if st != 201 {
			t.Fatalf("%d %v", st, m)
		}
		secret := m["secret"].(string)
		id := int64(m["token"].(map[string]any)["id"].(float64))
		if st, m, _ := e.req("GET", "/api/v1/me", secret, nil); st != 200 || m["user"].(map[string]any)["role"] != "agent" || m["method"] != "token" {
			t.Fatalf("me with new token: %d %v", st, m)
		}
		if _, m, _ := e.req("GET", "/api/v1/tokens", agent, nil); len(m["list"].([]any)) != 2 {
			t.Fatalf("agent sees %d tokens", len(m["list"].([]any)))
		}
		if _, m, _ := e.req("GET", "/api/v1/tokens", admin, nil); len(m["list"].([]any)) != 6 {
			t.Fatalf("admin sees %d tokens", len(m["list"].([]any)))
		}
		// Agents may not create tokens for others, nor revoke others' tokens.
		if st, _, _ := e.req("POST", "/api/v1/tokens", agent, map[string]any{"name": "x", "user_id": e.users[auth.RoleAdmin].ID}); st != 403 {
			t.Fatalf("agent token for admin: %d", st)
		}
		var adminTok int64
		db.Read.QueryRow(`SELECT id FROM api_tokens WHERE user_id = $1`, e.users[auth.RoleAdmin].ID).Scan(&adminTok)
		if st, _, _ := e.req("DELETE", "/api/v1/tokens/"+itoa(adminTok), agent, nil); st != 404 {
			t.Fatalf("agent revoking admin token: %d", st)
		}
		if st, _, _ := e.req("DELETE", "/api/v1/tokens/"+itoa(id), agent, nil); st != 204 {
			t.Fatalf("revoke own: %d", st)
		}
		if st, m, _ := e.req("GET", "/api/v1/me", secret, nil); st != 401 || errCode(m) != "unauthenticated" {
			t.Fatalf("revoked token still works: %d %v", st, m)
		}
		// Disabling a user stops their tokens at once.
		if st, _, _ := e.req("POST", "/api/v1/users/"+itoa(e.users[auth.RoleAnalyst].ID)+"/disable", admin, nil); st != 200 {
			t.Fatalf("disable: %d", st)
		}
		if st, _, _ := e.req("GET", "/api/v1/me", e.tokens[auth.RoleAnalyst], nil); st != 401 {
			t.Fatalf("disabled user's token: %d", st)
		}
		for _, bad := range []string{"Bearer", "Basic dXNlcjpwYXNz", "Bearer kvl_nope"} {
			if st, _, _ := e.req("GET", "/api/v1/me", "", nil, "Authorization", bad); st != 401 {
				t.Errorf("%q: %d", bad, st)
			}
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestUsersAndAuditHTTP(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.tokens[auth.RoleAdmin]
		st, m, _ := e.req("POST", "/api/v1/users", admin, map[string]any{"username": "sho.koramangala", "role": "station_officer", "unit_id": e.unit, "team": "south"})
		if st != 201 || m["one_time_password"] == "" {
			t.Fatalf("create: %d %v", st, m)
		}
		id := itoa(int64(m["user"].(map[string]any)["id"].(float64)))
		if st, m, _ := e.req("PATCH", "/api/v1/users/"+id, admin, map[string]any{"role": "agent", "unit_id": 0}); st != 200 || m["role"] != "agent" {
			t.Fatalf("patch: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", "/api/v1/users/"+id+"/reset-password", admin, nil); st != 200 || len(m["one_time_password"].(string)) != 23 {
			t.Fatalf("reset: %d %v", st, m)
		}
		if st, m, _ := e.req("POST", "/api/v1/users", admin, map[string]any{"username": "sho.koramangala", "role": "agent"}); st != 409 || errCode(m) != "conflict" {
			t.Fatalf("duplicate: %d %v", st, m)
		}
		if st, m, _ := e.req("GET", "/api/v1/users/424242", admin, nil); st != 404 || errCode(m) != "not_found" {
			t.Fatalf("missing: %d %v", st, m)
		}
		st, m, _ = e.req("GET", "/api/v1/audit?action=user.&target=user:"+id, admin, nil)
		list := m["list"].([]any)
		if st != 200 || len(list) != 3 || list[0].(map[string]any)["action"] != "user.reset_password" || list[0].(map[string]any)["actor"] != "u-admin" {
			t.Fatalf("audit: %d %v", st, m)
		}
		if list[0].(map[string]any)["ip"] != "127.0.0.1" {
			t.Fatalf("audit ip: %v", list[0])
		}
		if st, m, _ := e.req("GET", "/api/v1/audit/verify", admin, nil); st != 200 || m["ok"] != true {
			t.Fatalf("verify: %d %v", st, m)
		}
		dropGuard(t, db)
		if _, err := db.Write.Exec(`UPDATE audit_log SET actor = 'someone-else' WHERE action = 'user.reset_password'`); err != nil {
			t.Fatal(err)
		}
		st, m, _ = e.req("GET", "/api/v1/audit/verify", admin, nil)
		if st != 200 || m["ok"] != false || m["bad_id"] == nil {
			t.Fatalf("verify after tampering: %d %v", st, m)
		}
	})
}

func dropGuard(t *testing.T, db *store.DB) {
	t.Helper()
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if db.Dialect == store.Postgres {
		stmts = []string{`DROP TRIGGER audit_log_no_change ON audit_log`}
	}
	for _, q := range stmts {
		if _, err := db.Write.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOperational(t *testing.T) {
	ready := errors.New("bus not connected")
	var readyErr error
	e := newEnv(t, store.NewTestSQLite(t), func(c *web.Config, d *web.Deps) {
		d.Ready = func(context.Context) error { return readyErr }
		d.Hooks = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(202) })
	})
	e.srv.Route("GET", "/api/v1/boom", auth.PermPublic, web.OpDoc{Summary: "panics"}, func(w http.ResponseWriter, r *http.Request) error {
		panic("boom")
	})
	st, m, resp := e.req("GET", "/healthz", "", nil, "X-Request-Id", "abc-123")
	if st != 200 || m["status"] != "ok" || resp.Header.Get("X-Request-Id") != "abc-123" {
		t.Fatalf("healthz: %d %v %v", st, m, resp.Header)
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'", "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
	} {
		if !strings.Contains(resp.Header.Get(h), want) {
			t.Errorf("header %s = %q", h, resp.Header.Get(h))
		}
	}
	if _, _, resp := e.req("GET", "/healthz", "", nil, "X-Request-Id", "bad id <script>"); resp.Header.Get("X-Request-Id") == "bad id <script>" || len(resp.Header.Get("X-Request-Id")) != 16 {
		t.Errorf("unsafe request id echoed: %q", resp.Header.Get("X-Request-Id"))
	}
	if st, _, _ := e.req("GET", "/readyz", "", nil); st != 200 {
		t.Fatalf("readyz: %d", st)
	}
	readyErr = ready
	if st, m, _ := e.req("GET", "/readyz", "", nil); st != 503 || errCode(m) != "not_ready" {
		t.Fatalf("readyz not ready: %d %v", st, m)
	}
	if st, m, _ := e.req("GET", "/api/v1/boom", "", nil); st != 500 || errCode(m) != "internal" {
		t.Fatalf("panic: %d %v", st, m)
	}
	if st, m, _ := e.req("GET", "/nope", "", nil); st != 404 || errCode(m) != "not_found" {
		t.Fatalf("404: %d %v", st, m)
	}
	if st, m, resp := e.req("PUT", "/api/v1/me", "", "{}"); st != 405 || errCode(m) != "method_not_allowed" || !strings.Contains(resp.Header.Get("Allow"), "GET") {
		t.Fatalf("405: %d %v", st, m)
	}
	if st, _, _ := e.req("POST", "/hooks/x/y", "", "{}", "Sec-Fetch-Site", "cross-site"); st != 202 {
		t.Fatalf("hooks: %d", st)
	}
	e.req("BREW", "/healthz", "", nil)
	// Not on the public listener; on the metrics handler.
	if st, _, _ := e.req("GET", "/metrics", "", nil); st != 404 {
		t.Fatalf("/metrics on the public listener: %d", st)
	}
	ms := httptest.NewServer(e.srv.MetricsHandler())
	defer ms.Close()
	r, _ := http.Get(ms.URL + "/metrics")
	raw, _ := io.ReadAll(r.Body)
	r.Body.Close()
	for _, want := range []string{`kaval_http_requests_total{code="200",method="GET",route="/healthz"} 2`,
		`kaval_http_requests_total{code="500",method="GET",route="/api/v1/boom"} 1`,
		`kaval_http_requests_total{code="404",method="GET",route="unmatched"} 2`,
		`kaval_http_requests_total{code="405",method="OTHER",route="unmatched"} 1`,
		`kaval_http_request_duration_seconds_bucket{method="GET",route="/readyz"`, "go_goroutines"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestOpenAPI(t *testing.T) {
	e := newEnv(t, store.NewTestSQLite(t))
	e.srv.Route("GET", "/api/v1/cases/{id}", auth.PermCasesRead, web.OpDoc{Summary: "Get a case", Params: []web.Param{{Name: "id", In: "path", Type: "integer"}}, Response: auth.User{}},
		func(w http.ResponseWriter, r *http.Request) error { return nil })
	st, doc, _ := e.req("GET", "/api/v1/openapi.json", "", nil)
	if st != 200 || doc["openapi"] != "3.1.0" {
		t.Fatalf("%d %v", st, doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	for _, rt := range e.srv.Routes() {
		op, ok := paths[rt.Pattern].(map[string]any)[strings.ToLower(rt.Method)].(map[string]any)
		if !ok {
			t.Errorf("%s %s missing from the document", rt.Method, rt.Pattern)
			continue
		}
		if op["x-kaval-permission"] != string(rt.Perm) || op["summary"] != rt.Doc.Summary {
			t.Errorf("%s %s: %v", rt.Method, rt.Pattern, op)
		}
	}
	caseOp := paths["/api/v1/cases/{id}"].(map[string]any)["get"].(map[string]any)
	if p := caseOp["parameters"].([]any)[0].(map[string]any); p["name"] != "id" || p["schema"].(map[string]any)["type"] != "integer" {
		t.Errorf("path param: %v", p)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	nu := schemas["auth.NewUser"].(map[string]any)
	props := nu["properties"].(map[string]any)
	if props["unit_id"].(map[string]any)["type"] != "integer" || len(nu["required"].([]any)) != 2 {
		t.Errorf("auth.NewUser schema: %v", nu)
	}
	if schemas["auth.User"].(map[string]any)["properties"].(map[string]any)["created_at"].(map[string]any)["format"] != "date-time" {
		t.Error("time.Time not a date-time")
	}
	if _, leaked := schemas["auth.User"].(map[string]any)["properties"].(map[string]any)["passwordHash"]; leaked {
		t.Error("unexported field in schema")
	}
}

// TestOpenRoutesReviewed: routes anyone (or any logged-in user) may call
// are listed here by hand. A new route declared PermPublic or
// PermAuthenticated fails until someone adds it after review.
func TestOpenRoutesReviewed(t *testing.T) {
	reviewed := map[string]auth.Perm{
		"GET /healthz": auth.PermPublic, "GET /readyz": auth.PermPublic,
		"GET /api/v1/openapi.json": auth.PermPublic, "POST /api/v1/session": auth.PermPublic,
		"DELETE /api/v1/session": auth.PermAuthenticated, "GET /api/v1/sessions": auth.PermAuthenticated,
		"DELETE /api/v1/sessions/{id}": auth.PermAuthenticated, "GET /api/v1/me": auth.PermAuthenticated,
		"POST /api/v1/me/password": auth.PermAuthenticated, "POST /api/v1/me/totp": auth.PermAuthenticated,
		"POST /api/v1/me/totp/confirm": auth.PermAuthenticated,
		// Desk pages open to anyone: the login, static files, the language
		// switch and the not-found page; to any user: their own account.
		"GET /desk/assets/{file}": auth.PermPublic, "GET /desk/": auth.PermPublic, "POST /desk/lang": auth.PermPublic,
		"GET /desk/login": auth.PermPublic, "POST /desk/login": auth.PermPublic,
		"GET /desk/{$}": auth.PermAuthenticated, "POST /desk/logout": auth.PermAuthenticated,
		"GET /desk/password": auth.PermAuthenticated, "POST /desk/password": auth.PermAuthenticated,
		"GET /desk/account": auth.PermAuthenticated, "GET /desk/account/sessions": auth.PermAuthenticated,
		"POST /desk/account/sessions/{id}/end": auth.PermAuthenticated, "GET /desk/account/totp": auth.PermAuthenticated,
		"POST /desk/account/totp": auth.PermAuthenticated, "POST /desk/account/totp/confirm": auth.PermAuthenticated,
		// Images of approved publications, which the platforms download
		// (publish.Service.PublicMedia: 404 for any other image).
		"GET /media/{file}": auth.PermPublic,
		// Public advisories as Atom, the force's and each station's.
		"GET /feeds/advisories.atom": auth.PermPublic, "GET /feeds/stations/{file}": auth.PermPublic,
		// Each person's own notifications (every query is by the caller's
		// user id) and where they are reached.
		"GET /api/v1/notifications": auth.PermAuthenticated, "POST /api/v1/notifications/{id}/read": auth.PermAuthenticated,
		"POST /api/v1/notifications/read": auth.PermAuthenticated, "GET /api/v1/notifications/contact": auth.PermAuthenticated,
		"PUT /api/v1/notifications/contact": auth.PermAuthenticated,
		"GET /desk/notifications":           auth.PermAuthenticated, "GET /desk/notifications/bell": auth.PermAuthenticated,
		"GET /desk/notifications/live": auth.PermAuthenticated, "POST /desk/notifications/{id}/open": auth.PermAuthenticated,
		"POST /desk/notifications/read": auth.PermAuthenticated, "POST /desk/notifications/contact": auth.PermAuthenticated,
		// Each person's own desk language (by the caller's user id).
		"GET /api/v1/me/lang": auth.PermAuthenticated, "PUT /api/v1/me/lang": auth.PermAuthenticated,
	}
	e := newEnv(t, store.NewTestSQLite(t))
	mountAll(e)
	for _, rt := range e.srv.Routes() {
		if rt.Perm != auth.PermPublic && rt.Perm != auth.PermAuthenticated {
			continue
		}
		if want, ok := reviewed[rt.Method+" "+rt.Pattern]; !ok || want != rt.Perm {
			t.Errorf("%s %s is open (%s) but not in the reviewed list", rt.Method, rt.Pattern, rt.Perm)
		}
	}
}
