package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded file, served at /desk/assets/NAME.HASH.EXT with a
// year-long immutable cache: a changed file gets a new URL, so a station
// PC on 3G downloads htmx and the font once, and each warm page load is
// only its HTML.
type asset struct {
	name, url, ctype string
	body, gz         []byte // gz is nil when compressing does not pay (woff2)
}

type assets struct {
	byName map[string]*asset // app.css -> asset
	byURL  map[string]*asset // app.3f2a1b9c0d4e.css -> asset
}

const assetPrefix = "/desk/assets/"

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]*asset{}, byURL: map[string]*asset{}}
	var css []string
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		switch path.Ext(name) {
		case ".css":
			css = append(css, name) // after the files they refer to
		case ".js", ".woff2", ".svg":
			body, err := staticFS.ReadFile(p)
			if err != nil {
				return err
			}
			a.add(name, body)
		}
		// licence texts and the vendoring record are not served
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ui: unable to load assets: %w", err)
	}
	for _, name := range css {
		body, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			return nil, fmt.Errorf("ui: unable to load assets: %w", err)
		}
		// url("font.woff2") -> url("/desk/assets/font.HASH.woff2"), so the
		// stylesheet's hash changes when a file it uses does.
		var bad error
		body = cssURLRE.ReplaceAllFunc(body, func(m []byte) []byte {
			ref := string(cssURLRE.FindSubmatch(m)[1])
			as, ok := a.byName[ref]
			if !ok {
				bad = fmt.Errorf("ui: %s refers to %q, which is not in static/", name, ref)
				return m
			}
			return []byte(`url("` + as.url + `")`)
		})
		if bad != nil {
			return nil, bad
		}
		a.add(name, body)
	}
	return a, nil
}

var cssURLRE = regexp.MustCompile(`url\("([^"/]+)"\)`)

func (a *assets) add(name string, body []byte) {
	ext := path.Ext(name)
	sum := sha256.Sum256(body)
	hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
	as := &asset{name: name, url: assetPrefix + hashed, ctype: mime.TypeByExtension(ext), body: body}
	if ext == ".woff2" {
		as.ctype = "font/woff2" // already compressed
	} else {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		as.gz = buf.Bytes()
	}
	a.byName[name], a.byURL[hashed] = as, as
}

// URL returns the content-hash URL of an embedded file; it panics on an
// unknown name so a typo in a template fails at start-up, not in a page.
func (a *assets) URL(name string) string {
	as, ok := a.byName[name]
	if !ok {
		panic(fmt.Sprintf("ui: no asset %q", name))
	}
	return as.url
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) error {
	as, ok := a.byURL[r.PathValue("file")]
	if !ok {
		return errNotFound
	}
	h := w.Header()
	h.Set("Content-Type", as.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	body := as.body
	if as.gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = as.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return nil
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
