// Package train rebuilds the analysis engine's embedded model from the
// public data sets in ../shared/data (and the desk's corrected labels), and
// scores it on dev splits that training never sees. Everything is seeded:
// the same data gives byte-identical weights.
package train

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Item is one labelled text. Group is the split ("train", "dev") or, for
// crisis data, the event, so dev splits can hold out whole events.
type Item struct {
	Text  string
	Label string
	Group string
	Lang  string // the language the source is in, when known (tag feature)
	// Src is the file a row came from, where a data set spans several
	// (SemEval's twitter-2013train-A.tsv …): out-of-source folds by year.
	Src string
}

var uEscape = regexp.MustCompile(`\\u([0-9a-fA-F]{4})`)

// unescape decodes the literal \uXXXX sequences of the SemEval files.
func unescape(s string) string {
	if !strings.Contains(s, `\u`) {
		return s
	}
	return uEscape.ReplaceAllStringFunc(s, func(m string) string {
		v, err := strconv.ParseUint(m[2:], 16, 32)
		if err != nil {
			return m
		}
		return string(rune(v))
	})
}

func open(dir, name string) (*os.File, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("train: unable to open data: %w", err)
	}
	return f, nil
}

// readLines reads a text file's lines (large buffer: some rows are long).
func readLines(dir, name string) ([]string, error) {
	f, err := open(dir, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out, sc.Err()
}

func readCSV(dir, name string, comma rune) ([][]string, error) {
	f, err := open(dir, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if _, ok := err.(*csv.ParseError); ok {
				continue
			}
			return nil, fmt.Errorf("train: unable to read %s: %w", name, err)
		}
		rows = append(rows, rec)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("train: %s is empty", name)
	}
	return rows[1:], nil
}

// SentimentEN is the SemEval training pool (Group "train") and the
// TweetEval validation split (Group "dev").
func SentimentEN(root string) ([]Item, error) {
	dir := filepath.Join(root, "sentiment-en")
	names, err := filepath.Glob(filepath.Join(dir, "twitter-201*.tsv"))
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("train: no SemEval files in %s", dir)
	}
	sort.Strings(names)
	var out []Item
	for _, n := range names {
		lines, err := readLines(dir, filepath.Base(n))
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			p := strings.Split(l, "\t")
			if len(p) < 3 {
				continue
			}
			lab := p[1]
			if lab != "positive" && lab != "negative" && lab != "neutral" {
				continue
			}
			t := strings.Trim(unescape(p[2]), `"`)
			out = append(out, Item{Text: t, Label: lab, Group: "train", Lang: "en", Src: filepath.Base(n)})
		}
	}
	texts, err := readLines(dir, "tweeteval-val/val_text.txt")
	if err != nil {
		return nil, err
	}
	labels, err := readLines(dir, "tweeteval-val/val_labels.txt")
	if err != nil {
		return nil, err
	}
	names3 := []string{"negative", "neutral", "positive"}
	for i := range texts {
		if i >= len(labels) {
			break
		}
		v, _ := strconv.Atoi(strings.TrimSpace(labels[i]))
		out = append(out, Item{Text: texts[i], Label: names3[v%3], Group: "dev", Lang: "en"})
	}
	return out, nil
}

// Offensive is TweetEval offensive (English) and KanCMD offensive (Kannada
// code-mixed, binary: Not_offensive vs any Offensive_*; not-Kannada rows
// are dropped, they carry no offensiveness label).
func Offensive(root string) ([]Item, error) {
	var out []Item
	for _, split := range []string{"train", "val"} {
		texts, err := readLines(filepath.Join(root, "tweeteval/offensive"), split+"_text.txt")
		if err != nil {
			return nil, err
		}
		labels, err := readLines(filepath.Join(root, "tweeteval/offensive"), split+"_labels.txt")
		if err != nil {
			return nil, err
		}
		g := map[string]string{"train": "train", "val": "dev"}[split]
		for i := range texts {
			if i < len(labels) {
				out = append(out, Item{Text: texts[i], Label: strings.TrimSpace(labels[i]), Group: g, Lang: "en"})
			}
		}
	}
	for _, split := range []string{"train", "dev"} {
		lines, err := readLines(filepath.Join(root, "kannada-codemix"), "kannada_offensive_"+split+".csv")
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			i := strings.LastIndexByte(l, '\t')
			if i < 0 {
				continue
			}
			t, lab := l[:i], l[i+1:]
			switch {
			case lab == "Not_offensive":
				lab = "0"
			case strings.HasPrefix(lab, "Offensive"):
				lab = "1"
			default:
				continue
			}
			out = append(out, Item{Text: t, Label: lab, Group: split + "-kn", Lang: "kn"})
		}
	}
	return out, nil
}

