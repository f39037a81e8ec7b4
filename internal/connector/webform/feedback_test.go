package webform

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func (e *env) answer(t *testing.T, v url.Values, hdr ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/report/status/feedback", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// The status page asks "was it resolved?" only once the case is resolved
// or closed; the answer goes back to the status page (which shows it and
// lets the citizen change it), in the language they answered in; wrong
// pairs, other sites' pages and bad answers record nothing.
func TestFeedbackOnStatusPage(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.LookupBurst = 100; o.SubmitBurst = 100 })
	v := valid(e.token(t))
	e.clock.Add(5 * time.Second)
	_, _, body := e.post(t, v)
	ref := refRE.FindString(body)
	code := memCode(ref)
	page := "/report/status?ref=" + ref + "&code=" + code
	if _, _, body := e.get(t, page); strings.Contains(body, `action="/report/status/feedback"`) {
		t.Fatal("an open case asks for feedback")
	}
	ans := url.Values{"ref": {ref}, "code": {code}, "answer": {"yes"}, "lang": {"kn"}}
	if st, _, body := e.answer(t, ans); st != http.StatusConflict || !strings.Contains(body, "ಪರಿಹಾರವಾದ") {
		t.Fatalf("feedback on an open case: %d\n%s", st, body)
	}
	e.desk.mu.Lock()
	st := e.desk.status[ref]
	st.Status, st.FeedbackOpen = "resolved", true
	e.desk.status[ref] = st
	e.desk.mu.Unlock()
	_, _, body = e.get(t, page+"&lang=kn")
	for _, want := range []string{`action="/report/status/feedback"`, "ನಿಮ್ಮ ದೂರು ಪರಿಹಾರವಾಯಿತೇ?", `name="answer" value="yes" required`, "ನನ್ನ ಉತ್ತರ ಕಳುಹಿಸಿ"} {
		if !strings.Contains(body, want) {
			t.Fatalf("status page of a resolved case lacks %q\n%s", want, body)
		}
	}
	for _, bad := range []struct {
		v   url.Values
		hdr []string
		st  int
	}{
		{url.Values{"ref": {ref}, "code": {"00000-00000"}, "answer": {"yes"}}, nil, 404},
		{url.Values{"ref": {"BCP-2026-999999"}, "code": {code}, "answer": {"yes"}}, nil, 404},
		{url.Values{"ref": {ref}, "code": {code}, "answer": {"maybe"}}, nil, 422},
		{url.Values{"ref": {ref}, "code": {code}, "answer": {"<script>alert(1)</script>"}}, nil, 422},
		{url.Values{"ref": {ref}, "code": {code}, "answer": {"no"}}, []string{"Origin", "https://evil.example"}, 403},
	} {
		if st, _, body := e.answer(t, bad.v, bad.hdr...); st != bad.st || strings.Contains(body, "<script>alert") {
			t.Errorf("%v %v: %d, want %d", bad.v, bad.hdr, st, bad.st)
		}
	}
	if e.desk.status[ref].Feedback != "" {
		t.Fatal("a refused answer was recorded")
	}
	st2, hdr, _ := e.answer(t, ans, "Origin", e.srv.URL)
	if st2 != http.StatusSeeOther || e.desk.status[ref].Feedback != "yes" {
		t.Fatalf("answer: %d %q", st2, e.desk.status[ref].Feedback)
	}
	loc, _ := url.Parse(hdr.Get("Location"))
	if loc.Path != "/report/status" || loc.Query().Get("lang") != "kn" || loc.Query().Get("answered") != "1" {
		t.Fatalf("redirect to %q", hdr.Get("Location"))
	}
	_, _, body = e.get(t, loc.String())
	for _, want := range []string{"ಧನ್ಯವಾದಗಳು. ನಿಮ್ಮ ಉತ್ತರ ದಾಖಲಾಗಿದೆ.", "ನಿಮ್ಮ ಉತ್ತರ: ಹೌದು", `value="yes" required aria-describedby="fb-help" checked`, "ನನ್ನ ಉತ್ತರ ಬದಲಿಸಿ"} {
		if !strings.Contains(body, want) {
			t.Fatalf("after answering, the page lacks %q\n%s", want, body)
		}
	}
	// The citizen changes their mind.
	ans.Set("answer", "no")
	ans.Set("lang", "en")
	if st, _, _ := e.answer(t, ans); st != http.StatusSeeOther || e.desk.status[ref].Feedback != "no" {
		t.Fatalf("changed answer: %d %q", st, e.desk.status[ref].Feedback)
	}
}

// Answers spend the client's submission budget: they cannot be flipped
// in a loop.
func TestFeedbackRateLimited(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.LookupBurst = 100
		o.SubmitRate, o.SubmitBurst = rate.Every(time.Hour), 3
	})
	v := valid(e.token(t))
	e.clock.Add(5 * time.Second)
	_, _, body := e.post(t, v) // one submission
	ref := refRE.FindString(body)
	e.desk.mu.Lock()
	st := e.desk.status[ref]
	st.FeedbackOpen = true
	e.desk.status[ref] = st
	e.desk.mu.Unlock()
	ans := url.Values{"ref": {ref}, "code": {memCode(ref)}, "answer": {"yes"}}
	for i, want := range []int{303, 303, 429} {
		st, hdr, _ := e.answer(t, ans)
		if st != want {
			t.Fatalf("answer %d: %d, want %d", i, st, want)
		}
		if st == 429 && hdr.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
	}
}
