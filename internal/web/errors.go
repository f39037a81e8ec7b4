package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// Error is an error with an HTTP status and a stable, machine-readable
// code. Handlers return it for request problems; domain packages return
// their own errors and the mapper below translates them.
type Error struct {
	Status  int    // HTTP status
	Code    string // stable, snake_case: invalid_json, forbidden, not_found…
	Message string // for people; never contains secrets or internals
	Field   string // the offending input field, when there is one
	Err     error  // the cause, logged but never sent
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("web: %s: %s: %v", e.Code, e.Message, e.Err)
	}
	return "web: " + e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorBody is the JSON shape of every error response:
// {"error":{"code":"…","message":"…","field":"…","request_id":"…"}}.
type ErrorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Field     string `json:"field,omitempty"`
		RequestID string `json:"request_id,omitempty"`
	} `json:"error"`
}

// Domain packages signal the kind of an error without importing web by
// giving it one of these methods (auth.ValidationError, auth.ConflictError
// do; the desk's errors can too).
type (
	invalidFielder interface{ InvalidField() string } // → 422 invalid
	conflicter     interface{ IsConflict() bool }     // → 409 conflict
)

// toError maps any error returned by a handler to an *Error. This is the
// one place where errors become statuses.
func toError(err error) *Error {
	var e *Error
	var inv invalidFielder
	var conf conflicter
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &mbe):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "not found"}
	case errors.Is(err, auth.ErrUnauthenticated):
		return &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "authentication required: send 'Authorization: Bearer <token>' or log in"}
	case errors.Is(err, auth.ErrInvalidCredentials):
		return &Error{Status: http.StatusUnauthorized, Code: "invalid_credentials", Message: "invalid username or password"}
	case errors.Is(err, auth.ErrTOTPRequired):
		return &Error{Status: http.StatusUnauthorized, Code: "totp_required", Message: "a valid one-time code is required"}
	case errors.Is(err, auth.ErrForbidden):
		return errForbidden
	case errors.Is(err, auth.ErrLocked):
		return &Error{Status: http.StatusLocked, Code: "account_locked", Message: "account temporarily locked after repeated failed logins; try again later or ask an administrator"}
	case errors.As(err, &inv):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: userMessage(err), Field: inv.InvalidField(), Err: err}
	case errors.As(err, &conf) && conf.IsConflict():
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: userMessage(err), Err: err}
	case errors.Is(err, context.Canceled):
		return &Error{Status: 499, Code: "client_closed", Message: "request cancelled", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusServiceUnavailable, Code: "timeout", Message: "the request took too long", Err: err}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error", Err: err}
}

// userMessage strips the "pkg: " prefix our errors carry.
func userMessage(err error) string {
	m := err.Error()
	for _, p := range []string{"auth: ", "desk: ", "store: ", "rules: "} {
		if len(m) > len(p) && m[:len(p)] == p {
			return m[len(p):]
		}
	}
	return m
}

// writeError maps err, logs it and writes the JSON body.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := toError(err)
	info := infoFrom(r.Context())
	if info != nil {
		info.errCode = e.Code
	}
	attrs := []any{"code", e.Code, "status", e.Status, "method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context())}
	if e.Err != nil || e.Status >= 500 {
		attrs = append(attrs, "err", err)
	}
	if e.Status >= 500 {
		s.log.Error("request failed", attrs...)
	} else {
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request rejected", argsToAttrs(attrs)...)
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kaval"`)
	}
	var body ErrorBody
	body.Error.Code, body.Error.Message, body.Error.Field, body.Error.RequestID = e.Code, e.Message, e.Field, requestID(r.Context())
	writeJSON(w, e.Status, body)
}

func argsToAttrs(args []any) []slog.Attr {
	out := make([]slog.Attr, 0, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		out = append(out, slog.Any(args[i].(string), args[i+1]))
	}
	return out
}

// writePageError is writeError for page routes: people get a page, not
// JSON. An anonymous GET goes to the login page and comes back after; a
// user still on a one-time password goes to the password page first.
func (s *Server) writePageError(w http.ResponseWriter, r *http.Request, err error) {
	e := toError(err)
	if info := infoFrom(r.Context()); info != nil {
		info.errCode = e.Code
	}
	if e.Status >= 500 {
		s.log.Error("page failed", "code", e.Code, "status", e.Status, "method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context()), "err", err)
	} else {
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "page refused", slog.String("code", e.Code), slog.Int("status", e.Status),
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("request_id", requestID(r.Context())))
	}
	hooks := s.pageHooks()
	target := ""
	switch {
	case e.Code == "unauthenticated" && hooks.LoginPath != "":
		target = hooks.LoginPath
	case e == ErrMustChange && hooks.PasswordPath != "":
		target = hooks.PasswordPath
	}
	if target != "" {
		if r.Header.Get("HX-Request") == "true" {
			// htmx follows HX-Redirect with a full page load; come back to
			// the page the fragment was requested from.
			next := ""
			if u, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil {
				next = u.RequestURI()
			}
			w.Header().Set("HX-Redirect", withNext(target, next))
			w.WriteHeader(e.Status)
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, withNext(target, r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
	}
	if hooks.Error == nil {
		http.Error(w, e.Message, e.Status)
		return
	}
	hooks.Error(w, r, e)
}

// withNext appends ?next=path to target when path is a local page worth
// coming back to.
func withNext(target, next string) string {
	if next == "" || next == "/" || next == target || !LocalPath(next) {
		return target
	}
	return target + "?next=" + url.QueryEscape(next)
}

// LocalPath reports whether p is safe to redirect to after login: a path
// on this site (starting with one "/", no scheme, no host, no
// backslash or control character), so ?next= cannot send a person to
// another site (open redirect).
func LocalPath(p string) bool {
	if p == "" || p[0] != '/' || len(p) > 2048 {
		return false
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && strings.HasPrefix(u.Path, "/")
}
