package main

import (
	"os"
	"strings"
	"testing"
)

// kaval eval rewrites docs/MODELS.md from the session notes in these
// constants; a section written only into the document would be lost at the
// next rewrite, and a constant edited apart from the document would bring
// back old text. Each constant must stand in the document as it is.
func TestModelsNotesInDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/MODELS.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, notes := range map[string]string{
		"modelsNotes9Places":    modelsNotes9Places,
		"modelsNotes9Category":  modelsNotes9Category,
		"modelsNotes9Emergency": modelsNotes9Emergency,
		"modelsNotes9":          modelsNotes9,
		"modelsNotes8":          modelsNotes8,
		"modelsNotes":           modelsNotes,
	} {
		if !strings.Contains(string(doc), strings.TrimSpace(notes)) {
			t.Errorf("%s is not in docs/MODELS.md as written: run kaval eval or copy the section over", name)
		}
	}
}
