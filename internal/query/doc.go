package query

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/analyze/normalize"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Doc is a post prepared for matching: its text folded and split into
// words once, however many queries then look at it. Docs are pooled; get
// one with NewDoc and give it back with Release.
type Doc struct {
	buf      []byte   // the folded text
	words    []span   // words of buf outside links and e-mail addresses, in order
	tags     []tagRef // hashtags
	mentions []tagRef // @handles

	platform, lang, sentiment, category, station, traffic, author string
	urgency                                                       int
	emergency                                                     bool
	places                                                        []post.Place

	// Scratch of the Set matching this doc.
	hits []uint64
	pos  [][]int32
}

type span struct{ start, end int32 }

// tagRef is a hashtag or handle and the index of its first word.
type tagRef struct {
	start, end int32
	word       int32
}

var docPool = sync.Pool{New: func() any { return &Doc{buf: make([]byte, 0, 512), words: make([]span, 0, 64)} }}

// NewDoc prepares p for matching. Its analysis may be nil (nothing
// analysed then matches: no language, no category, no places).
func NewDoc(p *post.Post) *Doc {
	d := docPool.Get().(*Doc)
	d.reset()
	d.platform = p.Platform
	d.author = strings.TrimPrefix(textnorm.Fold(p.Author.Handle), "@")
	if a := p.Analysis; a != nil {
		d.lang, d.sentiment, d.category = a.Lang, a.Sentiment.Label, a.TopCategory()
		if a.Station != nil {
			d.station = *a.Station
		}
		if a.TrafficStation != nil {
			d.traffic = *a.TrafficStation
		}
		d.urgency, d.emergency, d.places = a.Urgency, a.Emergency.Label, a.Places
	}
	d.setText(p.Text)
	return d
}

// Release returns d to the pool; d must not be used afterwards.
func (d *Doc) Release() {
	d.places = nil
	docPool.Put(d)
}

func (d *Doc) reset() {
	d.buf, d.words, d.tags, d.mentions = d.buf[:0], d.words[:0], d.tags[:0], d.mentions[:0]
	d.platform, d.lang, d.sentiment, d.category, d.station, d.traffic, d.author = "", "", "", "", "", "", ""
	d.urgency, d.emergency, d.places = 0, false, nil
}

// setText folds text into buf and finds its words, hashtags and handles.
// Most posts are already folded but for ASCII case (normalize.Folded):
// they are lower-cased as they are copied, without Fold's passes.
func (d *Doc) setText(text string) {
	if normalize.Folded(text) {
		for i := 0; i < len(text); i++ {
			c := text[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			d.buf = append(d.buf, c)
		}
	} else {
		d.buf = append(d.buf, textnorm.Fold(text)...)
	}
	b := d.buf
	for i := 0; i < len(b); {
		// One white-space-delimited chunk at a time, so a link or an
		// e-mail address is skipped whole.
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
		j := i
		for j < len(b) && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
			j++
		}
		if j > i && !linkLike(b[i:j]) {
			d.chunk(i, j)
		}
		i = j
	}
}

// linkLike: a URL (scheme:// or www.) or an e-mail address (an '@' after
// the first character with a dot after it). Words inside them are not
// words the citizen wrote, and the indexes disagree on how to split them.
func linkLike(c []byte) bool {
	s := string(c) // one short copy per chunk of the text
	if strings.Contains(s, "://") || strings.HasPrefix(s, "www.") {
		return true
	}
	if at := strings.IndexByte(s, '@'); at > 0 && strings.IndexByte(s[at:], '.') > 0 {
		// "@handle." at the start is a mention with a full stop, handled
		// by the check at > 0; "(@handle)" too, for the '(' is no word.
		prev, _ := utf8.DecodeLastRuneInString(s[:at])
		return isWordRune(prev) || prev == '.' || prev == '_' || prev == '-'
	}
	return false
}

// chunk adds the words, hashtags and handles of buf[i:j].
func (d *Doc) chunk(i, j int) {
	b := d.buf
	for k := i; k < j; {
		r, size := utf8.DecodeRune(b[k:j])
		if (r == '#' || r == '@') && k+1 < j {
			handle := r == '@'
			end := tagEndBytes(b[:j], k+1, handle)
			if end > k+1 {
				ref := tagRef{start: int32(k + 1), end: int32(end), word: int32(len(d.words))}
				if handle {
					d.mentions = append(d.mentions, ref)
				} else {
					d.tags = append(d.tags, ref)
				}
			}
			k += size
			continue
		}
		if !isWordRune(r) {
			k += size
			continue
		}
		s := k
		for k < j {
			r, size := utf8.DecodeRune(b[k:j])
			if !isWordRune(r) {
				break
			}
			k += size
		}
		d.words = append(d.words, span{int32(s), int32(k)})
	}
}

func (d *Doc) word(i int) string { w := d.words[i]; return string(d.buf[w.start:w.end]) }

// tagEndBytes is tagEnd over the doc's buffer.
func tagEndBytes(s []byte, i int, handle bool) int {
	j := i
	for j < len(s) {
		r, size := utf8.DecodeRune(s[j:])
		if !(isTagRune(r) || handle && (r == '.' || r == '-')) {
			break
		}
		j += size
	}
	if handle {
		for j > i && (s[j-1] == '.' || s[j-1] == '-') {
			j--
		}
	}
	return j
}
