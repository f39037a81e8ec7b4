// Package webform is the force's public web form: a citizen reports a
// concern (with an optional place, coordinates and contact) and gets a
// reference number; anyone with the number can see the case's progress,
// never the personal data in it.
//
// Pages are server-rendered with html/template (all citizen text escaped)
// under a strict CSP (default-src 'self'; the only script is our own
// embedded form.js for the geolocation button). Spam resistance needs no
// third party: a per-IP token bucket in a bounded LRU, a honeypot field, an
// HMAC-signed form token carrying its render time (too fast, too old or
// reused submissions are refused), size limits on every field and a limit
// on links.
//
// The post handed to the desk is Platform "webform", Kind "form", Private.
// Its Text is the concern; when a place name was given it is appended on its
// own line as "\n\nPlace: <name>" so the place analyser reads it like any
// other text (Author.Location is left for where the author lives). Name goes
// to Author.Name; phone and e-mail appear only in Raw (the sanitised form
// as JSON), which only the desk's authorised users see. Author.ExternalID is
// an HMAC of the normalised contact (so a repeat reporter groups) or, with
// no contact, of the form token. ExternalID is derived from the form token,
// so a double submit is idempotent at intake.
package webform

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// Desk is what the form needs from the engagement desk.
type Desk interface {
	// SubmitForm makes the post durable, opens (or joins) its case and
	// returns the case's reference and status code.
	SubmitForm(ctx context.Context, p post.Post) (Receipt, error)
	// PublicStatus returns what may be shown publicly about the case with
	// this reference, if code is its status code; store.ErrNotFound
	// otherwise (unknown reference and wrong code alike).
	PublicStatus(ctx context.Context, ref, code string) (PublicStatus, error)
	// Feedback records the citizen's "was it resolved?" answer (yes or
	// no, in lang) for the case with this reference and code:
	// store.ErrNotFound as PublicStatus, ErrFeedbackTooEarly before the
	// case is resolved or closed.
	Feedback(ctx context.Context, ref, code, answer, lang string) error
}

// Receipt is what the citizen takes away: the reference to quote, and the
// status code that, with it, opens the public status page. A reference
// alone is sequential and guessable; the pair is not.
type Receipt struct {
	Ref  string
	Code string // as the citizen is shown it, e.g. 3F9A2-C41B7
}

// PublicStatus is what anyone holding the reference and its code may see.
// It must carry no personal data: the desk builds it from case state, not
// from posts.
type PublicStatus struct {
	Ref, Status     string
	Unit, UnitKn    string // the unit handling the case, in English and Kannada
	Opened, Updated time.Time
	Steps           []PublicStep
	// FeedbackOpen: the case is resolved or closed, so the page asks
	// whether it really was; Feedback is the answer given ("" for none).
	FeedbackOpen bool
	Feedback     string
}

// Public step kinds; the page words each in the reader's language.
const (
	StepReceived = "received" // the report reached the desk
	StepStatus   = "status"   // Status changed
	StepUnit     = "unit"     // sent to Unit
	StepReplied  = "replied"  // the police's reply reached the citizen
	StepAction   = "action"   // the station acted: Action
)

// PublicStep is one public timeline entry, e.g. "Sent to Adugodi PS".
type PublicStep struct {
	At               time.Time
	Kind             string
	Status           string // StepStatus: the new status
	Unit, UnitKn     string // StepUnit
	Action, ActionKn string // StepAction: what the station did, in English and Kannada
}

