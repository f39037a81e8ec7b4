// Package scenario generates realistic, deterministic citizen traffic about
// Bengaluru: complaints, emergencies, praise, abuse, rumours spreading as
// near-duplicates, bursts of one theme in one area, thread replies, direct
// messages and repeat posters, in English, Kannada (script and romanised),
// Hindi and Hinglish. The same seed gives the same stream, so a load test
// or a demo can be replayed exactly. Nothing here is about real people:
// names are random combinations and phone-like ids are invalid numbers.
package scenario

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/post"
)

// Themes of what citizens write about.
const (
	ThemeTraffic        = "traffic"
	ThemeChainSnatching = "chain_snatching"
	ThemeMissingChild   = "missing_child"
	ThemeNoise          = "noise"
	ThemeUPIFraud       = "upi_fraud"
	ThemePraise         = "praise"
	ThemeAbuse          = "abuse"
	ThemeRumour         = "rumour"
	ThemeFlood          = "flood"
	ThemeRiot           = "riot"
	ThemeVehicleTheft   = "vehicle_theft"
	ThemeReply          = "reply"    // a reply in a thread, theme of its own
	ThemeFollowUp       = "followup" // a private follow-up from the same author
	ThemeNews           = "news"     // an RSS headline
)

// Themes lists every theme the generator can produce.
var Themes = []string{ThemeTraffic, ThemeChainSnatching, ThemeMissingChild, ThemeNoise, ThemeUPIFraud, ThemePraise,
	ThemeAbuse, ThemeRumour, ThemeFlood, ThemeRiot, ThemeVehicleTheft, ThemeReply, ThemeFollowUp, ThemeNews}

// Languages (BCP-47, as the analyser labels them).
const (
	LangEnglish     = "en"
	LangKannada     = "kn"
	LangKannadaLatn = "kn-Latn"
	LangHindi       = "hi"
	LangHinglish    = "hi-Latn"
)

// Languages lists every language the generator writes in.
var Languages = []string{LangEnglish, LangKannada, LangKannadaLatn, LangHindi, LangHinglish}

// Kinds used in events, beyond the post package's.
const KindDM = post.KindDirectMessage

// Event is one thing a citizen did on a platform, before it is turned into
// that platform's wire format.
type Event struct {
	Seq          int64  // 1, 2, 3… in generation order
	ID           string // decimal, unique per seed; emitters derive platform ids from it
	Platform     string // post.X, post.Facebook, …
	Kind         string // post.KindMention, KindReply, KindComment, KindPost, KindDirectMessage, KindNews
	Lang         string
	Theme        string
	Text         string
	AuthorID     string // decimal, stable per author
	AuthorHandle string
	AuthorName   string
	ThreadKey    string // ID of the thread's root event (or "dm:<author id>" for DMs)
	ReplyTo      string // ID of the parent event, "" for a root
	Place        string // the locality the text is about (Latin name), "" when none
	Lat, Lon     *float64
	At           time.Time
}

// Burst raises the share of one theme in one area during a window of the
// generated (virtual) time: a flood or a riot. Share is the fraction of
// events in the window that belong to the burst (0..1).
type Burst struct {
	Theme    string
	Place    string // a Places name; "" picks one from the seed
	Start    time.Duration
	Duration time.Duration
	Share    float64
	// Langs, when set, are the only languages the burst's posts are
	// written in (a rumour wave in Kannada and English); posts of other
	// languages in the window stay ordinary traffic.
	Langs []string
}

// Config shapes the stream.
type Config struct {
	Seed uint64
	// FirstSeq numbers the first event's platform ids after it: a run
	// that continues an earlier one with the same seed (a restarted demo)
	// starts past the ids the earlier run used, so its posts are new to
	// the desk instead of duplicates. Ids stay distinct up to 10^9 events
	// per seed.
	FirstSeq    int64
	Start       time.Time          // virtual time of the first event; zero means 2026-01-01 09:00 IST
	Rate        float64            // events per virtual second, for At; 0 means 10
	Platforms   map[string]float64 // weight per platform; nil means DefaultMix
	ForceHandle string             // the force's handle, without @; "" means "BlrCityPolice"
	Bursts      []Burst
	// Themes, when set, replaces the weights of the themes of ordinary
	// traffic (theme → weight; DefaultThemes lists them): a stream with no
	// background rumours, or more abuse. Bursts are unaffected.
	Themes map[string]float64
}