// SentimentKN is KanCMD sentiment: Positive, Negative, unknown_state as
// neutral. Mixed_feelings (both polarities at once, 8% of rows) and
// not-Kannada (a language label, not a sentiment) are left out of training
// and scoring.
func SentimentKN(root string) ([]Item, error) {
	rows, err := readCSV(filepath.Join(root, "kannada-codemix"), "kannada_sentiment_offensive_train_dev.tsv", '\t')
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, r := range rows {
		if len(r) < 3 {
			continue
		}
		lab := map[string]string{"Positive": "positive", "Negative": "negative", "unknown": "neutral", "unknown_state": "neutral"}[r[2]]
		if lab == "" {
			continue
		}
		out = append(out, Item{Text: r[1], Label: lab, Group: r[0], Lang: "kn"})
	}
	return out, nil
}

// KannadaLatin returns the romanised Kannada comments of KanCMD (for
// language identification), whatever their sentiment, except not-Kannada.
func KannadaLatin(root string) ([]Item, error) {
	rows, err := readCSV(filepath.Join(root, "kannada-codemix"), "kannada_sentiment_offensive_train_dev.tsv", '\t')
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, r := range rows {
		if len(r) < 3 || r[2] == "not-Kannada" || !mostlyLatin(r[1]) {
			continue
		}
		out = append(out, Item{Text: r[1], Label: "kn-Latn", Group: r[0]})
	}
	return out, nil
}

func mostlyLatin(s string) bool {
	latin, other := 0, 0
	for _, r := range s {
		switch {
		case r < 0x250 && (r|0x20 >= 'a' && r|0x20 <= 'z'):
			latin++
		case r >= 0x900 && r < 0x1000:
			other++
		}
	}
	return latin > 0 && other == 0
}

// Hinglish is SentiMix Hindi–English sentiment (train and dev).
func Hinglish(root string) ([]Item, error) {
	var out []Item
	for _, split := range []string{"train", "dev"} {
		rows, err := readCSV(filepath.Join(root, "hinglish-sentimix"), "sentimix_hinglish_"+split+".tsv", '\t')
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(r) < 3 {
				continue
			}
			out = append(out, Item{Text: r[1], Label: r[2], Group: split, Lang: "hi"})
		}
	}
	return out, nil
}

// Dravidian is the VarDial 2021 romanised language identification set;
// other-language (mostly English comments) is labelled en.
func Dravidian(root string) ([]Item, error) {
	lines, err := readLines(filepath.Join(root, "langid-dravidian"), "Dravidianlanid-Vardial2021-train.tsv")
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, l := range lines {
		i := strings.LastIndexByte(l, '\t')
		if i < 0 {
			continue
		}
		lab := map[string]string{"Kannada": "kn-Latn", "Tamil": "ta-Latn", "Malayalam": "ml-Latn", "other-language": "en"}[strings.TrimSpace(l[i+1:])]
		if lab == "" {
			continue
		}
		out = append(out, Item{Text: strings.TrimSpace(l[:i]), Label: lab})
	}
	return out, nil
}

// Crisis returns CrisisLexT6 (on-topic = 1) and CrisisLexT26 (related and
// informative = 1, not related = 0; related-but-not-informative is left
// out as ambiguous) with Group = a normalised event name ("2013 boston").
// These are the labels of the emergency dev split.
func Crisis(root string) ([]Item, error) { return crisis(root, false) }

// CrisisRelated returns only the CrisisLexT26 tweets labelled "Related -
// but not informative" (Label "1"), which training counts as positives:
// they are about the event (prayers, reactions, news of it), as
// CrisisLexT6's on-topic tweets are, and without them the head learnt that
// only informative reports are on topic. The dev split never includes
// them (its labels are Crisis's).
func CrisisRelated(root string) ([]Item, error) { return crisis(root, true) }

