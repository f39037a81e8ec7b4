package train

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/lang"
	"github.com/kaval-desk/kaval/internal/analyze/model"
)

// Seed makes training reproducible.
const Seed = 20260524

// DevEvents are the crisis events held out of training for the emergency
// dev split (whole events, from both CrisisLex collections).
var DevEvents = map[string]bool{"2013 queensland": true, "2013 boston": true, "2012 typhoon": true}

// C is the inverse regularisation strength of each head, chosen on the
// dev splits (the documented model-selection split) from {0.25 … 8},
// except emergency's: the best guarded leave-events-out F1 of the training
// events (C 0.05/0.1/0.2/0.3/0.5/1: 0.798/0.809/0.817/0.814/0.808/0.798),
// and the language head's: its probabilities weigh the sentiment heads,
// so it has the C with the lowest log-loss on its own dev split (C 4/8/
// 16/32: 0.1830/0.1754/0.1765/0.1800, with LangCap's 20,000 texts a
// language). Since session 9 the Kannada head's C is chosen out of source
// (kaval train --cv sentiment_kn: 5 folds of KanCMD's training split,
// macro-F1 through the engine at C 0.25/0.5/1/2: 0.670/0.690/0.702/0.703;
// 0.5 had been the dev split's choice), and the English head's C = 1 was
// confirmed by year (train on SemEval 2013-2015, score 2016: C 0.3/1/3
// macro-recall 0.575/0.579/0.576).
var C = map[string]float64{
	"lang": 8, "sentiment_en": 1, "sentiment_kn": 2, "sentiment_hi": 1,
	"offensive": 3, "emergency": 0.2, "complaint": 1, "category": 1,
}

// Calibrate lists the heads whose decision offsets are tuned on
// out-of-fold predictions of their training data (see calibrate.go).
//
// The offensive head chose an offset of 0 when it was plain logistic
// regression and is now trained NBSVM-style (trainOffensive), which
// calibrate's fold models do not reproduce; it is not calibrated.
//
// The English sentiment head was calibrated until session 5 (offsets
// negative +0.50, positive +0.10). Once the language head grew surer of
// English (LangCap), those offsets cost the engine on TweetEval val:
// macro-recall 0.6919 without them against 0.6898 with them, macro-F1
// 0.677 against 0.646 (they bought negative recall with precision), with
// Hinglish and Kannada unchanged to a tweet. The training folds' prior
// (positive-heavy) is not the dev split's, so the offsets no longer carry.
// Session 9 put them back by the out-of-source folds (kaval train --cv
// sentiment_en: train on SemEval 2013-2015, score the 29,355 tweets of
// 2016): macro-recall through the engine 0.5787 without, 0.5845 with
// (macro-F1 0.558 -> 0.536: they buy the smaller classes' recall with
// precision, which is what macro-recall, the task's metric, rewards).
var Calibrate = map[string]bool{"emergency": true, "complaint": true, "sentiment_en": true}

// NBSentiment lists the sentiment heads trained one-vs-rest NBSVM-style
// (trainOvRNB) instead of as one softmax regression.
var NBSentiment = map[string]bool{"sentiment_hi": true}

// AdaptSentiment names, for a head of NBSentiment, the language group whose
// training tweets it also learns from by domain adaptation
// (trainOvRNBAdapt): the Hinglish head borrows what 48,000 English tweets
// say about the English words of code-mixed text.
var AdaptSentiment = map[string]string{"sentiment_hi": "en"}

// CleanSentiment names the sentiment heads whose data-set examples are
// first cleaned of likely label errors (cleanLabels), with the threshold:
// an example leaves training when models that did not see it give its own
// label less than this probability. SentiMix's labels are noisy ("Wish you
// all the very best and do your best sir" neutral, an abusive tweet
// positive); the English and Kannada sets lost by it (see cleanLabels).
var CleanSentiment = map[string]float64{"sentiment_hi": 0.15}

// Unbalanced lists the softmax sentiment heads trained without class-
// balanced example weights (measured out of source: SentimentCV).
var Unbalanced = map[string]bool{}

// Select makes Build also report the leave-events-out choice of the
// emergency head's C (kaval train --select); it does not change C.
var Select bool

// CalibrationFolds is k of the out-of-fold predictions.
const CalibrationFolds = 3

// optionsFor returns the training options of a head.
func optionsFor(head string) model.Options {
	c := C[head]
	if c == 0 {
		c = 1
	}
	return model.Options{C: c, Bits: model.Bits}
}

// Label is a desk correction used as training data (see package labels).
type Label struct {
	Text, Task, Label string
}

// Data is everything training reads, loaded once.
type Data struct {
	SentEN, SentKN, SentHI, Offensive, Crisis, Mumbai, Complaints, Civic, Dravidian, KannadaLatin []Item
	CrisisRelated                                                                                 []Item // training positives only (see CrisisRelated)
	Vader                                                                                         map[string]float64
	Labels                                                                                        []Label
	Desk                                                                                          []DeskPost     // the authored police-desk set (Authored)
	DeskL                                                                                         []LabelledPost // the labelled police-desk set (DeskLabels), joined to its texts

	deskIdx map[string]*LabelledPost // see deskIndex
	eventOf map[string]string        // see crisisEvent

	dev     map[string]bool // see isDev
	enTrain []Item          // see englishTrain
}

// devKeys lists every text of every data set's dev split (TweetEval
// sentiment and offensive val, KanCMD sentiment and offensive dev, SentiMix
// dev, the held-out crisis events), exactly and as dupKey's normalised
// form. The sets repeat texts across their splits and across each other
// (108 of KanCMD's 585 offensive dev comments are also offensive training
// comments, 407 of its 569 sentiment dev comments are romanised comments
// the language head read, 36 are in VarDial), so each training set is
// filtered by text, not by its own split name.
func (d *Data) devKeys() map[string]bool {
	if d.dev != nil {
		return d.dev
	}
	d.dev = map[string]bool{}
	add := func(items []Item, dev func(Item) bool) {
		for _, it := range items {
			if dev(it) {
				d.dev[it.Text] = true
				if k, _ := dupKey(it.Text); k != "" {
					d.dev["\x00"+k] = true
				}
			}
		}
	}
	isDev := func(it Item) bool { return it.Group == "dev" || it.Group == "dev-kn" }
	for _, src := range [][]Item{d.SentEN, d.SentKN, d.SentHI, d.Offensive} {
		add(src, isDev)
	}
	heldOut := func(it Item) bool { return DevEvents[it.Group] }
	add(d.Crisis, heldOut)
	add(d.CrisisRelated, heldOut)
	return d.dev
}

