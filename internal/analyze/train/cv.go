package train

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/model"
)

// emergencyOOF holds leave-source-out logits of the emergency head: every
// example is scored by a head trained without its fold (sourceFolds:
// whole crisis events, or a whole desk source such as the Bengaluru civic
// set), with the engine's lexicon rules of its text.
type emergencyOOF struct {
	z      []float32
	gold   []int
	groups []string
	rules  []func(float32) float32
	desk   []*LabelledPost // the desk label of each example, nil for none (set by EmergencyCV)
}

// CVCache, when set (kaval train --cv-cache DIR), keeps the out-of-fold
// logits of EmergencyCV between runs, so lexicon-rule variants are
// measured without retraining (the heads do not depend on the rules).
var CVCache string

// emergencyOOFFrom rebuilds an emergencyOOF from cached logits.
func emergencyOOFFrom(ex []model.Example, groups, texts []string, raw []byte) *emergencyOOF {
	o := emergencyOOFWith(ex, groups, texts)
	for i := range o.z {
		o.z[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return o
}

// emergencyOOFOf trains one head per fold of sourceFolds.
func emergencyOOFOf(ex []model.Example, groups, texts []string, opt model.Options) *emergencyOOF {
	fold, folds := sourceFolds(groups)
	raw := outOfFold(ex, model.Sigmoid, 1, folds, fold, opt)
	o := emergencyOOFWith(ex, groups, texts)
	for i := range ex {
		o.z[i] = raw[i][0]
	}
	return o
}

func emergencyOOFWith(ex []model.Example, groups, texts []string) *emergencyOOF {
	o := &emergencyOOF{z: make([]float32, len(ex)), gold: make([]int, len(ex)), groups: make([]string, len(ex)), rules: make([]func(float32) float32, len(ex))}
	for i := range ex {
		o.gold[i] = ex[i].Label
		if i < len(groups) {
			o.groups[i] = groups[i]
		}
		if i < len(texts) {
			o.rules[i] = analyze.EmergencyRules(texts[i])
		} else {
			o.rules[i] = func(z float32) float32 { return z }
		}
	}
	return o
}

func (o *emergencyOOF) kind(i int) string {
	switch g := o.groups[i]; g {
	case "everyday", "":
		return "everyday"
	case "mumbai", "civic", "complaints", "authored":
		return g
	}
	return "crisis"
}

// flags reports whether example i is flagged at threshold th (with the
// rules, or on the head's logit alone).
func (o *emergencyOOF) flags(i int, th float32, rules bool) bool {
	if rules {
		return o.rules[i](o.z[i]-th) > 0
	}
	return o.z[i]-th > 0
}

// threshold is the best crisis F1 (held-out events) among the thresholds
// that flag at most EmergencyMaxFPR of the everyday tweets and
// EmergencyDeskMaxFPR of the ordinary desk posts, ties to the one nearest 0.
func (o *emergencyOOF) threshold(rules bool) float32 {
	best, bestF1 := float32(0), -1.0
	for t := -200; t <= 200; t++ {
		th := float32(t) * 0.02
		st := o.stats(th, rules)
		if st.flagged("everyday") > EmergencyMaxFPR || st.deskFlagged() > EmergencyDeskMaxFPR {
			continue
		}
		f1 := st.f1("crisis")
		if f1 > bestF1+1e-9 || math.Abs(f1-bestF1) <= 1e-9 && abs32(th) < abs32(best) {
			best, bestF1 = th, f1
		}
	}
	return best
}

// emStats counts, per kind of source, true and false positives and
// negatives at one threshold.
type emStats map[string]*[4]int // tp, fp, fn, tn

func (o *emergencyOOF) stats(th float32, rules bool) emStats {
	st := emStats{}
	for i := range o.z {
		k := o.kind(i)
		c := st[k]
		if c == nil {
			c = new([4]int)
			st[k] = c
		}
		p := o.flags(i, th, rules)
		switch {
		case p && o.gold[i] == 1:
			c[0]++
		case p:
			c[1]++
		case o.gold[i] == 1:
			c[2]++
		default:
			c[3]++
		}
	}
	return st
}

func (st emStats) flagged(k string) float64 {
	c := st[k]
	if c == nil || c[1]+c[3] == 0 {
		return 0
	}
	return float64(c[1]) / float64(c[1]+c[3])
}

// deskFlagged is the share of ordinary posts flagged over all desk sources.
func (st emStats) deskFlagged() float64 {
	fp, n := 0, 0
	for _, k := range deskSources {
		if c := st[k]; c != nil {
			fp += c[1]
			n += c[1] + c[3]
		}
	}
	if n == 0 {
		return 0
	}
	return float64(fp) / float64(n)
}

func (st emStats) f1(k string) float64 {
	c := st[k]
	if c == nil {
		return 0
	}
	return f1Of(c[0], c[1], c[2])
}

func f1Of(tp, fp, fn int) float64 {
	if tp == 0 {
		return 0
	}
	p, r := float64(tp)/float64(tp+fp), float64(tp)/float64(tp+fn)
	return 2 * p * r / (p + r)
}

// report writes one line of figures at threshold th.
func (o *emergencyOOF) report(w io.Writer, name string, th float32, rules bool) {
	st := o.stats(th, rules)
	fmt.Fprintf(w, "%-34s th %5.2f  crisis F1 %.3f  flagged: everyday %4.1f%% mumbai %4.1f%% civic %4.1f%% complaints %4.1f%% authored %4.1f%% (desk %4.1f%%)",
		name, th, st.f1("crisis"), 100*st.flagged("everyday"), 100*st.flagged("mumbai"), 100*st.flagged("civic"),
		100*st.flagged("complaints"), 100*st.flagged("authored"), 100*st.deskFlagged())
	if c := st["authored"]; c != nil {
		fmt.Fprintf(w, "  authored emergencies: recall %d/%d, precision %d/%d", c[0], c[0]+c[2], c[0], c[0]+c[1])
	}
	if c := st["mumbai"]; c != nil {
		fmt.Fprintf(w, "  mumbai incidents %d/%d", c[0], c[0]+c[2])
	}
	if o.desk != nil {
		var all [5]int
		for _, src := range deskCVSources {
			c := o.deskStats(th, rules, src)
			for j := range all {
				all[j] += c[j]
			}
			fmt.Fprintf(w, "\n    desk labels %-10s tp %d fp %d fn %d, ordinary flagged %d/%d", src, c[0], c[1], c[2], c[3], c[4])
		}
		fmt.Fprintf(w, "\n    desk labels all        tp %d fp %d fn %d, ordinary flagged %d/%d = %.1f%%", all[0], all[1], all[2], all[3], all[4], 100*ratio(all[3], all[4]))
	}
	fmt.Fprintln(w)
}

// deskStats counts, on the labelled desk posts of one source: tp, fp, fn,
// and ordinary posts of the stratified sample flagged of all of them.
func (o *emergencyOOF) deskStats(th float32, rules bool, src string) (c [5]int) {
	for i, p := range o.desk {
		if p == nil || deskFold(p.Group) != src {
			continue
		}
		f := o.flags(i, th, rules)
		switch {
		case f && p.Emergency:
			c[0]++
		case f:
			c[1]++
		case p.Emergency:
			c[2]++
		}
		if !p.Emergency && !DeskEnriched(p.Key) {
			c[4]++
			if f {
				c[3]++
			}
		}
	}
	return c
}

// EmergencyCV reports the emergency head out of source (kaval train
// --cv): leave-one-source-out logits with and without the desk negatives,
// each with and without the engine's lexicon rules, at the threshold each
// would choose. sub keeps one crisis tweet in sub (CV on a subsample).
func EmergencyCV(d *Data, w io.Writer, sub int) {
	f := newFeaturizer(d)
	shippedDesk := EmergencyDeskLabels
	defer func() { EmergencyDeskLabels = shippedDesk }()
	for _, deskLab := range []bool{false, true} {
		EmergencyDeskLabels = deskLab
		ex, groups, texts := emergencyTraining(d, f)
		if sub > 1 {
			var kex []model.Example
			var kg, kt []string
			for i := range ex {
				if o := (&emergencyOOF{groups: groups}); i < len(groups) && o.kind(i) == "crisis" && i%sub != 0 {
					continue
				}
				kex, kg, kt = append(kex, ex[i]), append(kg, groups[i]), append(kt, texts[i])
			}
			ex, groups, texts = kex, kg, kt
		}
		model.Balance(ex, 2)
		var o *emergencyOOF
		cache := ""
		if CVCache != "" {
			cache = filepath.Join(CVCache, fmt.Sprintf("emergency-desklabels%v-sub%d-n%d.f32", deskLab, sub, len(ex)))
			if raw, err := os.ReadFile(cache); err == nil && len(raw) == 4*len(ex) {
				o = emergencyOOFFrom(ex, groups, texts, raw)
			}
		}
		if o == nil {
			o = emergencyOOFOf(ex, groups, texts, optionsFor("emergency"))
			if cache != "" {
				raw := make([]byte, 4*len(o.z))
				for i, z := range o.z {
					binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(z))
				}
				_ = os.WriteFile(cache, raw, 0o644)
			}
		}
		// Every desk-labelled post is scored out of source: its own
		// source's fold (its data set and its desk labels) is held out.
		o.desk = make([]*LabelledPost, len(o.z))
		for i, t := range texts {
			if p := d.deskOf(t); p != nil && !DeskDev(p.Key) {
				o.desk[i] = p
			}
		}
		for _, rules := range []bool{false, true} {
			name := fmt.Sprintf("desk labels %v, rules %v", deskLab, rules)
			o.report(w, name, o.threshold(rules), rules)
		}
		shipped := analyze.EmergencyRule
		for _, v := range []analyze.EmergencyRuleWeights{
			{Incident: 1.2, Distress: 0.3, Force: 1.5, After: 2, WeakNow: 0, Hypothetical: 0},
			{Incident: 1.2, Distress: 0.3, Force: 1.5, After: 2, WeakNow: 1, Hypothetical: 2},
			{Incident: 1.2, Distress: 0.3, Force: 1.5, After: 2, WeakNow: 0, Hypothetical: 2},
			{Incident: 1.2, Distress: 0.3, Force: 1.5, After: 2, WeakNow: 0, Hypothetical: 4},
			{Incident: 1.2, Distress: 0, Force: 1.5, After: 2, WeakNow: 0, Hypothetical: 2},
			{Incident: 0.6, Distress: 0.3, Force: 1.5, After: 2, WeakNow: 0, Hypothetical: 2},
		} {
			analyze.EmergencyRule = v
			o.report(w, fmt.Sprintf("  rules %+v", v), o.threshold(true), true)
		}
		for _, g := range []float64{0.01, 0.03} {
			EmergencyDeskMaxFPR, g = g, EmergencyDeskMaxFPR
			o.report(w, fmt.Sprintf("  shipped rules, desk guard %.0f%%", 100*EmergencyDeskMaxFPR), o.threshold(true), true)
			EmergencyDeskMaxFPR = g
		}
		analyze.EmergencyRule = shipped
	}
}

// emergencyTraining is the emergency head's examples with their sources
// and texts (desk corrections appended last, with their texts).
func emergencyTraining(d *Data, f *featurizer) ([]model.Example, []string, []string) {
	ex, groups := EmergencyExamples(d, f, false)
	var texts []string
	for _, it := range emergencyItems(d) {
		texts = append(texts, it.Text)
	}
	for _, l := range d.Labels {
		if l.Task == "emergency" && (l.Label == "false" || l.Label == "true") {
			texts = append(texts, l.Text)
		}
	}
	ex = append(ex, labelExamples(f, d.Labels, "emergency", []string{"false", "true"})...)
	return ex, groups, texts
}

// CrossValidate runs the out-of-source cross-validation of one task.
func CrossValidate(d *Data, task string, sub int, w io.Writer) error {
	switch task {
	case "emergency":
		EmergencyCV(d, w, sub)
	case "complaint":
		ComplaintCV(d, w)
	case "category":
		CategoryCV(d, w)
	case "desk":
		DeskCV(d, w)
	case "danger":
		DangerCV(d, w, sub)
	case "danger-nodesk": // the stage on heads that read no desk label (session 8's)
		DangerHeadDeskLabels = false
		DangerCV(d, w, sub)
	case "complaint-stage":
		ComplaintStageCV(d, w)
	case "desk-complaint":
		DeskComplaintCV(d, w)
	case "desk-cache":
		return DeskCacheCV(d, w)
	case "sentiment":
		for _, t := range []string{"sentiment_en", "sentiment_kn", "sentiment_hi"} {
			if err := SentimentCV(d, t, w); err != nil {
				return err
			}
		}
	case "sentiment_en", "sentiment_kn", "sentiment_hi":
		return SentimentCV(d, task, w)
	case "offensive":
		return OffensiveCV(d, w)
	case "lang":
		return LangCV(d, w)
	default:
		return fmt.Errorf("train: no cross-validation for %q (emergency, complaint, category, desk, danger, complaint-stage, desk-complaint, sentiment[_en|_kn|_hi], offensive, lang)", task)
	}
	return nil
}

// ComplaintCV reports the complaint head out of source: 5-fold F1 on the
// complaints set (as Evaluate), and each other source scored by a head
// trained without it: Mumbai macro-F1, civic recall (every civic report is
// a complaint), authored macro-F1; with and without the desk sources.
func ComplaintCV(d *Data, w io.Writer) {
	f := newFeaturizer(d)
	for _, v := range []struct {
		desk  bool
		civic float32
	}{{false, 0}, {true, 0}, {true, 0.05}, {true, 0.1}, {true, 0.3}} {
		desk := v.desk
		ComplaintDesk, ComplaintCivicWeight = desk, v.civic
		// Complaints set, 5-fold, every extra source in training.
		var cg, cp []int
		for fold := 0; fold < 5; fold++ {
			var tr, te []Item
			for i, it := range d.Complaints {
				if i%5 == fold {
					te = append(te, it)
				} else {
					tr = append(tr, it)
				}
			}
			dense := complaintHead(f, ComplaintExamples(d, f, tr))
			for _, it := range te {
				cg = append(cg, boolLabel(it.Label))
				cp = append(cp, complaintPred(f, dense, it.Text))
			}
		}
		fmt.Fprintf(w, "complaint, desk sources %v civic weight %.2f: complaints set 5-fold F1 %.3f macro-F1 %.3f", desk, v.civic, positiveF1Of(cg, cp, 2), macroF1Of(cg, cp, 2))
		ComplaintDesk, ComplaintCivicWeight = true, 0.3 // the held-out sources are scored whatever the variant trains on
		all := complaintExtra(d, "")
		ComplaintDesk, ComplaintCivicWeight = desk, v.civic
		for _, src := range []string{"mumbai", "civic", "authored"} {
			var ex []model.Example
			for _, it := range d.trainOnly(d.Complaints) {
				ex = append(ex, f.complaintExample(it.Text, boolLabel(it.Label)))
			}
			for _, it := range complaintExtra(d, src) {
				e := f.complaintExample(it.text, it.label)
				e.Weight = it.weight
				ex = append(ex, e)
			}
			dense := complaintHead(f, ex)
			var g, p []int
			for _, it := range all {
				if it.source == src {
					g = append(g, it.label)
					p = append(p, complaintPred(f, dense, it.text))
				}
			}
			tp, pos := 0, 0
			for i := range g {
				if g[i] == 1 {
					pos++
					tp += p[i]
				}
			}
			fmt.Fprintf(w, "; %s held out: macro-F1 %.3f recall %d/%d", src, macroF1Of(g, p, 2), tp, pos)
		}
		fmt.Fprintln(w)
	}
	ComplaintDesk, ComplaintCivicWeight = true, 0
}

func complaintHead(f *featurizer, ex []model.Example) *model.Dense {
	model.Balance(ex, 2)
	return model.Train(ex, model.Sigmoid, 1, optionsFor("complaint"))
}

func complaintPred(f *featurizer, dense *model.Dense, text string) int {
	x := f.complaintExample(text, 0)
	if dense.Score(x.Idx, x.Val, nil)[0] > 0 {
		return 1
	}
	return 0
}

type sourcedRow struct {
	text, source string
	cats         []string
}

// categorySourceRows are the category head's labelled rows by source
// (as CategoryExamples reads them, without the 20% dev split).
func categorySourceRows(d *Data) []sourcedRow {
	var rows []sourcedRow
	for _, it := range d.trainOnly(d.Mumbai) {
		var c []string
		if v := mumbaiCategory[it.Group]; v != "" {
			c = []string{v}
		}
		rows = append(rows, sourcedRow{it.Text, "mumbai", c})
	}
	for _, it := range d.trainOnly(d.Civic) {
		var c []string
		switch {
		case it.Label == "":
		case it.Label == "Traffic/Parking":
			c = []string{"traffic_parking"}
		default:
			c = []string{"civic"}
		}
		rows = append(rows, sourcedRow{it.Text, "civic", c})
	}
	for _, p := range d.Desk {
		rows = append(rows, sourcedRow{p.Text, "authored", []string{p.Category}})
	}
	return rows
}

// CategoryCV reports top-1 category accuracy out of source: each source's
// labelled rows (Mumbai categories, Bengaluru civic categories, the
// authored desk set) scored by a head trained without that source,
// combined with the lexicons as the engine does (the emergency flag is
// left out: rows labelled "emergency" are counted apart), and the share
// of rows given no category. Also the lexicons alone.
func CategoryCV(d *Data, w io.Writer) {
	f := newFeaturizer(d)
	rows := categorySourceRows(d)
	rules := make([][32]float32, len(rows))
	for i, r := range rows {
		rules[i] = analyze.CategoryRules(r.text)
	}
	for _, src := range []string{"mumbai", "civic", "authored"} {
		count := map[string]int{}
		var ex []model.Example
		var train []int
		for i, r := range rows {
			if r.source != src {
				train = append(train, i)
				for _, c := range r.cats {
					count[c]++
				}
			}
		}
		var cats []string
		for _, c := range analyze.Categories {
			if count[c] >= 30 {
				cats = append(cats, c)
			}
		}
		for _, i := range train {
			e := f.example(rows[i].text, "", 0)
			e.Labels = make([]bool, len(cats))
			for _, c := range rows[i].cats {
				if j := indexOf(cats, c); j >= 0 {
					e.Labels[j] = true
				}
			}
			ex = append(ex, e)
		}
		dense := model.Train(ex, model.Sigmoid, len(cats), optionsFor("category"))
		for _, withHead := range []bool{false, true} {
			n, right, none, nEm, rightEm := 0, 0, 0, 0, 0
			per := map[string][2]int{}
			for i, r := range rows {
				if r.source != src || len(r.cats) == 0 {
					continue
				}
				var s [32]float32 = rules[i]
				if withHead {
					x := f.example(r.text, "", 0)
					z := dense.Score(x.Idx, x.Val, nil)
					for j, c := range cats {
						k := indexOf(analyze.Categories, c)
						s[k] = max(s[k], float32(1/(1+math.Exp(-float64(z[j])))))
					}
				}
				top, ts := -1, float32(analyze.CategoryFloor)
				for k := range analyze.Categories {
					if analyze.Categories[k] == "emergency" {
						continue
					}
					if s[k] >= ts {
						top, ts = k, s[k]
					}
				}
				gold := r.cats[0]
				ok := top >= 0 && analyze.Categories[top] == gold
				if gold == "emergency" {
					nEm++
					if ok {
						rightEm++
					}
					continue
				}
				n++
				pc := per[gold]
				pc[1]++
				if ok {
					right++
					pc[0]++
				}
				per[gold] = pc
				if top < 0 {
					none++
				}
			}
			fmt.Fprintf(w, "category, %s held out, head %v: top-1 %d/%d = %.3f, no category %.1f%%; by category:", src, withHead, right, n, float64(right)/float64(max(1, n)), 100*float64(none)/float64(max(1, n)))
			for _, c := range analyze.Categories {
				if pc, ok := per[c]; ok {
					fmt.Fprintf(w, " %s %d/%d", c, pc[0], pc[1])
				}
			}
			fmt.Fprintln(w)
		}
	}
}
