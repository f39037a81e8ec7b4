package train

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze/model"
)

// TestCleanLabelsDropsFlippedLabels: three classes, each with a word of
// its own; a few examples carry the wrong label for their word. Models
// that did not see an example should doubt exactly those.
func TestCleanLabelsDropsFlippedLabels(t *testing.T) {
	const filler = 9
	var ex []model.Example
	flipped := map[int]bool{}
	for i := 0; i < 300; i++ {
		word := uint32(1 + i%3)
		label := i % 3
		if i%25 == 7 { // 12 of 300 mislabelled
			label = (label + 1) % 3
			flipped[len(ex)] = true
		}
		ex = append(ex, model.Example{Idx: []uint32{word, filler}, Val: []float32{1, 0.3}, Label: label, Weight: 1})
	}
	for i := range ex {
		ex[i].Idx = append(ex[i].Idx, uint32(100+i)) // a word of its own, as every tweet has
		ex[i].Val = append(ex[i].Val, 0.2)
	}
	kept := cleanLabels(ex, 3, 0.15, model.Options{C: 1, Bits: 10})
	if want := len(ex) - len(flipped); len(kept) != want {
		t.Fatalf("kept %d of %d examples, want %d (every mislabelled one dropped, no other)", len(kept), len(ex), want)
	}
	for _, e := range kept {
		word := int(e.Idx[0]) - 1
		if e.Label != word {
			t.Fatalf("a mislabelled example survived: word %d, label %d", word, e.Label)
		}
	}
}

// TestExportSplits: the files scripts/baseline.py reads hold the rows the
// heads train and are scored on, and no training file holds a dev text.
func TestExportSplits(t *testing.T) {
	d, err := Load(dataRoot)
	if err != nil {
		t.Fatalf("training data missing (../shared/data is required): %v", err)
	}
	dir := t.TempDir()
	if err := ExportSplits(d, dir); err != nil {
		t.Fatal(err)
	}
	read := func(name string) [][3]string {
		f, err := os.Open(filepath.Join(dir, name+".tsv"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var rows [][3]string
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		header := true
		for sc.Scan() {
			if header {
				if sc.Text() != "label\tgroup\ttext" {
					t.Fatalf("%s: header %q", name, sc.Text())
				}
				header = false
				continue
			}
			p := strings.SplitN(sc.Text(), "\t", 3)
			if len(p) != 3 {
				t.Fatalf("%s: row %q has %d fields", name, sc.Text(), len(p))
			}
			rows = append(rows, [3]string{p[0], p[1], p[2]})
		}
		return rows
	}
	counts := map[string]int{"sentiment_en.dev": 2000, "sentiment_hi.dev": 3000, "offensive.dev": 1324, "offensive_kn.dev": 585,
		"emergency.dev": 22216, "langid.dev": 4241, "complaint.folds": 1730 + len(d.trainOnly(d.Mumbai))}
	for name, n := range counts {
		if got := len(read(name)); got != n {
			t.Errorf("%s: %d rows, want %d", name, got, n)
		}
	}
	if got, want := len(read("sentiment_en.train")), len(d.englishTrain()); got != want {
		t.Errorf("sentiment_en.train: %d rows, want the %d the head trains on", got, want)
	}
	for _, name := range []string{"sentiment_en.train", "sentiment_kn.train", "sentiment_hi.train", "offensive.train", "emergency.train"} {
		for _, r := range read(name) {
			if d.isDev(r[2]) {
				t.Fatalf("%s holds a dev text: %.60q", name, r[2])
			}
			if strings.HasPrefix(r[1], "crisis:") && DevEvents[strings.TrimPrefix(r[1], "crisis:")] {
				t.Fatalf("%s holds a held-out event's tweet", name)
			}
		}
	}
}
