// Package analyze is the understanding engine: one call runs every
// analyser over a post (script and language, sentiment, offensive,
// emergency, complaint, categories, urgency, places → police station, PII,
// near-duplicate signature) and returns a post.Analysis. It is pure,
// deterministic and safe for concurrent use; models are small linear heads
// over hashed n-grams (package model), embedded in the binary and loaded
// once.
package analyze

import (
	"cmp"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/kaval-desk/kaval/internal/analyze/lang"
	"github.com/kaval-desk/kaval/internal/analyze/model"
	"github.com/kaval-desk/kaval/internal/post"
)

// Input is one post to analyse.
type Input struct {
	ID, Text, Platform, AuthorLocation string
	Lat, Lon                           *float64
}

//go:embed models/kaval.bin
var embedded []byte

// Engine holds the loaded models. Use Default.
type Engine struct {
	m      *model.Model
	places placeFinder
	match  *matcher
	pool   sync.Pool // *scratch

	latin                  *model.Head
	sentEN, sentKN, sentHI *model.Head
	offensive, emergency   *model.Head
	complaint, category    *model.Head
	catLane                [32]int // Categories index → lane in category head, or -1
	tags                   map[string]model.Vec
}

type scratch struct {
	x      model.Extractor
	acc    []float32
	logits []float32

	handles []uint32 // model.HandleBuckets of the post

	mx   model.Extractor // the place-masked text, for the language head
	lacc []float32
	mask []byte
}

// hasHandle: an '@' followed by a handle character (a lone "@ name" is
// no mention, and masking it would change nothing the head reads).
func hasHandle(text string) bool {
	for i := 0; i+1 < len(text); i++ {
		j := strings.IndexByte(text[i:], '@')
		if j < 0 || i+j+1 >= len(text) {
			return false
		}
		i += j
		if c := text[i+1]; c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9' || c == '_' {
			return true
		}
	}
	return false
}

// maskPlaces returns text with the place names found in it blanked out,
// or ok = false when there is nothing to mask or nothing Latin would be
// left (a post that is only a place name keeps its own letters).
//
// @handles are blanked too: the Latin head learned the mention itself as
// a sign of romanised Hindi (SentiMix tweets open with mentions), and read
// "@user He is so underrated and I love how pure he is" as hi-Latn at
// 0.89; one TweetEval English tweet in three was romanised Hindi.
func maskPlaces(text string, places []post.Place, buf *[]byte) (string, bool) {
	any := hasHandle(text)
	for _, p := range places {
		if p.Source == "text" && p.Start >= 0 && p.End <= len(text) && p.Start < p.End {
			any = true
		}
	}
	if !any {
		return "", false
	}
	b := append((*buf)[:0], text...)
	for i := 0; i < len(b); i++ {
		if b[i] != '@' {
			continue
		}
		j := i + 1
		for j < len(b) && (b[j]|0x20 >= 'a' && b[j]|0x20 <= 'z' || b[j] >= '0' && b[j] <= '9' || b[j] == '_') {
			j++
		}
		for k := i; k < j; k++ {
			b[k] = ' '
		}
		i = j - 1 // "@@user": the second '@' starts the handle
	}
	for _, p := range places {
		if p.Source == "text" && p.Start >= 0 && p.End <= len(text) && p.Start < p.End {
			for i := p.Start; i < p.End; i++ {
				b[i] = ' '
			}
		}
	}
	*buf = b
	letters := 0
	for _, c := range b {
		if c|0x20 >= 'a' && c|0x20 <= 'z' {
			letters++
		}
	}
	if letters < 3 {
		return "", false
	}
	// The view is read by Vectorize and dropped before buf is reused.
	return unsafe.String(&b[0], len(b)), true
}

var (
	defOnce sync.Once
	def     *Engine
	defErr  error
)

