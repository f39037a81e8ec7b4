package auth

import "errors"

// Errors the web layer maps to responses. They carry no HTTP knowledge: the
// mapper recognises them by the methods below (InvalidField, IsConflict).
var (
	// ErrInvalidCredentials: wrong username or password, or a disabled user.
	// One error for all so a caller cannot probe which usernames exist.
	ErrInvalidCredentials = errors.New("auth: invalid username or password")
	// ErrLocked: too many failed logins; try again later.
	ErrLocked = errors.New("auth: account temporarily locked after repeated failed logins")
	// ErrUnauthenticated: missing, unknown, expired or revoked token/session.
	ErrUnauthenticated = errors.New("auth: not authenticated")
	// ErrTOTPRequired: the password was right but the user has 2FA and
	// gave no (or a wrong) code.
	ErrTOTPRequired = errors.New("auth: a valid one-time code is required")
)

// ValidationError is bad input in one field.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string        { return "auth: " + e.Field + ": " + e.Message }
func (e *ValidationError) InvalidField() string { return e.Field }

// ConflictError is a clash with existing state (duplicate username, removing
// the last administrator).
type ConflictError struct{ Message string }

func (e *ConflictError) Error() string    { return "auth: " + e.Message }
func (e *ConflictError) IsConflict() bool { return true }
