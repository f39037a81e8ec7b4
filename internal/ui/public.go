package ui

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/public"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/web"
)

// The force's public site, at / (the staff desk stays under /desk/): no
// login, no cookie but the language, nothing but what the force has
// published (approved public advisories), the public jurisdiction pack,
// the helplines and (the accountability page) cases' times summed by
// station. It reads no case text, post or citizen: a page here cannot
// show personal data because it never holds any.
const (
	PublicHomePath     = "/{$}"
	PublicStationsPath = "/stations"
)

// PublicOptions name the force on its public site.
type PublicOptions struct {
	ForceName, ForceNameKn string
}

// publicAdvisories is how many of the latest advisories the home shows
// (the Atom feed carries more).
const publicAdvisories = 10

// Helpline is one entry of the helplines directory (number and the
// catalogue key of who it serves).
type Helpline struct{ Number, Key string }

// Helplines are the national and state numbers a citizen is most often
// asked for; they do not vary by deployment within Karnataka.
var Helplines = []Helpline{
	{"112", "public.help.emergency"},
	{"1091", "public.help.women"},
	{"1098", "public.help.children"},
	{"1090", "public.help.elders"},
	{"1930", "public.help.cyber"},
}

type publicPages struct {
	u    *UI
	ps   *publish.Service
	find *public.Finder
	opt  PublicOptions

	// The force's feed, kept feedTTL: the home is the busiest public page
	// and the feed is one query per advisory.
	mu     sync.Mutex
	feed   publish.Feed
	feedAt time.Time
}

const feedTTL = 30 * time.Second

func (pp *publicPages) latest(ctx context.Context) (publish.Feed, error) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	now := pp.u.now()
	if !pp.feedAt.IsZero() && now.Sub(pp.feedAt) < feedTTL && now.After(pp.feedAt) {
		return pp.feed, nil
	}
	f, err := pp.ps.StationFeed(ctx, "")
	if err != nil {
		return f, err
	}
	pp.feed, pp.feedAt = f, now
	return f, nil
}

type publicView struct {
	Force      string
	Advisories []publicAdvisory
	Campaigns  []publicCampaign
	Helplines  []Helpline
	Find       *publicFind
}

type publicAdvisory struct {
	Kind      string
	Text      string
	Lang      string // the language of Text (it may not be the page's)
	Published int64
}

// publicCampaign is a campaign on the home: its name, goal and dates
// (as staff wrote them, in whatever language) above its latest posts.
type publicCampaign struct {
	Name, Goal       string
	StartsAt, EndsAt int64 // ms; 0 when not set
	Posts            []publicAdvisory
}

// publicCampaigns and publicCampaignPosts bound the home's campaigns.
const (
	publicCampaigns     = 4
	publicCampaignPosts = 4
)

type publicFind struct {
	Query  string
	Result public.Result
	Maps   []template.HTML // one per station, offline SVG
	Error  string
	// Located: the answer is for a shared location, not a name.
	Located bool
}

// PublicPages registers the public site.
func (u *UI) PublicPages(ps *publish.Service, find *public.Finder, opt PublicOptions) {
	pp := &publicPages{u: u, ps: ps, find: find, opt: opt}
	u.handlePublic(PublicHomePath, "Public site: latest advisories, helplines, links to report, status, stations and feeds", pp.home)
	u.handlePublic(PublicStationsPath, "Public station finder: the station serving a locality or landmark", pp.stations)
}

// handlePublic registers a public GET page outside /desk/ (Handle keeps
// the desk's pages under /desk/).
func (u *UI) handlePublic(path, summary string, h web.HandlerFunc) {
	u.srv.Page(http.MethodGet, path, auth.PermPublic, summary, func(w http.ResponseWriter, r *http.Request) error {
		return h(w, r.WithContext(context.WithValue(r.Context(), stateKey, &reqState{})))
	})
}

func (pp *publicPages) view(r *http.Request) publicView {
	v := publicView{Force: pp.opt.ForceName, Helplines: Helplines}
	if Lang(r) == "kn" && pp.opt.ForceNameKn != "" {
		v.Force = pp.opt.ForceNameKn
	}
	return v
}

