// Package ui is the staff desk in the browser, under /desk/: the shell
// every page is built on (layout, navigation, message catalogue, assets,
// flash messages, forms, the error page, live updates over SSE) and the
// account and administration pages.
//
// Pages are rendered on the server with html/template; htmx (vendored,
// served under content-hash URLs) swaps fragments. There is no inline
// script or style anywhere: the CSP is default-src 'self'.
//
// # How to add a page
//
// 1. A file named for the action, e.g. inbox.go, with a method that
// registers its routes (call it from app.New after ui.New):
//
//	func (u *UI) DeskPages(d *desk.Desk) {
//		u.Handle(Route{Method: "GET", Path: "/desk/inbox", Perm: auth.PermCasesRead,
//			Summary: "Inbox",
//			Nav:     &Nav{Section: SectionInbox, Label: "nav.inbox"}, // omit for pages off the menu
//		}, func(w http.ResponseWriter, r *http.Request) error {
//			p := auth.FromContext(r.Context()) // never nil unless Perm is PermPublic
//			rows, err := d.ListCases(r.Context(), desk.ScopeOf(p), …)
//			if err != nil {
//				return err // becomes the HTML error page, in the user's language
//			}
//			return u.Render(w, r, http.StatusOK, "inbox.html", View{Title: "inbox.title", Data: rows})
//		})
//	}
//
// The route goes into the server's one route table with its permission
// (web.Server.Page), so TestRouteTablePermissions covers it, the left
// navigation shows the entry only to roles holding Perm, and an anonymous
// visitor is sent to the login page and back.
//
// 2. A template templates/inbox.html that defines "main" (the page body)
// and any fragments it swaps with htmx ({{define "inbox-rows"}}…). Files
// starting with "_" are shared partials and parsed into every page.
// Every word a person reads comes from the catalogue: {{t "inbox.title"}},
// {{tn "inbox.new" .N}} (plural), numbers {{num .Count}}, times
// {{when .At}}, citizen text {{post .Text}} (escaped, pre-wrap,
// dir="auto", only https links live). Templates see the View: .Data is
// yours, .User the principal, .Lang "en" or "kn".
//
// 3. Messages in messages/FAMILY.en.json and messages/FAMILY.kn.json (your
// own pair of files, e.g. desk.en.json): every key in both, or
// TestCatalogueComplete fails; a literal word in a template fails
// TestTemplatesUseCatalogue.
//
// 4. Actions: a POST route (Perm the action needs). Answer an htmx request
// (IsHTMX) with the updated fragment (u.Fragment), a plain form post with
// a redirect (u.Redirect); either way say what happened with u.Flash.
// Cross-site posts are refused before your handler runs (the server's
// cross-origin protection covers every cookie-authenticated unsafe
// request); there is no token to add to your forms.
//
// 5. Live updates: u.Hub().Stream(...) registers an SSE endpoint fed from
// the bus on every replica (see sse.go); publish with u.Hub().Publish.
//
// 6. Tests: browser walk-throughs use package ui/browsertest (a real App,
// real Chromium, screenshots at 1280 and 360 px in both languages, CSP
// violations and axe-core counted).
package ui

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/web"
)

// Sections of the left navigation, in the order UI.md gives them.
const (
	SectionInbox     = "inbox"
	SectionMentions  = "mentions"
	SectionApprovals = "approvals"
	SectionStation   = "station"
	SectionWatch     = "watch"
	SectionCrisis    = "crisis"
	SectionPublish   = "publish"
	SectionReports   = "reports"
	SectionAdmin     = "admin"
)

var sectionOrder = []string{SectionInbox, SectionMentions, SectionApprovals, SectionStation, SectionWatch,
	SectionCrisis, SectionPublish, SectionReports, SectionAdmin}

// Route is a page or form action.
type Route struct {
	Method  string    // GET or POST (htmx may also use PUT, PATCH, DELETE)
	Path    string    // a ServeMux pattern under /desk/, e.g. /desk/admin/users/{id}
	Perm    auth.Perm // who may open it; declared here, checked by the server
	Summary string    // one line for the route table
	Nav     *Nav      // set for a page that has a menu entry

	// mustChangeOK: open to a user still on a one-time password (the
	// password page itself, logout). Every other page sends them there.
	mustChangeOK bool
}

// Nav places a GET page in the navigation. The left menu shows one entry
// per section, linking to the lowest-Order page of the section the user
// may open; the section's pages show as tabs above the page.
type Nav struct {
	Section string // one of the Section constants
	Label   string // catalogue key of the tab (the menu uses "nav.SECTION")
	Order   int
}

// NavItem is a menu entry or tab as templates see it.
type NavItem struct {
	Label, Href string
	Active      bool
}

type navEntry struct {
	Nav
	path string
	perm auth.Perm
}

// Deps are what the shell needs.
type Deps struct {
	Server *web.Server   // required: routes are registered here
	Auth   *auth.Service // required
	Bus    bus.Bus       // live updates; nil serves SSE from this replica only
	Log    *slog.Logger
	Now    func() time.Time // tests
}

// UI is the desk's browser interface.
type UI struct {
	srv    *web.Server
	auth   *auth.Service
	log    *slog.Logger
	now    func() time.Time
	assets *assets
	cat    catalogue
	tmpl   *templates
	hub    *Hub
	close  context.CancelFunc
	prefs  langPrefs // each person's language (lang.go), set by DeskPages

	mu       sync.Mutex
	nav      []navEntry
	bar      []navEntry        // top-bar controls (topbar.go)
	sections map[string]string // route pattern -> section, for the active entry
	search   *navEntry
	notes    []navEntry // top-bar slots; path is the fragment, live its SSE stream (optional)
}

