// Package rssfake is a local news-feed server for tests and the simulator:
// RSS 2.0, Atom 1.0 or JSON Feed output, ETag / Last-Modified with 304 on
// matching validators (or servers that ignore validators or rotate ETags),
// 429/503 with Retry-After in either form, permanent redirects, 410 Gone,
// and verbatim bodies for malformed feeds and HTML error pages.
package rssfake

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Format of the served feed.
type Format int

const (
	RSS Format = iota
	Atom
	JSONFeed
)

// Validators says how the server treats conditional requests.
type Validators int

const (
	Honour Validators = iota // 304 when If-None-Match / If-Modified-Since match
	Ignore                   // validators sent, but always 200
	Rotate                   // a new ETag on every response, never 304
)

// Item is one feed entry.
type Item struct {
	GUID        string // empty: the item has no guid/id
	Title       string
	Link        string
	Description string // HTML allowed
	Author      string
	Published   time.Time
	Point       string // GeoRSS "lat lon"
}

// Request is what the fake saw.
type Request struct {
	Path            string
	IfNoneMatch     string
	IfModifiedSince string
	UserAgent       string
	Status          int
}

// Failure is an injected answer.
type Failure struct {
	Status     int
	RetryAfter string // "120" or an HTTP-date; empty for none
	Body       string
}

// Server serves one feed at /feed.
type Server struct {
	srv *httptest.Server

	mu         sync.Mutex
	title      string
	lang       string
	format     Format
	validators Validators
	items      []Item
	version    int
	modified   time.Time
	raw        *struct{ body, ctype string }
	failures   []Failure
	requests   []Request
	movedTo    string
	gone       bool
}