// Default returns the engine with the embedded models, loaded once.
func Default() (*Engine, error) {
	defOnce.Do(func() {
		// The gazetteer builds while the model decodes: on two cores the
		// start of `kaval analyze` takes the longer of the two, not both.
		type gaz struct {
			f   placeFinder
			err error
		}
		pc := make(chan gaz, 1)
		go func() {
			f, err := loadPlaces()
			pc <- gaz{f, err}
		}()
		m, err := model.Decode(embedded)
		pl := <-pc
		if err != nil {
			defErr = fmt.Errorf("analyze: unable to load embedded model: %w", err)
			return
		}
		def, defErr = New(m)
		if defErr == nil {
			def.places, defErr = pl.f, pl.err
		}
	})
	return def, defErr
}

// New builds an engine over a model (training and evaluation use it on
// freshly trained weights). It has no places gazetteer.
func New(m *model.Model) (*Engine, error) {
	e := &Engine{m: m, match: newMatcher(), tags: map[string]model.Vec{}}
	e.latin = m.Head("lang")
	e.sentEN, e.sentKN, e.sentHI = m.Head("sentiment_en"), m.Head("sentiment_kn"), m.Head("sentiment_hi")
	e.offensive, e.emergency = m.Head("offensive"), m.Head("emergency")
	e.complaint, e.category = m.Head("complaint"), m.Head("category")
	for name, h := range map[string]*model.Head{"lang": e.latin, "sentiment_en": e.sentEN, "sentiment_kn": e.sentKN,
		"sentiment_hi": e.sentHI, "offensive": e.offensive, "emergency": e.emergency, "complaint": e.complaint, "category": e.category} {
		if h == nil {
			return nil, fmt.Errorf("analyze: model has no %s head", name)
		}
	}
	for i := range e.catLane {
		e.catLane[i] = -1
	}
	for lane, c := range e.category.Classes {
		for i, name := range Categories {
			if name == c {
				e.catLane[i] = lane
			}
		}
	}
	for _, g := range []string{"en", "kn", "hi", "other"} {
		e.tags[g] = model.Vec{Idx: []uint32{m.Space.Tag("lang=" + g)}, Val: []float32{1}}
	}
	e.pool.New = func() any {
		return &scratch{acc: make([]float32, m.Width), lacc: make([]float32, m.Width), logits: make([]float32, 0, 32)}
	}
	return e, nil
}

// Version is the model version stored with each analysis.
func (e *Engine) Version() string { return e.m.Version }

// LangGroup maps a language tag to the group whose sentiment head and tag
// feature it uses: Kannada and the other Dravidian languages share the
// Kannada code-mixed head, Hindi and Urdu the Hinglish one.
func LangGroup(tag string) string {
	switch tag {
	case "kn", "kn-Latn", "ta-Latn", "ml-Latn", "ta", "ml", "te":
		return "kn"
	case "hi", "hi-Latn", "ur":
		return "hi"
	case "en":
		return "en"
	}
	return "other"
}

// Analyze runs every analyser over one post. It never panics: a failure
// in any part leaves that part empty.
func (e *Engine) Analyze(in Input) (a post.Analysis) {
	a = post.Analysis{Lang: "und", Script: lang.Common, Sentiment: post.Sentiment{Label: "neutral"},
		Categories: []post.Category{}, Places: []post.Place{}, PII: []post.Span{}, ModelVersion: e.m.Version}
	text := in.Text
	if !utf8.ValidString(text) {
		text = toValid(text)
	}
	a.SimHash = hex16(simhashOf(text))
	// Places first: their names are masked out of the text the Latin
	// language head reads, since an English post that names Indian places
	// ("Fire near Silk Board") is not romanised Kannada.
	func() {
		defer func() { _ = recover() }()
		if e.places != nil {
			if ps := e.places.Find(text, in.Lat, in.Lon, in.AuthorLocation); len(ps) > 0 {
				a.Places = ps
				best := ps[0]
				a.Station = nonEmpty(best.Station)
				a.TrafficStation = nonEmpty(best.TrafficStation)
				a.Ward = nonEmpty(best.Ward)
			}
		}
	}()
	func() {
		defer func() { _ = recover() }()
		e.understand(text, a.Places, &a)
	}()
	func() {
		defer func() { _ = recover() }()
		if spans := findPII(text); len(spans) > 0 {
			a.PII = spans
		}
	}()
	return a
}