// DefaultMix is a plausible share of traffic per platform for a city force.
var DefaultMix = map[string]float64{
	post.X: 30, post.Facebook: 10, post.Instagram: 8, post.Messenger: 6, post.WhatsApp: 22,
	post.Telegram: 10, post.Mastodon: 4, post.Bluesky: 5, post.RSS: 5,
}

// DefaultThemes are the weights of the themes of ordinary traffic.
var DefaultThemes = map[string]float64{}

func init() {
	for _, w := range themeWeights {
		DefaultThemes[w.key] = w.w
	}
}

var themeWeights = []weighted{
	{ThemeTraffic, 22}, {ThemeChainSnatching, 8}, {ThemeMissingChild, 4}, {ThemeNoise, 8}, {ThemeUPIFraud, 9},
	{ThemePraise, 8}, {ThemeAbuse, 6}, {ThemeRumour, 9}, {ThemeFlood, 4}, {ThemeRiot, 2}, {ThemeVehicleTheft, 8},
}

var langWeights = []weighted{{LangEnglish, 35}, {LangKannada, 18}, {LangKannadaLatn, 20}, {LangHindi, 10}, {LangHinglish, 17}}

type weighted struct {
	key string
	w   float64
}

type author struct {
	id, handle, name string
	lang             string
}

type rumourWave struct {
	base  string
	lang  string
	place Place
	left  int
}

// Generator produces events. It is not safe for concurrent use.
type Generator struct {
	cfg       Config
	rng       *rand.Rand
	platforms []weighted
	themes    []weighted
	authors   []author
	seq       int64
	idBase    int64
	recent    map[string][]Event // per platform, roots and replies that can be replied to
	waves     map[string]*rumourWave
	bursts    []Burst
	burstAt   []Place
}

// New returns a generator for cfg.
func New(cfg Config) *Generator {
	if cfg.Rate <= 0 {
		cfg.Rate = 10
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2026, 1, 1, 3, 30, 0, 0, time.UTC)
	}
	if cfg.ForceHandle == "" {
		cfg.ForceHandle = "BlrCityPolice"
	}
	mix := cfg.Platforms
	if mix == nil {
		mix = DefaultMix
	}
	g := &Generator{
		cfg:    cfg,
		rng:    rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		recent: map[string][]Event{},
		waves:  map[string]*rumourWave{},
	}
	g.themes = themeWeights
	if cfg.Themes != nil {
		g.themes = nil
		for _, th := range slices.Sorted(maps.Keys(cfg.Themes)) {
			if cfg.Themes[th] > 0 && len(templates[th]) > 0 {
				g.themes = append(g.themes, weighted{th, cfg.Themes[th]})
			}
		}
		if len(g.themes) == 0 {
			g.themes = themeWeights
		}
	}
	for _, p := range slices.Sorted(maps.Keys(mix)) {
		if mix[p] > 0 {
			g.platforms = append(g.platforms, weighted{p, mix[p]})
		}
	}
	// Ids look like X snowflakes (19 digits) and differ between seeds; the
	// low 9 digits are the sequence number, which emitters use for
	// platforms with small integer ids (Telegram message_id).
	g.idBase = 1_800_000_000_000_000_000 + int64(cfg.Seed%100_000_000)*1_000_000_000 + cfg.FirstSeq%1_000_000_000
	g.authors = make([]author, 600)
	for i := range g.authors {
		first := firstNames[g.rng.IntN(len(firstNames))]
		last := lastNames[g.rng.IntN(len(lastNames))]
		g.authors[i] = author{
			id:     strconv.FormatInt(1_000_000_000+g.rng.Int64N(8_999_999_999), 10),
			name:   first + " " + last,
			handle: g.handle(first, last),
			lang:   pick(g.rng, langWeights),
		}
	}
	for _, b := range cfg.Bursts {
		p := Places[g.rng.IntN(len(Places))]
		if b.Place != "" {
			for _, q := range Places {
				if strings.EqualFold(q.Name, b.Place) {
					p = q
				}
			}
		}
		if b.Share <= 0 || b.Share > 1 {
			b.Share = 0.6
		}
		g.bursts = append(g.bursts, b)
		g.burstAt = append(g.burstAt, p)
	}
	return g
}

