package train

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/model"
)

// The danger-now stage (analyze.Danger) is fitted and chosen here, out of
// source: every post's emergency-head logit comes from a head trained
// without the post's source (its data set, or its crisis event), and the
// stage itself is scored with whole sources held out.

// dangerRow is one post the stage is fitted or scored on.
type dangerRow struct {
	x      [analyze.DangerFeatureCount]float32
	gold   int
	group  string // the source held out with it: mumbai, civic, complaints, crisis, authored, everyday
	real   bool   // a real police-desk post (not authored, not an everyday tweet)
	strat  bool   // in the stratified stratum (not keyword-chosen): ordinary-post shares are measured here
	before bool   // flagged by the emergency decision before the stage (rules and threshold)
	weight float64
	key    string // DeskKey of the text (desk and authored rows), for the false-alarm breakdown
	cat    string // the desk label's category (real desk posts)
}

// dangerLogits returns the out-of-source emergency-head logit of every
// labelled desk post and authored post (by text), and the rows' own
// out-of-fold logits, training one head per source fold (sourceFolds);
// cached in CVCache.
func dangerLogits(d *Data, f *featurizer, sub int) (o *emergencyOOF, texts []string, extra map[string]float32) {
	saved := EmergencyDeskLabels
	EmergencyDeskLabels = DangerHeadDeskLabels
	defer func() { EmergencyDeskLabels = saved }()
	ex, groups, texts := emergencyTraining(d, f)
	if sub > 1 {
		var kex []model.Example
		var kg, kt []string
		for i := range ex {
			if k := (&emergencyOOF{groups: groups}); i < len(groups) && k.kind(i) == "crisis" && i%sub != 0 {
				continue
			}
			kex, kg, kt = append(kex, ex[i]), append(kg, groups[i]), append(kt, texts[i])
		}
		ex, groups, texts = kex, kg, kt
	}
	model.Balance(ex, 2)
	fold, folds := sourceFolds(groups)
	foldOf := map[string]int{}
	for i, g := range groups {
		if g != "everyday" && g != "" {
			foldOf[g] = fold(i)
		}
	}
	event := map[string]string{}
	for _, src := range [][]Item{d.Crisis, d.CrisisRelated} {
		for _, it := range src {
			event[it.Text] = it.Group
		}
	}
	// The extra texts and the fold whose head never read their source.
	type want struct {
		text string
		fold int
	}
	var wants []want
	for _, p := range d.DeskL {
		g := deskFold(p.Group)
		if g == "crisis" {
			g = event[p.Text]
		}
		if fi, ok := foldOf[g]; ok {
			wants = append(wants, want{p.Text, fi})
		}
	}
	for _, p := range d.Desk {
		wants = append(wants, want{p.Text, foldOf["authored"]})
	}
	cache := ""
	extra = map[string]float32{}
	o = emergencyOOFWith(ex, groups, texts)
	if CVCache != "" {
		cache = filepath.Join(CVCache, fmt.Sprintf("danger-desk%v-sub%d-n%d.tsv", DangerHeadDeskLabels, sub, len(ex)))
		if readDangerCache(cache, o.z, extra) {
			missing := 0
			for _, w := range wants {
				if _, ok := extra[DeskKey(w.text)]; !ok {
					missing++
				}
			}
			if missing == 0 {
				return o, texts, extra
			}
		}
	}
	opt := optionsFor("emergency")
	for fi := 0; fi < folds; fi++ {
		var tr []model.Example
		for i := range ex {
			if fold(i) != fi {
				tr = append(tr, ex[i])
			}
		}
		dense := model.Train(tr, model.Sigmoid, 1, opt)
		for i := range ex {
			if fold(i) == fi {
				o.z[i] = dense.Score(ex[i].Idx, ex[i].Val, nil)[0]
			}
		}
		for _, w := range wants {
			if w.fold == fi {
				x := f.example(w.text, "", 0)
				extra[DeskKey(w.text)] = dense.Score(x.Idx, x.Val, nil)[0]
			}
		}
	}
	if cache != "" {
		writeDangerCache(cache, o.z, extra)
	}
	return o, texts, extra
}

func readDangerCache(path string, z []float32, extra map[string]float32) bool {
	fh, err := os.Open(path)
	if err != nil {
		return false
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	n := 0
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "\t")
		f, err := strconv.ParseFloat(v, 32)
		if !ok || err != nil {
			return false
		}
		if k == "" {
			if n >= len(z) {
				return false
			}
			z[n] = float32(f)
			n++
		} else {
			extra[k] = float32(f)
		}
	}
	return n == len(z)
}

func writeDangerCache(path string, z []float32, extra map[string]float32) {
	var b strings.Builder
	for _, v := range z {
		fmt.Fprintf(&b, "\t%g\n", v)
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s\t%g\n", k, extra[k])
	}
	_ = os.WriteFile(path, []byte(b.String()), 0o644)
}

