package train

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/kaval-desk/kaval/internal/analyze/model"
)

// ExportSplits writes, for every task scored against a baseline, the exact
// training and dev texts the heads are trained and scored on, so that an
// outside implementation of the baseline (scripts/baseline.py) reads the
// same rows: near-duplicates of TweetEval val gone, no dev text in any
// training file, whole crisis events held out. The rows are those before
// any cleaning a head does itself: the Hinglish head drops likely label
// errors (cleanLabels), the baseline gets all of SentiMix's training rows. Each file is TSV with a
// header: label, group, text (tabs and line breaks in the text become
// spaces). The files are copies of ../shared/data rows; they belong in a
// scratch directory, never in the repository.
func ExportSplits(d *Data, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	sentiment := func(items []Item) []Item {
		var out []Item
		for _, it := range items {
			if it.Label == "negative" || it.Label == "neutral" || it.Label == "positive" {
				out = append(out, it)
			}
		}
		return out
	}
	files := map[string][]Item{
		"sentiment_en.train": sentiment(d.englishTrain()),
		"sentiment_en.dev":   sentiment(split(d.SentEN, "dev")),
		"sentiment_kn.train": sentiment(d.trainOnly(split(d.SentKN, "train"))),
		"sentiment_kn.dev":   sentiment(split(d.SentKN, "dev")),
		"sentiment_hi.train": sentiment(d.trainOnly(split(d.SentHI, "train"))),
		"sentiment_hi.dev":   sentiment(split(d.SentHI, "dev")),
		"offensive.dev":      split(d.Offensive, "dev"),
		"offensive_kn.dev":   split(d.Offensive, "dev-kn"),
		"langid.train":       LangItems(d, false),
		"langid.dev":         LangItems(d, true),
	}
	// Offensive: the group says which language a training row is.
	for _, it := range offensiveTrain(d) {
		files["offensive.train"] = append(files["offensive.train"], Item{Text: it.Text, Label: it.Label, Group: it.Group})
	}
	// Emergency: the head's own rows (emergencyItems): group "crisis:<event>"
	// for the crisis collections (the baseline's own data), "mumbai" and
	// "everyday" for the rest of what the emergency head trains on.
	files["emergency.train"] = emergencyItems(d)
	for _, it := range d.Crisis {
		if DevEvents[it.Group] {
			files["emergency.dev"] = append(files["emergency.dev"], Item{Text: it.Text, Label: it.Label, Group: it.Group})
		}
	}
	// Complaint: 5-fold cross-validation on the complaints set (group =
	// fold, as Evaluate deals them), Mumbai complaint labels always train.
	for i, it := range d.Complaints {
		files["complaint.folds"] = append(files["complaint.folds"], Item{Text: it.Text, Label: it.Label, Group: fmt.Sprint(i % 5)})
	}
	for _, it := range d.trainOnly(d.Mumbai) {
		files["complaint.folds"] = append(files["complaint.folds"], Item{Text: it.Text, Label: it.Label, Group: "mumbai"})
	}
	// Police-desk sources, for scripts/baseline.py complaint_loso: the
	// authored desk set (trains the complaint head) and the Bengaluru civic
	// reports (every one a complaint; scored, never trained on).
	for _, p := range d.Desk {
		files["complaint.desk"] = append(files["complaint.desk"], Item{Text: p.Text, Label: fmt.Sprint(b2i(p.Complaint)), Group: "authored"})
	}
	rng := rand.New(rand.NewPCG(Seed, 4))
	for _, it := range d.trainOnly(d.Civic) {
		if it.Label != "" && rng.IntN(4) == 0 {
			files["complaint.desk"] = append(files["complaint.desk"], Item{Text: it.Text, Label: "1", Group: "civic"})
		}
	}
	// The labelled police-desk posts, for scripts/baseline.py desk: every
	// post (label "emergency,complaint,category", group its source fold,
	// "/dev" for the police-desk dev split, "/kw" for the keyword stratum), and the complaint, category
	// and emergency heads' training rows with their source folds, so the
	// baseline is fitted on the same rows and held out by the same sources.
	for _, p := range d.DeskL {
		g := deskFold(p.Group)
		if DeskDev(p.Key) {
			g += "/dev"
		}
		if DeskEnriched(p.Key) {
			g += "/kw"
		}
		files["desk.posts"] = append(files["desk.posts"], Item{Text: p.Text, Label: fmt.Sprintf("%d,%d,%s", b2i(p.Emergency), b2i(p.Complaint), p.Category), Group: g})
	}
	for _, it := range d.trainOnly(d.Complaints) {
		if !d.deskLabelled(it.Text) {
			files["desk_complaint.train"] = append(files["desk_complaint.train"], Item{Text: it.Text, Label: fmt.Sprint(boolLabel(it.Label)), Group: "complaints"})
		}
	}
	for _, it := range complaintExtra(d, "") {
		files["desk_complaint.train"] = append(files["desk_complaint.train"], Item{Text: it.text, Label: fmt.Sprint(it.label), Group: it.source})
	}
	saved := categoryRowFilter
	categoryRowFilter = func(text, src string, cats []string) bool {
		c := "none"
		if len(cats) > 0 {
			c = cats[0]
		}
		files["desk_category.train"] = append(files["desk_category.train"], Item{Text: text, Label: c, Group: src})
		return false
	}
	CategoryExamples(d, &featurizer{sp: model.Space{Bits: model.Bits}}, false)
	categoryRowFilter = saved
	for _, it := range emergencyItems(d) {
		g := it.Group
		if strings.HasPrefix(g, crisisGroup) {
			g = "crisis"
		}
		files["desk_emergency.train"] = append(files["desk_emergency.train"], Item{Text: it.Text, Label: it.Label, Group: g})
	}
	for name, items := range files {
		if err := writeTSV(filepath.Join(dir, name+".tsv"), items); err != nil {
			return err
		}
	}
	return nil
}

var tsvSpace = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

func writeTSV(path string, items []Item) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "label\tgroup\ttext")
	for _, it := range items {
		fmt.Fprintf(w, "%s\t%s\t%s\n", it.Label, it.Group, tsvSpace.Replace(it.Text))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
