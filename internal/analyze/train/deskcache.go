package train

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/model"
)

// The category and complaint heads out of source, cached (kaval train --cv
// desk-cache --cv-cache DIR): for each desk source, a category head and a
// complaint head trained without any row of it (as DeskCV and the complaint
// stage's rows) score its labelled posts of the training part, and their
// outputs are kept in DIR. Heads do not read the lexicons, so every later
// run re-scores the lexicons and the decisions built on the heads (the
// category's top-1, the complaint flag) in seconds: lexicon phrases and
// the complaint decision are chosen here, out of source, without
// retraining. Delete DIR when the labels or the heads' training change.

type deskCached struct {
	key, fold string
	zc        float32            // complaint head logit, out of source
	cat       map[string]float32 // category head probability by category, out of source
}

// deskCacheFolds are the sources held out; crisis posts (no category head
// fold of their own in DeskCV) are scored for complaint only, by a head
// trained without them (no complaint row is a crisis post).
var deskCacheFolds = []string{"mumbai", "civic", "complaints", "crisis"}

func deskCacheRows(d *Data, dir string, w io.Writer) ([]deskCached, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f := newFeaturizer(d)
	var out []deskCached
	for _, src := range deskCacheFolds {
		path := filepath.Join(dir, "desk-"+src+".tsv")
		if rows, err := readDeskCache(path); err == nil {
			out = append(out, rows...)
			continue
		}
		fmt.Fprintf(w, "desk-cache: training the heads without %s\n", src)
		var test []LabelledPost
		for _, p := range d.deskTrain() {
			if deskFold(p.Group) == src {
				test = append(test, p)
			}
		}
		// Complaint, as shipped: no desk label in the head.
		saved := ComplaintDeskLabels
		ComplaintDeskLabels = false
		var ex []model.Example
		if src != "complaints" {
			for _, it := range d.trainOnly(d.Complaints) {
				ex = append(ex, f.complaintExample(it.Text, boolLabel(it.Label)))
			}
		}
		for _, it := range complaintExtra(d, src) {
			e := f.complaintExample(it.text, it.label)
			e.Weight = it.weight
			ex = append(ex, e)
		}
		ComplaintDeskLabels = saved
		cdense := complaintHead(f, ex)
		var cats []string
		var kdense *model.Dense
		if src != "crisis" {
			var cex []model.Example
			cats, cex = categoryExamplesWithout(d, f, src)
			kdense = model.Train(cex, model.Sigmoid, len(cats), optionsFor("category"))
		}
		var rows []deskCached
		for _, t := range test {
			x := f.complaintExample(t.Text, 0)
			r := deskCached{key: t.Key, fold: src, zc: cdense.Score(x.Idx, x.Val, nil)[0], cat: map[string]float32{}}
			if kdense != nil {
				e := f.example(t.Text, "", 0)
				for j, z := range kdense.Score(e.Idx, e.Val, nil) {
					r.cat[cats[j]] = sigmoid32(z)
				}
			}
			rows = append(rows, r)
		}
		if err := writeDeskCache(path, rows); err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

func sigmoid32(z float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(z))))
}

