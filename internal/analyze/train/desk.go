package train

import (
	_ "embed"
	"strings"
)

// authoredTSV is the police-desk set written by the developers (see its
// header and docs/MODELS.md): not sampled from any platform or data set.
//
//go:embed desk/authored.tsv
var authoredTSV string

// DeskPost is one labelled police-desk post.
type DeskPost struct {
	Text      string
	Category  string // one of analyze.Categories
	Emergency bool   // a threat to life or safety now
	Complaint bool
}

// Authored parses the authored desk set (comment lines start with #).
func Authored() []DeskPost {
	var out []DeskPost
	for _, l := range strings.Split(authoredTSV, "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		p := strings.Split(l, "\t")
		if len(p) != 4 {
			continue
		}
		out = append(out, DeskPost{Category: p[0], Emergency: p[1] == "1", Complaint: p[2] == "1", Text: p[3]})
	}
	return out
}
