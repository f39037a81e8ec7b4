package train

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze"
)

// dataRoot is ../shared/data from the repository root. Missing data is a
// failure, not a skip: CI must not pass without measuring the models.
const dataRoot = "../../../../shared/data"

// TestDevFloors fails if the embedded model regresses meaningfully on the
// dev splits (floors sit a little under the scores in docs/MODELS.md).
func TestDevFloors(t *testing.T) {
	d, err := Load(dataRoot)
	if err != nil {
		t.Fatalf("training data missing (../shared/data is required): %v", err)
	}
	e, err := analyze.Default()
	if err != nil {
		t.Fatal(err)
	}
	sent := []string{"negative", "neutral", "positive"}
	check := func(name string, got, floor float64) {
		t.Logf("%s: %.3f (floor %.3f)", name, got, floor)
		if got < floor {
			t.Errorf("%s: %.3f below floor %.3f", name, got, floor)
		}
	}
	sentiment := func(items []Item) Metrics {
		var g, p []int
		for _, it := range items {
			g = append(g, indexOf(sent, it.Label))
			p = append(p, indexOf(sent, e.Analyze(analyze.Input{Text: it.Text}).Sentiment.Label))
		}
		m := score("", "", sent, g, p, 0, "")
		t.Logf("  macro-recall %.4f macro-F1 %.4f accuracy %.4f over %d", m.MacroRecall, m.MacroF1, m.Accuracy, m.N)
		return m
	}
	check("sentiment en macro-recall", sentiment(split(d.SentEN, "dev")).MacroRecall, 0.685)
	// 0.72 until session 9: the Kannada head's C went from 0.5 (chosen on
	// this dev split) to 2, chosen on 5 folds of KanCMD's training split
	// (4,427 comments, eight times this split: macro-F1 through the engine
	// 0.690 -> 0.703); on these 569 comments it scores 0.733 -> 0.709
	// (docs/MODELS.md, "Session 9").
	check("sentiment kn macro-F1", sentiment(split(d.SentKN, "dev")).MacroF1, 0.70)
	check("sentiment hi macro-F1", sentiment(split(d.SentHI, "dev")).MacroF1, 0.632)

	binary := func(items []Item, fn func(string) bool) Metrics {
		var g, p []int
		for _, it := range items {
			g = append(g, boolLabel(it.Label))
			v := 0
			if fn(it.Text) {
				v = 1
			}
			p = append(p, v)
		}
		return score("", "", []string{"no", "yes"}, g, p, 0, "")
	}
	off := func(s string) bool { return e.Analyze(analyze.Input{Text: s}).Offensive.Label }
	check("offensive en macro-F1", binary(split(d.Offensive, "dev"), off).MacroF1, 0.72)
	check("offensive kn macro-F1", binary(split(d.Offensive, "dev-kn"), off).MacroF1, 0.775)
	var crisis []Item
	for i, it := range d.Crisis {
		if DevEvents[it.Group] && i%3 == 0 { // a third keeps the test fast
			crisis = append(crisis, it)
		}
	}
	// 0.915 until session 6 (dev F1 0.930): the flag now means a police
	// emergency, danger now, chosen out of source with at most 2% of
	// ordinary desk posts flagged, and no longer calls every prayer and
	// donation about a disaster one (the dev labels are crisis relevance):
	// 0.887 on this third of the dev events. 0.875 until session 8: the
	// danger-now stage decides posts with a desk matter (leave-events-out
	// crisis F1 0.769 -> 0.740 for 49 fewer false alarms on real desk
	// posts out of source; docs/MODELS.md), 0.872 here.
	check("emergency F1", binary(crisis, func(s string) bool { return e.Analyze(analyze.Input{Text: s}).Emergency.Label }).F1, 0.865)

	classes := []string{"en", "kn-Latn", "hi-Latn", "ta-Latn", "ml-Latn"}
	var g, p []int
	for _, it := range LangItems(d, true) {
		g = append(g, indexOf(classes, it.Label))
		p = append(p, max(0, indexOf(classes, e.Analyze(analyze.Input{Text: it.Text}).Lang)))
	}
	// 0.945 -> 0.899 in session 7: the romanised bars (lang.RomanisedMin),
	// chosen out of source to stop calling English posts romanised, cost
	// the in-distribution dev split (docs/MODELS.md, "Language, session 7").
	check("language ID macro-recall", score("", "", classes, g, p, 0, "").MacroRecall, 0.895)
}

func TestNearDuplicates(t *testing.T) {
	dev := []Item{{Text: "@bob Loving the new phone!!! http://t.co/x so good today"}}
	train := []Item{
		{Text: "loving the new phone so good today"},                       // same normalised text
		{Text: "RT @amy: Loving the new phone!!! so good today #happy"},    // shares most shingles
		{Text: "The traffic on Hosur road is terrible this morning again"}, // unrelated
	}
	got := RemoveNearDuplicates(train, dev)
	if len(got) != 1 || got[0].Text != train[2].Text {
		t.Fatalf("got %v", got)
	}
}

