package desk

import "fmt"

// InvalidError is a request the desk refuses: a bad value, a transition
// that is not allowed. The web layer maps it to 400/409/422.
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string { return "desk: " + e.Field + ": " + e.Message }

// InvalidField names the offending field (the web layer answers 422).
func (e *InvalidError) InvalidField() string { return e.Field }

// Invalid builds an InvalidError.
func Invalid(field, format string, args ...any) error {
	return &InvalidError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrConflict is returned when a case changed since the caller read it
// (optimistic locking on Case.Version): two agents never silently overwrite
// each other.
var ErrConflict error = conflict{}

type conflict struct{}

func (conflict) Error() string    { return "desk: the case was changed by someone else; reload it" }
func (conflict) IsConflict() bool { return true }
