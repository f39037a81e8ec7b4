package ui

import "github.com/kaval-desk/kaval/internal/sandbox"

// TrainingPages registers the training sandbox's pages (training_pages.go).
func (u *UI) TrainingPages(m *sandbox.Manager) { (&trainingPages{u: u, m: m}).routes() }
