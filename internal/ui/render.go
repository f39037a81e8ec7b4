package ui

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

// View is what every page template sees.
type View struct {
	Title     string // catalogue key of the page title
	TitleArgs []any
	Data      any // the page's own data

	// Filled by Render:
	Lang    string
	User    *auth.Principal
	Path    string // the request URI, for "come back here" links
	Nav     []NavItem
	Tabs    []NavItem
	Flash   *Flash
	Search  string     // the search page, when one is registered and allowed
	Notes   []NoteSlot // the notification fragments, likewise
	Section string
	Bar     []string // top-bar controls' fragments (the shift's clock)
}

// NoteSlot is one fragment in the top bar's notification area.
type NoteSlot struct{ Path, Live string }

// templates holds, per language, one parsed set per page file. Each set
// is the shared partials plus the page, with the functions bound to the
// language, so {{t "key"}} needs no argument telling it the language.
type templates struct {
	byLang map[string]map[string]*template.Template
}

// extraFuncs lets a page family add template functions from its own file
// (in an init function) without editing this one. Each entry is given the
// translator of the page's language.
var extraFuncs = map[string]func(t Translator) any{}

// Translator is the message catalogue of one language, for template
// functions added through AddFunc.
type Translator = translator

// AddFunc adds a template function; call it from an init function.
func AddFunc(name string, f func(t Translator) any) { extraFuncs[name] = f }

func (u *UI) funcs(t translator) template.FuncMap {
	m := template.FuncMap{
		"t":  t.T,
		"tt": func(key string, args []any) string { return t.T(key, args...) },
		"targs": func(key string, args []string) string {
			a := make([]any, len(args))
			for i, v := range args {
				a[i] = v
			}
			return t.T(key, a...)
		},
		"tn":    func(key string, n any, args ...any) string { return t.N(key, toInt64(n), args...) },
		"num":   func(n any) string { return Number(toInt64(n)) },
		"when":  func(at any) template.HTML { return t.When(toTime(at), u.now()) },
		"post":  PostText,
		"asset": u.assets.URL,
		"lang":  func() string { return t.lang },
		"has":   t.Has,
		"dict":  dict,
		"list":  func(v ...any) []any { return v },
		"role":  func(r auth.Role) string { return t.T("role." + string(r)) },
	}
	for k, f := range extraFuncs {
		m[k] = f(t)
	}
	return m
}

func parseTemplates(u *UI) (*templates, error) {
	files, err := fs.Glob(templatesFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var shared, pages []string
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			shared = append(shared, f)
		} else {
			pages = append(pages, f)
		}
	}
	ts := &templates{byLang: map[string]map[string]*template.Template{}}
	for _, lang := range Languages {
		base, err := template.New("").Funcs(u.funcs(translator{lang: lang, msgs: u.cat[lang]})).ParseFS(templatesFS, shared...)
		if err != nil {
			return nil, fmt.Errorf("ui: unable to parse templates: %w", err)
		}
		ts.byLang[lang] = map[string]*template.Template{}
		for _, p := range pages {
			t, err := template.Must(base.Clone()).ParseFS(templatesFS, p)
			if err != nil {
				return nil, fmt.Errorf("ui: unable to parse %s: %w", p, err)
			}
			if t.Lookup("main") == nil {
				return nil, fmt.Errorf("ui: %s defines no \"main\" template", p)
			}
			ts.byLang[lang][path.Base(p)] = t
		}
	}
	return ts, nil
}

func (ts *templates) get(lang, file string) (*template.Template, error) {
	t := ts.byLang[lang][file]
	if t == nil {
		return nil, fmt.Errorf("ui: no template %s", file)
	}
	return t, nil
}

// Render writes a whole page: the layout around the page file's "main".
func (u *UI) Render(w http.ResponseWriter, r *http.Request, status int, file string, v View) error {
	t, err := u.tmpl.get(Lang(r), file)
	if err != nil {
		return err
	}
	u.fill(w, r, &v)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("ui: unable to render %s: %w", file, err)
	}
	writeHTML(w, r, status, buf.Bytes())
	return nil
}

// Fragment writes one named template of a page file (an htmx swap), with
// the flash of this request appended as an out-of-band swap.
func (u *UI) Fragment(w http.ResponseWriter, r *http.Request, status int, file, name string, data any) error {
	t, err := u.tmpl.get(Lang(r), file)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("ui: unable to render %s/%s: %w", file, name, err)
	}
	if st := state(r); st != nil && st.flash != nil {
		if err := t.ExecuteTemplate(&buf, "flash-oob", st.flash); err != nil {
			return fmt.Errorf("ui: unable to render flash: %w", err)
		}
	}
	writeHTML(w, r, status, buf.Bytes())
	return nil
}

// RenderString renders one named template of a page file in lang, for
// pushing over SSE (no request at hand).
func (u *UI) RenderString(lang, file, name string, data any) (string, error) {
	t, err := u.tmpl.get(lang, file)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return "", fmt.Errorf("ui: unable to render %s/%s: %w", file, name, err)
	}
	return buf.String(), nil
}

// Redirect answers a form post: 303 to target for a plain post, or an
// HX-Location for htmx, so the flash set before is shown on arrival.
func (u *UI) Redirect(w http.ResponseWriter, r *http.Request, target string) error {
	if !web.LocalPath(target) {
		target = u.home(auth.FromContext(r.Context()))
	}
	if st := state(r); st != nil && st.flash != nil {
		setFlashCookie(w, r, u.srv.Secure(r), st.flash)
	}
	if IsHTMX(r) {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// IsHTMX reports whether r was sent by htmx (and wants a fragment).
func IsHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

func (u *UI) fill(w http.ResponseWriter, r *http.Request, v *View) {
	p := auth.FromContext(r.Context())
	v.Lang, v.User, v.Path = Lang(r), p, r.URL.RequestURI()
	v.Nav, v.Tabs = u.menu(p, r.Pattern)
	v.Bar = u.topBar(p)
	u.mu.Lock()
	v.Section = u.sections[r.Pattern]
	if p != nil && !p.MustChange {
		if u.search != nil && p.Can(u.search.perm) {
			v.Search = u.search.path
		}
		for _, n := range u.notes {
			if p.Can(n.perm) {
				v.Notes = append(v.Notes, NoteSlot{Path: n.path, Live: n.Label})
			}
		}
	}
	u.mu.Unlock()
	if st := state(r); st != nil && st.flash != nil {
		v.Flash = st.flash
	} else if f := takeFlashCookie(w, r, u.srv.Secure(r)); f != nil && u.cat[v.Lang][f.Key] != nil {
		v.Flash = f
	}
	if v.Title == "" {
		v.Title = "app.name"
	}
}

// writeHTML sends a page: never cached (it holds personal data), gzip
// when the client takes it and it pays.
func writeHTML(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Accept-Encoding, HX-Request")
	if len(body) > 1024 && acceptsGzip(r) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		zw.Write(body)
		zw.Close()
		h.Set("Content-Encoding", "gzip")
		body = buf.Bytes()
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("ui: dict needs key/value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("ui: dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
