package train

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/lang"
	"github.com/kaval-desk/kaval/internal/analyze/model"
)

// LangBars are the romanised bars (lang.RomanisedMin, RomanisedMinMarked)
// LangCV measures beside the shipped ones; they need no retraining.
var LangBars = [][2]float32{{0.85, 0.6}, {0.75, 0.5}, {0.65, 0.45}, {0.55, 0.4}, {0, 0}}

// langHead trains the Latin language head on items as Build does.
func langHead(f *featurizer, items []Item) *model.Dense {
	var ex []model.Example
	for _, it := range items {
		ex = append(ex, f.example(it.Text, "", indexOf(lang.LatinClasses, it.Label)))
	}
	model.Balance(ex, len(lang.LatinClasses))
	return model.Train(ex, model.Softmax, len(lang.LatinClasses), optionsFor("lang"))
}

type langObs struct {
	ev   analyze.LangEvidence
	lang string // the engine's decision (used as is when the text is not Latin)
	gold string
}

func (o langObs) decide() string {
	if !o.ev.Latin {
		return o.lang
	}
	return lang.Detect(o.ev.Counts, o.ev.Probs[:], o.ev.English, o.ev.Indic, o.ev.Words).Lang
}

// langEnglishSources are English posts the language head never reads
// (dev splits left out), at most 1,500 a source.
func langEnglishSources(d *Data) map[string][]string {
	out := map[string][]string{}
	add := func(name string, items []Item, keep func(Item) bool) {
		var ts []string
		for _, it := range items {
			if keep(it) && !d.isDev(it.Text) {
				ts = append(ts, it.Text)
			}
		}
		step := max(1, len(ts)/1500)
		for i := 0; i < len(ts); i += step {
			out[name] = append(out[name], ts[i])
		}
	}
	add("tweeteval-offensive", d.Offensive, func(it Item) bool { return it.Group == "train" })
	add("crisis", d.Crisis, func(it Item) bool { return !DevEvents[it.Group] })
	add("complaints", d.Complaints, func(Item) bool { return true })
	add("civic", d.Civic, func(Item) bool { return true })
	return out
}

// LangCV scores the language head out of source: 3 folds of the VarDial
// rows (the other sources always train), VarDial macro-recall over its four
// classes through the engine's decision, and the share of English posts
// from sources the head never reads that stay English, at every LangBars
// setting, for every CVVariants setting of the head ("shipped", "c=X").
func LangCV(d *Data, w io.Writer) error {
	const k = 3
	f := newFeaturizer(d)
	vardial := map[string]bool{}
	for _, it := range d.Dravidian {
		vardial[it.Text] = true
	}
	items := LangItems(d, false)
	rows := make([]Item, len(items))
	for i, it := range items {
		rows[i] = Item{Text: it.Text, Label: it.Label, Group: "train"}
		if vardial[it.Text] {
			rows[i].Group = "vardial/" + strconv.Itoa(cvFoldOf(it.Text, k))
		}
	}
	if err := cvExport("lang", rows); err != nil {
		return err
	}
	english := langEnglishSources(d)
	srcs := []string{"tweeteval-offensive", "crisis", "complaints", "civic"}
	shipMin, shipMarked := lang.RomanisedMin, lang.RomanisedMinMarked
	defer func() { lang.RomanisedMin, lang.RomanisedMinMarked = shipMin, shipMarked }()
	for _, v := range CVVariants {
		restore, err := withVariant("lang", v)
		if err != nil {
			restore()
			return err
		}
		var vd []langObs
		en := map[string][]langObs{}
		for fold := 0; fold < k; fold++ {
			suffix := "/" + strconv.Itoa(fold)
			var tr []Item
			var te []int
			for i, it := range items {
				if strings.HasSuffix(rows[i].Group, suffix) && strings.HasPrefix(rows[i].Group, "vardial/") {
					te = append(te, i)
				} else {
					tr = append(tr, it)
				}
			}
			e, err := cvEngine(f, map[string]*model.Dense{"lang": langHead(f, tr)})
			if err != nil {
				restore()
				return err
			}
			obs := func(text, gold string) langObs {
				s := e.Score(text)
				return langObs{ev: s.LangEvidence, lang: s.Lang.Lang, gold: gold}
			}
			for _, i := range te {
				vd = append(vd, obs(items[i].Text, items[i].Label))
			}
			for _, s := range srcs {
				for _, t := range english[s] {
					en[s] = append(en[s], obs(t, "en"))
				}
			}
		}
		restore()
		classes := []string{"en", "kn-Latn", "ta-Latn", "ml-Latn"}
		for _, b := range LangBars {
			lang.RomanisedMin, lang.RomanisedMinMarked = b[0], b[1]
			var gold, pred []int
			for _, o := range vd {
				gold = append(gold, indexOf(classes, o.gold))
				p := indexOf(classes, o.decide())
				if p < 0 {
					p = len(classes) // hi-Latn, und, a native script: wrong for every class
				}
				pred = append(pred, p)
			}
			fmt.Fprintf(w, "lang %-8s bars %.2f/%.2f: VarDial %d folds, %d scored, macro-recall %.4f (per class", v, b[0], b[1], k, len(vd), macroRecallOf(gold, pred, len(classes)+1))
			for c, name := range classes {
				n, r := 0, 0
				for i := range gold {
					if gold[i] == c {
						n++
						r += b2i(pred[i] == c)
					}
				}
				fmt.Fprintf(w, " %s %.3f", name, float64(r)/float64(max(1, n)))
			}
			fmt.Fprint(w, "); English kept:")
			sum := 0.0
			for _, s := range srcs {
				r := 0
				for _, o := range en[s] {
					r += b2i(o.decide() == "en")
				}
				acc := float64(r) / float64(max(1, len(en[s])))
				sum += acc
				fmt.Fprintf(w, " %s %.3f", s, acc)
			}
			fmt.Fprintf(w, " (mean %.4f)\n", sum/float64(len(srcs)))
		}
	}
	return nil
}
