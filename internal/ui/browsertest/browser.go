package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/ui"
)

// Browser is one isolated browser profile (its own cookies and cache) with
// one tab.
type Browser struct {
	T   *testing.T
	env *Env
	ctx context.Context

	mu       sync.Mutex
	problems []string // CSP violations and uncaught script errors
	bytes    int64    // bytes received since the last ResetBytes
}

// cspProbe runs in every document before its own scripts (DevTools
// injects it, so the page's CSP does not apply to it) and reports each
// violation on the console, where the Browser counts it.
const cspProbe = `document.addEventListener("securitypolicyviolation", function (e) {
  console.debug("kaval-csp-violation", JSON.stringify({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile, line: e.lineNumber}));
});`

// Browser opens a fresh browser profile for t.
func (e *Env) Browser(t *testing.T) *Browser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(e.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &Browser{T: t, env: e, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: no tab: %v", err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *cdpruntime.EventConsoleAPICalled:
			if len(ev.Args) == 2 && strings.Contains(string(ev.Args[0].Value), "kaval-csp-violation") {
				b.problem("CSP violation: " + string(ev.Args[1].Value))
			}
		case *cdpruntime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg = d.Exception.Description
			}
			b.problem(fmt.Sprintf("uncaught script error: %s (%s:%d)", msg, d.URL, d.LineNumber))
		case *cdplog.EventEntryAdded:
			if strings.Contains(ev.Entry.Text, "Content Security Policy") || strings.Contains(ev.Entry.Text, "Content-Security-Policy") {
				b.problem("CSP (log): " + ev.Entry.Text)
			}
		case *network.EventLoadingFinished:
			b.mu.Lock()
			b.bytes += int64(ev.EncodedDataLength)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, cdpruntime.Enable, cdp.Empty{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, cdplog.Enable, cdp.Empty{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbe})
		return err
	}))
	b.Width(1280)
	return b
}

func (b *Browser) problem(s string) {
	b.mu.Lock()
	b.problems = append(b.problems, s)
	b.mu.Unlock()
}

// do runs actions with the step timeout, failing the test on error.
func (b *Browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.T.Fatalf("browsertest: %v (at %s)", err, b.Location())
	}
}

// Run runs chromedp actions (for anything the helpers below lack).
func (b *Browser) Run(steps ...chromedp.Action[chromedp.Void]) { b.T.Helper(); b.do(steps...) }

// Context is the tab's chromedp context, for chromedp.Run with results.
func (b *Browser) Context() context.Context { return b.ctx }

// Width sets the viewport width (height 900, or 780 when narrow).
func (b *Browser) Width(w int64) {
	b.T.Helper()
	h := int64(900)
	opts := []chromedp.EmulateViewportOption{}
	if w < 600 {
		h = 780
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	b.do(chromedp.EmulateViewport(w, h, opts...))
}

// Go opens a desk path (e.g. "/desk/login") and waits for the page.
func (b *Browser) Go(path string) {
	b.T.Helper()
	b.do(chromedp.Navigate(b.env.URL+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// Location is the path and query of the page shown.
func (b *Browser) Location() string {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	if u, err := url.Parse(loc); err == nil {
		return u.RequestURI()
	}
	return loc
}

// Text is the visible text of the first element matching a CSS selector.
// A live page (htmx swapping a fragment over SSE) can replace the element
// between finding its node and reading it; Chrome then answers "No node
// with given id found", and the read is tried again on the new element.
func (b *Browser) Text(css string) string {
	b.T.Helper()
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(b.ctx, timeout)
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
		cancel()
		if err == nil {
			return s
		}
		if attempt < 5 && strings.Contains(err.Error(), "No node with given id found") {
			continue
		}
		b.T.Fatalf("browsertest: text of %s: %v (at %s)", css, err, b.Location())
	}
}

// Exists reports whether an element matches css now (no waiting).
func (b *Browser) Exists(css string) bool {
	b.T.Helper()
	return b.Eval(`document.querySelector(`+jsString(css)+`) !== null`) == "true"
}

// Eval evaluates JavaScript in the page and returns the JSON of its value.
func (b *Browser) Eval(js string) string {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js))
	if err != nil {
		b.T.Fatalf("browsertest: eval: %v", err)
	}
	return string(raw)
}

// Fill types value into the field matching css (replacing its content).
func (b *Browser) Fill(css, value string) {
	b.T.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(css)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(css)+`).value = ""`),
		chromedp.SendKeys(chromedp.CSS(css), value))
}

// Select picks an option value in the select matching css.
func (b *Browser) Select(css, value string) {
	b.T.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`(e => { e.value = ` + jsString(value) + `; e.dispatchEvent(new Event("change", {bubbles: true})) })(document.querySelector(` + jsString(css) + `))`))
}

// Click clicks the element matching css and waits for the page that
// follows (a navigation or an htmx swap) to settle.
func (b *Browser) Click(css string) {
	b.T.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(css)), chromedp.Click(chromedp.CSS(css)), chromedp.Sleep(150), chromedp.WaitReady(chromedp.CSS("body")))
}