func (g *Generator) handle(first, last string) string {
	f, l := strings.ToLower(first), strings.ToLower(strings.ReplaceAll(last, "'", ""))
	switch g.rng.IntN(5) {
	case 0:
		return f + "_" + l
	case 1:
		return f + l + strconv.Itoa(g.rng.IntN(999))
	case 2:
		return f + "blr" + strconv.Itoa(10+g.rng.IntN(89))
	case 3:
		return "namma_" + f
	default:
		return f + "." + l[:1] + strconv.Itoa(1980+g.rng.IntN(25))
	}
}

// Next returns the next event.
func (g *Generator) Next() Event {
	g.seq++
	// Spacing is exponential around 1/Rate, so virtual arrivals are Poisson.
	at := g.cfg.Start.Add(time.Duration(float64(g.seq) / g.cfg.Rate * float64(time.Second)))
	at = at.Add(time.Duration(g.rng.ExpFloat64()*0.5/g.cfg.Rate*float64(time.Second)) % time.Second)
	e := Event{Seq: g.seq, ID: strconv.FormatInt(g.idBase+g.seq, 10), At: at}
	e.Platform = pick(g.rng, g.platforms)
	if e.Platform == "" {
		e.Platform = post.X
	}
	if e.Platform == post.RSS {
		g.news(&e)
		return e
	}

	// Private-channel platforms are direct messages by nature.
	dmOnly := e.Platform == post.WhatsApp || e.Platform == post.Messenger
	r := g.rng.Float64()
	switch {
	case !dmOnly && r < 0.15 && len(g.recent[e.Platform]) > 0:
		g.reply(&e)
	case r < 0.22 && len(g.recent[e.Platform]) > 0 && (dmOnly || e.Platform == post.X || e.Platform == post.Telegram):
		g.followUp(&e)
	default:
		g.root(&e, dmOnly)
	}
	g.remember(e)
	return e
}

// root is a fresh post: a complaint, a rumour, praise….
func (g *Generator) root(e *Event, dm bool) {
	a := g.pickAuthor()
	e.AuthorID, e.AuthorHandle, e.AuthorName = a.id, a.handle, a.name
	theme := pick(g.rng, g.themes)
	lang := a.lang
	if g.rng.IntN(4) == 0 {
		lang = pick(g.rng, langWeights)
	}
	place := Places[g.rng.IntN(len(Places))]
	burst := false
	for i, b := range g.bursts {
		off := e.At.Sub(g.cfg.Start)
		if off >= b.Start && off < b.Start+b.Duration && g.rng.Float64() < b.Share {
			if len(b.Langs) > 0 {
				if !slices.Contains(b.Langs, lang) {
					continue
				}
			}
			theme, place, burst = b.Theme, g.burstAt[i], true
		}
	}
	e.Theme, e.Lang, e.Place = theme, lang, place.Name
	var text string
	if theme == ThemeRumour {
		if w := g.waves[lang]; burst && w != nil && w.place.Name != place.Name {
			w.left = 0 // a burst's rumour is about the burst's place: a new wave
		}
		text = g.rumour(lang, place)
		e.Place = g.waves[lang].place.Name
	} else {
		text = g.fill(g.choose(templates[theme][lang]), lang, place)
	}
	e.Text = g.decorate(text, theme, lang)
	switch {
	case dm:
		e.Kind = KindDM
		e.ThreadKey = "dm:" + e.AuthorID
	case e.Platform == post.Facebook && g.rng.IntN(4) == 0:
		e.Kind = post.KindPost
		e.ThreadKey = e.ID
	case e.Platform == post.Facebook || e.Platform == post.Instagram:
		e.Kind = post.KindComment
		e.ThreadKey = e.ID
	case e.Platform == post.Telegram && g.rng.IntN(3) == 0:
		e.Kind = KindDM
		e.ThreadKey = "dm:" + e.AuthorID
	default:
		e.Kind = post.KindMention
		e.ThreadKey = e.ID
	}
	// Some posts carry a location: WhatsApp and Telegram users share one,
	// a few X posts are geotagged.
	geo := 0.05
	if e.Platform == post.WhatsApp || e.Platform == post.Telegram {
		geo = 0.3
	}
	if g.rng.Float64() < geo || theme == ThemeFlood && g.rng.IntN(2) == 0 {
		lat := place.Lat + (g.rng.Float64()-0.5)*0.004
		lon := place.Lon + (g.rng.Float64()-0.5)*0.004
		e.Lat, e.Lon = &lat, &lon
	}
}

