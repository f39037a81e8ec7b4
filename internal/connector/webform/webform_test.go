package webform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// memDesk is an in-test desk: the real one belongs to the desk package and
// this file tests the HTTP edge.
type memDesk struct {
	mu     sync.Mutex
	posts  []post.Post
	byExt  map[string]string // external id → ref
	status map[string]PublicStatus
	fail   error
}

func newMemDesk() *memDesk {
	return &memDesk{byExt: map[string]string{}, status: map[string]PublicStatus{}}
}

func (d *memDesk) SubmitForm(_ context.Context, p post.Post) (Receipt, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail != nil {
		return Receipt{}, d.fail
	}
	if ref, ok := d.byExt[p.ExternalID]; ok { // idempotent on (platform, external id)
		return Receipt{Ref: ref, Code: memCode(ref)}, nil
	}
	d.posts = append(d.posts, p)
	ref := fmt.Sprintf("BCP-2026-%06d", len(d.posts))
	d.byExt[p.ExternalID] = ref
	d.status[ref] = PublicStatus{Ref: ref, Status: "new", Opened: p.CreatedAt, Updated: p.CreatedAt,
		Steps: []PublicStep{{At: p.CreatedAt, Kind: StepReceived}}}
	return Receipt{Ref: ref, Code: memCode(ref)}, nil
}

// memCode is the in-test desk's status code of ref.
func memCode(ref string) string { return "C0DE" + ref[len(ref)-1:] + "-5A7F0" }

func (d *memDesk) PublicStatus(_ context.Context, ref, code string) (PublicStatus, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, ok := d.status[ref]
	norm := strings.ToUpper(strings.ReplaceAll(code, "-", ""))
	if !ok || norm != strings.ReplaceAll(memCode(ref), "-", "") {
		return PublicStatus{}, store.ErrNotFound
	}
	return st, nil
}

func (d *memDesk) Feedback(_ context.Context, ref, code, answer, lang string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, ok := d.status[ref]
	if !ok || strings.ToUpper(strings.ReplaceAll(code, "-", "")) != strings.ReplaceAll(memCode(ref), "-", "") {
		return store.ErrNotFound
	}
	if !st.FeedbackOpen {
		return ErrFeedbackTooEarly
	}
	st.Feedback = answer
	d.status[ref] = st
	return nil
}

func (d *memDesk) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.posts)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	desk  *memDesk
	clock *clock
	srv   *httptest.Server
}

func newEnv(t *testing.T, tweak func(*Options)) *env {
	t.Helper()
	e := &env{desk: newMemDesk(), clock: &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}}
	opt := Options{Secret: []byte("0123456789abcdef0123456789abcdef"), Now: e.clock.Now,
		SubmitRate: rate.Inf, PageRate: rate.Inf}
	if tweak != nil {
		tweak(&opt)
	}
	mux := http.NewServeMux()
	mux.Handle("/report/", New(e.desk, opt))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

var tokenRE = regexp.MustCompile(`name="token" value="([^"]+)"`)

func (e *env) get(t *testing.T, path string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// token fetches the form and returns its token.
func (e *env) token(t *testing.T) string {
	t.Helper()
	code, _, body := e.get(t, "/report/")
	if code != 200 {
		t.Fatalf("form: %d", code)
	}
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no token in the form")
	}
	return m[1]
}

