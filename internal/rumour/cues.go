package rumour

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/textnorm"
)

// The misinformation cues are data (cues.json), in English, Kannada,
// Hindi and their romanised forms, so that the desk can add a phrasing it
// meets without touching the matcher.
//
//go:embed cues.json
var cuesJSON []byte

// MaxCueWeight caps a post's cue weight: a post that shouts every cue is
// no more a rumour than one that carries two.
const MaxCueWeight = 2.0

type cueFile struct {
	Cues []struct {
		ID      string   `json:"id"`
		Weight  float64  `json:"weight"`
		Phrases []string `json:"phrases"`
	} `json:"cues"`
	Patterns []struct {
		ID     string   `json:"id"`
		Weight float64  `json:"weight"`
		Exprs  []string `json:"exprs"`
	} `json:"patterns"`
}

// Cues finds misinformation cues in a post's text.
type Cues struct {
	phrases []phrase
	res     []pattern
	weight  map[string]float64
}

type phrase struct {
	id, text string
	wordEnd  bool // the phrase must end a word (it ends in a Latin letter)
}

type pattern struct {
	id string
	re *regexp.Regexp
}

// ParseCues reads a cue file (the format of cues.json).
func ParseCues(b []byte) (*Cues, error) {
	var f cueFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("rumour: cues: %w", err)
	}
	c := &Cues{weight: map[string]float64{}}
	for _, cue := range f.Cues {
		if cue.ID == "" || cue.Weight <= 0 || cue.Weight > MaxCueWeight || c.weight[cue.ID] != 0 {
			return nil, fmt.Errorf("rumour: cues: %q: an id used once and a weight in (0, %g] are required", cue.ID, MaxCueWeight)
		}
		c.weight[cue.ID] = cue.Weight
		for _, p := range cue.Phrases {
			f := strings.Join(strings.Fields(textnorm.Fold(p)), " ")
			if f == "" {
				return nil, fmt.Errorf("rumour: cues: %s: an empty phrase", cue.ID)
			}
			last, _ := utf8.DecodeLastRuneInString(f)
			c.phrases = append(c.phrases, phrase{id: cue.ID, text: f, wordEnd: last < utf8.RuneSelf && unicode.IsLetter(last)})
		}
	}
	for _, p := range f.Patterns {
		if p.ID == "" || p.Weight <= 0 || p.Weight > MaxCueWeight || c.weight[p.ID] != 0 {
			return nil, fmt.Errorf("rumour: cues: %q: an id used once and a weight in (0, %g] are required", p.ID, MaxCueWeight)
		}
		c.weight[p.ID] = p.Weight
		for _, e := range p.Exprs {
			re, err := regexp.Compile(e)
			if err != nil {
				return nil, fmt.Errorf("rumour: cues: %s: %w", p.ID, err)
			}
			c.res = append(c.res, pattern{id: p.ID, re: re})
		}
	}
	return c, nil
}

// DefaultCues are the cues of cues.json.
func DefaultCues() *Cues {
	c, err := ParseCues(cuesJSON)
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return c
}

// Find returns the distinct cues of text (sorted) and their weight, at
// most MaxCueWeight.
func (c *Cues) Find(text string) (ids []string, weight float64) {
	f := strings.Join(strings.Fields(textnorm.Fold(text)), " ")
	seen := map[string]bool{}
	for _, p := range c.phrases {
		if !seen[p.id] && containsWord(f, p) {
			seen[p.id] = true
		}
	}
	for _, p := range c.res {
		if !seen[p.id] && p.re.MatchString(f) {
			seen[p.id] = true
		}
	}
	for id := range seen {
		ids = append(ids, id)
		weight += c.weight[id]
	}
	slices.Sort(ids)
	return ids, min(weight, MaxCueWeight)
}

// containsWord reports whether p occurs in s at the start of a word (and,
// for a phrase ending in a Latin letter, at the end of one): "breaking
// news" is a cue, "heartbreaking news" is not; Kannada and Hindi phrases
// take their case endings ("ಶೇರ್ ಮಾಡಿರಿ").
func containsWord(s string, p phrase) bool {
	for i := 0; i <= len(s)-len(p.text); {
		j := strings.Index(s[i:], p.text)
		if j < 0 {
			return false
		}
		at := i + j
		before, _ := utf8.DecodeLastRuneInString(s[:at])
		after, _ := utf8.DecodeRuneInString(s[at+len(p.text):])
		if (at == 0 || !wordRune(before)) && (!p.wordEnd || at+len(p.text) == len(s) || !wordRune(after)) {
			return true
		}
		i = at + 1
	}
	return false
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }
