package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

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
	for _, p := range []string{"auth: ", "desk: ", "store: "} {
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
