package webform

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

func FuzzParseFields(f *testing.F) {
	f.Add("concern=Chain+snatched+near+the+temple&place=Jayanagar&lat=12.9&lon=77.5&phone=%2B91+98450+00000&email=a%40b.in")
	f.Add("concern=" + url.QueryEscape("ಜಯನಗರದಲ್ಲಿ ಸರಗಳ್ಳತನ ನಡೆದಿದೆ") + "&lang=kn")
	f.Add("concern=aaaaaaaaaaaa&concern=bbbbbbbbbbbb")
	f.Add("concern=%ff%fe%fd&name=%00%01")
	f.Add("lat=1e309&lon=-0&concern=xxxxxxxxxxxx")
	f.Add("concern=http%3A%2F%2Fa+www.b+https%3A%2F%2Fc&website=x")
	f.Add("name=a%0D%0APlace%3A+forged&concern=a+real+concern+text")
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		fl, err := parseFields(v, DefaultLimits)
		if err != nil {
			if _, ok := err.(*formError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		for _, s := range []string{fl.Concern, fl.Place, fl.Name, fl.Phone, fl.Email} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 accepted: %q", s)
			}
		}
		if n := utf8.RuneCountInString(fl.Concern); n < minConcern || n > DefaultLimits.Concern {
			t.Fatalf("concern of %d runes accepted", n)
		}
		for _, s := range []string{fl.Place, fl.Name, fl.Phone, fl.Email} {
			if strings.ContainsAny(s, "\n\r\t") {
				t.Fatalf("line break in a single-line field: %q", s)
			}
		}
		if (fl.lat == nil) != (fl.lon == nil) {
			t.Fatal("half a location")
		}
		if fl.lat != nil && (*fl.lat < -90 || *fl.lat > 90 || *fl.lon < -180 || *fl.lon > 180) {
			t.Fatalf("location out of range %v %v", *fl.lat, *fl.lon)
		}
		if links(fl.Concern)+links(fl.Place)+links(fl.Name) > DefaultLimits.Links {
			t.Fatal("too many links accepted")
		}
	})
}

// BenchmarkSubmit measures the whole submit handler (parse, validate, token,
// replay set, post building, render) with a trivial desk.
func BenchmarkSubmit(b *testing.B) {
	d := newMemDesk()
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	h := New(d, Options{Secret: []byte("0123456789abcdef0123456789abcdef"), Now: func() time.Time { return now },
		SubmitRate: rate.Inf, PageRate: rate.Inf, Log: nil}).(*handler)
	v := valid("")
	b.ReportAllocs()
	for b.Loop() {
		v.Set("token", h.tokens.issue(now.Add(-10*time.Second)))
		req := httptest.NewRequest("POST", "/report/", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
