package labels

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
)

// Predicted is what an analysis says for a task, in the task's labels
// ("none" for no category, "" for no station).
func Predicted(task string, a *post.Analysis) string {
	switch task {
	case "sentiment":
		return a.Sentiment.Label
	case "offensive":
		return strconv.FormatBool(a.Offensive.Label)
	case "emergency":
		return strconv.FormatBool(a.Emergency.Label)
	case "complaint":
		return strconv.FormatBool(a.Complaint.Label)
	case "category":
		if c := a.TopCategory(); c != "" {
			return c
		}
		return "none"
	case "lang":
		return a.Lang
	case "station":
		if a.Station != nil {
			return *a.Station
		}
		return ""
	}
	return ""
}

// Tally counts agreement between the desk and the engine.
type Tally struct{ N, Agree int }

// Rate is Agree/N (0 when N is 0).
func (t Tally) Rate() float64 {
	if t.N == 0 {
		return 0
	}
	return float64(t.Agree) / float64(t.N)
}

// ClassTally is one label of a task: how often the desk gave it and the
// engine said it too (recall), and how often the engine said it on a
// corrected post and the desk agreed (precision).
type ClassTally struct {
	Desk, Engine, Both int
}

// Report is the engine scored on the desk's own corrections.
type Report struct {
	Total   int
	Tasks   map[string]Tally
	Classes map[string]map[string]*ClassTally // task -> label -> tally
	Weeks   map[string]map[string]Tally       // ISO week "2026-W49" -> task -> tally
}

// ist is the desk's clock for weeks (Asia/Kolkata has no daylight time).
var ist = time.FixedZone("IST", 5*3600+1800)

// Evaluate scores analyse on labels: a correction is the truth, and the
// engine agrees when it says the same (for a category, when its top
// category is the one the desk gave). Each distinct text is analysed once.
func Evaluate(ls []Label, analyse func(text string) post.Analysis) Report {
	r := Report{Tasks: map[string]Tally{}, Classes: map[string]map[string]*ClassTally{}, Weeks: map[string]map[string]Tally{}}
	cache := map[string]*post.Analysis{}
	for _, l := range ls {
		a, ok := cache[l.Text]
		if !ok {
			x := analyse(l.Text)
			a = &x
			cache[l.Text] = a
		}
		got := Predicted(l.Task, a)
		agree := got == l.Label
		r.Total++
		t := r.Tasks[l.Task]
		t.N++
		if agree {
			t.Agree++
		}
		r.Tasks[l.Task] = t
		cl := r.Classes[l.Task]
		if cl == nil {
			cl = map[string]*ClassTally{}
			r.Classes[l.Task] = cl
		}
		for _, k := range []string{l.Label, got} {
			if cl[k] == nil {
				cl[k] = &ClassTally{}
			}
		}
		cl[l.Label].Desk++
		cl[got].Engine++
		if agree {
			cl[l.Label].Both++
		}
		y, w := l.CreatedAt.In(ist).ISOWeek()
		wk := fmt.Sprintf("%d-W%02d", y, w)
		if r.Weeks[wk] == nil {
			r.Weeks[wk] = map[string]Tally{}
		}
		wt := r.Weeks[wk][l.Task]
		wt.N++
		if agree {
			wt.Agree++
		}
		r.Weeks[wk][l.Task] = wt
	}
	return r
}

// Markdown writes the report as tables: by task, by label, by week.
func (r Report) Markdown(w io.Writer) {
	fmt.Fprintf(w, "## The engine on the desk's corrected labels\n\n%d corrections. The engine agrees when it says what the desk corrected to (for a category: its top category).\n\n", r.Total)
	if r.Total == 0 {
		return
	}
	tasks := make([]string, 0, len(r.Tasks))
	for t := range r.Tasks {
		tasks = append(tasks, t)
	}
	sort.Strings(tasks)
	fmt.Fprintf(w, "| task | corrections | engine agrees |\n|---|---|---|\n")
	for _, t := range tasks {
		x := r.Tasks[t]
		fmt.Fprintf(w, "| %s | %d | %d (%.1f%%) |\n", t, x.N, x.Agree, 100*x.Rate())
	}
	fmt.Fprintf(w, "\n| task | label | desk gave it | engine said it too (recall) | engine said it | desk agreed (precision) |\n|---|---|---|---|---|---|\n")
	for _, t := range tasks {
		cls := make([]string, 0, len(r.Classes[t]))
		for c := range r.Classes[t] {
			cls = append(cls, c)
		}
		sort.Strings(cls)
		for _, c := range cls {
			x := r.Classes[t][c]
			name := c
			if name == "" {
				name = "(none)"
			}
			fmt.Fprintf(w, "| %s | %s | %d | %s | %d | %s |\n", t, escapeCell(name), x.Desk, pct(x.Both, x.Desk), x.Engine, pct(x.Both, x.Engine))
		}
	}
	weeks := make([]string, 0, len(r.Weeks))
	for wk := range r.Weeks {
		weeks = append(weeks, wk)
	}
	sort.Strings(weeks)
	fmt.Fprintf(w, "\n| week (IST) | task | corrections | engine agrees |\n|---|---|---|---|\n")
	for _, wk := range weeks {
		for _, t := range tasks {
			if x, ok := r.Weeks[wk][t]; ok {
				fmt.Fprintf(w, "| %s | %s | %d | %d (%.1f%%) |\n", wk, t, x.N, x.Agree, 100*x.Rate())
			}
		}
	}
	fmt.Fprintln(w)
}

func pct(a, b int) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%d (%.1f%%)", a, 100*float64(a)/float64(b))
}

// escapeCell keeps a label (a station name the desk typed) from breaking
// the table.
func escapeCell(s string) string {
	out := make([]rune, 0, len(s))
	for _, c := range s {
		switch c {
		case '|':
			out = append(out, '\\', '|')
		case '\n', '\r':
			out = append(out, ' ')
		default:
			out = append(out, c)
		}
	}
	return string(out)
}