func writeDeskCache(path string, rows []deskCached) error {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s\t%s\t%g", r.key, r.fold, r.zc)
		var cs []string
		for c := range r.cat {
			cs = append(cs, c)
		}
		sort.Strings(cs)
		for _, c := range cs {
			fmt.Fprintf(&b, "\t%s=%g", c, r.cat[c])
		}
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func readDeskCache(path string) ([]deskCached, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []deskCached
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		fs := strings.Split(sc.Text(), "\t")
		if len(fs) < 3 {
			continue
		}
		z, err := strconv.ParseFloat(fs[2], 32)
		if err != nil {
			return nil, err
		}
		r := deskCached{key: fs[0], fold: fs[1], zc: float32(z), cat: map[string]float32{}}
		for _, kv := range fs[3:] {
			k, v, _ := strings.Cut(kv, "=")
			p, err := strconv.ParseFloat(v, 32)
			if err != nil {
				return nil, err
			}
			r.cat[k] = float32(p)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// deskTop is the engine's first category from head probabilities and
// lexicon scores (the emergency category left out: it is the flag), "none"
// below floor.
func deskTop(head map[string]float32, rules [32]float32, floor float32) (string, [32]float32) {
	s := rules
	for c, p := range head {
		if k := indexOf(analyze.Categories, c); k >= 0 {
			s[k] = max(s[k], p)
		}
	}
	top, ts := "none", floor
	for k, c := range analyze.Categories {
		if c != "emergency" && s[k] >= ts {
			top, ts = c, s[k]
		}
	}
	return top, s
}

// DeskCacheShow, when set ("gold->given"), prints the posts so confused
// (training part only: the dev split is never read).
var DeskCacheShow string

// DeskCacheOld, when set, is the keys of an earlier label set: figures are
// also given on those posts alone, for comparison with earlier sessions.
var DeskCacheOld map[string]bool

// DeskCacheCV reports category top-1 and the complaint flag on the cached
// out-of-source heads with the lexicons as compiled (kaval train --cv
// desk-cache --cv-cache DIR).
func DeskCacheCV(d *Data, w io.Writer) error {
	if CVCache == "" {
		return fmt.Errorf("train: --cv desk-cache needs --cv-cache DIR")
	}
	rows, err := deskCacheRows(d, CVCache, w)
	if err != nil {
		return err
	}
	idx := d.deskIndex()
	type scored struct {
		p      *LabelledPost
		r      deskCached
		top    string
		scores [32]float32
	}
	var ss []scored
	for _, r := range rows {
		p := idx[r.key]
		if p == nil {
			continue // the label changed since the cache was written
		}
		top, s := deskTop(r.cat, analyze.CategoryRules(p.Text), analyze.CategoryFloor)
		ss = append(ss, scored{p, r, top, s})
	}
	// Category.
	for _, subset := range []string{"all", "old"} {
		if subset == "old" && DeskCacheOld == nil {
			continue
		}
		by := map[string][2]int{}
		perCat := map[string][2]int{}
		conf := map[[2]string]int{}
		none, noneN := 0, 0
		for _, x := range ss {
			if x.r.fold == "crisis" || subset == "old" && !DeskCacheOld[x.p.Key] {
				continue
			}
			g := x.p.Category
			if g == "none" {
				noneN++
				if x.top == "none" {
					none++
				}
				continue
			}
			if g == "emergency" {
				continue
			}
			right := b2i(x.top == g)
			for _, k := range []string{x.r.fold, "all"} {
				v := by[k]
				v[0] += right
				v[1]++
				by[k] = v
			}
			v := perCat[g]
			v[0] += right
			v[1]++
			perCat[g] = v
			if right == 0 {
				conf[[2]string{g, x.top}]++
				if subset == "all" && DeskCacheShow == g+"->"+x.top {
					fmt.Fprintf(w, "  [%s] head %v | %s\n", x.r.fold, x.r.cat, x.p.Text)
				}
			}
		}
		fmt.Fprintf(w, "category top-1 (%s posts):", subset)
		for _, k := range []string{"mumbai", "civic", "complaints", "all"} {
			fmt.Fprintf(w, " %s %.3f (%d/%d)", k, ratio(by[k][0], by[k][1]), by[k][0], by[k][1])
		}
		fmt.Fprintf(w, "; none kept %d/%d\n  by category:", none, noneN)
		var cs []string
		for c := range perCat {
			cs = append(cs, c)
		}
		sort.Strings(cs)
		for _, c := range cs {
			fmt.Fprintf(w, " %s %d/%d", c, perCat[c][0], perCat[c][1])
		}
		type pair struct {
			k [2]string
			n int
		}
		var ps []pair
		for k, n := range conf {
			ps = append(ps, pair{k, n})
		}
		sort.Slice(ps, func(i, j int) bool {
			if ps[i].n != ps[j].n {
				return ps[i].n > ps[j].n
			}
			return ps[i].k[0]+ps[i].k[1] < ps[j].k[0]+ps[j].k[1]
		})
		fmt.Fprint(w, "\n  most confused (gold -> given):")
		for i, p := range ps {
			if i == 15 {
				break
			}
			fmt.Fprintf(w, " %s->%s %d", p.k[0], p.k[1], p.n)
		}
		fmt.Fprintln(w)
	}
	// Complaint: the head alone, and decisions that also read the category.
	var crows []complaintRow
	for _, x := range ss {
		crows = append(crows, complaintRow{x: complaintCatFeatures(x.r.zc, x.top, x.scores), z: x.r.zc, gold: b2i(x.p.Complaint), group: x.r.fold, real: true})
	}
	head := make([]float64, len(crows))
	for i, r := range crows {
		head[i] = float64(b2i(r.z > 0))
	}
	fmt.Fprintln(w, "complaint, head alone (logit > 0):")
	reportComplaint(w, crows, head, func(string) float64 { return 0.5 })
	for _, rule := range ComplaintRules {
		p := make([]float64, len(crows))
		for i, x := range ss {
			p[i] = float64(b2i(analyze.ComplaintByCategory(rule, x.r.zc, x.top)))
		}
		fmt.Fprintf(w, "complaint, rule %q:\n", rule)
		reportComplaint(w, crows, p, func(string) float64 { return 0.5 })
	}
	for _, lambda := range []float64{0.3, 1, 3} {
		p := complaintOOFAny(crows, lambda)
		ts := map[string]float64{}
		for _, g := range complaintGroups(crows) {
			ts[g] = chooseComplaintThreshold(crows, p, g)
		}
		fmt.Fprintf(w, "complaint stage on the head and the category, lambda %.1f (threshold per source chosen on the others):\n", lambda)
		reportComplaint(w, crows, p, func(g string) float64 { return ts[g] })
	}
	return nil
}

// ComplaintRules are the complaint decisions by category measured by
// DeskCacheCV (analyze.ComplaintByCategory).
var ComplaintRules = []string{"head", "head+matter", "head-nomatter", "matter-only", "both"}

// complaintCatFeatures: the head's logit, the post's category scores and
// its first category (one-hot, none included).
func complaintCatFeatures(z float32, top string, s [32]float32) []float32 {
	x := []float32{max(-8, min(8, z))}
	for k := range analyze.Categories {
		x = append(x, s[k])
	}
	for _, c := range append(append([]string{}, analyze.Categories...), "none") {
		x = append(x, float32(b2i(top == c)))
	}
	return x
}

// complaintOOFAny is complaintOOF for rows of any width: each source's
// probabilities from a stage fitted on the other sources.
func complaintOOFAny(rows []complaintRow, lambda float64) []float64 {
	return oofByGroup(rows, lambda, func(st, x []float32) float64 {
		s := float64(st[len(st)-1])
		for j, v := range x {
			s += float64(st[j]) * float64(v)
		}
		return 1 / (1 + math.Exp(-s))
	})
}