// TestNoDevTextInTraining guards against the leak where the language head
// read the KanCMD and SentiMix dev comments (its probabilities mix the
// sentiment heads and pick the offensive head's language tag): no text of
// any dev split, exact or normalised, may reach a head's training items,
// and language ID's own 15% dev split stays out of its training.
func TestNoDevTextInTraining(t *testing.T) {
	d, err := Load(dataRoot)
	if err != nil {
		t.Fatalf("training data missing (../shared/data is required): %v", err)
	}
	dev := map[string]bool{}
	for _, src := range [][]Item{d.SentEN, d.SentKN, d.SentHI, d.Offensive} {
		for _, it := range src {
			if it.Group == "dev" || it.Group == "dev-kn" {
				dev[it.Text] = true
			}
		}
	}
	for _, it := range d.Crisis {
		if DevEvents[it.Group] {
			dev[it.Text] = true
		}
	}
	langDev := map[string]bool{}
	for _, it := range LangItems(d, true) {
		langDev[it.Text] = true
	}
	if len(langDev) < 4000 {
		t.Fatalf("language ID dev split has %d texts", len(langDev))
	}
	check := func(name string, items []Item, extra map[string]bool) {
		if len(items) == 0 {
			t.Fatalf("%s: no training items", name)
		}
		for _, it := range items {
			if dev[it.Text] || extra[it.Text] || d.isDev(it.Text) {
				t.Errorf("%s trains on a dev text: %.60q", name, it.Text)
				return
			}
		}
	}
	check("lang", LangItems(d, false), langDev)
	check("offensive", offensiveTrain(d), nil)
	check("sentiment_en", d.englishTrain(), nil)
	check("sentiment_kn", d.trainOnly(split(d.SentKN, "train")), nil)
	check("sentiment_hi", d.trainOnly(split(d.SentHI, "train")), nil)
	check("complaint", d.trainOnly(d.Complaints), nil)
}

// TestDeskDevFloors fails if the embedded model regresses on the
// police-desk dev split (docs/LABELLING.md): the floors sit under the
// out-of-source figures of docs/MODELS.md (session 7: every source scored
// by heads trained without it), not under the dev figures, so a model that
// only memorised its own sources cannot pass by luck of the split.
func TestDeskDevFloors(t *testing.T) {
	pool, err := DeskPool(dataRoot)
	if err != nil {
		t.Fatalf("training data missing (../shared/data is required): %v", err)
	}
	e, err := analyze.Default()
	if err != nil {
		t.Fatal(err)
	}
	posts, missing := JoinDesk(pool, DeskLabels())
	if missing > 0 {
		t.Fatalf("%d desk labels not found in the data", missing)
	}
	var dev []LabelledPost
	for _, p := range posts {
		if DeskDev(p.Key) {
			dev = append(dev, p)
		}
	}
	var all *DeskResult
	for _, r := range DeskScore(e, dev) {
		if r.Group == "all" {
			all = r
		}
	}
	t.Logf("desk dev: %d posts, ordinary flagged %.3f, category top-1 %.3f, complaint macro-F1 %.3f",
		all.N, all.FlagRate(), all.Top1(), all.ComplaintMacroF1())
	if all.FlagRate() > deskFlagCeiling {
		t.Errorf("emergency flags %.3f of ordinary desk posts, ceiling %.3f", all.FlagRate(), deskFlagCeiling)
	}
	if all.Precision() < deskEmergencyPrecisionFloor || all.Recall() < deskEmergencyRecallFloor {
		t.Errorf("emergency precision %.3f recall %.3f, floors %.2f and %.2f", all.Precision(), all.Recall(),
			deskEmergencyPrecisionFloor, deskEmergencyRecallFloor)
	}
	if all.Top1() < deskTop1Floor {
		t.Errorf("category top-1 %.3f below floor %.3f", all.Top1(), deskTop1Floor)
	}
	if f := all.ComplaintMacroF1(); f < deskComplaintFloor {
		t.Errorf("complaint macro-F1 %.3f below floor %.3f", f, deskComplaintFloor)
	}
}

// The police-desk floors, from the out-of-source figures (session 7):
// ordinary posts flagged 1.4% (the ceiling is 3%), category top-1
// 0.696, complaint macro-F1 0.680; each floor a little under, since the
// dev split is 528 posts (dev at session 7: 1.3%, 0.641, 0.748).
// The emergency floors (session 9) sit under the out-of-source figures
// on the real desk posts of the training part (precision 0.39, recall
// 0.83), since the dev split holds 27 emergencies.
const (
	deskEmergencyPrecisionFloor = 0.30
	deskEmergencyRecallFloor    = 0.70
)

const (
	deskFlagCeiling    = 0.03
	deskTop1Floor      = 0.60
	deskComplaintFloor = 0.65
)
