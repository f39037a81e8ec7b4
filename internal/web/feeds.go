package web

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/publish"
)

// Atom (RFC 4287) of the force's public advisories and of each station's.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomAuthor  `xml:"author"`
	Link    atomLink    `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Published string     `xml:"published"`
	Updated   string     `xml:"updated"`
	Content   atomString `xml:"content"`
}

type atomString struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

func (s *Server) feedRoutes(ps *publish.Service) {
	tags := []string{"publishing"}
	s.Route("GET", "/feeds/advisories.atom", auth.PermPublic, OpDoc{Summary: "Atom feed of the force's public advisories", Tags: tags,
		RawResponse: "application/atom+xml"}, func(w http.ResponseWriter, r *http.Request) error { return s.atom(w, r, ps, "") })
	s.Route("GET", "/feeds/stations/{file}", auth.PermPublic, OpDoc{Summary: "Atom feed of one station's advisories ({station}.atom, e.g. jayanagar.atom)", Tags: tags,
		Params:      []Param{{Name: "file", In: "path", Required: true, Description: "the last part of the station's code, then .atom"}},
		RawResponse: "application/atom+xml"}, func(w http.ResponseWriter, r *http.Request) error {
		slug, ok := strings.CutSuffix(r.PathValue("file"), ".atom")
		if !ok || slug == "" {
			return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "feeds end in .atom"}
		}
		return s.atom(w, r, ps, slug)
	})
}

func (s *Server) atom(w http.ResponseWriter, r *http.Request, ps *publish.Service, slug string) error {
	f, err := ps.StationFeed(r.Context(), slug)
	if err != nil {
		return err
	}
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	if base == "" {
		base = "http://" + r.Host
	}
	self := base + r.URL.Path
	title := "Advisories"
	if f.Station != "" {
		title = f.Station + " advisories"
		if f.StationKn != "" {
			title = f.StationKn + " · " + title
		}
	}
	host := strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	feed := atomFeed{Lang: "kn", ID: "tag:" + host + ",2026:" + r.URL.Path, Title: title, Author: atomAuthor{Name: host},
		Link: atomLink{Rel: "self", Href: self}, Updated: time.Unix(0, 0).UTC().Format(time.RFC3339)}
	for _, it := range f.Items {
		var parts []string
		for _, l := range []string{"kn", "en", "hi"} {
			if t := it.Texts[l]; t != "" {
				parts = append(parts, t)
			}
		}
		// The staff title is internal; the entry's title is the start of
		// the advisory itself.
		head := []rune(strings.SplitN(parts[0], "\n", 2)[0])
		if len(head) > 90 {
			head = append(head[:89], '…')
		}
		e := atomEntry{ID: "tag:" + host + ",2026:publication/" + strconv.FormatInt(it.ID, 10), Title: string(head),
			Published: it.Published.UTC().Format(time.RFC3339), Updated: it.Updated.UTC().Format(time.RFC3339),
			Content: atomString{Type: "text", Text: strings.Join(parts, "\n\n")}}
		feed.Entries = append(feed.Entries, e)
		if e.Updated > feed.Updated {
			feed.Updated = e.Updated
		}
	}
	b, err := xml.MarshalIndent(feed, "", " ")
	if err != nil {
		return err
	}
	writePublic(w, r, http.StatusOK, "application/atom+xml; charset=utf-8", "public, max-age=300", append([]byte(xml.Header), b...))
	return nil
}