// New starts a feed server with an empty RSS feed.
func New() *Server {
	s := &Server{title: "Bengaluru Local News", lang: "en-in", version: 1, modified: time.Date(2026, 8, 20, 9, 30, 0, 0, time.UTC)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the feed URL.
func (s *Server) URL() string { return s.srv.URL + "/feed" }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

func (s *Server) changed() {
	s.version++
	s.modified = s.modified.Add(time.Minute)
}

// SetFormat switches the output format.
func (s *Server) SetFormat(f Format) { s.mu.Lock(); s.format = f; s.changed(); s.mu.Unlock() }

// SetValidators sets how conditional requests are treated.
func (s *Server) SetValidators(v Validators) { s.mu.Lock(); s.validators = v; s.mu.Unlock() }

// SetLanguage sets the feed language.
func (s *Server) SetLanguage(l string) { s.mu.Lock(); s.lang = l; s.changed(); s.mu.Unlock() }

// AddItem puts an item at the top of the feed (newest first).
func (s *Server) AddItem(it Item) {
	s.mu.Lock()
	s.items = append([]Item{it}, s.items...)
	s.changed()
	s.mu.Unlock()
}

// RemoveOldest drops the last item (feeds are windows, not archives).
func (s *Server) RemoveOldest() {
	s.mu.Lock()
	if len(s.items) > 0 {
		s.items = s.items[:len(s.items)-1]
		s.changed()
	}
	s.mu.Unlock()
}

// SetRaw serves body verbatim with status 200 (malformed XML, HTML error
// pages); an empty ctype means text/html.
func (s *Server) SetRaw(body, ctype string) {
	s.mu.Lock()
	if ctype == "" {
		ctype = "text/html; charset=utf-8"
	}
	s.raw = &struct{ body, ctype string }{body, ctype}
	s.changed()
	s.mu.Unlock()
}

// ClearRaw goes back to serving the feed.
func (s *Server) ClearRaw() { s.mu.Lock(); s.raw = nil; s.changed(); s.mu.Unlock() }

// FailNext queues an error answer.
func (s *Server) FailNext(f Failure) { s.mu.Lock(); s.failures = append(s.failures, f); s.mu.Unlock() }

// MovePermanently answers 301 at /feed pointing at /moved.
func (s *Server) MovePermanently() { s.mu.Lock(); s.movedTo = "/moved"; s.mu.Unlock() }

// Gone answers 410 from now on.
func (s *Server) Gone() { s.mu.Lock(); s.gone = true; s.mu.Unlock() }

// Requests returns the requests seen, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req := Request{Path: r.URL.Path, IfNoneMatch: r.Header.Get("If-None-Match"), IfModifiedSince: r.Header.Get("If-Modified-Since"), UserAgent: r.UserAgent()}
	status := s.answer(w, r)
	req.Status = status
	s.requests = append(s.requests, req)
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request) int {
	switch {
	case r.URL.Path == "/feed" && s.movedTo != "":
		http.Redirect(w, r, s.movedTo, http.StatusMovedPermanently)
		return http.StatusMovedPermanently
	case r.URL.Path != "/feed" && r.URL.Path != s.movedTo:
		http.NotFound(w, r)
		return 404
	case s.gone:
		http.Error(w, "gone", http.StatusGone)
		return 410
	}
	if len(s.failures) > 0 {
		f := s.failures[0]
		s.failures = s.failures[1:]
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		w.WriteHeader(f.Status)
		fmt.Fprint(w, f.Body)
		return f.Status
	}
	etag := fmt.Sprintf(`W/"v%d"`, s.version)
	if s.validators == Rotate {
		s.version++
		etag = fmt.Sprintf(`"r%d"`, s.version)
	}
	lm := s.modified.Format(http.TimeFormat)
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", lm)
	if s.validators == Honour {
		inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
		match := false
		if inm != "" {
			match = inm == etag
		} else if ims != "" {
			t, err := http.ParseTime(ims)
			match = err == nil && !s.modified.After(t)
		}
		if match {
			w.WriteHeader(http.StatusNotModified)
			return 304
		}
	}
	if s.raw != nil {
		w.Header().Set("Content-Type", s.raw.ctype)
		fmt.Fprint(w, s.raw.body)
		return 200
	}
	switch s.format {
	case Atom:
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(w, s.atom())
	case JSONFeed:
		w.Header().Set("Content-Type", "application/feed+json")
		fmt.Fprint(w, s.jsonFeed())
	default:
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, s.rss())
	}
	return 200
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (s *Server) rss() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:georss="http://www.georss.org/georss"><channel>`)
	fmt.Fprintf(&b, "<title>%s</title><link>%s</link><language>%s</language><ttl>15</ttl>\n", esc(s.title), esc(s.srv.URL), esc(s.lang))
	for _, it := range s.items {
		b.WriteString("<item>")
		fmt.Fprintf(&b, "<title>%s</title>", esc(it.Title))
		if it.Link != "" {
			fmt.Fprintf(&b, "<link>%s</link>", esc(it.Link))
		}
		if it.GUID != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, esc(it.GUID))
		}
		if !it.Published.IsZero() {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", it.Published.Format(time.RFC1123Z))
		}
		if it.Author != "" {
			fmt.Fprintf(&b, "<dc:creator>%s</dc:creator>", esc(it.Author))
		}
		fmt.Fprintf(&b, "<description>%s</description>", esc(it.Description))
		if it.Point != "" {
			fmt.Fprintf(&b, "<georss:point>%s</georss:point>", esc(it.Point))
		}
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

func (s *Server) atom() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	fmt.Fprintf(&b, `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="%s"><id>tag:kaval.test,2026:feed</id><title>%s</title><updated>%s</updated><link rel="self" href="%s"/>`+"\n",
		esc(s.lang), esc(s.title), s.modified.Format(time.RFC3339), esc(s.srv.URL+"/feed"))
	for _, it := range s.items {
		b.WriteString("<entry>")
		if it.GUID != "" {
			fmt.Fprintf(&b, "<id>%s</id>", esc(it.GUID))
		}
		fmt.Fprintf(&b, `<title>%s</title><link rel="alternate" href="%s"/>`, esc(it.Title), esc(it.Link))
		if !it.Published.IsZero() {
			fmt.Fprintf(&b, "<published>%s</published><updated>%s</updated>", it.Published.Format(time.RFC3339), it.Published.Format(time.RFC3339))
		}
		if it.Author != "" {
			fmt.Fprintf(&b, "<author><name>%s</name></author>", esc(it.Author))
		}
		fmt.Fprintf(&b, `<summary type="html">%s</summary>`, esc(it.Description))
		b.WriteString("</entry>\n")
	}
	b.WriteString("</feed>\n")
	return b.String()
}

func (s *Server) jsonFeed() string {
	type item struct {
		ID            string              `json:"id,omitempty"`
		URL           string              `json:"url,omitempty"`
		Title         string              `json:"title,omitempty"`
		ContentHTML   string              `json:"content_html,omitempty"`
		DatePublished string              `json:"date_published,omitempty"`
		Authors       []map[string]string `json:"authors,omitempty"`
	}
	f := struct {
		Version  string `json:"version"`
		Title    string `json:"title"`
		HomePage string `json:"home_page_url"`
		FeedURL  string `json:"feed_url"`
		Language string `json:"language"`
		Items    []item `json:"items"`
	}{"https://jsonfeed.org/version/1.1", s.title, s.srv.URL, s.srv.URL + "/feed", s.lang, []item{}}
	for _, it := range s.items {
		ji := item{ID: it.GUID, URL: it.Link, Title: it.Title, ContentHTML: it.Description}
		if !it.Published.IsZero() {
			ji.DatePublished = it.Published.Format(time.RFC3339)
		}
		if it.Author != "" {
			ji.Authors = []map[string]string{{"name": it.Author}}
		}
		f.Items = append(f.Items, ji)
	}
	b, _ := json.Marshal(f)
	return string(b)
}