// Options configures the form. Secret is required.
type Options struct {
	Secret      []byte           // HMAC key for form tokens and derived ids; at least 16 bytes
	Now         func() time.Time // clock; time.Now when nil
	ForceName   string           // "Bengaluru City Police"
	ForceNameKn string           // "ಬೆಂಗಳೂರು ನಗರ ಪೊಲೀಸ್"
	RefPrefix   string           // "BCP": references look like BCP-2026-000123
	BasePath    string           // where the handler is mounted; "/report"

	MinFill time.Duration // fastest plausible human fill; 3 s
	MaxAge  time.Duration // oldest accepted form; 2 h
	Limits  Limits        // zero means DefaultLimits

	// SubmitRate/SubmitBurst bound submissions per client; PageRate/PageBurst
	// bound page views. Status look-ups (a reference and a code) are
	// bounded again, per client (LookupRate/LookupBurst) and for everyone
	// together (GlobalLookupRate/GlobalLookupBurst), so that guessing codes
	// from many addresses at once is as slow as from one.
	SubmitRate        rate.Limit // 1 per 20 s
	SubmitBurst       int        // 5
	PageRate          rate.Limit // 2 per s
	PageBurst         int        // 30
	LookupRate        rate.Limit // 1 per 6 s
	LookupBurst       int        // 10
	GlobalLookupRate  rate.Limit // 20 per s
	GlobalLookupBurst int        // 100
	MaxClients        int        // size of the per-client LRU; 10000
	MaxPending        int        // size of the replay set; 200000

	// ClientIP returns the key to rate-limit on. The default is the remote
	// address; behind a trusted proxy the lead plugs in X-Forwarded-For.
	ClientIP func(*http.Request) string
	Log      *slog.Logger
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

type handler struct {
	desk    Desk
	opt     Options
	tokens  *tokens
	replays *replays
	submits *limiters
	pages   *limiters
	lookups *limiters
	global  *rate.Limiter
	pagesT  map[string]*template.Template
	refRE   *regexp.Regexp
	mux     *http.ServeMux
}

var ist = time.FixedZone("IST", 5*3600+1800)

// New returns the form's handler. It panics on a missing secret or a broken
// template, which are programming errors caught at start-up.
func New(d Desk, opt Options) http.Handler {
	if len(opt.Secret) < 16 {
		panic("webform: Options.Secret must be at least 16 bytes")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.ForceName == "" {
		opt.ForceName = "Bengaluru City Police"
	}
	if opt.ForceNameKn == "" {
		opt.ForceNameKn = "ಬೆಂಗಳೂರು ನಗರ ಪೊಲೀಸ್"
	}
	if opt.RefPrefix == "" {
		opt.RefPrefix = "BCP"
	}
	opt.BasePath = "/" + strings.Trim(opt.BasePath, "/")
	if opt.BasePath == "/" {
		opt.BasePath = "/report"
	}
	if opt.MinFill == 0 {
		opt.MinFill = 3 * time.Second
	}
	if opt.MaxAge == 0 {
		opt.MaxAge = 2 * time.Hour
	}
	if opt.Limits == (Limits{}) {
		opt.Limits = DefaultLimits
	}
	if opt.SubmitRate == 0 {
		opt.SubmitRate = rate.Every(20 * time.Second)
	}
	if opt.SubmitBurst == 0 {
		opt.SubmitBurst = 5
	}
	if opt.PageRate == 0 {
		opt.PageRate = 2
	}
	if opt.PageBurst == 0 {
		opt.PageBurst = 30
	}
	if opt.LookupRate == 0 {
		opt.LookupRate = rate.Every(6 * time.Second)
	}
	if opt.LookupBurst == 0 {
		opt.LookupBurst = 10
	}
	if opt.GlobalLookupRate == 0 {
		opt.GlobalLookupRate = 20
	}
	if opt.GlobalLookupBurst == 0 {
		opt.GlobalLookupBurst = 100
	}
	if opt.MaxClients == 0 {
		opt.MaxClients = 10000
	}
	if opt.MaxPending == 0 {
		opt.MaxPending = 200000
	}
	if opt.ClientIP == nil {
		opt.ClientIP = remoteIP
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	h := &handler{
		desk:    d,
		opt:     opt,
		tokens:  &tokens{key: opt.Secret, minFill: opt.MinFill, maxAge: opt.MaxAge},
		replays: newReplays(opt.MaxPending, opt.MaxAge),
		submits: newLimiters(opt.SubmitRate, opt.SubmitBurst, opt.MaxClients),
		pages:   newLimiters(opt.PageRate, opt.PageBurst, opt.MaxClients),
		lookups: newLimiters(opt.LookupRate, opt.LookupBurst, opt.MaxClients),
		global:  rate.NewLimiter(opt.GlobalLookupRate, opt.GlobalLookupBurst),
		pagesT:  map[string]*template.Template{},
		refRE:   regexp.MustCompile(`^` + regexp.QuoteMeta(strings.ToUpper(opt.RefPrefix)) + `-[0-9]{4}-[0-9]{1,12}$`),
		mux:     http.NewServeMux(),
	}
	layout := template.Must(template.ParseFS(templateFS, "templates/layout.html"))
	for _, page := range []string{"form", "done", "status", "message"} {
		t := template.Must(template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+page+".html"))
		h.pagesT[page] = t
	}
	b := opt.BasePath
	h.mux.HandleFunc("GET "+b+"/{$}", h.form)
	h.mux.HandleFunc("POST "+b+"/{$}", h.submit)
	h.mux.HandleFunc("GET "+b+"/status", h.status)
	h.mux.HandleFunc("GET "+b+"/status/{ref}", h.status)
	h.mux.HandleFunc("POST "+b+"/status/feedback", h.feedback)
	h.mux.HandleFunc("GET "+b+"/static/{file}", h.static)
	h.mux.HandleFunc(b+"/", func(w http.ResponseWriter, r *http.Request) {
		h.message(w, r, http.StatusNotFound, "notfound", "notfound_text")
	})
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer") // a status URL carries the reference
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
	h.mux.ServeHTTP(w, r)
}

// page is the data of every template.
type page struct {
	Lang, OtherLang, Force, Base, SwitchURL string
	Error                                   string
	Token                                   string
	Form                                    fields
	Limits                                  Limits
	Ref, Code, RefExample                   string
	StatusURL                               string // the done page's link to the status page
	Status                                  *PublicStatus
	Title, Message                          string
	Answered                                bool // the status page after a feedback answer
}

func (p *page) T(key string) string { return translate(p.Lang, key) }

func (p *page) StatusName(s string) string {
	if m, ok := messages[p.Lang]["st_"+s]; ok {
		return m
	}
	return p.T("st_other") // never a raw internal name on a public page
}

// StepText words a public step in the page's language.
func (p *page) StepText(s PublicStep) string {
	switch s.Kind {
	case StepReceived:
		return p.T("step_received")
	case StepStatus:
		return strings.ReplaceAll(p.T("step_status"), "{status}", p.StatusName(s.Status))
	case StepUnit:
		return strings.ReplaceAll(p.T("step_unit"), "{unit}", p.UnitName(s.Unit, s.UnitKn))
	case StepReplied:
		return p.T("step_replied")
	case StepAction:
		return strings.ReplaceAll(p.T("step_action"), "{action}", p.UnitName(s.Action, s.ActionKn))
	}
	return p.T("step_other")
}

// UnitName is a unit's name (or any text given in both languages) in the
// page's language.
func (p *page) UnitName(en, kn string) string {
	if p.Lang == "kn" && kn != "" {
		return kn
	}
	return en
}

func (p *page) When(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(ist).Format("2 Jan 2006, 15:04") + " IST"
}

func (p *page) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (h *handler) newPage(r *http.Request, lang string) *page {
	if lang == "" {
		lang = pickLang(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
	}
	p := &page{Lang: lang, Base: h.opt.BasePath, Limits: h.opt.Limits, Force: h.opt.ForceName,
		RefExample: strings.ToUpper(h.opt.RefPrefix) + "-" + strconv.Itoa(h.opt.Now().Year()) + "-000123"}
	p.OtherLang = "kn"
	if lang == "kn" {
		p.OtherLang, p.Force = "en", h.opt.ForceNameKn
	}
	q := url.Values{}
	for _, k := range []string{"ref", "code"} {
		if v := r.URL.Query().Get(k); v != "" && len(v) <= 40 {
			q.Set(k, v)
		}
	}
	q.Set("lang", p.OtherLang)
	path := r.URL.Path
	if r.Method != http.MethodGet {
		path = h.opt.BasePath + "/"
	}
	p.SwitchURL = path + "?" + q.Encode()
	return p
}

func (h *handler) render(w http.ResponseWriter, status int, name string, p *page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := h.pagesT[name].ExecuteTemplate(w, "layout", p); err != nil {
		h.opt.Log.Error("webform: unable to render page", "page", name, "err", err)
	}
}

func (h *handler) message(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	p := h.newPage(r, "")
	p.Title, p.Message = title, p.T(msg)
	h.render(w, status, "message", p)
}

// limited answers 429 with Retry-After when the client is over its budget.
func (h *handler) limited(w http.ResponseWriter, r *http.Request, l *limiters, lang string) bool {
	ok, wait := l.allow(h.opt.ClientIP(r), h.opt.Now())
	if ok {
		return false
	}
	secs := int64(wait/time.Second) + 1
	if secs < 1 || secs > 86400 {
		secs = 86400
	}
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	p := h.newPage(r, lang)
	p.Title, p.Message = "busy", p.T("err_rate")
	h.render(w, http.StatusTooManyRequests, "message", p)
	return true
}

func (h *handler) form(w http.ResponseWriter, r *http.Request) {
	if h.limited(w, r, h.pages, "") {
		return
	}
	p := h.newPage(r, "")
	p.Token = h.tokens.issue(h.opt.Now())
	h.render(w, http.StatusOK, "form", p)
}

// refuse re-renders the form with the citizen's text, a fresh token and
// the reason, so nothing they typed is lost.
func (h *handler) refuse(w http.ResponseWriter, r *http.Request, status int, f fields, key string) {
	p := h.newPage(r, f.Lang)
	p.Error = p.T(key)
	p.Form = f
	p.Form.Token, p.Form.Honeypot = "", ""
	p.Token = h.tokens.issue(h.opt.Now())
	h.render(w, status, "form", p)
}

func (h *handler) submit(w http.ResponseWriter, r *http.Request) {
	if h.limited(w, r, h.submits, "") {
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		h.message(w, r, http.StatusUnsupportedMediaType, "refused", "err_type")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opt.Limits.Body))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.message(w, r, http.StatusRequestEntityTooLarge, "refused", "err_size")
			return
		}
		h.message(w, r, http.StatusBadRequest, "refused", "err_generic")
		return
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		h.message(w, r, http.StatusBadRequest, "refused", "err_generic")
		return
	}
	f, err := parseFields(vals, h.opt.Limits)
	if err != nil {
		var fe *formError
		errors.As(err, &fe)
		if fe == errUTF8 || fe == errRepeated {
			// Nothing safe to echo back.
			h.message(w, r, fe.status, "refused", fe.key)
			return
		}
		h.refuse(w, r, fe.status, f, fe.key)
		return
	}
	if f.Honeypot != "" {
		// A bot filled the invisible field. Say no plainly; there is
		// nothing a human needs to correct.
		h.opt.Log.Info("webform: honeypot triggered", "client", h.opt.ClientIP(r))
		h.message(w, r, http.StatusBadRequest, "refused", "err_generic")
		return
	}
	now := h.opt.Now()
	tok, err := h.tokens.check(f.Token, now)
	switch {
	case errors.Is(err, errTokenFast):
		h.refuse(w, r, http.StatusBadRequest, f, "err_fast")
		return
	case errors.Is(err, errTokenExpired):
		h.refuse(w, r, http.StatusBadRequest, f, "err_expired")
		return
	case err != nil:
		h.refuse(w, r, http.StatusBadRequest, f, "err_token")
		return
	}
	switch err := h.replays.claim(tok, now); {
	case errors.Is(err, errTokenReplay):
		p := h.newPage(r, f.Lang)
		p.Title, p.Message = "refused", p.T("err_replay")
		h.render(w, http.StatusConflict, "message", p)
		return
	case err != nil:
		h.opt.Log.Warn("webform: replay set full, refusing submissions", "err", err)
		w.Header().Set("Retry-After", "60")
		h.refuse(w, r, http.StatusServiceUnavailable, f, "err_busy")
		return
	}
	rc, err := h.desk.SubmitForm(r.Context(), h.toPost(f, tok, now))
	if err != nil {
		h.replays.release(tok) // let the citizen retry the same form
		h.opt.Log.Error("webform: unable to submit form", "err", err)
		w.Header().Set("Retry-After", "60")
		p := h.newPage(r, f.Lang)
		p.Error = p.T("err_busy")
		p.Form = f
		p.Token = f.Token // same token: a retry is idempotent at intake
		h.render(w, http.StatusServiceUnavailable, "form", p)
		return
	}
	p := h.newPage(r, f.Lang)
	p.Ref, p.Code = rc.Ref, rc.Code
	p.StatusURL = h.opt.BasePath + "/status?" + url.Values{"ref": {rc.Ref}, "code": {rc.Code}, "lang": {p.Lang}}.Encode()
	h.render(w, http.StatusOK, "done", p)
}