// reply answers a recent post on the same platform, often by someone else.
func (g *Generator) reply(e *Event) {
	rs := g.recent[e.Platform]
	parent := rs[g.rng.IntN(len(rs))]
	a := g.pickAuthor()
	if g.rng.IntN(4) == 0 { // the original poster adds to their own thread
		a = author{id: parent.AuthorID, handle: parent.AuthorHandle, name: parent.AuthorName, lang: parent.Lang}
	}
	e.AuthorID, e.AuthorHandle, e.AuthorName = a.id, a.handle, a.name
	e.Theme, e.Lang = ThemeReply, a.lang
	place := placeByName(parent.Place)
	e.Place = parent.Place
	text := g.fill(g.choose(replies[e.Lang]), e.Lang, place)
	if e.Platform == post.X || e.Platform == post.Mastodon || e.Platform == post.Bluesky {
		text = "@" + parent.AuthorHandle + " " + text
	}
	e.Text = g.decorate(text, ThemeReply, e.Lang)
	e.ReplyTo, e.ThreadKey = parent.ID, parent.ThreadKey
	e.Kind = post.KindReply
	if parent.Kind == KindDM {
		e.Kind = KindDM
	}
}

// followUp is the same author writing again in private: details, a plate
// number, fear of posting publicly.
func (g *Generator) followUp(e *Event) {
	rs := g.recent[e.Platform]
	parent := rs[g.rng.IntN(len(rs))]
	e.AuthorID, e.AuthorHandle, e.AuthorName = parent.AuthorID, parent.AuthorHandle, parent.AuthorName
	e.Theme, e.Lang, e.Place = ThemeFollowUp, parent.Lang, parent.Place
	e.Text = g.decorate(g.fill(g.choose(dmFollowUps[e.Lang]), e.Lang, placeByName(parent.Place)), ThemeFollowUp, e.Lang)
	e.Kind = KindDM
	e.ThreadKey = "dm:" + e.AuthorID
}

func (g *Generator) news(e *Event) {
	place := Places[g.rng.IntN(len(Places))]
	e.Kind, e.Theme, e.Lang, e.Place = post.KindNews, ThemeNews, LangEnglish, place.Name
	outlets := []string{"Bengaluru Beat", "Namma City News", "Garden City Times", "Metro Bengaluru Desk"}
	o := outlets[g.rng.IntN(len(outlets))]
	e.AuthorID = "feed-" + strconv.Itoa(g.rng.IntN(len(outlets)))
	e.AuthorHandle, e.AuthorName = strings.ToLower(strings.ReplaceAll(o, " ", "")), o
	e.Text = g.fill(g.choose(news), LangEnglish, place)
	e.ThreadKey = e.ID
}

// rumour returns the next copy of the current rumour wave in lang: the same
// text with small edits, an RT prefix, "forwarded as received"… so the
// near-duplicate detector has something to cluster.
func (g *Generator) rumour(lang string, place Place) string {
	w := g.waves[lang]
	if w == nil || w.left <= 0 {
		w = &rumourWave{lang: lang, place: place, left: 20 + g.rng.IntN(60)}
		w.base = g.fill(g.choose(templates[ThemeRumour][lang]), lang, place)
		g.waves[lang] = w
	}
	w.left--
	t := w.base
	switch g.rng.IntN(7) {
	case 0:
		a := g.authors[g.rng.IntN(len(g.authors))]
		t = "RT @" + a.handle + ": " + t
	case 1:
		t = "Forwarded as received: " + t
	case 2:
		t += " !!!"
	case 3:
		if i := strings.LastIndexByte(t, ','); i > 0 {
			t = t[:i]
		}
	case 4:
		t = strings.Replace(t, "!!", "!!!!", 1) + " 100% true, my cousin saw it"
	case 5:
		t = typo(g.rng, t)
	}
	return t
}