// Submit clicks the submit button of the form holding css and waits for
// the next page.
func (b *Browser) Submit(css string) {
	b.T.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(css)), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(css)))(ctx, t)
		return err
	}), chromedp.WaitReady(chromedp.CSS("body")))
}

// Login logs in as the test user of role through the login page.
func (b *Browser) Login(role auth.Role) {
	b.T.Helper()
	b.LoginAs(b.env.Users[role].Username, Password, "")
	if loc := b.Location(); strings.HasPrefix(loc, ui.LoginPath) {
		b.T.Fatalf("browsertest: login as %s failed: still on %s: %s", role, loc, b.Text("main"))
	}
}

// LoginAs fills the login form (code is the TOTP code, or "").
func (b *Browser) LoginAs(username, password, code string) {
	b.T.Helper()
	if !strings.HasPrefix(b.Location(), ui.LoginPath) {
		b.Go(ui.LoginPath)
	}
	b.Fill("#username", username)
	b.Fill("#password", password)
	if code != "" {
		b.Fill("#code", code)
	}
	b.Submit(`form[action="/desk/login"] button[type=submit]`)
}

// Lang sets the desk language cookie (what the switch does) and reloads.
func (b *Browser) Lang(lang string) {
	b.T.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetCookie, network.SetCookieParams{Name: ui.LangCookie, Value: lang, URL: b.env.URL + "/", Path: "/"})
		return err
	}), chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
}

// CheckCSP fails the test if any CSP violation or script error happened
// since the browser opened (or the last check).
func (b *Browser) CheckCSP() {
	b.T.Helper()
	b.mu.Lock()
	ps := b.problems
	b.problems = nil
	b.mu.Unlock()
	for _, p := range ps {
		b.T.Errorf("browsertest: %s", p)
	}
}

// Screenshot saves the whole page as NAME.png in the screenshot folder
// (none in CI unless $KAVAL_SCREENSHOTS asks: see screenshotDir).
func (b *Browser) Screenshot(name string) string {
	b.T.Helper()
	if b.env.shots == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.T.Fatalf("browsertest: screenshot: %v", err)
	}
	if err := os.MkdirAll(b.env.shots, 0o755); err != nil {
		b.T.Fatal(err)
	}
	p := filepath.Join(b.env.shots, safeName(name)+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.T.Fatal(err)
	}
	return p
}

// Check is the per-page routine: for English and Kannada, at 1280 and
// 360 px, a screenshot (NAME-LANG-WIDTH.png), axe-core (serious and
// critical findings fail), and the CSP and script-error check. It leaves
// the browser in English at 1280 px on the same page. It reloads the page
// to switch language: use Snap on the answer to a form post.
func (b *Browser) Check(name string) {
	b.T.Helper()
	for _, lang := range ui.Languages {
		b.Lang(lang)
		for _, w := range []int64{1280, 360} {
			b.Width(w)
			b.settle()
			b.Screenshot(fmt.Sprintf("%s-%s-%d", name, lang, w))
			b.Axe(fmt.Sprintf("%s (%s, %d px)", name, lang, w))
		}
	}
	b.Width(1280)
	b.Lang("en")
	b.CheckCSP()
}

// Snap is Check for a page that cannot be reloaded (the answer to a form
// post, such as a secret shown once): the current language only, at 1280
// and 360 px, without reloading.
func (b *Browser) Snap(name string) {
	b.T.Helper()
	lang := strings.Trim(b.Eval(`document.documentElement.lang`), `"`)
	for _, w := range []int64{1280, 360} {
		b.Width(w)
		b.settle()
		b.Screenshot(fmt.Sprintf("%s-%s-%d", name, lang, w))
		b.Axe(fmt.Sprintf("%s (%s, %d px)", name, lang, w))
	}
	b.Width(1280)
	b.CheckCSP()
}

// settle waits for the layout after a change of width or language: the
// fonts loaded (the Kannada font swaps in) and two frames painted.
func (b *Browser) settle() {
	b.T.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))`,
		chromedp.EvalAwaitPromise))
}

func safeName(s string) string {
	return regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(s, "_")
}

func jsString(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

// Weight loads path with an empty cache, then again with the cache warm,
// and returns the bytes received each time as on the wire (compressed,
// headers included), everything the page pulled in (styles, scripts,
// fonts) counted.
func (b *Browser) Weight(path string) (cold, warm int64) {
	b.T.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.ClearBrowserCache, cdp.Empty{})
		return err
	}))
	load := func() int64 {
		b.do(chromedp.Navigate("about:blank"))
		b.mu.Lock()
		b.bytes = 0
		b.mu.Unlock()
		b.Go(path)
		b.do(chromedp.Evaluate[chromedp.Void](`document.fonts.ready.then(() => new Promise(r => setTimeout(r, 300)))`, chromedp.EvalAwaitPromise))
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.bytes
	}
	return load(), load()
}

// navigateAndWait opens an absolute URL and waits until the page (and any
// page it submits itself to) has loaded.
func navigateAndWait(u string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Navigate(u), chromedp.Sleep(500), chromedp.WaitReady(chromedp.CSS("body")))
}