// isDev reports whether text is (or normalises to) a text of any dev
// split: such a text trains no head and counts in no idf, whatever the
// split or data set it also appears in. The per-task hash splits (language
// ID's 15%, categories' 20%) are held out of the heads that score them
// (LangItems, CategoryExamples), not of the others: they are carved from
// other tasks' training pools, and no other head feeds those scores.
func (d *Data) isDev(text string) bool {
	dev := d.devKeys()
	if dev[text] {
		return true
	}
	k, _ := dupKey(text)
	return k != "" && dev["\x00"+k]
}

// trainOnly returns the items whose text is in no dev split.
func (d *Data) trainOnly(items []Item) []Item {
	var out []Item
	for _, it := range items {
		if !d.isDev(it.Text) {
			out = append(out, it)
		}
	}
	return out
}

// englishTrain is the SemEval training pool without the near-duplicates
// of TweetEval val (RemoveNearDuplicates) and without dev texts: every
// head that reads English tweets (sentiment, language, emergency
// negatives) takes them from here.
func (d *Data) englishTrain() []Item {
	if d.enTrain == nil {
		d.enTrain = d.trainOnly(RemoveNearDuplicates(split(d.SentEN, "train"), split(d.SentEN, "dev")))
	}
	return d.enTrain
}

// Load reads every data set under root (../shared/data).
func Load(root string) (*Data, error) {
	d := &Data{}
	var err error
	steps := []struct {
		dst *[]Item
		fn  func(string) ([]Item, error)
	}{
		{&d.SentEN, SentimentEN}, {&d.SentKN, SentimentKN}, {&d.SentHI, Hinglish}, {&d.Offensive, Offensive},
		{&d.Crisis, Crisis}, {&d.Mumbai, Mumbai}, {&d.Complaints, Complaints}, {&d.Civic, Civic},
		{&d.Dravidian, Dravidian}, {&d.KannadaLatin, KannadaLatin}, {&d.CrisisRelated, CrisisRelated},
	}
	for _, s := range steps {
		if *s.dst, err = s.fn(root); err != nil {
			return nil, err
		}
	}
	if d.Vader, err = Lexicon(root); err != nil {
		return nil, err
	}
	d.Desk = Authored()
	pool, err := DeskPool(root)
	if err != nil {
		return nil, err
	}
	var missing int
	if d.DeskL, missing = JoinDesk(pool, DeskLabels()); missing > 0 {
		return nil, fmt.Errorf("train: %d desk labels name posts that are not in %s", missing, root)
	}
	return d, nil
}

func split(items []Item, group string) []Item {
	var out []Item
	for _, it := range items {
		if it.Group == group {
			out = append(out, it)
		}
	}
	return out
}

// RemoveNearDuplicates drops training items that are near-duplicates of any
// dev item: same text once URLs, mentions, case and punctuation are gone,
// or sharing most of their word 4-shingles.
func RemoveNearDuplicates(train, dev []Item) []Item {
	keys := map[string]bool{}
	shingles := map[string][]int{}
	devSh := make([]int, len(dev))
	for i, it := range dev {
		k, sh := dupKey(it.Text)
		keys[k] = true
		devSh[i] = len(sh)
		for _, s := range sh {
			shingles[s] = append(shingles[s], i)
		}
	}
	var out []Item
	for _, it := range train {
		k, sh := dupKey(it.Text)
		if keys[k] {
			continue
		}
		hits := map[int]int{}
		dup := false
		for _, s := range sh {
			for _, j := range shingles[s] {
				hits[j]++
				if float64(hits[j]) >= 0.5*float64(max(1, min(len(sh), devSh[j]))) {
					dup = true
				}
			}
		}
		if !dup {
			out = append(out, it)
		}
	}
	return out
}

func dupKey(t string) (string, []string) {
	var words []string
	for _, w := range strings.Fields(strings.ToLower(t)) {
		if strings.HasPrefix(w, "http") || strings.HasPrefix(w, "@") {
			continue
		}
		w = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f {
				return r
			}
			return -1
		}, w)
		if w != "" {
			words = append(words, w)
		}
	}
	var sh []string
	for i := 0; i+4 <= len(words); i++ {
		sh = append(sh, strings.Join(words[i:i+4], " "))
	}
	return strings.Join(words, " "), sh
}

// featurizer builds examples the way the engine featurises posts.
type featurizer struct {
	x  model.Extractor
	sp model.Space
}

func (f *featurizer) example(text, langGroup string, label int) model.Example {
	e := model.NewExample(f.x.Vectorize(text, &f.sp), label)
	if langGroup != "" {
		e.Idx = append(e.Idx, f.sp.Tag("lang="+langGroup))
		e.Val = append(e.Val, 1)
	}
	return e
}

