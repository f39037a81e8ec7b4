package query

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/place"
	"github.com/kaval-desk/kaval/internal/geo"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Env is what fields are checked against: the gazetteer for near: and the
// jurisdiction pack's station names for station:.
type Env struct {
	gaz      *place.Gazetteer
	stations map[string]string // folded name → name as the pack writes it
	names    []string          // station names, sorted, for suggestions
}

// NewEnv builds an Env over a jurisdiction pack.
func NewEnv(p *geo.Pack, g *place.Gazetteer) *Env {
	e := &Env{gaz: g, stations: map[string]string{}}
	for _, u := range p.Units() {
		if u.Kind == geo.KindStation || u.Kind == geo.KindTrafficStation {
			e.stations[textnorm.Fold(u.Name)] = u.Name
			e.names = append(e.names, u.Name)
		}
	}
	slices.Sort(e.names)
	return e
}

var (
	envOnce sync.Once
	envDef  *Env
	envErr  error
)

// DefaultEnv is the Env of the embedded Bengaluru pack, built once.
func DefaultEnv() (*Env, error) {
	envOnce.Do(func() {
		p, err := geo.Default()
		if err != nil {
			envErr = fmt.Errorf("query: unable to load the jurisdiction pack: %w", err)
			return
		}
		g, err := place.Default()
		if err != nil {
			envErr = fmt.Errorf("query: unable to load the gazetteer: %w", err)
			return
		}
		envDef = NewEnv(p, g)
	})
	return envDef, envErr
}

// fieldNames are the fields, in the order errors list them.
var fieldNames = []string{"lang", "platform", "near", "station", "category", "sentiment", "urgency", "emergency", "author"}

func knownField(name string) bool { return slices.Contains(fieldNames, name) }

// Platforms a query may name (post's constants).
var platforms = []string{post.X, post.Facebook, post.Instagram, post.Messenger, post.WhatsApp, post.Telegram,
	post.Mastodon, post.Bluesky, post.RSS, post.WebForm, post.Import}

var sentiments = []string{"negative", "neutral", "positive"}

var langRe = regexp.MustCompile(`^[a-z]{2,3}(-[a-z]{4})?$`)

// DefaultRadiusKm is the distance near: means without ~.
const DefaultRadiusKm = 2.0

var radiusRe = regexp.MustCompile(`^~([0-9]+(?:\.[0-9]+)?)(km|m)$`)

// field validates a field token and returns its node.
func (env *Env) field(src string, t token) (Node, error) {
	raw := t.text
	v := textnorm.Fold(raw)
	bad := func(expected, format string, args ...any) error {
		return errAt(src, t.pos, expected, strconv.Quote(raw), format, args...)
	}
	if t.name != "urgency" && t.op != ":" {
		return nil, bad("':'", "%s takes ':', not %q", t.name, t.op)
	}
	switch t.name {
	case "lang":
		if !langRe.MatchString(v) {
			return nil, bad("a language code such as kn, en, hi or kn-Latn", "lang: takes a language code such as kn, en, hi, or kn-Latn for romanised Kannada; %q is not one", raw)
		}
		if i := strings.IndexByte(v, '-'); i > 0 {
			v = v[:i+1] + strings.ToUpper(v[i+1:i+2]) + v[i+2:]
		}
		return &Field{Name: "lang", Value: v}, nil
	case "platform":
		if !slices.Contains(platforms, v) {
			return nil, bad("one of "+strings.Join(platforms, ", "), "unknown platform %q: the platforms are %s", raw, strings.Join(platforms, ", "))
		}
		return &Field{Name: "platform", Value: v}, nil
	case "category":
		if !slices.Contains(analyze.Categories, v) {
			return nil, bad("a category", "unknown category %q: the categories are %s", raw, strings.Join(analyze.Categories, ", "))
		}
		return &Field{Name: "category", Value: v}, nil
	case "sentiment":
		if !slices.Contains(sentiments, v) {
			return nil, bad("negative, neutral or positive", "sentiment: takes negative, neutral or positive, not %q", raw)
		}
		return &Field{Name: "sentiment", Value: v}, nil
	case "emergency":
		switch v {
		case "true", "yes":
			v = "true"
		case "false", "no":
			v = "false"
		default:
			return nil, bad("true or false", "emergency: takes true or false, not %q", raw)
		}
		return &Field{Name: "emergency", Value: v}, nil
	case "author":
		v = strings.TrimPrefix(v, "@")
		if v == "" || len(v) > 100 || strings.ContainsAny(v, " \"") {
			return nil, bad("a handle", "author: takes one handle (up to 100 characters), not %q", raw)
		}
		return &Field{Name: "author", Value: v}, nil
	case "urgency":
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > 100 {
			return nil, bad("a number from 0 to 100", "urgency takes a number from 0 to 100, e.g. urgency>60; not %q", raw)
		}
		op := t.op
		if op == ":" {
			op = "="
		}
		return &Urgency{Op: op, N: n}, nil
	case "station":
		name, ok := env.stations[v]
		if !ok {
			return nil, bad("a police station of the jurisdiction pack", "no station is called %q%s", raw, env.suggest(v))
		}
		return &Field{Name: "station", Value: name}, nil
	case "near":
		return env.near(src, t)
	}
	return nil, bad("a field", "unknown field %q", t.name)
}

