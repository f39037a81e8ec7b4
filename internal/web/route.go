package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
)

// HandlerFunc is an endpoint. It returns an error instead of writing one;
// the server maps it (see toError).
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// OpDoc describes a route for the OpenAPI document. Request and Response
// are zero values of the Go types actually decoded and encoded (e.g.
// auth.NewUser{}), so their schemas are derived from the code.
type OpDoc struct {
	Summary     string   // required, one line
	Description string   // optional, longer
	Tags        []string // groups in the document, e.g. "users"
	Params      []Param  // query parameters, and types for path wildcards
	Request     any      // body type; nil when the route takes no body
	Response    any      // success body type; nil for no body
	Status      int      // success status; default 200, or 204 when Response is nil
	RawResponse string   // media type of a non-JSON success body (e.g. text/plain for /metrics)
}

// Param is a query or path parameter.
type Param struct {
	Name        string
	In          string // "query" (default) or "path"
	Type        string // "string" (default), "integer", "boolean"
	Description string
	Required    bool
}

// RouteInfo is one entry of the route table.
type RouteInfo struct {
	Method  string
	Pattern string
	Perm    auth.Perm
	Doc     OpDoc
	// Page marks a browser page or form action (see Page): its errors are
	// HTML, an anonymous GET is sent to the login page, and it is left
	// out of the OpenAPI document.
	Page bool
}

// Routes returns a copy of the route table, in registration order.
func (s *Server) Routes() []RouteInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.routes)
}

// Route registers h for method and pattern (a net/http ServeMux path
// pattern such as "/api/v1/users/{id}"), callable only by principals
// holding perm (auth.PermPublic: anyone; auth.PermAuthenticated: anyone
// logged in). It panics on a programming error: empty or unknown
// permission, missing summary, bad method, duplicate route.
func (s *Server) Route(method, pattern string, perm auth.Perm, doc OpDoc, h HandlerFunc) {
	s.register(RouteInfo{Method: method, Pattern: pattern, Perm: perm, Doc: doc}, h)
}

// Page registers a browser page or form action in the same route table
// and with the same permission check as the API. What differs is how
// failures reach a person (see PageHooks): an HTML error page, a redirect
// to the login page for an anonymous GET, to the password page while a
// one-time password is in use. Package ui builds on this.
func (s *Server) Page(method, pattern string, perm auth.Perm, summary string, h HandlerFunc) {
	s.register(RouteInfo{Method: method, Pattern: pattern, Perm: perm, Doc: OpDoc{Summary: summary}, Page: true}, h)
}

// PageHooks tell the server how page routes fail. Set them once, before
// serving, with SetPageHooks.
type PageHooks struct {
	// Error writes the HTML error page for e (status, code, message).
	Error func(w http.ResponseWriter, r *http.Request, e *Error)
	// LoginPath receives anonymous page GETs, with ?next=<the page>.
	LoginPath string
	// PasswordPath receives page GETs of a user who must change a
	// one-time password first.
	PasswordPath string
}

// SetPageHooks installs the page error behaviour (package ui does this).
func (s *Server) SetPageHooks(h PageHooks) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages = h
}

func (s *Server) pageHooks() PageHooks {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pages
}

func (s *Server) register(ri RouteInfo, h HandlerFunc) {
	method, pattern, perm, doc := ri.Method, ri.Pattern, ri.Perm, ri.Doc
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		panic(fmt.Sprintf("web: route %s %s: unsupported method", method, pattern))
	}
	if perm == "" || !auth.KnownPerm(perm) {
		panic(fmt.Sprintf("web: route %s %s: needs a known permission, got %q", method, pattern, perm))
	}
	if doc.Summary == "" {
		panic(fmt.Sprintf("web: route %s %s: needs an OpDoc.Summary", method, pattern))
	}
	if !strings.HasPrefix(pattern, "/") {
		panic(fmt.Sprintf("web: route %s %s: pattern must be a path", method, pattern))
	}
	s.mu.Lock()
	for _, o := range s.routes {
		if o.Method == method && o.Pattern == pattern {
			s.mu.Unlock()
			panic(fmt.Sprintf("web: route %s %s registered twice", method, pattern))
		}
	}
	s.routes = append(s.routes, ri)
	s.openapi = nil
	s.mu.Unlock()
	s.mux.Handle(method+" "+pattern, s.wrap(ri, h))
}

// wrap is the per-route chain: authenticate, CSRF check for cookie
// sessions, permission, then the handler, with errors mapped centrally.
func (s *Server) wrap(ri RouteInfo, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, err := s.serveRoute(ri, h, w, r)
		switch {
		case err == nil:
		case ri.Page:
			s.writePageError(w, r, err)
		default:
			s.writeError(w, r, err)
		}
	})
}

var (
	errForbidden = &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "your role may not do this"}
	// ErrMustChange refuses everything but "set my password" to a user
	// still on a one-time password; pages send them to the password page.
	ErrMustChange  = &Error{Status: http.StatusForbidden, Code: "password_change_required", Message: "set a new password first (POST /api/v1/me/password)"}
	errCrossOrigin = &Error{Status: http.StatusForbidden, Code: "cross_origin", Message: "cross-origin request refused; API clients must use a bearer token"}
)

// serveRoute returns the request as the handler saw it (with the
// principal in its context, also when a check failed) so that an error
// page can still show who is logged in.
func (s *Server) serveRoute(ri RouteInfo, h HandlerFunc, w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	p, err := s.authenticate(r)
	if err != nil {
		if ri.Page && errors.Is(err, auth.ErrUnauthenticated) {
			p = nil // a page treats a dead token like no credentials: log in again
		} else {
			return r, err
		}
	}
	if p != nil {
		if info := infoFrom(r.Context()); info != nil {
			info.userID = p.UserID
		}
		r = r.WithContext(auth.WithPrincipal(r.Context(), p))
	}
	// Cookies ride along on cross-site requests; bearer tokens don't. So
	// the origin check guards every unsafe request not carrying a token,
	// including the anonymous login POST (login CSRF).
	if p == nil || p.Method == auth.MethodSession {
		if err := s.cop.Check(r); err != nil {
			return r, errCrossOrigin
		}
	}
	if ri.Perm != auth.PermPublic {
		switch {
		case p == nil:
			return r, auth.ErrUnauthenticated
		case p.MustChange && ri.Perm != auth.PermAuthenticated:
			return r, ErrMustChange
		case !p.Can(ri.Perm):
			return r, errForbidden
		}
	}
	return r, h(w, r)
}

// authenticate finds the principal: an Authorization: Bearer token wins;
// else the session cookie. No credentials is (nil, nil); bad credentials
// are an error even on public routes, so a client learns its token died.
func (s *Server) authenticate(r *http.Request) (*auth.Principal, error) {
	if hdr := r.Header.Get("Authorization"); hdr != "" {
		scheme, tok, ok := strings.Cut(hdr, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, auth.ErrUnauthenticated
		}
		return s.auth.ResolveToken(r.Context(), strings.TrimSpace(tok))
	}
	c, err := r.Cookie(s.cfg.CookieName)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	p, err := s.auth.ResolveSession(r.Context(), c.Value)
	if errors.Is(err, auth.ErrUnauthenticated) {
		return nil, nil // a stale cookie is the same as none; login will replace it
	}
	return p, err
}