func (pp *publicPages) home(w http.ResponseWriter, r *http.Request) error {
	v := pp.view(r)
	f, err := pp.latest(r.Context())
	if err != nil {
		return err
	}
	lang := Lang(r)
	// A campaign's posts go under their campaign, newest campaign first;
	// an emergency stays with the advisories at the top whatever its
	// campaign.
	group := map[int64]int{}
	for _, it := range f.Items {
		a := publicAdvisory{Kind: string(it.Kind), Published: it.Published.UnixMilli()}
		for _, l := range []string{lang, "en", "kn", "hi"} {
			if t := it.Texts[l]; t != "" {
				a.Text, a.Lang = t, l
				break
			}
		}
		if a.Text == "" {
			continue
		}
		c, inCampaign := f.Campaigns[it.CampaignID]
		if !inCampaign || it.Kind == publish.KindEmergency {
			if len(v.Advisories) < publicAdvisories {
				v.Advisories = append(v.Advisories, a)
			}
			continue
		}
		i, ok := group[c.ID]
		if !ok {
			if len(v.Campaigns) == publicCampaigns {
				continue
			}
			pc := publicCampaign{Name: c.Name, Goal: c.Goal}
			if !c.StartsAt.IsZero() {
				pc.StartsAt = c.StartsAt.UnixMilli()
			}
			if !c.EndsAt.IsZero() {
				pc.EndsAt = c.EndsAt.UnixMilli()
			}
			i = len(v.Campaigns)
			group[c.ID] = i
			v.Campaigns = append(v.Campaigns, pc)
		}
		if len(v.Campaigns[i].Posts) < publicCampaignPosts {
			v.Campaigns[i].Posts = append(v.Campaigns[i].Posts, a)
		}
	}
	return pp.u.renderPublic(w, r, "public_home.html", View{Title: "public.home.title", Data: v})
}

func (pp *publicPages) stations(w http.ResponseWriter, r *http.Request) error {
	v := pp.view(r)
	q := r.URL.Query().Get("q")
	fd := &publicFind{Query: q}
	v.Find = fd
	status := http.StatusOK
	lat, errLat := strconv.ParseFloat(r.URL.Query().Get("lat"), 64)
	lon, errLon := strconv.ParseFloat(r.URL.Query().Get("lon"), 64)
	switch {
	case q == "" && errLat == nil && errLon == nil:
		// A shared location (the finder's optional button, or a link).
		fd.Located = true
		fd.Result = pp.find.At(lat, lon)
		for _, s := range fd.Result.Stations {
			fd.Maps = append(fd.Maps, boundarySVG(s.Geometry, stationLabel(r, s)))
		}
		if len(fd.Result.Stations) == 0 {
			status = http.StatusNotFound
		}
	case q == "":
	case !utf8.ValidString(q) || utf8.RuneCountInString(q) > public.MaxQuery:
		fd.Error, status = "public.find.too_long", http.StatusBadRequest
	default:
		fd.Result = pp.find.Find(q)
		for _, s := range fd.Result.Stations {
			fd.Maps = append(fd.Maps, boundarySVG(s.Geometry, stationLabel(r, s)))
		}
		if len(fd.Result.Stations) == 0 {
			status = http.StatusNotFound
		}
	}
	return pp.u.renderPublic(w, r, "public_stations.html", View{Title: "public.find.title", Data: v}, status)
}

// stationLabel is a station's name in the page's language where the pack
// has it.
func stationLabel(r *http.Request, s public.Station) string {
	if Lang(r) == "kn" && s.NameKn != "" {
		return s.NameKn
	}
	return s.Name
}

// renderPublic renders a page in the public layout: no desk menu, no
// account, nothing of a signed-in visitor's.
func (u *UI) renderPublic(w http.ResponseWriter, r *http.Request, file string, v View, status ...int) error {
	b, err := u.publicBytes(r, file, v)
	if err != nil {
		return err
	}
	code := http.StatusOK
	if len(status) > 0 {
		code = status[0]
	}
	writeHTML(w, r, code, b)
	return nil
}

// publicBytes renders a public page.
func (u *UI) publicBytes(r *http.Request, file string, v View) ([]byte, error) {
	t, err := u.tmpl.get(Lang(r), file)
	if err != nil {
		return nil, err
	}
	v.Lang, v.Path = Lang(r), r.URL.RequestURI()
	if v.Title == "" {
		v.Title = "app.name"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "public-layout", v); err != nil {
		return nil, fmt.Errorf("ui: unable to render %s: %w", file, err)
	}
	return buf.Bytes(), nil
}