// suggest offers up to three station names containing v.
func (env *Env) suggest(v string) string {
	var hits []string
	for _, n := range env.names {
		if v != "" && strings.Contains(textnorm.Fold(n), v) {
			hits = append(hits, strconv.Quote(n))
			if len(hits) == 3 {
				break
			}
		}
	}
	if len(hits) == 0 {
		return ` (write the station's name as the pack does, e.g. station:"Adugodi PS")`
	}
	return ": did you mean " + strings.Join(hits, ", ") + "?"
}

// near resolves near:NAME[~Rkm] through the gazetteer.
func (env *Env) near(src string, t token) (Node, error) {
	raw := t.text
	name, radius := raw, DefaultRadiusKm
	if i := strings.LastIndexByte(raw, '~'); i >= 0 {
		m := radiusRe.FindStringSubmatch(raw[i:])
		if m == nil {
			return nil, errAt(src, t.pos, "a radius such as ~3km or ~500m", strconv.Quote(raw[i:]), "near: takes a radius written ~3km or ~500m, not %q", raw[i:])
		}
		f, _ := strconv.ParseFloat(m[1], 64)
		if m[2] == "m" {
			f /= 1000
		}
		if f < 0.1 || f > 25 {
			return nil, errAt(src, t.pos, "a radius from 100 m to 25 km", strconv.Quote(raw[i:]), "near: radius must be from 100 m to 25 km, not %q", raw[i:])
		}
		name, radius = raw[:i], f
	}
	name = strings.Join(strings.Fields(textnorm.Clean(name)), " ")
	if name == "" {
		return nil, errAt(src, t.pos, "a place name", strconv.Quote(raw), "near: needs a place, e.g. near:Koramangala")
	}
	if len(name) > 100 {
		return nil, errAt(src, t.pos, "a place name", strconv.Quote(raw), "near: takes a place name of at most 100 bytes")
	}
	if env.gaz == nil {
		return nil, errAt(src, t.pos, "", "", "near: needs the gazetteer, which is not loaded")
	}
	// Capitalised so that names that are also everyday words (Market,
	// Victoria) are read as places.
	found := env.gaz.Find(capitalise(name), nil, nil, "")
	if len(found) == 0 {
		return nil, errAt(src, t.pos, "a locality of the gazetteer", strconv.Quote(name), "no place called %q in the gazetteer", name)
	}
	best := found[0]
	return &Place{Name: name, Lat: round6(best.Lat), Lon: round6(best.Lon), RadiusKm: radius}, nil
}

func capitalise(s string) string {
	f := strings.Fields(s)
	for i, w := range f {
		if w != "" && w[0] >= 'a' && w[0] <= 'z' {
			f[i] = string(w[0]-32) + w[1:]
		}
	}
	return "near " + strings.Join(f, " ")
}

func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }
