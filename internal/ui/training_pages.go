package ui

import "github.com/kaval-desk/kaval/internal/sandbox"

type trainingPages struct {
	u *UI
	m *sandbox.Manager
}

func (tp *trainingPages) routes() {}
