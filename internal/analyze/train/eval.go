package train

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/model"
)

// Metrics of one task on its dev split.
type Metrics struct {
	Task        string
	Split       string
	N           int
	Classes     []string
	Confusion   [][]int // [gold][pred]
	MacroRecall float64
	MacroF1     float64
	Accuracy    float64
	F1          float64 // of the positive class, for binary tasks
	Baseline    float64
	BaseMetric  string // which number the baseline is
}

// Headline is the metric compared with the baseline.
func (m *Metrics) Headline() float64 {
	switch m.BaseMetric {
	case "macro-recall":
		return m.MacroRecall
	case "F1":
		return m.F1
	case "macro-F1":
		return m.MacroF1
	}
	return m.Accuracy
}

func score(task, splitName string, classes []string, gold, pred []int, base float64, baseMetric string) Metrics {
	k := len(classes)
	m := Metrics{Task: task, Split: splitName, N: len(gold), Classes: classes, Baseline: base, BaseMetric: baseMetric}
	m.Confusion = make([][]int, k)
	for i := range m.Confusion {
		m.Confusion[i] = make([]int, k)
	}
	correct := 0
	for i := range gold {
		m.Confusion[gold[i]][pred[i]]++
		if gold[i] == pred[i] {
			correct++
		}
	}
	if len(gold) > 0 {
		m.Accuracy = float64(correct) / float64(len(gold))
	}
	nonEmpty := 0
	for c := 0; c < k; c++ {
		tp, fn, fp := m.Confusion[c][c], 0, 0
		for j := 0; j < k; j++ {
			if j != c {
				fn += m.Confusion[c][j]
				fp += m.Confusion[j][c]
			}
		}
		if tp+fn == 0 {
			continue
		}
		nonEmpty++
		r := float64(tp) / float64(tp+fn)
		p := 0.0
		if tp+fp > 0 {
			p = float64(tp) / float64(tp+fp)
		}
		f := 0.0
		if p+r > 0 {
			f = 2 * p * r / (p + r)
		}
		m.MacroRecall += r
		m.MacroF1 += f
		if k == 2 && c == 1 {
			m.F1 = f
		}
	}
	if nonEmpty > 0 {
		m.MacroRecall /= float64(nonEmpty)
		m.MacroF1 /= float64(nonEmpty)
	}
	return m
}

func argmax(p []float32) int {
	b := 0
	for i, v := range p {
		if v > p[b] {
			b = i
		}
	}
	return b
}

// Evaluate scores the engine built on m over every dev split. Complaint is
// scored by 5-fold cross-validation of the complaint head on the complaints
// set (Mumbai complaint labels always in training).
func Evaluate(d *Data, m *model.Model, logw io.Writer) ([]Metrics, error) {
	e, err := analyze.New(m)
	if err != nil {
		return nil, err
	}
	var out []Metrics
	sent := []string{"negative", "neutral", "positive"}
	sentiment := func(task string, items []Item, base float64, metric string) {
		var gold, pred []int
		for _, it := range items {
			a := e.Analyze(analyze.Input{Text: it.Text})
			gold = append(gold, indexOf(sent, it.Label))
			pred = append(pred, indexOf(sent, a.Sentiment.Label))
		}
		out = append(out, score(task, "dev", sent, gold, pred, base, metric))
	}
	sentiment("sentiment (English, TweetEval val)", split(d.SentEN, "dev"), 0.686, "macro-recall")
	sentiment("sentiment (Kannada code-mixed, KanCMD dev)", split(d.SentKN, "dev"), 0.713, "macro-F1")
	sentiment("sentiment (Hinglish, SentiMix dev)", split(d.SentHI, "dev"), 0.629, "macro-F1")

	binary := func(task string, items []Item, base float64, metric string, fn func(string) bool) {
		var gold, pred []int
		for _, it := range items {
			gold = append(gold, boolLabel(it.Label))
			p := 0
			if fn(it.Text) {
				p = 1
			}
			pred = append(pred, p)
		}
		out = append(out, score(task, "dev", []string{"no", "yes"}, gold, pred, base, metric))
	}
	off := func(t string) bool { return e.Analyze(analyze.Input{Text: t}).Offensive.Label }
	binary("offensive (English, TweetEval val)", split(d.Offensive, "dev"), 0.725, "macro-F1", off)
	binary("offensive (Kannada code-mixed, KanCMD dev)", split(d.Offensive, "dev-kn"), 0.779, "macro-F1", off)

	var crisisDev []Item
	for _, it := range d.Crisis {
		if DevEvents[it.Group] {
			crisisDev = append(crisisDev, it)
		}
	}
	emer := func(t string) bool { return e.Analyze(analyze.Input{Text: t}).Emergency.Label }
	binary("emergency (held-out crisis events)", crisisDev, 0.932, "F1", emer)

	// Language of Latin-script text.
	var gold, pred []int
	classes := []string{"en", "kn-Latn", "hi-Latn", "ta-Latn", "ml-Latn"}
	for _, it := range LangItems(d, true) {
		a := e.Analyze(analyze.Input{Text: it.Text})
		p := indexOf(classes, a.Lang)
		if p < 0 {
			p = 0
		}
		gold = append(gold, indexOf(classes, it.Label))
		pred = append(pred, p)
	}
	out = append(out, score("language ID (romanised)", "dev 15%", classes, gold, pred, 0.834, "macro-recall"))

	// Complaint, 5-fold.
	f := newFeaturizer(d)
	gold, pred = nil, nil
	for fold := 0; fold < 5; fold++ {
		var tr, te []Item
		for i, it := range d.Complaints {
			if i%5 == fold {
				te = append(te, it)
			} else {
				tr = append(tr, it)
			}
		}
		ex := ComplaintExamples(d, f, tr)
		model.Balance(ex, 2)
		dense := model.Train(ex, model.Sigmoid, 1, optionsFor("complaint"))
		var z []float32
		for _, it := range te {
			x := f.complaintExample(it.Text, 0)
			z = dense.Score(x.Idx, x.Val, z)
			gold = append(gold, boolLabel(it.Label))
			p := 0
			if z[0] > 0 {
				p = 1
			}
			pred = append(pred, p)
		}
	}
	out = append(out, score("complaint (complaints set, 5-fold)", "5-fold", []string{"no", "yes"}, gold, pred, 0.759, "F1"))

	// Categories: per-label F1 on the 20% dev split, engine output.
	cats, ex := CategoryExamples(d, f, true)
	_ = ex
	_, rows := categoryDevRows(d)
	for ci, c := range cats {
		var g, p []int
		for _, r := range rows {
			a := e.Analyze(analyze.Input{Text: r.text})
			has := 0
			for _, x := range a.Categories {
				if x.Name == c {
					has = 1
				}
			}
			gl := 0
			for _, x := range r.cats {
				if x == c {
					gl = 1
				}
			}
			g = append(g, gl)
			p = append(p, has)
		}
		_ = ci
		out = append(out, score("category "+c, "dev 20%", []string{"no", "yes"}, g, p, 0, "F1"))
	}
	return out, nil
}