// newFeaturizer computes the idf of every bucket over the training text of
// every task (each distinct text one document; no text of any dev split:
// d.isDev).
func newFeaturizer(d *Data) *featurizer {
	f := &featurizer{sp: model.Space{Bits: model.Bits}}
	seen := map[string]bool{}
	var docs [][]uint32
	add := func(t string) {
		if seen[t] || d.isDev(t) {
			return
		}
		seen[t] = true
		v := f.x.Vectorize(t, &f.sp)
		docs = append(docs, slices.Clone(v.Idx))
	}
	for _, src := range [][]Item{d.SentEN, d.SentKN, d.SentHI, d.Offensive} {
		for _, it := range src {
			if it.Group == "train" || it.Group == "train-kn" {
				add(it.Text)
			}
		}
	}
	for _, it := range d.Crisis {
		if !DevEvents[it.Group] {
			add(it.Text)
		}
	}
	for _, src := range [][]Item{d.Mumbai, d.Complaints, d.Civic, d.Dravidian, d.KannadaLatin} {
		for _, it := range src {
			add(it.Text)
		}
	}
	for _, l := range d.Labels {
		add(l.Text)
	}
	f.sp.IDF = model.IDF(docs, f.sp.Bits, 2)
	return f
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// Reuse and Only: when Reuse is set, Build takes every head whose name is
// not in Only from Reuse instead of training it (kaval train --only). A
// head's int8 lanes dequantise and quantise back to the same codes and
// scale, so this is the model a full run builds as long as neither that
// head's data nor the idf changed; Build refuses when the idf did.
var (
	Reuse *model.Model
	Only  map[string]bool
)

// denseOf dequantises head h of m.
func denseOf(m *model.Model, h *model.Head) *model.Dense {
	k := len(h.Classes)
	nb := 1 << m.Space.Bits
	d := &model.Dense{K: k, W: make([]float32, nb*k), Bias: slices.Clone(h.Bias)}
	for f := 0; f < nb; f++ {
		for j := 0; j < k; j++ {
			d.W[f*k+j] = model.Levels[uint8(m.W[f*m.Width+h.Offset+j])] * h.Scales[j]
		}
	}
	return d
}

// Build trains every head and returns the quantised model. logw gets
// progress lines.
func Build(d *Data, logw io.Writer) (*model.Model, error) {
	start := time.Now()
	f := newFeaturizer(d)
	b := &model.Builder{Version: "kaval-lin-2", Space: f.sp}
	say := func(format string, a ...any) {
		fmt.Fprintf(logw, "[%5.1fs] "+format+"\n", append([]any{time.Since(start).Seconds()}, a...)...)
	}

	reuse := func(name string) (*model.Dense, bool) {
		if Reuse == nil || Only[name] {
			return nil, false
		}
		h := Reuse.Head(name)
		if h == nil {
			return nil, false
		}
		say("%s: taken from the current model (kaval train --only)", name)
		return denseOf(Reuse, h), true
	}
	if Reuse != nil && (Reuse.Space.Bits != f.sp.Bits || !slices.Equal(Reuse.Space.IDF, f.sp.IDF)) {
		return nil, fmt.Errorf("train: --only needs the idf of the current model, and the training texts changed it: run a full kaval train")
	}

	// Language of Latin-script text.
	if dense, ok := reuse("lang"); ok {
		b.Add("lang", model.Softmax, lang.LatinClasses, dense)
	} else {
		var langEx []model.Example
		for _, it := range LangItems(d, false) {
			langEx = append(langEx, f.example(it.Text, "", indexOf(lang.LatinClasses, it.Label)))
		}
		perLang := map[string]int{}
		for _, e := range langEx {
			perLang[lang.LatinClasses[e.Label]]++
		}
		model.Balance(langEx, len(lang.LatinClasses))
		b.Add("lang", model.Softmax, lang.LatinClasses, model.Train(langEx, model.Softmax, len(lang.LatinClasses), optionsFor("lang")))
		say("lang: %d examples %v", len(langEx), perLang)
	}

	// Sentiment, one head per language group.
	sent := []string{"negative", "neutral", "positive"}
	enTrain := d.englishTrain()
	say("sentiment_en: %d of %d training tweets left after removing near-duplicates of the dev split", len(enTrain), len(split(d.SentEN, "train")))
	byGroup := map[string][]model.Example{} // each group's data-set examples, for AdaptSentiment
	for _, h := range []struct {
		name, group string
		items       []Item
		metric      metricFn
	}{{"sentiment_en", "en", enTrain, macroRecallOf}, {"sentiment_kn", "kn", d.trainOnly(split(d.SentKN, "train")), macroF1Of}, {"sentiment_hi", "hi", d.trainOnly(split(d.SentHI, "train")), macroF1Of}} {
		if dense, ok := reuse(h.name); ok {
			b.Add(h.name, model.Softmax, sent, dense)
			if CleanSentiment[h.name] == 0 && adaptsFrom(h.group) {
				// A head retrained with --only adapts with this
				// group's examples (AdaptSentiment).
				for _, it := range h.items {
					byGroup[h.group] = append(byGroup[h.group], f.example(it.Text, h.group, indexOf(sent, it.Label)))
				}
			}
			continue
		}
		dense, own, ex := sentimentHead(f, h.name, h.group, h.items, d.Labels, byGroup[AdaptSentiment[h.name]], say)
		byGroup[h.group] = own
		b.Add(h.name, model.Softmax, sent, dense)
		say("%s: %d examples", h.name, len(ex))
	}

	// Offensive: English and Kannada code-mixed together, with the language tag.
	if dense, ok := reuse("offensive"); ok {
		b.Add("offensive", model.Sigmoid, []string{"offensive"}, dense)
	} else {
		offItems := offensiveTrain(d)
		var offEx []model.Example
		for _, it := range offItems {
			offEx = append(offEx, f.example(it.Text, analyze.LangGroup(it.Lang), boolLabel(it.Label)))
		}
		offEx = append(offEx, labelExamples(f, d.Labels, "offensive", []string{"false", "true"})...)
		model.Balance(offEx, 2)
		offDense := trainOffensive(offItems, offEx)
		if Calibrate["offensive"] {
			off := calibrate(offDense, offEx, model.Sigmoid, 1, CalibrationFolds, func(i int) int { return i % CalibrationFolds },
				func(int) bool { return true }, macroF1Of, optionsFor("offensive"))
			say("offensive: out-of-fold bias offset %.2f", off)
		}
		b.Add("offensive", model.Sigmoid, []string{"offensive"}, offDense)
		say("offensive: %d examples", len(offEx))
	}

	// Emergency.
	if dense, ok := reuse("emergency"); ok {
		b.Add("emergency", model.Sigmoid, []string{"emergency"}, dense)
	} else {
		emEx, emGroups, emTexts := emergencyTraining(d, f)
		model.Balance(emEx, 2)
		emDense := model.Train(emEx, model.Sigmoid, 1, optionsFor("emergency"))
		if Calibrate["emergency"] {
			// Folds are whole sources (crisis events, the Mumbai, civic,
			// complaints and authored sets): the threshold is chosen for
			// events and sources never seen, on the scores the engine
			// computes (with its lexicon rules).
			if Select {
				fold, folds := sourceFolds(emGroups)
				cs := []float64{0.05, 0.1, 0.2, 0.5, 1}
				c, scores := selectC(emEx, model.Sigmoid, 1, folds, fold, func(int) bool { return true }, positiveF1Of, cs)
				say("emergency: leave-source-out F1 for C %v = %.3f; best C %v (set train.C)", cs, scores, c)
			}
			o := emergencyOOFOf(emEx, emGroups, emTexts, optionsFor("emergency"))
			th := o.threshold(true)
			emDense.Bias[0] -= th
			o.report(logw, "emergency (leave-source-out)", th, true)
		}
		b.Add("emergency", model.Sigmoid, []string{"emergency"}, emDense)
		say("emergency: %d examples", len(emEx))
	}

	// Complaint.
	if dense, ok := reuse("complaint"); ok {
		b.Add("complaint", model.Sigmoid, []string{"complaint"}, dense)
	} else {
		coEx := ComplaintExamples(d, f, d.Complaints)
		for _, l := range d.Labels {
			if l.Task == "complaint" && (l.Label == "true" || l.Label == "false") {
				e := f.complaintExample(l.Text, boolLabel(l.Label))
				e.Weight = 2 // as labelExamples
				coEx = append(coEx, e)
			}
		}
		model.Balance(coEx, 2)
		coDense := model.Train(coEx, model.Sigmoid, 1, optionsFor("complaint"))
		if Calibrate["complaint"] {
			n := len(d.trainOnly(d.Complaints)) // the complaints set is scored; Mumbai labels only train
			off := calibrate(coDense, coEx, model.Sigmoid, 1, CalibrationFolds, func(i int) int {
				if i >= n {
					return -1
				}
				return i % CalibrationFolds
			}, func(i int) bool { return i < n }, positiveF1Of, optionsFor("complaint"))
			say("complaint: out-of-fold bias offset %.2f", off)
		}
		b.Add("complaint", model.Sigmoid, []string{"complaint"}, coDense)
		say("complaint: %d examples", len(coEx))
	}

	// Categories (multi-label) where labelled data exists.
	if dense, ok := reuse("category"); ok {
		b.Add("category", model.Sigmoid, Reuse.Head("category").Classes, dense)
	} else {
		cats, catEx := CategoryExamples(d, f, false)
		b.Add("category", model.Sigmoid, cats, model.Train(catEx, model.Sigmoid, len(cats), optionsFor("category")))
		say("category: %d examples, trained heads %v", len(catEx), cats)
	}

	m := b.Build()
	say("built: %d lanes, %.1f MB", m.Width, float64(len(m.W))/1e6)
	return m, nil
}

// adaptsFrom reports whether a head Build retrains (not taken from
// Reuse) adapts with the examples of sentiment group g.
func adaptsFrom(g string) bool {
	for name, aux := range AdaptSentiment {
		if aux == g && (Reuse == nil || Only[name]) {
			return true
		}
	}
	return false
}

// sentimentHead trains one sentiment head as Build ships it: the items'
// examples with the group's tag feature, cleaned of likely label errors
// (CleanSentiment), the desk's sentiment corrections, then domain
// adaptation with aux (AdaptSentiment), one-vs-rest NBSVM (NBSentiment)
// or a class-balanced softmax. It returns the head, the data set's own
// examples before balancing (another head's aux) and every example it was
// trained on. The out-of-source folds (SentimentCV) call it too, so what
// they measure is what ships.
func sentimentHead(f *featurizer, name, group string, items []Item, labels []Label, aux []model.Example, say func(string, ...any)) (*model.Dense, []model.Example, []model.Example) {
	sent := []string{"negative", "neutral", "positive"}
	opt := optionsFor(name)
	var ex []model.Example
	for _, it := range items {
		ex = append(ex, f.example(it.Text, group, indexOf(sent, it.Label)))
	}
	if tau := CleanSentiment[name]; tau > 0 {
		n := len(ex)
		ex = cleanLabels(ex, 3, tau, opt)
		say("%s: %d of %d training tweets kept after dropping likely label errors", name, len(ex), n)
	}
	own := slices.Clone(ex) // before the head balances its weights
	ex = append(ex, labelExamples(f, labels, "sentiment", sent)...)
	var dense *model.Dense
	if AdaptSentiment[name] != "" && len(aux) > 0 {
		dense = trainOvRNBAdapt(ex, aux, 3, opt)
		say("%s: adapted with %d %s examples", name, len(aux), AdaptSentiment[name])
	} else if NBSentiment[name] {
		dense = trainOvRNB(ex, 3, opt)
	} else {
		if !Unbalanced[name] {
			model.Balance(ex, 3)
		}
		dense = model.Train(ex, model.Softmax, 3, opt)
	}
	if Calibrate[name] {
		metric := macroF1Of
		if group == "en" {
			metric = macroRecallOf
		}
		off := calibrate(dense, ex, model.Softmax, 3, CalibrationFolds, func(i int) int { return i % CalibrationFolds },
			func(int) bool { return true }, metric, opt)
		say("%s: out-of-fold class offsets %.2f", name, off)
	}
	return dense, own, ex
}

// trainOffensive trains the offensive head NBSVM-style: every feature is
// scaled by the square root of its Naive-Bayes log-count ratio |r| before
// logistic regression, and the scale is folded into the weights (free at
// inference). r comes from the English examples only; buckets that occur
// in the Kannada training comments keep scale 1, since a ratio learnt from
// English tweets misjudges them (with r over both sets the Kannada dev
// macro-F1 fell from 0.776 to 0.751). offEx must list the examples of
// items (offensiveTrain) before anything else, in order, as Build makes them.
func trainOffensive(items []Item, offEx []model.Example) *model.Dense {
	var enEx []model.Example
	other := make([]bool, 1<<model.Bits)
	i := 0
	for _, it := range items {
		if it.Group == "train" {
			enEx = append(enEx, offEx[i])
		} else {
			for _, f := range offEx[i].Idx {
				other[f] = true
			}
		}
		i++
	}
	for _, e := range offEx[i:] { // desk labels: language unknown
		for _, f := range e.Idx {
			other[f] = true
		}
	}
	r := model.LogCountRatio(enEx, model.Bits, 1)
	for f, v := range r {
		r[f] = float32(math.Sqrt(math.Abs(float64(v))))
		if other[f] {
			r[f] = 1
		}
	}
	dense := model.Train(model.ScaleExamples(offEx, r, false), model.Sigmoid, 1, optionsFor("offensive"))
	dense.ScaleRows(r, false)
	return dense
}

// trainOvRNB trains a k-class head as k one-vs-rest NBSVM-style sigmoid
// heads, one lane each: for class c every feature is scaled by √|r_c|,
// r_c its Naive-Bayes log-count ratio of c against the rest over ex, the
// examples are class-balanced for that split, and the scale is folded into
// the lane's weights, so inference is unchanged (the lanes' argmax is the
// class; the engine's softmax over them stays monotone). Measured on the
// Hinglish head (dev macro-F1 through the engine): 0.614 as a balanced
// softmax (C = 2), 0.6245 as OvR NB (C = 1); English and Kannada
// sentiment, which mix in the Hinglish head for romanised text, moved by
// +0.001 and 0.
func trainOvRNB(ex []model.Example, k int, opt model.Options) *model.Dense {
	nb := 1 << opt.Bits
	out := &model.Dense{K: k, W: make([]float32, nb*k), Bias: make([]float32, k)}
	bex := make([]model.Example, len(ex))
	for c := 0; c < k; c++ {
		for i, e := range ex {
			bex[i] = e
			bex[i].Label = 0
			if e.Label == c {
				bex[i].Label = 1
			}
		}
		model.Balance(bex, 2)
		r := model.LogCountRatio(bex, opt.Bits, 1)
		for f, v := range r {
			r[f] = float32(math.Sqrt(math.Abs(float64(v))))
		}
		d := model.Train(model.ScaleExamples(bex, r, false), model.Sigmoid, 1, opt)
		d.ScaleRows(r, false)
		for f := 0; f < nb; f++ {
			out.W[f*k+c] = d.W[f]
		}
		out.Bias[c] = d.Bias[0]
	}
	return out
}

// trainOvRNBAdapt is trainOvRNB over two domains, target (the head's own
// examples) and aux (another language's), by "frustratingly easy" domain
// adaptation (Daumé III, 2007): every feature of a target example is
// present twice, in a shared block and a target block, and every feature
// of an aux example in the shared block and an aux block, so the shared
// weights learn what both data sets agree on and each domain's own block
// what is particular to it. Each domain is class-balanced on its own (the
// aux set counts as much as the target set), the NB ratios are computed
// per block as they fall, and the head keeps shared + target weights: the
// same single lane per class as trainOvRNB, so inference is unchanged.
// Measured on the Hinglish head with English as aux (head alone, dev
// macro-F1): 0.6278 → 0.6317; with the aux set weighted 0.3/2/3 instead
// of 1, 0.6259/0.6280/0.6247; with the shared copy scaled 0.7/1.4, 0.6289/
// 0.6282. (Per-event blocks for the emergency head, the same idea across
// crisis events, lost: dev F1 0.9296 → 0.9257.)
func trainOvRNBAdapt(target, aux []model.Example, k int, opt model.Options) *model.Dense {
	const (
		auxBlock    = 1
		targetBlock = 2
	)
	nb := 1 << opt.Bits
	aopt := opt
	aopt.Bits = opt.Bits + 2 // shared, aux, target, one block unused
	double := func(e model.Example, block int, label int) model.Example {
		out := model.Example{Label: label, Weight: e.Weight, Idx: make([]uint32, 0, 2*len(e.Idx)), Val: make([]float32, 0, 2*len(e.Idx))}
		for i, f := range e.Idx {
			out.Idx = append(out.Idx, f, f+uint32(block*nb))
			out.Val = append(out.Val, e.Val[i], e.Val[i])
		}
		return out
	}
	out := &model.Dense{K: k, W: make([]float32, nb*k), Bias: make([]float32, k)}
	for c := 0; c < k; c++ {
		ex := make([]model.Example, 0, len(target)+len(aux))
		for _, e := range target {
			ex = append(ex, double(e, targetBlock, b2i(e.Label == c)))
		}
		for _, e := range aux {
			ex = append(ex, double(e, auxBlock, b2i(e.Label == c)))
		}
		model.Balance(ex[:len(target)], 2)
		model.Balance(ex[len(target):], 2)
		r := model.LogCountRatio(ex, aopt.Bits, 1)
		for f, v := range r {
			r[f] = float32(math.Sqrt(math.Abs(float64(v))))
		}
		d := model.Train(model.ScaleExamples(ex, r, false), model.Sigmoid, 1, aopt)
		d.ScaleRows(r, false)
		for f := 0; f < nb; f++ {
			out.W[f*k+c] = d.W[f] + d.W[f+targetBlock*nb]
		}
		out.Bias[c] = d.Bias[0]
	}
	return out
}

// cleanLabels drops the examples whose label looks wrong to models that
// did not see them ("confident learning", Northcutt et al., 2021, in its
// simplest form): 5 one-vs-rest NBSVM heads (trainOvRNB), each trained
// without one fold, score that fold, and an example whose own label gets
// a probability (softmax over the lanes, as the engine reads them) below
// tau is left out. Only the examples given are judged; desk corrections
// are appended after and always train. Measured on the Hinglish head
// alone (dev macro-F1, float weights; 0.6317 uncleaned): tau 0.10 / 0.15
// / 0.20 keep 13,172 / 12,684 / 12,161 of 13,890 tweets and score 0.6335
// / 0.6376 / 0.6354. The same cleaning lost on the English head (macro-
// recall 0.6925 -> 0.6840 / 0.6876 / 0.6802, 4 folds of its softmax) and
// on the Kannada head (macro-F1 0.7291 -> 0.7289 / 0.7246 / 0.7092): their
// labels are cleaner, and what the folds doubt there is mostly genuinely
// hard tweets.
func cleanLabels(ex []model.Example, k int, tau float64, opt model.Options) []model.Example {
	const folds = 5
	own := make([]float64, len(ex))
	for fo := 0; fo < folds; fo++ {
		var tr []model.Example
		for i := range ex {
			if i%folds != fo {
				tr = append(tr, ex[i])
			}
		}
		d := trainOvRNB(tr, k, opt)
		var z []float32
		for i := fo; i < len(ex); i += folds {
			if ex[i].Label < 0 || ex[i].Label >= k {
				own[i] = 1 // no class to doubt: kept, as training would read it
				continue
			}
			z = d.Score(ex[i].Idx, ex[i].Val, z)
			mx := z[argmax(z)]
			tot := 0.0
			for _, v := range z {
				tot += math.Exp(float64(v - mx))
			}
			own[i] = math.Exp(float64(z[ex[i].Label]-mx)) / tot
		}
	}
	var out []model.Example
	for i, e := range ex {
		if own[i] >= tau {
			out = append(out, e)
		}
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// offensiveTrain is the training items of the offensive head: TweetEval
// and KanCMD offensive training rows whose text is in no dev split.
func offensiveTrain(d *Data) []Item {
	var out []Item
	for _, it := range d.Offensive {
		if (it.Group == "train" || it.Group == "train-kn") && !d.isDev(it.Text) {
			out = append(out, it)
		}
	}
	return out
}

func boolLabel(s string) int {
	if s == "1" || s == "true" {
		return 1
	}
	return 0
}

// labelExamples turns desk corrections of one task into examples.
func labelExamples(f *featurizer, labels []Label, task string, classes []string) []model.Example {
	var out []model.Example
	for _, l := range labels {
		if l.Task != task {
			continue
		}
		if i := indexOf(classes, l.Label); i >= 0 {
			ex := f.example(l.Text, "", i)
			ex.Weight = 2 // a desk correction is worth more than a noisy public label
			out = append(out, ex)
		}
	}
	return out
}

// LangItems builds the Latin language-ID set: VarDial (ta, ml, kn, other
// → en), romanised KanCMD (kn-Latn), SentiMix (hi-Latn) and SemEval
// tweets (en), at most LangCap per class. dev selects a deterministic 15%.
// Training (dev = false) also leaves out every text of another task's dev
// split (d.isDev) and the SemEval near-duplicates of TweetEval val: the
// language probabilities mix the sentiment heads and pick the offensive
// head's language tag, so a language head that had read the KanCMD or
// SentiMix dev comments would flatter those scores. The dev set is built
// from the same pool as before, so language ID is scored on the same rows.
func LangItems(d *Data, dev bool) []Item {
	if !dev {
		var pool []Item
		for _, it := range langPool(d, d.englishTrain()) {
			if !d.isDev(it.Text) {
				pool = append(pool, it)
			}
		}
		return langCap(pool, false)
	}
	return langCap(langPool(d, split(d.SentEN, "train")), true)
}

// langPool lists the language-ID candidates in a fixed order; en is the
// SemEval tweets given.
func langPool(d *Data, en []Item) []Item {
	var pool []Item
	pool = append(pool, d.Dravidian...)
	pool = append(pool, d.KannadaLatin...)
	for _, it := range d.SentHI {
		if mostlyLatin(it.Text) {
			pool = append(pool, Item{Text: it.Text, Label: "hi-Latn"})
		}
	}
	for _, it := range en {
		pool = append(pool, Item{Text: it.Text, Label: "en"})
	}
	return pool
}

// LangCap is the most training texts of one language for the language
// head (its dev split keeps at most 1,000 a language, as before). The
// head does more than name a language: its probabilities mix the three
// sentiment heads for romanised text, so a head that is surer of English
// and romanised Hindi leaves the English tweets to the English head and
// the Hinglish tweets to the Hinglish head. 20,000 instead of 6,000 lets
// it read all 11,791 romanised SentiMix training tweets, 20,000 of the
// English ones and all 9,339 romanised Tamil ones (kn-Latn and ml-Latn
// have fewer than 6,000 anyway):
// English sentiment through the engine 0.6853 -> 0.6897 macro-recall,
// Kannada 0.7248 -> 0.7279, Hinglish 0.6295 -> 0.6292 macro-F1 (float
// language head, same sentiment heads), language ID macro-recall 0.9455
// -> 0.9445, and its log-loss on its dev split is still lowest at power
// 1-1.25 of its probabilities, so the mix is left unsharpened.
const LangCap = 20000

// langCap keeps pool's items on the dev side of the 15% hash split (or
// off it), at most LangCap per class for training and 1,000 for dev.
func langCap(pool []Item, dev bool) []Item {
	per := map[string]int{}
	var out []Item
	for _, it := range pool {
		if hashSplit(it.Text, 15) != dev {
			continue
		}
		limit := LangCap
		if dev {
			limit = 1000
		}
		if per[it.Label] >= limit {
			continue
		}
		per[it.Label]++
		out = append(out, it)
	}
	return out
}

// police categories of mumbai-urban-issues that are emergencies/incidents.
var mumbaiEmergency = map[string]bool{"violence": true, "harassment": true, "robbery": true, "missing person": true}

// emergencyItems lists the emergency head's training rows in order:
// crisis on/off-topic of the training events (and CrisisLexT26's
// related-but-not-informative tweets as positives), with Group "crisis:"
// and the event; Mumbai police incidents (positive) and every other
// Mumbai category (negative: civic trouble is not an emergency), Group
// "mumbai"; one everyday tweet in ten in all three languages (negative),
// Group "everyday"; and, since session 6, the ordinary posts a police desk
// sees that are not danger now: one Bengaluru civic complaint in two
// (potholes, garbage, water, traffic and parking; Group "civic"), the
// complaints set's tweets to organisations (Group "complaints"), and the
// authored desk set with its own emergency labels (Group "authored").
// Label is "1" or "0". ExportSplits writes these same rows for the
// baseline.
func emergencyItems(d *Data) []Item {
	var out []Item
	for _, src := range [][]Item{d.Crisis, d.CrisisRelated} {
		for _, it := range src {
			// With the desk labels on, a crisis tweet that is also a
			// labelled desk post comes in once, with its desk label, as
			// Mumbai's do. A post of the police-desk dev split never comes
			// in, with either label (session 9: until then the shipped head
			// read the split's 38 crisis tweets with the crisis set's
			// labels, and its Mumbai, civic and complaints posts with
			// their data sets' labels).
			if !DevEvents[it.Group] && !d.isDev(it.Text) && !d.deskDevText(it.Text) && (!EmergencyDeskLabels || !d.deskLabelled(it.Text)) {
				out = append(out, Item{Text: it.Text, Label: fmt.Sprint(boolLabel(it.Label)), Group: crisisGroup + it.Group})
			}
		}
	}
	for _, it := range d.trainOnly(d.Mumbai) {
		if !d.deskDevText(it.Text) && (!EmergencyDeskLabels || !d.deskLabelled(it.Text)) {
			out = append(out, Item{Text: it.Text, Label: fmt.Sprint(b2i(mumbaiEmergency[it.Group])), Group: "mumbai"})
		}
	}
	rng := rand.New(rand.NewPCG(Seed, 2))
	for _, src := range [][]Item{d.englishTrain(), d.trainOnly(split(d.SentKN, "train")), d.trainOnly(split(d.SentHI, "train"))} {
		for _, it := range src {
			if rng.IntN(10) == 0 {
				out = append(out, Item{Text: it.Text, Label: "0", Group: "everyday"})
			}
		}
	}
	if EmergencyDeskNegatives {
		crng := rand.New(rand.NewPCG(Seed, 3))
		for _, it := range d.trainOnly(d.Civic) {
			if it.Label != "" && crng.IntN(2) == 0 && !d.deskDevText(it.Text) && (!EmergencyDeskLabels || !d.deskLabelled(it.Text)) {
				out = append(out, Item{Text: it.Text, Label: "0", Group: "civic"})
			}
		}
		for _, it := range d.trainOnly(d.Complaints) {
			if !d.deskDevText(it.Text) && (!EmergencyDeskLabels || !d.deskLabelled(it.Text)) {
				out = append(out, Item{Text: it.Text, Label: "0", Group: "complaints"})
			}
		}
	}
	if EmergencyDeskLabels {
		// The labelled police-desk posts (training part), each held out
		// with the data set it was drawn from; Lang marks them for
		// EmergencyExamples' weights.
		// A crisis post is held out with its event (as its event's other
		// tweets are), so that no fold's head reads a post it scores.
		for _, p := range d.deskTrain() {
			g := deskFold(p.Group)
			if g == "crisis" {
				g = d.crisisEvent(p.Text)
			}
			out = append(out, Item{Text: p.Text, Label: fmt.Sprint(b2i(p.Emergency)), Group: g, Lang: deskLang})
		}
	}
	for _, p := range d.Desk {
		if !d.isDev(p.Text) {
			out = append(out, Item{Text: p.Text, Label: fmt.Sprint(b2i(p.Emergency)), Group: "authored"})
		}
	}
	return out
}

// EmergencyDeskLabels adds the labelled police-desk posts to the
// emergency head, in place of their data sets' rows (kaval train --cv
// emergency measures both). Off: out of source they gained nothing (with
// session 7's rules, leave-events-out crisis F1 0.763 with them, 0.769
// without; 58 and 57 false alarms on the desk posts), so the emergency
// head is session 6's, and what changed for the flag on desk posts is its
// rules (analyze.EmergencyRule); see docs/MODELS.md, session 7. On since
// session 9: with 71 real emergencies in the training part (4 in session
// 7) and the danger-now stage on top, the head that reads them let the
// stage's threshold rise at the same crisis relevance F1 (leave-events-out
// 0.748 against 0.733 at session 8's threshold; at the threshold chosen,
// 87 false alarms on the real desk posts out of source against 127):
// kaval train --cv danger and --cv danger-nodesk, docs/MODELS.md, session 9.
var EmergencyDeskLabels = true

// deskLang marks an Item of emergencyItems that is a labelled desk post.
const deskLang = "desk"

// EmergencyDeskNegatives adds the civic and complaints-set posts to the
// emergency head's negatives (a variable so cross-validation can measure
// without them).
var EmergencyDeskNegatives = true

// deskSources are the non-crisis sources of emergencyItems that are held
// out whole, one fold each, when the threshold is chosen and in
// EmergencyCV: a share of ordinary posts flagged is then a share on a
// source the head never read.
var deskSources = []string{"mumbai", "civic", "complaints", "authored"}

// crisisGroup prefixes the event of a crisis row in emergencyItems.
const crisisGroup = "crisis:"

// EmergencyExamples turns emergencyItems into examples (a Mumbai incident
// weighs 4, an authored desk post 2). The second result names the source
// of every example: the crisis event ("2013 alberta"), "mumbai",
// "everyday", "civic", "complaints" or "authored", for folds by source.
func EmergencyExamples(d *Data, f *featurizer, _ bool) ([]model.Example, []string) {
	var ex []model.Example
	var groups []string
	for _, it := range emergencyItems(d) {
		e := f.example(it.Text, "", boolLabel(it.Label))
		g := it.Group
		if event, ok := strings.CutPrefix(it.Group, crisisGroup); ok {
			g = event
		} else if it.Group == "mumbai" && e.Label == 1 {
			e.Weight = 4
		} else if it.Group == "authored" {
			e.Weight = 2
		} else if it.Lang == deskLang {
			e.Weight = DeskWeight
			if e.Label == 1 {
				e.Weight = DeskEmergencyWeight
			}
		}
		groups = append(groups, g)
		ex = append(ex, e)
	}
	return ex, groups
}

// sourceFolds assigns whole crisis events to 4 folds (sorted, dealt
// round-robin), each desk source (deskSources) to a fold of its own, and
// the everyday tweets and desk labels by index over all folds.
func sourceFolds(groups []string) (func(int) int, int) {
	const eventFoldCount = 4
	desk := map[string]int{}
	for i, s := range deskSources {
		desk[s] = eventFoldCount + i
	}
	folds := eventFoldCount + len(deskSources)
	var names []string
	seen := map[string]bool{}
	for _, g := range groups {
		if _, ok := desk[g]; !ok && g != "" && g != "everyday" && !seen[g] {
			seen[g] = true
			names = append(names, g)
		}
	}
	sort.Strings(names)
	of := map[string]int{}
	for i, n := range names {
		of[n] = i % eventFoldCount
	}
	return func(i int) int {
		if i >= len(groups) {
			return i % folds
		}
		g := groups[i]
		if f, ok := desk[g]; ok {
			return f
		}
		if f, ok := of[g]; ok {
			return f
		}
		return i % folds
	}, folds
}

// ComplaintExamples: the complaints set given plus the other complaint
// sources (complaintExtra).
func ComplaintExamples(d *Data, f *featurizer, complaints []Item) []model.Example {
	var ex []model.Example
	for _, it := range d.trainOnly(complaints) {
		if !ComplaintDeskLabels || !d.deskLabelled(it.Text) {
			ex = append(ex, f.complaintExample(it.Text, boolLabel(it.Label)))
		}
	}
	for _, it := range complaintExtra(d, "") {
		e := f.complaintExample(it.text, it.label)
		e.Weight = it.weight
		ex = append(ex, e)
	}
	return ex
}

// ComplaintDesk adds the civic complaints and the authored desk set to the
// complaint head's training (a variable so cross-validation can measure
// without them).
var ComplaintDesk = true

// ComplaintDeskLabels adds the labelled police-desk posts to the complaint
// head, in place of their data sets' rows (kaval train --cv
// desk-complaint measures both). Off: out of source the desk labels did
// not help the complaint head (macro-F1 on held-out sources 0.683 without,
// 0.687 / 0.679 / 0.676 / 0.665 at weight 0.5 / 1 / 2 / 4), so it is
// session 6's; see docs/MODELS.md, session 7.
var ComplaintDeskLabels = false

// ComplaintCivicWeight is the weight of a civic report as a complaint.
var ComplaintCivicWeight float32 = 0

type weighted struct {
	text, source string
	label        int
	weight       float32
}

// complaintExtra is the complaint head's training beyond the complaints
// set, without the source named by leave (for leave-one-source-out):
// Mumbai complaint labels (weight 0.3: another collection's notion of
// complaint, a hint, not the truth); since session 6 one Bengaluru civic
// report in four as a complaint (weight 0.3; a pothole or garbage report
// to the city is a complaint, and the police-desk posts showed
// civic complaints scored just under the threshold) and the authored desk
// set (weight 2, as a desk correction), where scam reports are complaints.
func complaintExtra(d *Data, leave string) []weighted {
	var out []weighted
	if leave != "mumbai" {
		for _, it := range d.trainOnly(d.Mumbai) {
			if !ComplaintDeskLabels || !d.deskLabelled(it.Text) {
				out = append(out, weighted{it.Text, "mumbai", boolLabel(it.Label), 0.3})
			}
		}
	}
	if ComplaintDeskLabels {
		// The labelled police-desk posts (training part), held out with
		// the data set each was drawn from.
		for _, p := range d.deskTrain() {
			if src := deskFold(p.Group); src != leave {
				out = append(out, weighted{p.Text, src, b2i(p.Complaint), DeskWeight})
			}
		}
	}
	if !ComplaintDesk {
		return out
	}
	if leave != "civic" && ComplaintCivicWeight > 0 {
		rng := rand.New(rand.NewPCG(Seed, 4))
		for _, it := range d.trainOnly(d.Civic) {
			if it.Label != "" && rng.IntN(4) == 0 {
				out = append(out, weighted{it.Text, "civic", 1, ComplaintCivicWeight})
			}
		}
	}
	if leave != "authored" {
		for _, p := range d.Desk {
			if !d.isDev(p.Text) {
				out = append(out, weighted{p.Text, "authored", b2i(p.Complaint), 2})
			}
		}
	}
	return out
}

// complaintExample is an example with the parts of the post's @handles
// (model.HandleBuckets) appended, as the engine scores the complaint head.
func (f *featurizer) complaintExample(text string, label int) model.Example {
	e := f.example(text, "", label)
	for _, b := range model.HandleBuckets(text, &f.sp, nil) {
		e.Idx = append(e.Idx, b)
		e.Val = append(e.Val, model.HandleValue)
	}
	return e
}

var mumbaiCategory = map[string]string{
	"traffic": "traffic_parking", "illegal parking and hawkers": "traffic_parking", "potholes": "civic",
	"garbage mismanagement": "civic", "drainage and water supply": "civic", "electricity related": "civic",
	"high electricity bills": "civic", "gas related": "civic", "illegal banners": "civic", "noise": "noise_nuisance",
	"violence": "emergency", "scam / fraud": "cybercrime_fraud", "harassment": "womens_safety", "robbery": "theft",
	"missing person": "missing_person",
}

// MumbaiNoneWeight is the weight in the category head of a Mumbai tweet
// its collectors gave no category (0: left out; 7,203 tweets), chosen out
// of source (DeskCacheCV, session 9: top-1 on held-out desk sources 0.716
// with them at weight 1, 0.717 without; the Mumbai fold, which reads no
// Mumbai row either way, cannot tell).
var MumbaiNoneWeight float32 = 0

// CategoryDesk adds the authored desk set to the category head's
// training (a variable so cross-validation can leave it out).
var CategoryDesk = true

// CategoryDeskLabels adds the labelled police-desk posts to the category
// head (a variable so cross-validation can measure without).
var CategoryDeskLabels = true

// CategoryExamples builds the multi-label set from Mumbai and Bengaluru
// civic data (plus desk labels), and keeps heads for categories with at
// least 30 positives. dev selects the deterministic 20% dev split.
func CategoryExamples(d *Data, f *featurizer, dev bool) ([]string, []model.Example) {
	type row struct {
		text string
		cats []string
		w    float32 // 0: 1
		src  string  // for categoryRowFilter
	}
	var rows []row
	for _, it := range d.Mumbai {
		if d.deskLabelled(it.Text) {
			continue // read below with its desk label, or not at all (dev)
		}
		var c []string
		w := float32(0)
		if v := mumbaiCategory[it.Group]; v != "" {
			c = []string{v}
		} else if MumbaiNoneWeight != 1 && !dev {
			// The collectors' "no category" hides protests, complaints
			// against police, thanks, questions and spam (docs/LABELLING.md):
			// not a negative for every category. (The collectors' 20% dev
			// rows keep them, so that table measures what it did.)
			if MumbaiNoneWeight <= 0 {
				continue
			}
			w = MumbaiNoneWeight
		}
		rows = append(rows, row{it.Text, c, w, "mumbai"})
	}
	for _, it := range d.Civic {
		if d.deskLabelled(it.Text) {
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
		rows = append(rows, row{it.Text, c, 0, "civic"})
	}
	if CategoryDesk {
		// The authored desk set (see Authored): the only examples of
		// spam, appreciation, public order, complaints against police
		// and the other categories the public sets do not label.
		for _, p := range d.Desk {
			rows = append(rows, row{p.Text, []string{p.Category}, 0, "authored"})
		}
	}
	for _, l := range d.Labels {
		if l.Task == "category" {
			rows = append(rows, row{l.Text, []string{l.Label}, 0, "labels"})
		}
	}
	var deskRows []row
	if CategoryDeskLabels && !dev {
		// The labelled police-desk posts (training part): a post labelled
		// "none" is a row with no category. They join training whatever
		// the 20% split says; the 20% dev rows are the collectors' labels
		// of the posts without a desk label.
		for _, p := range d.deskTrain() {
			var c []string
			if p.Category != "none" {
				c = []string{p.Category}
			}
			deskRows = append(deskRows, row{p.Text, c, DeskWeight, deskFold(p.Group)})
		}
	}
	count := map[string]int{}
	var kept []row
	for _, r := range rows {
		if hashSplit(r.text, 20) != dev || !dev && d.isDev(r.text) || categoryRowFilter != nil && !categoryRowFilter(r.text, r.src, r.cats) {
			continue
		}
		kept = append(kept, r)
		for _, c := range r.cats {
			count[c]++
		}
	}
	for _, r := range deskRows {
		if categoryRowFilter != nil && !categoryRowFilter(r.text, r.src, r.cats) {
			continue
		}
		kept = append(kept, r)
		for _, c := range r.cats {
			count[c]++
		}
	}
	var cats []string
	for _, c := range analyze.Categories {
		if count[c] >= 30 || dev && count[c] > 0 {
			cats = append(cats, c)
		}
	}
	var ex []model.Example
	for _, r := range kept {
		e := f.example(r.text, "", 0)
		if r.w > 0 {
			e.Weight = r.w
		}
		e.Labels = make([]bool, len(cats))
		for _, c := range r.cats {
			if i := indexOf(cats, c); i >= 0 {
				e.Labels[i] = true
			}
		}
		ex = append(ex, e)
	}
	return cats, ex
}

// Write stores the model where go:embed picks it up.
func Write(m *model.Model, repoRoot string) error {
	p := filepath.Join(repoRoot, "internal/analyze/models/kaval.bin")
	if err := os.WriteFile(p, m.Encode(), 0o644); err != nil {
		return fmt.Errorf("train: unable to write model: %w", err)
	}
	return nil
}

// WriteWords writes the hashtag-segmentation word list (most frequent
// words of the English and civic training text, then the gazetteer-like
// words of the civic set) to internal/analyze/normalize/words.txt. Dev
// texts take no part: no text of a dev split (isDev), and none of the
// categories' 20% dev split of the Mumbai and civic sets. The complaints
// set is read whole, as its shared idf is: it is scored by 5-fold
// cross-validation, with labels only from the training folds.
func WriteWords(d *Data, repoRoot string) error {
	count := map[string]int{}
	notCategoryDev := func(items []Item) []Item {
		var out []Item
		for _, it := range items {
			if !hashSplit(it.Text, 20) {
				out = append(out, it)
			}
		}
		return out
	}
	for _, src := range [][]Item{d.trainOnly(d.SentEN), notCategoryDev(d.Civic), notCategoryDev(d.Mumbai), d.Complaints, d.trainOnly(d.Crisis)} {
		for _, it := range src {
			for _, w := range strings.Fields(strings.ToLower(it.Text)) {
				w = strings.Trim(w, ".,!?:;\"'()[]")
				if len(w) < 2 || len(w) > 20 || strings.ContainsAny(w, "@#/0123456789&_-'") || !mostlyLatin(w) {
					continue
				}
				count[w]++
			}
		}
	}
	type wc struct {
		w string
		c int
	}
	var ws []wc
	for w, c := range count {
		if c >= 5 {
			ws = append(ws, wc{w, c})
		}
	}
	sort.Slice(ws, func(i, j int) bool {
		if ws[i].c != ws[j].c {
			return ws[i].c > ws[j].c
		}
		return ws[i].w < ws[j].w
	})
	if len(ws) > 25000 {
		ws = ws[:25000]
	}
	var b strings.Builder
	b.WriteString("# Hashtag segmentation words, most frequent first. Rebuilt by kaval train.\n")
	for _, x := range ws {
		b.WriteString(x.w)
		b.WriteByte('\n')
	}
	return os.WriteFile(filepath.Join(repoRoot, "internal/analyze/normalize/words.txt"), []byte(b.String()), 0o644)
}