// dangerRows builds the stage's rows: the labelled desk posts of the
// training part, the authored desk set and the everyday tweets (weight
// everydayWeight), each with its out-of-source head logit moved by th
// (the emergency threshold training chooses, as the shipped head's bias).
func dangerRows(d *Data, o *emergencyOOF, texts []string, extra map[string]float32, th float32, everydayWeight float64) []dangerRow {
	var rows []dangerRow
	add := func(text string, z float32, gold bool, group string, real, strat bool, w float64) {
		feat := analyze.DangerFeatures(text)(z - th)
		rows = append(rows, dangerRow{x: feat, gold: b2i(gold), group: group, real: real, strat: strat,
			before: analyze.EmergencyRules(text)(z-th) > 0, weight: w})
		if group != "everyday" && group != "events" {
			rows[len(rows)-1].key = DeskKey(strings.TrimSpace(text))
		}
	}
	enriched := deskEnriched()
	for _, p := range d.deskTrain() {
		if z, ok := extra[p.Key]; ok {
			add(p.Text, z, p.Emergency, deskFold(p.Group), true, !enriched[p.Key], 1)
			rows[len(rows)-1].cat = p.Category
		}
	}
	for _, p := range d.Desk {
		if z, ok := extra[DeskKey(p.Text)]; ok && !d.isDev(p.Text) {
			add(p.Text, z, p.Emergency, "authored", false, false, DangerAuthoredWeight)
		}
	}
	for i, g := range o.groups {
		switch {
		case g == "everyday":
			add(texts[i], o.z[i], false, "everyday", false, false, everydayWeight)
		case DangerCrisisWeight > 0 && o.kind(i) == "crisis":
			add(texts[i], o.z[i], o.gold[i] == 1, "events", false, false, DangerCrisisWeight)
		}
	}
	return rows
}

// DangerHeadDeskLabels measures the danger-now stage on the logits of
// emergency heads that read the labelled desk posts (EmergencyDeskLabels,
// shipped since session 9); kaval train --cv danger-nodesk measures
// session 8's heads, which read none.
var DangerHeadDeskLabels = true

// DangerCrisisWeight is the weight of a crisis tweet of the training
// events in the stage, with its crisis-relevance label (group "events",
// held out whole), so the flag keeps what it says on crisis tweets (the
// emergency dev split and the crisis sets a force is scored on) while it
// learns the desk's false alarms; 0 leaves them out.
var DangerCrisisWeight = 0.0

// DangerAuthoredWeight is the weight of an authored desk post in the
// stage (chosen by DangerCV).
var DangerAuthoredWeight = 1.0

// fitDanger fits the danger-now stage (fitLogistic).
func fitDanger(rows []dangerRow, lambda float64) analyze.DangerStage {
	xs := make([][]float32, len(rows))
	gold := make([]int, len(rows))
	w := make([]float64, len(rows))
	for i := range rows {
		xs[i], gold[i], w[i] = rows[i].x[:], rows[i].gold, rows[i].weight
	}
	var out analyze.DangerStage
	copy(out[:], fitLogistic(xs, gold, w, lambda))
	return out
}

// fitLogistic fits a logistic regression by Newton's method on
// L2-regularised weighted log-loss (lambda on the weights, not the bias);
// deterministic. The result is the weights, then the bias.
func fitLogistic(xs [][]float32, gold []int, wt []float64, lambda float64) []float32 {
	n := len(xs[0]) + 1
	w := make([]float64, n)
	xv := make([]float64, n)
	for it := 0; it < 50; it++ {
		g := make([]float64, n)
		h := make([][]float64, n)
		for j := range h {
			h[j] = make([]float64, n)
		}
		for i, x := range xs {
			for j := 0; j < n-1; j++ {
				xv[j] = float64(x[j])
			}
			xv[n-1] = 1
			s := 0.0
			for j := range xv {
				s += w[j] * xv[j]
			}
			p := 1 / (1 + math.Exp(-s))
			for j := range xv {
				g[j] += wt[i] * (p - float64(gold[i])) * xv[j]
				if xv[j] == 0 {
					continue
				}
				for k := range xv {
					h[j][k] += wt[i] * p * (1 - p) * xv[j] * xv[k]
				}
			}
		}
		for j := 0; j < n-1; j++ {
			g[j] += lambda * w[j]
			h[j][j] += lambda
		}
		h[n-1][n-1] += 1e-6
		step := solve(h, g)
		done := true
		for j := range w {
			w[j] -= step[j]
			if math.Abs(step[j]) > 1e-7 {
				done = false
			}
		}
		if done {
			break
		}
	}
	out := make([]float32, n)
	for j := range w {
		out[j] = float32(w[j])
	}
	return out
}

// solve solves a x = b by Gaussian elimination with partial pivoting (a
// and b are overwritten).
func solve(a [][]float64, b []float64) []float64 {
	n := len(b)
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		if a[c][c] == 0 {
			continue
		}
		for r := c + 1; r < n; r++ {
			m := a[r][c] / a[c][c]
			for k := c; k < n; k++ {
				a[r][k] -= m * a[c][k]
			}
			b[r] -= m * b[c]
		}
	}
	x := make([]float64, n)
	for c := n - 1; c >= 0; c-- {
		if a[c][c] == 0 {
			continue
		}
		s := b[c]
		for k := c + 1; k < n; k++ {
			s -= a[c][k] * x[k]
		}
		x[c] = s / a[c][c]
	}
	return x
}