func (g *Generator) fill(t, lang string, place Place) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(t)
			return strings.TrimSpace(strings.Join(strings.Fields(b.String()), " "))
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			b.WriteString(t)
			return b.String()
		}
		b.WriteString(t[:i])
		b.WriteString(g.slot(t[i+1:i+j], lang, place))
		t = t[i+j+1:]
	}
}

func (g *Generator) slot(name, lang string, place Place) string {
	switch name {
	case "force":
		// Many people do not tag the force at all.
		if g.rng.IntN(5) == 0 {
			return ""
		}
		return "@" + g.cfg.ForceHandle
	case "place":
		return place.name(lang)
	case "age":
		return strconv.Itoa(4 + g.rng.IntN(11))
	case "plate":
		return fmt.Sprintf("KA-%02d-%c%c-%04d", 1+g.rng.IntN(60), 'A'+g.rng.IntN(26), 'A'+g.rng.IntN(26), g.rng.IntN(10000))
	case "amount":
		return g.choose(slotValues["amount"][""])
	}
	if vs, ok := slotValues[name]; ok {
		return g.choose(vs[lang])
	}
	return name
}

// decorate adds what makes posts look real: emoji, hashtags, typos, shouting.
func (g *Generator) decorate(t, theme, lang string) string {
	latin := lang == LangEnglish || lang == LangKannadaLatn || lang == LangHinglish
	if latin && g.rng.IntN(6) == 0 {
		t = typo(g.rng, t)
	}
	if latin && theme != ThemePraise && g.rng.IntN(25) == 0 {
		t = strings.ToUpper(t)
	}
	if g.rng.IntN(3) == 0 {
		t += " " + g.choose(emoji)
	}
	if tags := hashtags[theme]; len(tags) > 0 && g.rng.IntN(3) == 0 {
		t += " " + g.choose(tags)
	}
	return t
}

// typo swaps two adjacent ASCII letters once, the commonest slip on a phone.
// Handles and hashtags are left alone: autocomplete types those.
func typo(r *rand.Rand, t string) string {
	if len(t) < 8 {
		return t
	}
	for range 5 {
		i := 1 + r.IntN(len(t)-3)
		w := strings.LastIndexByte(t[:i], ' ') + 1
		if isLetter(t[i]) && isLetter(t[i+1]) && t[w] != '@' && t[w] != '#' {
			return t[:i] + string(t[i+1]) + string(t[i]) + t[i+2:]
		}
	}
	return t
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (g *Generator) pickAuthor() author {
	// A few people post a lot: a fifth of posts come from 12 regulars.
	if g.rng.IntN(5) == 0 {
		return g.authors[g.rng.IntN(12)]
	}
	return g.authors[g.rng.IntN(len(g.authors))]
}

func (g *Generator) remember(e Event) {
	if e.Kind == post.KindNews {
		return
	}
	rs := append(g.recent[e.Platform], e)
	if len(rs) > 50 {
		rs = rs[len(rs)-50:]
	}
	g.recent[e.Platform] = rs
}

func (g *Generator) choose(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[g.rng.IntN(len(xs))]
}

func pick(r *rand.Rand, ws []weighted) string {
	var total float64
	for _, w := range ws {
		total += w.w
	}
	if total <= 0 || math.IsNaN(total) {
		return ""
	}
	x := r.Float64() * total
	for _, w := range ws {
		if x < w.w {
			return w.key
		}
		x -= w.w
	}
	return ws[len(ws)-1].key
}

func placeByName(name string) Place {
	for _, p := range Places {
		if p.Name == name {
			return p
		}
	}
	return Places[0]
}

// Valid reports whether the event's text is well-formed, for callers that
// want a cheap sanity check before sending.
func (e Event) Valid() bool { return e.Text != "" && utf8.ValidString(e.Text) }