// New builds the shell and registers its own pages (login, logout,
// password, account, language switch, assets, error pages). Template or
// catalogue faults panic here, at start-up.
func New(d Deps) (*UI, error) {
	if d.Server == nil || d.Auth == nil {
		return nil, fmt.Errorf("ui: New needs Deps.Server and Deps.Auth")
	}
	u := &UI{srv: d.Server, auth: d.Auth, log: d.Log, now: d.Now, sections: map[string]string{}}
	if u.log == nil {
		u.log = slog.Default()
	}
	if u.now == nil {
		u.now = time.Now
	}
	var err error
	if u.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if u.cat, err = loadCatalogue(); err != nil {
		return nil, err
	}
	if u.tmpl, err = parseTemplates(u); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	u.close = cancel
	u.hub = newHub(ctx, d.Bus, u.log)
	u.srv.SetPageHooks(web.PageHooks{Error: u.errorPage, LoginPath: LoginPath, PasswordPath: PasswordPath})
	u.shellPages()
	u.accountPages()
	u.totpPages()
	u.adminUserPages()
	u.adminAuditPages()
	u.adminUnitPages()
	return u, nil
}

// Close ends the live-update streams and their bus subscriptions.
func (u *UI) Close() { u.close() }

// Hub is the live-update hub (SSE).
func (u *UI) Hub() *Hub { return u.hub }

// Handle registers a page or action. It panics on a programming error (a
// path outside /desk/, a nav entry on a non-GET route), like web.Route.
func (u *UI) Handle(rt Route, h web.HandlerFunc) {
	if len(rt.Path) < len("/desk/") || rt.Path[:len("/desk/")] != "/desk/" {
		panic(fmt.Sprintf("ui: route %s %s: pages live under /desk/", rt.Method, rt.Path))
	}
	if rt.Nav != nil {
		if rt.Method != http.MethodGet || !slices.Contains(sectionOrder, rt.Nav.Section) {
			panic(fmt.Sprintf("ui: route %s %s: a nav entry needs a GET route and a known section", rt.Method, rt.Path))
		}
		u.mu.Lock()
		u.nav = append(u.nav, navEntry{Nav: *rt.Nav, path: rt.Path, perm: rt.Perm})
		u.sections[rt.Method+" "+rt.Path] = rt.Nav.Section
		u.mu.Unlock()
	}
	u.srv.Page(rt.Method, rt.Path, rt.Perm, rt.Summary, func(w http.ResponseWriter, r *http.Request) error {
		if p := auth.FromContext(r.Context()); p != nil && p.MustChange && !rt.mustChangeOK {
			return web.ErrMustChange
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), stateKey, &reqState{})))
	})
}

// SetSearch points the top bar's search box (focused with "/") at a GET
// page taking ?q=; until a page does, the box is not shown.
func (u *UI) SetSearch(path string, perm auth.Perm) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.search = &navEntry{path: path, perm: perm}
}

// SetNotifications points the top bar's notification slot at a GET
// fragment (loaded on each page and every minute) for holders of perm.
func (u *UI) SetNotifications(path string, perm auth.Perm) {
	u.AddNotifications(path, "", perm)
}

// AddNotifications adds a slot to the top bar's notification area: the
// fragment at path is loaded on each page, every minute, and whenever
// the SSE stream live (when not empty) sends a "notify" event.
func (u *UI) AddNotifications(path, live string, perm auth.Perm) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.notes = append(u.notes, navEntry{Nav: Nav{Label: live}, path: path, perm: perm})
}

// menu returns the left navigation and the active section's tabs for p.
func (u *UI) menu(p *auth.Principal, pattern string) (nav, tabs []NavItem) {
	if p == nil || p.MustChange {
		return nil, nil
	}
	u.mu.Lock()
	entries := slices.Clone(u.nav)
	active := u.sections[pattern]
	u.mu.Unlock()
	slices.SortStableFunc(entries, func(a, b navEntry) int { return a.Order - b.Order })
	for _, sec := range sectionOrder {
		first := ""
		for _, e := range entries {
			if e.Section != sec || !p.Can(e.perm) {
				continue
			}
			if first == "" {
				first = e.path
			}
			if sec == active {
				tabs = append(tabs, NavItem{Label: e.Label, Href: e.path, Active: pattern == "GET "+e.path})
			}
		}
		if first != "" {
			nav = append(nav, NavItem{Label: "nav." + sec, Href: first, Active: sec == active})
		}
	}
	if len(tabs) < 2 {
		tabs = nil
	}
	return nav, tabs
}

// home is where a logged-in user lands: the first menu entry they may
// open, or their account page.
func (u *UI) home(p *auth.Principal) string {
	// A station officer's work is their station's queue.
	if _, scoped := p.ScopeUnit(); scoped && p.Can(auth.PermStationWork) {
		return StationPath
	}
	if nav, _ := u.menu(p, ""); len(nav) > 0 {
		return nav[0].Href
	}
	return AccountPath
}

// reqState travels in a page request's context: the flash set while
// handling it, so that a fragment answer can carry it out of band.
type reqState struct {
	flash *Flash
}

type ctxKey int

const stateKey ctxKey = iota

func state(r *http.Request) *reqState {
	s, _ := r.Context().Value(stateKey).(*reqState)
	return s
}
