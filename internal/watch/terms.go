package watch

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Kinds of term counted in term_daily.
const (
	TermHashtag = "hashtag"
	TermPlace   = "place"
	TermWord    = "word"
)

var (
	hashtagRE = regexp.MustCompile(`(^|[^\p{L}\p{N}_&/])#([\p{L}\p{M}\p{N}_]{2,64})`)
	// Links, e-mail addresses and @handles are not words of the post:
	// they are cut out before words are counted (handles name people).
	skipRE = regexp.MustCompile(`(?i)\bhttps?://\S+|\bwww\.\S+|\S+@\S+|@[\p{L}\p{N}_.]+|#[\p{L}\p{M}\p{N}_]+`)
)

// terms are the distinct terms of one post: its hashtags, the places the
// analysis found in its text, and its words, with the personal data the
// analysis marked (phone numbers, addresses, ids) left out.
func terms(text string, a *post.Analysis) map[[2]string]bool {
	out := map[[2]string]bool{}
	for _, m := range hashtagRE.FindAllStringSubmatch(text, 20) {
		out[[2]string{TermHashtag, "#" + textnorm.Fold(m[2])}] = true
	}
	if a != nil {
		for _, p := range a.Places {
			if p.Text != "" && len(p.Text) <= 100 {
				out[[2]string{TermPlace, strings.Join(strings.Fields(textnorm.Fold(p.Text)), " ")}] = true
			}
		}
		// Blank the marked spans (byte offsets into text) first.
		if len(a.PII) > 0 {
			b := []byte(text)
			for _, s := range a.PII {
				if s.Start >= 0 && s.End <= len(b) && s.Start < s.End && utf8.RuneStart(b[s.Start]) && (s.End == len(b) || utf8.RuneStart(b[s.End])) {
					for i := s.Start; i < s.End; i++ {
						b[i] = ' '
					}
				}
			}
			text = string(b)
		}
	}
	text = skipRE.ReplaceAllString(text, " ")
	n := 0
	for _, w := range strings.FieldsFunc(textnorm.Fold(text), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
	}) {
		if utf8.RuneCountInString(w) < 3 || len(w) > 64 || strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
			continue
		}
		if n++; n > 100 { // a wall of text counts its first hundred words
			break
		}
		out[[2]string{TermWord, w}] = true
	}
	return out
}
