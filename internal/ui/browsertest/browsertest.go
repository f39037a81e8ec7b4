// Package browsertest drives the desk in a real Chromium from Go tests: a
// real App on a free port, one headless Chromium shared by the tests, a
// fresh browser profile (cookies, cache) per Browser, screenshots of every
// page at 1280 and 360 px wide in English and Kannada, and checks that
// fail the test on any Content-Security-Policy violation, any uncaught
// script error, and any serious or critical axe-core finding.
//
// Typical test (in this package or any _test package importing it):
//
//	func TestInbox(t *testing.T) {
//		env := browsertest.Start(t, browsertest.Options{})
//		b := env.Browser(t)
//		b.Login(auth.RoleAgent)
//		b.Go("/desk/inbox")
//		b.Check("inbox") // screenshots (1280, 360) × (en, kn), axe, CSP
//		b.Click("#case-1 a")
//		…
//	}
//
// Chromium comes from Debian (/usr/bin/chromium, or $KAVAL_CHROMIUM);
// scripts/test installs it. Without it the tests skip locally and fail in
// CI (when $CI is set). Screenshots go to $KAVAL_SCREENSHOTS, default
// internal/ui/browsertest/screenshots (git-ignored); look at them. In CI
// they are taken only when $KAVAL_SCREENSHOTS is set.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kaval-desk/kaval/internal/app"
	"github.com/kaval-desk/kaval/internal/auth"

	"log/slog"
	"net/http/httptest"
)

// Password is every test user's password.
const Password = "correct horse battery staple"

// Options tune Start.
type Options struct {
	// Analysis loads the models, for pages that show analysis (slower
	// start); the shell's own pages do not need it.
	Analysis bool
	// Configure changes the App's configuration before it starts.
	Configure func(*app.Config)
}

// Env is a running desk and a running Chromium.
type Env struct {
	T     *testing.T
	App   *app.App
	URL   string // http://127.0.0.1:PORT
	Users map[auth.Role]*auth.User
	// Unit is the station of the station officer (Jayanagar).
	Unit int64

	browser context.Context // a started Chromium; Browsers are contexts in it
	shots   string
}

// ChromiumPath finds Chromium, or skips the test (fails it in CI).
func ChromiumPath(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("KAVAL_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("browsertest: Chromium not found (install Debian's chromium; scripts/test does) and $CI is set")
	}
	t.Skip("browsertest: Chromium not found; install Debian's chromium and fonts-noto-core (scripts/test does) to run the browser tests")
	return ""
}

// Start runs a desk (SQLite in a temp dir) with one user per role and a
// headless Chromium, both stopped when the test ends.
func Start(t *testing.T, opt Options) *Env {
	t.Helper()
	chromium := ChromiumPath(t)
	ctx := context.Background()
	dir := t.TempDir()
	cfg := app.Config{DB: "sqlite:" + filepath.Join(dir, "kaval.db"), DataDir: dir, NoAnalysis: !opt.Analysis,
		AuthConfig: auth.Config{Hash: auth.TestHashParams}, Log: slog.New(slog.DiscardHandler),
		Getenv: func(string) string { return "" }}
	if opt.Configure != nil {
		opt.Configure(&cfg)
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.Start(ctx)
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	e := &Env{T: t, App: a, URL: srv.URL, Users: map[auth.Role]*auth.User{}, shots: screenshotDir()}
	if err := a.DB.Read.QueryRowContext(ctx, `SELECT id FROM units WHERE kind = 'station' AND name LIKE 'Jayanagar%' ORDER BY id LIMIT 1`).Scan(&e.Unit); err != nil {
		t.Fatalf("browsertest: no Jayanagar station in the pack: %v", err)
	}
	for _, r := range auth.Roles {
		nu := auth.NewUser{Username: strings.ReplaceAll(string(r), "_", "-"), Name: roleNames[r], Role: r, Password: Password}
		if r == auth.RoleStationOfficer {
			nu.UnitID = e.Unit
		}
		u, _, err := a.Auth.CreateUser(ctx, nu)
		if err != nil {
			t.Fatal(err)
		}
		e.Users[r] = u
	}

	root, err := sharedChromium(chromium)
	if err != nil {
		t.Fatalf("browsertest: Chromium did not start: %v", err)
	}
	e.browser = root
	return e
}

// One Chromium serves every test in the process (starting one took a few
// seconds per test); each Browser is a browser context of its own in it
// (WithNewBrowserContext: its own cookies, cache and storage), so tests
// stay as isolated as with a Chromium each. A Chromium that died (a crash
// in an earlier test) is started again. Linux kills it with the test
// binary (chromedp sets Pdeathsig); TestMain stops it sooner.
var chromiumProc struct {
	mu     sync.Mutex
	root   context.Context
	cancel []context.CancelFunc
	dir    string
}

func sharedChromium(chromium string) (context.Context, error) {
	chromiumProc.mu.Lock()
	defer chromiumProc.mu.Unlock()
	if chromiumProc.root != nil && chromiumProc.root.Err() == nil {
		return chromiumProc.root, nil
	}
	stopChromiumLocked()
	dir, err := os.MkdirTemp("", "kaval-chromium-")
	if err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(dir),
		chromedp.Flag("headless", "new"),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	chromiumProc.root, chromiumProc.cancel, chromiumProc.dir = root, []context.CancelFunc{cancelRoot, cancelAlloc}, dir
	if err := chromedp.Do(root); err != nil { // starts the browser
		stopChromiumLocked()
		return nil, err
	}
	return root, nil
}

// StopChromium stops the shared Chromium (TestMain calls it after the
// tests).
func StopChromium() {
	chromiumProc.mu.Lock()
	defer chromiumProc.mu.Unlock()
	stopChromiumLocked()
}

func stopChromiumLocked() {
	for _, c := range chromiumProc.cancel {
		c()
	}
	if chromiumProc.dir != "" {
		os.RemoveAll(chromiumProc.dir)
	}
	chromiumProc.root, chromiumProc.cancel, chromiumProc.dir = nil, nil, ""
}

var roleNames = map[auth.Role]string{
	auth.RoleAdmin: "Asha Admin", auth.RoleSupervisor: "Suresh Supervisor", auth.RoleAgent: "Anita Agent",
	auth.RoleStationOfficer: "Shivakumar (Jayanagar PS)", auth.RoleAnalyst: "Anand Analyst",
}

// screenshotDir is $KAVAL_SCREENSHOTS or this package's screenshots/; in
// CI ($CI set) without $KAVAL_SCREENSHOTS it is "": no screenshots, which
// nobody opens there (the pages are still loaded at both widths in both
// languages, and axe and the CSP checks still run on each).
func screenshotDir() string {
	if d := os.Getenv("KAVAL_SCREENSHOTS"); d != "" {
		return d
	}
	if os.Getenv("CI") != "" {
		return ""
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "screenshots")
}

// timeout bounds one browser step: a page that never loads fails the test
// instead of hanging it.
const timeout = 30 * time.Second