func (e *env) postRaw(t *testing.T, body string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Post(e.srv.URL+"/report/", "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func (e *env) post(t *testing.T, v url.Values) (int, http.Header, string) {
	return e.postRaw(t, v.Encode())
}

func valid(token string) url.Values {
	return url.Values{
		"token":   {token},
		"concern": {"Two men on a bike snatched a chain near the bus stop at 7 pm"},
		"place":   {"Jayanagar 4th Block"},
		"lat":     {"12.925"},
		"lon":     {"77.5838"},
		"name":    {"Lakshmi R"},
		"phone":   {"+91 98450 00000"},
		"email":   {"lakshmi@example.org"},
		"website": {""},
	}
}

var refRE = regexp.MustCompile(`BCP-2026-\d{6}`)

func TestSubmitShowsReferenceAndBuildsPost(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token(t)
	e.clock.Add(10 * time.Second)
	code, hdr, body := e.post(t, valid(tok))
	if code != 200 {
		t.Fatalf("submit: %d\n%s", code, body)
	}
	ref := refRE.FindString(body)
	if ref != "BCP-2026-000001" || !strings.Contains(body, `id="ref"`) {
		t.Fatalf("no reference in the answer:\n%s", body)
	}
	if !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("CSP %q", hdr.Get("Content-Security-Policy"))
	}
	if e.desk.count() != 1 {
		t.Fatalf("%d posts", e.desk.count())
	}
	p := e.desk.posts[0]
	if p.Platform != post.WebForm || p.Kind != post.KindForm || !p.Private || len(p.ExternalID) != 32 {
		t.Fatalf("post identity: %+v", p)
	}
	if p.Text != "Two men on a bike snatched a chain near the bus stop at 7 pm\n\nPlace: Jayanagar 4th Block" {
		t.Fatalf("text %q", p.Text)
	}
	if p.Lat == nil || *p.Lat != 12.925 || p.Lon == nil || *p.Lon != 77.5838 {
		t.Fatalf("location %v %v", p.Lat, p.Lon)
	}
	if p.Author.Name != "Lakshmi R" || strings.Contains(p.Author.ExternalID, "98450") || !strings.HasPrefix(p.Author.ExternalID, "contact-") {
		t.Fatalf("author %+v", p.Author)
	}
	for _, s := range []string{p.Text, p.Author.ExternalID, p.Author.Handle, p.Author.Location} {
		if strings.Contains(s, "98450") || strings.Contains(s, "lakshmi@") {
			t.Fatalf("contact outside the private raw fields: %q", s)
		}
	}
	raw := string(p.Raw)
	if !strings.Contains(raw, `"phone":"+91 98450 00000"`) || !strings.Contains(raw, `"email":"lakshmi@example.org"`) {
		t.Fatalf("raw %s", raw)
	}
	if !p.CreatedAt.Equal(e.clock.Now()) {
		t.Fatalf("created %v", p.CreatedAt)
	}

	// The same person reporting again with the phone written differently
	// is the same author.
	tok2 := e.token(t)
	e.clock.Add(5 * time.Second)
	v := valid(tok2)
	v.Set("phone", "09845000000")
	v.Del("email")
	if code, _, body := e.post(t, v); code != 200 || !strings.Contains(body, "BCP-2026-000002") {
		t.Fatalf("second submit %d", code)
	}
	if a, b := e.desk.posts[0].Author.ExternalID, e.desk.posts[1].Author.ExternalID; a != b {
		t.Fatalf("same phone, different authors %s %s", a, b)
	}
	if e.desk.posts[0].ExternalID == e.desk.posts[1].ExternalID {
		t.Fatal("two forms, one external id")
	}
}

func TestMinimalSubmission(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token(t)
	e.clock.Add(4 * time.Second)
	code, _, _ := e.post(t, url.Values{"token": {tok}, "concern": {"Streetlights out on 5th cross for a week"}})
	if code != 200 || e.desk.count() != 1 {
		t.Fatalf("%d, %d posts", code, e.desk.count())
	}
	p := e.desk.posts[0]
	if p.Lat != nil || p.Author.Name != "" || !strings.HasPrefix(p.Author.ExternalID, "anon-") || strings.Contains(p.Text, "Place:") {
		t.Fatalf("%+v", p)
	}
}