func crisis(root string, related bool) ([]Item, error) {
	var out []Item
	t6, _ := filepath.Glob(filepath.Join(root, "crisis/CrisisLexT6/*/*.csv"))
	t26, _ := filepath.Glob(filepath.Join(root, "crisis/CrisisLexT26/*/*labeled.csv"))
	if len(t6) == 0 || len(t26) == 0 {
		return nil, fmt.Errorf("train: crisis data missing under %s", root)
	}
	sort.Strings(t6)
	sort.Strings(t26)
	for _, n := range append(t6, t26...) {
		rows, err := readCSV(filepath.Dir(n), filepath.Base(n), ',')
		if err != nil {
			return nil, err
		}
		ev := EventKey(filepath.Base(filepath.Dir(n)))
		isT6 := strings.Contains(n, "CrisisLexT6")
		for _, r := range rows {
			var lab string
			switch {
			case related:
				if !isT6 && len(r) >= 5 && strings.TrimSpace(r[4]) == "Related - but not informative" {
					lab = "1"
				}
			case isT6 && len(r) >= 3:
				lab = map[string]string{"on-topic": "1", "off-topic": "0"}[strings.TrimSpace(r[2])]
			case !isT6 && len(r) >= 5:
				lab = map[string]string{"Related and informative": "1", "Not related": "0"}[strings.TrimSpace(r[4])]
			}
			if lab == "" {
				continue
			}
			out = append(out, Item{Text: r[1], Label: lab, Group: ev, Lang: "en"})
		}
	}
	return out, nil
}

// EventKey turns "2013_Boston_Bombings" into "2013 boston", the same for
// both CrisisLex collections.
func EventKey(dir string) string {
	p := strings.Split(strings.ToLower(dir), "_")
	if len(p) < 2 {
		return strings.ToLower(dir)
	}
	return p[0] + " " + p[1]
}

// Mumbai is mumbai-urban-issues: Label = complaint 0/1, Group = category name.
func Mumbai(root string) ([]Item, error) {
	rows, err := readCSV(filepath.Join(root, "mumbai-urban-issues"), "mumbai_tweets.csv", ',')
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, r := range rows {
		if len(r) < 4 {
			continue
		}
		out = append(out, Item{Text: r[0], Label: r[1], Group: strings.TrimSpace(r[3]), Lang: "en"})
	}
	return out, nil
}

// Complaints is the ACL 2019 complaints set (label 1/0, Group = domain).
func Complaints(root string) ([]Item, error) {
	rows, err := readCSV(filepath.Join(root, "complaints"), "complaints_dev.csv", ',')
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, r := range rows {
		if len(r) < 4 {
			continue
		}
		out = append(out, Item{Text: r[1], Label: r[2], Group: r[3], Lang: "en"})
	}
	return out, nil
}

// Civic is bengaluru-civic: Label = category ("" for the non-civic rows).
func Civic(root string) ([]Item, error) {
	dir := filepath.Join(root, "bengaluru-civic")
	rows, err := readCSV(dir, "finalData.csv", ',')
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, r := range rows {
		if len(r) < 5 {
			continue
		}
		out = append(out, Item{Text: r[2], Label: r[3], Lang: "en"})
	}
	weak := map[string]string{"trafficData.csv": "Traffic/Parking", "potholeData.csv": "Potholes", "BWSSBData.csv": "Water", "SanitationData.csv": "Sanitation", "BBMPData.csv": "Waste/Garbage"}
	names := make([]string, 0, len(weak))
	for n := range weak {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		rows, err := readCSV(filepath.Join(dir, "weak_labelled_tweets_2020"), n, ',')
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(r) < 3 {
				continue
			}
			out = append(out, Item{Text: r[2], Label: weak[n], Lang: "en"})
		}
	}
	return out, nil
}

// Lexicon reads VADER's word valences (word → mean valence, −4..4).
func Lexicon(root string) (map[string]float64, error) {
	lines, err := readLines(filepath.Join(root, "lexicons/vader"), "vader_lexicon.txt")
	if err != nil {
		return nil, err
	}
	m := map[string]float64{}
	for _, l := range lines {
		p := strings.Split(l, "\t")
		if len(p) < 2 {
			continue
		}
		v, err := strconv.ParseFloat(p[1], 64)
		if err == nil {
			m[p[0]] = v
		}
	}
	return m, nil
}

// hashSplit deterministically assigns a text to dev with probability pct/100.
func hashSplit(text string, pct uint32) bool {
	h := fnv.New32a()
	h.Write([]byte(text))
	return h.Sum32()%100 < pct
}