type catRow struct {
	text string
	cats []string
}

func categoryDevRows(d *Data) ([]string, []catRow) {
	var rows []catRow
	// Posts with a desk label are left out: the category head reads the
	// training part of them with that label (CategoryExamples).
	for _, it := range d.Mumbai {
		if !hashSplit(it.Text, 20) || d.deskLabelled(it.Text) {
			continue
		}
		var c []string
		if v := mumbaiCategory[it.Group]; v != "" {
			c = []string{v}
		}
		rows = append(rows, catRow{it.Text, c})
	}
	for _, it := range d.Civic {
		if !hashSplit(it.Text, 20) || d.deskLabelled(it.Text) {
			continue
		}
		var c []string
		switch {
		case it.Label == "":
		case it.Label == "Traffic/Parking":
			c = []string{"traffic_parking"}
		default:
			c = []string{"civic"}
		}
		rows = append(rows, catRow{it.Text, c})
	}
	return nil, rows
}

// Report writes the metrics as Markdown (docs/MODELS.md).
func Report(w io.Writer, ms []Metrics, m *model.Model, extra string) {
	fmt.Fprintf(w, "# Models\n\nWritten by `kaval eval` (model version `%s`). Every number is on a dev split that training never saw; rebuild with `kaval train`, re-score with `kaval eval`.\n\n", m.Version)
	fmt.Fprintf(w, "| task | split | n | ours | baseline (TF-IDF + linear) | macro-recall | macro-F1 | accuracy |\n|---|---|---|---|---|---|---|---|\n")
	for _, x := range ms {
		base := "–"
		if x.Baseline > 0 {
			base = fmt.Sprintf("%.3f %s", x.Baseline, x.BaseMetric)
		}
		fmt.Fprintf(w, "| %s | %s | %d | **%.3f** %s | %s | %.3f | %.3f | %.3f |\n", x.Task, x.Split, x.N, x.Headline(), x.BaseMetric, base, x.MacroRecall, x.MacroF1, x.Accuracy)
	}
	fmt.Fprintf(w, "\n%s\n## Confusion matrices\n\nRows are gold labels, columns predictions.\n\n", extra)
	for _, x := range ms {
		if strings.HasPrefix(x.Task, "category ") {
			continue
		}
		fmt.Fprintf(w, "### %s\n\n| gold \\ pred | %s |\n|---|%s\n", x.Task, strings.Join(x.Classes, " | "), strings.Repeat("---|", len(x.Classes)))
		for i, row := range x.Confusion {
			cells := make([]string, len(row))
			for j, v := range row {
				cells[j] = fmt.Sprint(v)
			}
			fmt.Fprintf(w, "| %s | %s |\n", x.Classes[i], strings.Join(cells, " | "))
		}
		fmt.Fprintln(w)
	}
}

// SortTasks keeps report order stable.
func SortTasks(ms []Metrics) { sort.SliceStable(ms, func(i, j int) bool { return false }) }