const xss = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`

func assertEscaped(t *testing.T, where, body string) {
	t.Helper()
	for _, bad := range []string{"<script>alert", "<img src=x", "onerror=alert(2)>"} {
		if strings.Contains(body, bad) {
			t.Fatalf("%s: unescaped %q in\n%s", where, bad, body)
		}
	}
	// Our pages carry no inline script at all.
	if regexp.MustCompile(`<script>`).MatchString(body) {
		t.Fatalf("%s: inline script", where)
	}
}

func TestXSSIsEscapedInEveryPage(t *testing.T) {
	e := newEnv(t, nil)
	// Refused pages echo the citizen's text back: every field carries the payload.
	tok := e.token(t)
	v := url.Values{"token": {tok}}
	for _, k := range []string{"concern", "place", "name", "phone", "email", "lat", "lon"} {
		v.Set(k, xss+" "+k)
	}
	code, _, body := e.post(t, v) // too fast and invalid: refused with the text kept
	if code < 400 {
		t.Fatalf("accepted: %d", code)
	}
	assertEscaped(t, "refused form", body)
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("payload not echoed escaped:\n%s", body)
	}
	// Each field alone on a too-fast form is echoed escaped.
	for _, k := range []string{"concern", "place", "name"} {
		v := valid(e.token(t))
		v.Set(k, xss)
		_, _, body := e.post(t, v)
		assertEscaped(t, "too fast with "+k, body)
	}

	// Accepted with the payload in the free-text fields.
	tok = e.token(t)
	e.clock.Add(5 * time.Second)
	v = valid(tok)
	v.Set("concern", xss+" at the market")
	v.Set("place", xss)
	v.Set("name", xss)
	code, _, body = e.post(t, v)
	if code != 200 {
		t.Fatalf("submit %d\n%s", code, body)
	}
	assertEscaped(t, "done", body)
	ref := refRE.FindString(body)

	// The desk's public data is escaped too.
	e.desk.mu.Lock()
	st := e.desk.status[ref]
	st.Unit, st.Status = xss, xss
	st.UnitKn = xss
	st.Steps = append(st.Steps, PublicStep{At: st.Opened.Add(time.Hour), Kind: StepUnit, Unit: xss, UnitKn: xss}, PublicStep{Kind: StepStatus, Status: xss})
	e.desk.status[ref] = st
	e.desk.mu.Unlock()
	code, _, body = e.get(t, "/report/status?ref="+ref+"&code="+memCode(ref))
	if code != 200 || !strings.Contains(body, ref) {
		t.Fatalf("status %d", code)
	}
	assertEscaped(t, "status", body)

	// Attacker-chosen query strings end up in links.
	for _, path := range []string{"/report/status?ref=" + url.QueryEscape(xss), "/report/status?ref=BCP-2026-000001&code=" + url.QueryEscape(xss), "/report/?lang=" + url.QueryEscape(xss), "/report/nope?x=" + url.QueryEscape(xss)} {
		_, _, body := e.get(t, path)
		assertEscaped(t, path, body)
	}
}

func TestRefusals(t *testing.T) {
	e := newEnv(t, nil)
	cases := []struct {
		name   string
		mutate func(url.Values)
		wait   time.Duration
		code   int
		msg    string
	}{
		{"honeypot", func(v url.Values) { v.Set("website", "http://spam.example") }, 5 * time.Second, 400, messages["en"]["err_generic"]},
		{"too fast", nil, time.Second, 400, messages["en"]["err_fast"]},
		{"expired", nil, 2*time.Hour + time.Minute, 400, messages["en"]["err_expired"]},
		{"forged token", func(v url.Values) { v.Set("token", strings.Repeat("A", 55)) }, 5 * time.Second, 400, messages["en"]["err_token"]},
		{"tampered token", func(v url.Values) {
			b := []byte(v.Get("token"))
			b[3] ^= 1
			v.Set("token", string(b))
		}, 5 * time.Second, 400, messages["en"]["err_token"]},
		{"no token", func(v url.Values) { v.Del("token") }, 5 * time.Second, 400, messages["en"]["err_token"]},
		{"concern too short", func(v url.Values) { v.Set("concern", "help") }, 5 * time.Second, 400, messages["en"]["err_concern_required"]},
		{"concern too long", func(v url.Values) { v.Set("concern", strings.Repeat("ಕ", 3001)) }, 5 * time.Second, 413, messages["en"]["err_concern_long"]},
		{"name too long", func(v url.Values) { v.Set("name", strings.Repeat("n", 101)) }, 5 * time.Second, 413, messages["en"]["err_name_long"]},
		{"place too long", func(v url.Values) { v.Set("place", strings.Repeat("p", 201)) }, 5 * time.Second, 413, messages["en"]["err_place_long"]},
		{"bad phone", func(v url.Values) { v.Set("phone", "call me maybe") }, 5 * time.Second, 400, messages["en"]["err_phone"]},
		{"long phone", func(v url.Values) { v.Set("phone", strings.Repeat("9", 21)) }, 5 * time.Second, 400, messages["en"]["err_phone"]},
		{"bad email", func(v url.Values) { v.Set("email", "Bob <bob@example.org>") }, 5 * time.Second, 400, messages["en"]["err_email"]},
		{"lat only", func(v url.Values) { v.Del("lon") }, 5 * time.Second, 400, messages["en"]["err_latlon"]},
		{"lat range", func(v url.Values) { v.Set("lat", "91") }, 5 * time.Second, 400, messages["en"]["err_latlon"]},
		{"lon NaN", func(v url.Values) { v.Set("lon", "NaN") }, 5 * time.Second, 400, messages["en"]["err_latlon"]},
		{"links", func(v url.Values) {
			v.Set("concern", "cheap loans http://a.example https://b.example www.c.example")
		}, 5 * time.Second, 400, messages["en"]["err_links"]},
		{"repeated field", func(v url.Values) { v.Add("concern", "a second concern text") }, 5 * time.Second, 400, messages["en"]["err_fields"]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := valid(e.token(t))
			if c.mutate != nil {
				c.mutate(v)
			}
			e.clock.Add(c.wait)
			code, _, body := e.post(t, v)
			if code != c.code {
				t.Fatalf("status %d, want %d\n%s", code, c.code, body)
			}
			if !strings.Contains(body, escaped(c.msg)) {
				t.Fatalf("message %q missing:\n%s", c.msg, body)
			}
			if e.desk.count() != 0 {
				t.Fatalf("submitted despite refusal")
			}
		})
	}
}

// escaped mirrors html/template's escaping of apostrophes.
func escaped(s string) string {
	return strings.NewReplacer("'", "&#39;", "+", "&#43;").Replace(s)
}

func TestReplayAndBodyLimits(t *testing.T) {
	e := newEnv(t, nil)
	v := valid(e.token(t))
	e.clock.Add(5 * time.Second)
	if code, _, _ := e.post(t, v); code != 200 {
		t.Fatal(code)
	}
	code, _, body := e.post(t, v)
	if code != http.StatusConflict || !strings.Contains(body, escaped(messages["en"]["err_replay"])) {
		t.Fatalf("replay: %d\n%s", code, body)
	}
	if e.desk.count() != 1 {
		t.Fatalf("%d posts after replay", e.desk.count())
	}

	// Invalid UTF-8 anywhere.
	v = valid(e.token(t))
	e.clock.Add(5 * time.Second)
	code, _, _ = e.postRaw(t, v.Encode()+"&name=%ff%fe")
	if code != 400 {
		t.Fatalf("invalid UTF-8: %d", code)
	}
	code, _, _ = e.postRaw(t, strings.Replace(valid(e.token(t)).Encode(), "concern=Two", "concern=T%C3%28wo", 1))
	if code != 400 {
		t.Fatalf("invalid UTF-8 in concern: %d", code)
	}
	// A body over the limit.
	code, _, _ = e.postRaw(t, v.Encode()+"&junk="+strings.Repeat("x", 40<<10))
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("big body: %d", code)
	}
	// Multipart is not what our form sends.
	resp, err := http.Post(e.srv.URL+"/report/", "multipart/form-data; boundary=x", strings.NewReader("--x--"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("multipart: %d", resp.StatusCode)
	}
	if e.desk.count() != 1 {
		t.Fatalf("%d posts", e.desk.count())
	}
}

func TestDeskFailureAllowsIdempotentRetry(t *testing.T) {
	e := newEnv(t, nil)
	v := valid(e.token(t))
	e.clock.Add(5 * time.Second)
	e.desk.fail = errors.New("disk full")
	code, hdr, body := e.post(t, v)
	if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
		t.Fatalf("%d %v", code, hdr)
	}
	// The re-rendered form keeps the same token so the retry is idempotent.
	if m := tokenRE.FindStringSubmatch(body); m == nil || m[1] != v.Get("token") {
		t.Fatal("retry form lost the token")
	}
	e.desk.fail = nil
	if code, _, _ := e.post(t, v); code != 200 {
		t.Fatalf("retry: %d", code)
	}
	if e.desk.count() != 1 {
		t.Fatalf("%d posts", e.desk.count())
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.SubmitRate, o.SubmitBurst = rate.Every(time.Minute), 2
	})
	var last int
	var hdr http.Header
	for i := range 4 {
		v := valid(e.token(t))
		e.clock.Add(5 * time.Second)
		last, hdr, _ = e.post(t, v)
		if i < 2 && last != 200 {
			t.Fatalf("submission %d refused: %d", i, last)
		}
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("got %d, want 429", last)
	}
	ra, err := strconv.Atoi(hdr.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 60 {
		t.Fatalf("Retry-After %q", hdr.Get("Retry-After"))
	}
	if e.desk.count() != 2 {
		t.Fatalf("%d posts", e.desk.count())
	}
	// Waiting refills the bucket.
	v := valid(e.token(t))
	e.clock.Add(time.Duration(ra) * time.Second)
	if code, _, _ := e.post(t, v); code != 200 {
		t.Fatalf("after waiting: %d", code)
	}
}

func TestLimiterLRUIsBounded(t *testing.T) {
	l := newLimiters(1, 1, 100)
	now := time.Now()
	for i := range 1000 {
		l.allow("10.0."+strconv.Itoa(i/256)+"."+strconv.Itoa(i%256), now)
	}
	if l.len() != 100 {
		t.Fatalf("%d limiters", l.len())
	}
	if ok, _ := l.allow("k", now); !ok {
		t.Fatal("first request refused")
	}
	if ok, wait := l.allow("k", now); ok || wait <= 0 {
		t.Fatalf("second request: %v %v", ok, wait)
	}
}

func TestStatusPage(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.LookupBurst = 100 })
	v := valid(e.token(t))
	e.clock.Add(5 * time.Second)
	_, _, body := e.post(t, v)
	ref := refRE.FindString(body)
	code := memCode(ref)
	// The acknowledgement gives the code and a link that carries both.
	if !strings.Contains(body, `id="code">`+code+`<`) || !strings.Contains(body, `href="/report/status?code=`+code+`&amp;lang=en&amp;ref=`+ref+`"`) {
		t.Fatalf("the done page gives no status code and link\n%s", body)
	}
	e.desk.mu.Lock()
	st := e.desk.status[ref]
	st.Status, st.Unit, st.UnitKn = "waiting_station", "Jayanagar PS", "ಜಯನಗರ ಪೊಲೀಸ್ ಠಾಣೆ"
	st.Updated = st.Opened.Add(2 * time.Hour)
	st.Steps = append(st.Steps, PublicStep{At: st.Updated, Kind: StepUnit, Unit: "Jayanagar PS", UnitKn: "ಜಯನಗರ ಪೊಲೀಸ್ ಠಾಣೆ"},
		PublicStep{At: st.Updated, Kind: StepStatus, Status: "waiting_station"}, PublicStep{At: st.Updated, Kind: StepReplied})
	e.desk.status[ref] = st
	e.desk.mu.Unlock()

	lower := strings.ToLower(strings.ReplaceAll(code, "-", ""))
	for _, path := range []string{"/report/status?ref=" + ref + "&code=" + code, "/report/status/" + ref + "?code=" + code,
		"/report/status?ref=" + strings.ToLower(ref) + "%20&code=" + lower} {
		status, _, body := e.get(t, path)
		if status != 200 {
			t.Fatalf("%s: %d", path, status)
		}
		for _, want := range []string{ref, "With the police station", "Jayanagar PS", "Sent to Jayanagar PS", "Status: With the police station",
			"The police replied", "1 Mar 2026, 17:30 IST"} {
			if !strings.Contains(body, want) {
				t.Fatalf("%s: %q missing\n%s", path, want, body)
			}
		}
		for _, private := range []string{"98450", "lakshmi", "Lakshmi", "snatched"} {
			if strings.Contains(body, private) {
				t.Fatalf("%s: personal data %q on the public page", path, private)
			}
		}
	}

	// In Kannada, every word of the page is Kannada: the steps too.
	status, _, body := e.get(t, "/report/status?ref="+ref+"&code="+code+"&lang=kn")
	if status != 200 || !strings.Contains(body, `lang="kn"`) {
		t.Fatalf("Kannada status %d", status)
	}
	for _, want := range []string{"ಪೊಲೀಸ್ ಠಾಣೆಯಲ್ಲಿದೆ", "ಜಯನಗರ ಪೊಲೀಸ್ ಠಾಣೆ", messages["kn"]["step_received"], messages["kn"]["step_replied"], "ಸ್ಥಿತಿ: "} {
		if !strings.Contains(body, want) {
			t.Errorf("Kannada status page lacks %q", want)
		}
	}
	main := body[strings.Index(body, "<main>"):]
	for _, english := range []string{"Received", "Sent to", "Status:", "replied", "Jayanagar PS", "With the police"} {
		if strings.Contains(main, english) {
			t.Errorf("Kannada status page shows English %q", english)
		}
	}

	// A reference alone, a wrong code, or a code of another case finds
	// nothing, exactly like an unknown reference.
	for _, bad := range []string{"?ref=" + ref, "?ref=" + ref + "&code=C0DE9-5A7F0", "?ref=" + ref + "&code=" + strings.Repeat("A", 50),
		"?code=" + code, "?ref=BCP-2026-999999&code=" + code, "?ref=XYZ-2026-000001&code=" + code, "?ref=BCP-26-1&code=" + code,
		"?ref=" + url.QueryEscape("../../etc/passwd") + "&code=" + code, "?ref=" + strings.Repeat("9", 100) + "&code=" + code} {
		status, _, body := e.get(t, "/report/status"+bad)
		if status != 404 || !strings.Contains(body, messages["en"]["notfound_text"]) || strings.Contains(body, "Jayanagar") {
			t.Fatalf("%s: %d", bad, status)
		}
	}
	if status, _, body := e.get(t, "/report/status"); status != 200 || !strings.Contains(body, `name="ref"`) || !strings.Contains(body, `name="code"`) {
		t.Fatalf("lookup form: %d", status)
	}
}

// Guessing codes is slow from one address and from many at once.
func TestStatusLookupRateLimits(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.LookupRate, o.LookupBurst = rate.Every(time.Hour), 3 })
	codes := map[int]int{}
	for range 6 {
		code, hdr, _ := e.get(t, "/report/status?ref=BCP-2026-000001&code=00000-00000")
		codes[code]++
		if code == 429 && hdr.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if codes[404] != 3 || codes[429] != 3 {
		t.Fatalf("one client: %v", codes)
	}
	// The look-up form itself is not a guess.
	if code, _, _ := e.get(t, "/report/status"); code != 200 {
		t.Fatalf("lookup form after the limit: %d", code)
	}

	ip := 0
	g := newEnv(t, func(o *Options) {
		o.GlobalLookupRate, o.GlobalLookupBurst = rate.Every(time.Hour), 4
		o.ClientIP = func(*http.Request) string { ip++; return fmt.Sprint("10.0.0.", ip) } // every request from a new address
	})
	codes = map[int]int{}
	for range 8 {
		code, _, _ := g.get(t, "/report/status?ref=BCP-2026-000001&code=00000-00000")
		codes[code]++
	}
	if codes[404] != 4 || codes[429] != 4 {
		t.Fatalf("many clients: %v", codes)
	}
}

func TestLanguagesAndAssets(t *testing.T) {
	e := newEnv(t, nil)
	_, _, body := e.get(t, "/report/?lang=kn")
	if !strings.Contains(body, messages["kn"]["title"]) || !strings.Contains(body, "ಬೆಂಗಳೂರು ನಗರ ಪೊಲೀಸ್") {
		t.Fatal("no Kannada UI")
	}
	_, _, body = e.get(t, "/report/", "Accept-Language", "kn-IN,kn;q=0.9,en;q=0.8")
	if !strings.Contains(body, messages["kn"]["submit"]) {
		t.Fatal("Accept-Language ignored")
	}
	_, _, body = e.get(t, "/report/")
	if !strings.Contains(body, messages["en"]["submit"]) || !strings.Contains(body, `href="/report/?lang=kn"`) {
		t.Fatalf("English UI or switch missing\n%s", body)
	}
	code, hdr, js := e.get(t, "/report/static/form.js")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/javascript") || !strings.Contains(js, "geolocation") {
		t.Fatalf("form.js: %d %s", code, hdr.Get("Content-Type"))
	}
	if code, _, _ := e.get(t, "/report/static/../webform.go"); code != 404 {
		t.Fatalf("traversal: %d", code)
	}
	if code, _, _ := e.get(t, "/report/static/nope.js"); code != 404 {
		t.Fatalf("unknown asset: %d", code)
	}
	for key := range messages["en"] {
		if messages["kn"][key] == "" {
			t.Errorf("no Kannada for %q", key)
		}
	}
	for key := range messages["kn"] {
		if messages["en"][key] == "" {
			t.Errorf("no English for %q", key)
		}
	}
}

func TestPageRateLimit(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.PageRate, o.PageBurst = 1, 3 })
	codes := map[int]int{}
	for range 6 {
		code, hdr, _ := e.get(t, "/report/status?ref=BCP-2026-000001&code=00000-00000")
		codes[code]++
		if code == 429 && hdr.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if codes[429] != 3 || codes[404] != 3 {
		t.Fatalf("%v", codes)
	}
}

func TestNewRequiresSecret(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic without a secret")
		}
	}()
	New(newMemDesk(), Options{})
}