// rawForm is the evidence copy of a submission: the sanitised fields,
// including the contact details that appear nowhere else.
type rawForm struct {
	Form    string   `json:"form"`
	Lang    string   `json:"lang,omitempty"`
	Concern string   `json:"concern"`
	Place   string   `json:"place,omitempty"`
	Lat     *float64 `json:"lat,omitempty"`
	Lon     *float64 `json:"lon,omitempty"`
	Name    string   `json:"name,omitempty"`
	Phone   string   `json:"phone,omitempty"`
	Email   string   `json:"email,omitempty"`
	Issued  string   `json:"form_rendered_at"`
}

func (h *handler) toPost(f fields, tok token, now time.Time) post.Post {
	text := f.Concern
	if f.Place != "" {
		text += "\n\nPlace: " + f.Place
	}
	authorID := "anon-" + h.tokens.derive("author", tok.nonce[:])
	if k := f.contactKey(); k != "" {
		authorID = "contact-" + h.tokens.derive("contact", []byte(k))
	}
	raw, _ := json.Marshal(rawForm{Form: "v1", Lang: f.Lang, Concern: f.Concern, Place: f.Place, Lat: f.lat, Lon: f.lon,
		Name: f.Name, Phone: f.Phone, Email: f.Email, Issued: tok.issued.UTC().Format(time.RFC3339)})
	return post.Post{
		Platform:   post.WebForm,
		ExternalID: h.tokens.derive("post", tok.nonce[:]),
		Kind:       post.KindForm,
		Author:     post.Author{ExternalID: authorID, Name: f.Name},
		Text:       text,
		Lat:        f.lat,
		Lon:        f.lon,
		Private:    true,
		CreatedAt:  now.UTC(),
		ReceivedAt: now.UTC(),
		Raw:        raw,
	}
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	if h.limited(w, r, h.pages, "") {
		return
	}
	ref := r.PathValue("ref")
	if ref == "" {
		ref = r.URL.Query().Get("ref")
	}
	code := r.URL.Query().Get("code")
	p := h.newPage(r, "")
	if ref == "" && code == "" {
		h.render(w, http.StatusOK, "status", p)
		return
	}
	// Every look-up counts against the client's and everyone's budget
	// for guessing, whatever its answer.
	if h.limited(w, r, h.lookups, "") || h.limitedGlobal(w, r) {
		return
	}
	ref = strings.ToUpper(strings.TrimSpace(ref))
	// A malformed reference or code is answered exactly like an unknown
	// reference, and a wrong code like both.
	if len(ref) > 40 || !h.refRE.MatchString(ref) || code == "" || len(code) > 40 {
		h.notFound(w, r, ref, code)
		return
	}
	st, err := h.desk.PublicStatus(r.Context(), ref, code)
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.notFound(w, r, ref, code)
		return
	case err != nil:
		h.opt.Log.Error("webform: unable to read public status", "err", err)
		w.Header().Set("Retry-After", "60")
		h.message(w, r, http.StatusServiceUnavailable, "busy", "err_busy")
		return
	}
	p.Status, p.Ref, p.Code = &st, ref, code
	p.Answered = r.URL.Query().Get("answered") == "1" && st.Feedback != ""
	h.render(w, http.StatusOK, "status", p)
}