// hex16 is fmt.Sprintf("%016x", v) without the formatting machinery.
func hex16(v uint64) string {
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b[:])
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toValid(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// Scores are the raw model outputs behind an analysis, for evaluation.
type Scores struct {
	Lang      lang.Result
	Sentiment [3]float32 // negative, neutral, positive
	Offensive float32
	Emergency float32
	// EmergencyAt is the score at which Emergency flags this post:
	// EmergencyThreshold where the danger-now stage decided, 0.5 where the
	// head and the rules did (danger.go).
	EmergencyAt float32
	// EmergencyP is the calibrated probability of a police emergency
	// (EmergencyCalibration): the published score.
	EmergencyP float32
	Complaint  float32
	Categories [32]float32 // by Categories index
	Rules      ruleScores
	// LangEvidence is what the language decision read (for choosing its
	// thresholds: lang.RomanisedMin).
	LangEvidence LangEvidence
}

// LangEvidence: the script counts, the Latin head's probabilities (zero,
// and Latin false, when Latin does not dominate) and the marker-word
// counts.
type LangEvidence struct {
	Counts                lang.Counts
	Probs                 [5]float32
	Latin                 bool
	English, Indic, Words int
}

var sentimentLabels = [3]string{"negative", "neutral", "positive"}

// Score computes every model score of a text.
func (e *Engine) Score(text string) Scores { return e.score(text, nil) }

// score is Score with the places found in text: those named in the text
// itself are masked out before the Latin language head reads it.
func (e *Engine) score(text string, places []post.Place) Scores {
	var s Scores
	sc := e.pool.Get().(*scratch)
	defer e.pool.Put(sc)
	v := sc.x.Vectorize(text, &e.m.Space)
	acc := sc.acc
	clear(acc)
	e.m.Accumulate(v, acc)

	counts := lang.Count(text)
	var latin []float32
	markerText := text
	if counts.Dominant() == lang.Latin {
		latin = e.latin.Probs(e.latin.Logits(acc, sc.logits[:0]))
		// Masking can only turn a romanised-Indian verdict into English,
		// so English posts (most of them) skip the second pass.
		if argmax32(latin) != 0 {
			if masked, ok := maskPlaces(text, places, &sc.mask); ok {
				markerText = masked
				// Only the language lanes of the masked text are needed.
				mv := sc.mx.Vectorize(masked, &e.m.Space)
				lacc := sc.lacc[:e.m.Width]
				clear(lacc)
				e.m.Accumulate(mv, lacc)
				latin = e.latin.Probs(e.latin.Logits(lacc, latin[:0]))
			}
		}
	}
	en, ind, words := lang.Markers(markerText)
	s.Lang = lang.Detect(counts, latin, en, ind, words)
	s.LangEvidence = LangEvidence{Counts: counts, Latin: latin != nil, English: en, Indic: ind, Words: words}
	copy(s.LangEvidence.Probs[:], latin)
	if markerText != text && s.Lang.Lang != "en" && s.Lang.Lang != "und" && ind == 0 && words <= 8 && en >= 2 && 2*en >= words {
		// A short post that names a place and is otherwise English words,
		// without one romanised function word ("Fire near Silk Board,
		// help now!"): English. (Applied to every short Latin post this
		// rule cost 0.011 romanised language-ID macro-recall, so it is
		// kept to posts that name a place; session 6 measured it again:
		// 0.9448 -> 0.9346, for 1 of the authored desk set's 151 English
		// posts and none of TweetEval val's 2,000 (16 not English either
		// way).)
		s.Lang = lang.Result{Lang: "en", Script: lang.Latin}
	}
	sc.logits = latin[:0]

	g := LangGroup(s.Lang.Lang)
	if latin != nil {
		// Romanised text: the sentiment heads are mixed by the language
		// head's probabilities rather than picked by its argmax, so an
		// English tweet that looks a little like Hinglish keeps most of
		// the English head's judgement.
		pen, pkn, phi := latin[0], latin[1]+latin[3]+latin[4], latin[2]
		var mix [3]float32
		for _, part := range []struct {
			h *model.Head
			g string
			p float32
		}{{e.sentEN, "en", pen}, {e.sentKN, "kn", pkn}, {e.sentHI, "hi", phi}} {
			if part.p < 0.01 {
				continue
			}
			p := part.h.Probs(e.tagLogits(part.h, acc, part.g, sc.logits[:0]))
			for j := range mix {
				mix[j] += part.p * p[j]
			}
			sc.logits = p[:0]
		}
		s.Sentiment = mix
	} else {
		head := e.sentEN
		switch g {
		case "kn":
			head = e.sentKN
		case "hi":
			head = e.sentHI
		}
		p := head.Probs(e.tagLogits(head, acc, g, sc.logits[:0]))
		copy(s.Sentiment[:], p)
		sc.logits = p[:0]
	}
	e.m.Accumulate(e.tags[g], acc)

	e.match.scan(text, &s.Rules)
	r := &s.Rules

	s.Offensive = e.offensive.Probs(e.offensive.Logits(acc, sc.logits[:0]))[0]
	zc := e.complaint.Logits(acc, sc.logits[:0])
	if sc.handles = model.HandleBuckets(text, &e.m.Space, sc.handles[:0]); len(sc.handles) > 0 {
		// Who the post is addressed to (@FC_Help, @BlrCityPolice) is
		// read by the complaint head alone (see model.HandleBuckets).
		var q float32
		for _, b := range sc.handles {
			q += model.Levels[uint8(e.m.W[int(b)*e.m.Width+e.complaint.Offset])]
		}
		zc[0] += model.HandleValue * q * e.complaint.Scales[0]
	}
	s.Complaint = e.complaint.Probs(zc)[0]

	// The head and the rules say how much the post reads like danger;
	// where the post carries a desk matter the danger-now stage turns that
	// into a calibrated probability (danger.go).
	s.Emergency, s.EmergencyAt, s.EmergencyP = emergencyScore(e.emergency.Logits(acc, sc.logits[:0])[0], r)

	cl := e.category.Probs(e.category.Logits(acc, sc.logits[:0]))
	for i := range Categories {
		v := float32(0)
		if lane := e.catLane[i]; lane >= 0 {
			v = cl[lane]
		}
		v = max(v, categoryRule(categoryHits(r, i)))
		s.Categories[i] = v
	}
	s.Categories[0] = max(s.Categories[0], s.Emergency) // "emergency" is the flag itself
	sc.logits = cl[:0]
	return s
}

// tagLogits is h's logits with the language-group tag feature g added to
// the post's accumulated lanes (without changing acc).
func (e *Engine) tagLogits(h *model.Head, acc []float32, g string, out []float32) []float32 {
	tag := e.tags[g]
	row := e.m.W[int(tag.Idx[0])*e.m.Width:]
	out = out[:0]
	for j := range h.Classes {
		out = append(out, (acc[h.Offset+j]+model.Levels[uint8(row[h.Offset+j])])*h.Scales[j]+h.Bias[j])
	}
	return out
}

func argmax32(p []float32) int {
	b := 0
	for i, v := range p {
		if v > p[b] {
			b = i
		}
	}
	return b
}

func sigmoid(z float32) float32 { return 1 / (1 + float32(math.Exp(float64(-z)))) }

func (e *Engine) understand(text string, places []post.Place, a *post.Analysis) {
	s := e.score(text, places)
	a.Lang, a.Script, a.CodeMixed = s.Lang.Lang, s.Lang.Script, s.Lang.CodeMixed
	if s.Lang.Script == lang.Common && utf8.RuneCountInString(text) == 0 {
		return
	}
	best := 0
	for i, p := range s.Sentiment {
		if p > s.Sentiment[best] {
			best = i
		}
	}
	a.Sentiment = post.Sentiment{Label: sentimentLabels[best], Score: round3(float64(s.Sentiment[2] - s.Sentiment[0]))}
	a.Offensive = post.Flag{Label: s.Offensive >= 0.5, Score: round3(float64(s.Offensive))}
	a.Emergency = post.Flag{Label: s.Emergency >= s.EmergencyAt, Score: round3(float64(s.EmergencyP))}
	a.Complaint = post.Flag{Label: s.Complaint >= 0.5, Score: round3(float64(s.Complaint))}
	top, topScore := -1, float32(CategoryFloor)
	for i, name := range Categories {
		v := s.Categories[i]
		if name == "emergency" && !a.Emergency.Label {
			continue
		}
		if v >= 0.5 {
			a.Categories = append(a.Categories, post.Category{Name: name, Score: round3(float64(v))})
		}
		if v >= topScore {
			top, topScore = i, v
		}
	}
	if len(a.Categories) == 0 && top >= 0 {
		// No category is sure, but one fits better than the rest: the
		// desk gets that one (with its low score) rather than none, since
		// an uncategorised post waits in no queue. Below CategoryFloor
		// nothing fits and the post has no category.
		a.Categories = append(a.Categories, post.Category{Name: Categories[top], Score: round3(float64(topScore))})
	}
	// slices' generic sort allocates nothing (sort.SliceStable builds a
	// reflection swapper per call).
	slices.SortStableFunc(a.Categories, func(x, y post.Category) int { return cmp.Compare(y.Score, x.Score) })
	// A report of a scam, a theft, harassment, noise or police conduct is
	// a complaint whatever the head says (complaint.go); the score stays
	// the head's.
	for _, c := range a.Categories {
		if c.Name != "emergency" {
			a.Complaint.Label = a.Complaint.Label || complaintMatter[c.Name]
			break
		}
	}
	a.Urgency = urgency(&s, a.Emergency.Label)
}

// CategoryFloor is the least score a post's best category needs to be
// given when no category reaches 0.5 (see understand).
const CategoryFloor = 0.2

// urgencyWeight is how much a category adds to urgency, scaled by its score.
var urgencyWeight = map[string]float32{
	"emergency": 10, "theft": 15, "womens_safety": 18, "child_safety": 20, "missing_person": 18, "elderly": 10,
	"cybercrime_fraud": 8, "public_order": 12, "drugs": 6, "traffic_parking": 5, "noise_nuisance": 4, "rumour": 8,
	"police_complaint": 3, "lost_found": 2, "civic": 2, "information_request": 1,
}

// urgency is 0..100 from the emergency decision, categories, immediacy
// words and repetition. Sentiment is deliberately not an input: an angry
// post about a pothole is not urgent, a calm report of a fire is.
func urgency(s *Scores, emergency bool) int {
	u := float32(0)
	if emergency {
		u = 70 // flagged at a threshold of 1 (a desk may move it): the top
		if s.EmergencyAt < 1 {
			u = 40 + 30*(s.Emergency-s.EmergencyAt)/(1-s.EmergencyAt)
		}
	} else {
		u = 25 * s.Emergency
	}
	catMax := float32(0)
	for i, name := range Categories {
		if s.Categories[i] >= 0.5 {
			catMax = max(catMax, urgencyWeight[name]*s.Categories[i])
		}
	}
	u += catMax
	r := &s.Rules
	live := emergency || r.distress > 0 || r.incident > 0
	if live {
		u += 10 * min(r.immediacy+r.weakNow, 2)
		u += 6 * min(r.distress, 2)
		u += 5 * float32(min(r.repeats, 2))
	} else {
		u += 3 * min(r.immediacy+r.weakNow, 1)
	}
	return int(max(0, min(100, math.Round(float64(u)))))
}

func round3(v float64) float64 {
	return math.Round(v*1000) / 1000
}
