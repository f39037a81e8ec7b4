package train

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kaval-desk/kaval/internal/analyze"
)

// The out-of-source false alarms and misses of an emergency decision on
// the real desk posts, by kind: the source, the desk label's category,
// which part decided (the stage on a desk matter, the head and the rules
// elsewhere) and the rule evidence the post carries. Session 9 read these
// to decide what to change (docs/MODELS.md).

// dangerKind names the rule evidence of a row's features (dangerFeatures).
func dangerKind(x [analyze.DangerFeatureCount]float32) string {
	var k []string
	if x[2] > 0 {
		k = append(k, "danger-word")
	}
	if x[3] > 0 {
		k = append(k, "crime-now")
	} else if x[6] > 0 {
		k = append(k, "now")
	}
	if x[4] > 0 {
		k = append(k, "missing-child")
	}
	if x[5] > 0 {
		k = append(k, "help")
	}
	if x[7] > 0 {
		k = append(k, "after")
	}
	if x[8] > 0 {
		k = append(k, "hypothetical")
	}
	if x[11] > 0 {
		k = append(k, "woman-child")
	}
	if x[12] > 0 {
		k = append(k, "report")
	}
	if x[13] > 0 {
		k = append(k, "at-risk")
	}
	if len(k) == 0 {
		return "head only"
	}
	return strings.Join(k, "+")
}

// reportErrors prints the false alarms and misses among the real desk
// posts under the decision p ≥ th(group), by source and category, by
// deciding part and by evidence; and, when CVCache is set, writes every
// real row's key, labels and decision to CVCache/danger-oof-NAME.tsv
// (keys only: the analysis joins texts from ../shared/data by key).
func reportErrors(w io.Writer, name string, rows []dangerRow, p []float64, th func(string) float64) {
	type tally map[string]int
	fa, miss := tally{}, tally{}
	faPart, faEv, missEv := tally{}, tally{}, tally{}
	var dump strings.Builder
	for i, r := range rows {
		if !r.real {
			continue
		}
		fl := p[i] >= th(r.group)
		part := "head+rules"
		if analyze.DeskMatter(r.x) {
			part = "stage"
		}
		fmt.Fprintf(&dump, "%s\t%s\t%s\t%d\t%d\t%s\t%.4f\t%.2f\t%s\n", r.key, r.group, r.cat, r.gold, b2i(fl), part, p[i], th(r.group), dangerKind(r.x))
		switch {
		case fl && r.gold == 0:
			fa[r.group+" "+r.cat]++
			faPart[part]++
			faEv[dangerKind(r.x)]++
		case !fl && r.gold == 1:
			miss[r.group+" "+r.cat]++
			missEv[dangerKind(r.x)]++
		}
	}
	top := func(t tally) string {
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if t[keys[i]] != t[keys[j]] {
				return t[keys[i]] > t[keys[j]]
			}
			return keys[i] < keys[j]
		})
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%s %d; ", k, t[k])
		}
		return b.String()
	}
	fmt.Fprintf(w, "  false alarms by source and category: %s\n", top(fa))
	fmt.Fprintf(w, "  false alarms by deciding part: %s\n", top(faPart))
	fmt.Fprintf(w, "  false alarms by evidence: %s\n", top(faEv))
	fmt.Fprintf(w, "  misses by source and category: %s\n", top(miss))
	fmt.Fprintf(w, "  misses by evidence: %s\n", top(missEv))
	if CVCache != "" {
		_ = os.WriteFile(filepath.Join(CVCache, "danger-oof-"+name+".tsv"), []byte(dump.String()), 0o644)
	}
}
