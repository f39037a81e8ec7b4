package channel

import "github.com/kaval-desk/kaval/internal/outbox"

// The Manager is what the outbox worker sends through.
var (
	_ outbox.Senders      = (*Manager)(nil)
	_ outbox.AuthReporter = (*Manager)(nil)
)