// notFound answers a look-up that found nothing with the look-up form
// again, keeping what was typed so a typo is easy to fix.
func (h *handler) notFound(w http.ResponseWriter, r *http.Request, ref, code string) {
	p := h.newPage(r, "")
	p.Error = p.T("notfound_text")
	if len(ref) <= 40 {
		p.Ref = ref
	}
	if len(code) <= 40 {
		p.Code = code
	}
	h.render(w, http.StatusNotFound, "status", p)
}

// limitedGlobal answers 429 when look-ups from everyone together are over
// budget.
func (h *handler) limitedGlobal(w http.ResponseWriter, r *http.Request) bool {
	now := h.opt.Now()
	res := h.global.ReserveN(now, 1)
	d := time.Minute
	if res.OK() {
		if d = res.DelayFrom(now); d == 0 {
			return false
		}
		res.CancelAt(now)
	}
	w.Header().Set("Retry-After", strconv.FormatInt(int64(d/time.Second)+1, 10))
	p := h.newPage(r, "")
	p.Title, p.Message = "busy", p.T("err_rate")
	h.render(w, http.StatusTooManyRequests, "message", p)
	return true
}

func (h *handler) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	var ctype string
	switch name {
	case "form.js":
		ctype = "text/javascript; charset=utf-8"
	case "form.css":
		ctype = "text/css; charset=utf-8"
	default:
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(staticFS, "static/"+name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	// IPv6 clients get a /64 each: one home network, one bucket.
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String()
	}
	return host
}
