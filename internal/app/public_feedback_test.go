package app

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// TestPublicFeedback: a citizen answers "was it resolved?" from their
// status page, only once the case is resolved, in Kannada or English;
// one answer per case that they may change; the desk sees each answer on
// the case's timeline (the case API); the accountability page and its
// JSON count the answers by station and month, and show nothing of the
// person.
func TestPublicFeedback(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newRecordedApp(t, db)
		ctx := context.Background()
		var adugodi int64
		for _, u := range mustUnits(t, a.App) {
			if u.Kind == "station" && u.Name == "Adugodi PS" {
				adugodi = u.ID
			}
		}
		rc, err := formDesk{a.App}.SubmitForm(ctx, post.Post{Platform: post.WebForm, ExternalID: "fb-form-1", Kind: post.KindForm, Private: true,
			Author: post.Author{ExternalID: "anon-fb", Name: "Savitha Gowda"}, Text: "My scooter KA05HX4321 was stolen near Adugodi signal",
			CreatedAt: time.Now(), ReceivedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		c, err := a.Desk.CaseByRef(ctx, rc.Ref, desk.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.DB.Write.Exec("UPDATE cases SET unit_id = $1 WHERE id = $2", adugodi, c.ID); err != nil {
			t.Fatal(err)
		}
		cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		answer := func(ans, lang string) (int, string) {
			t.Helper()
			v := url.Values{"ref": {rc.Ref}, "code": {rc.Code}, "answer": {ans}, "lang": {lang}}
			res, err := cl.Post(a.srv.URL+"/report/status/feedback", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			io.Copy(io.Discard, res.Body)
			return res.StatusCode, res.Header.Get("Location")
		}
		page := "/report/status?ref=" + rc.Ref + "&code=" + rc.Code
		if _, body := publicGet(t, a.testApp, page); strings.Contains(body, "/report/status/feedback") {
			t.Fatal("an open case asks whether it was resolved")
		}
		if code, _ := answer("yes", "en"); code != http.StatusConflict {
			t.Fatalf("feedback on an open case: %d", code)
		}
		if _, err := a.DB.Write.Exec("UPDATE cases SET status = 'resolved', resolved_at = $1 WHERE id = $2", store.Millis(time.Now()), c.ID); err != nil {
			t.Fatal(err)
		}
		// A wrong code records nothing and says no more than an unknown reference.
		v := url.Values{"ref": {rc.Ref}, "code": {"00000-00000"}, "answer": {"no"}}
		res, err := cl.Post(a.srv.URL+"/report/status/feedback", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if fb, _ := a.Desk.Feedback(ctx, c.ID); res.StatusCode != 404 || fb != "" {
			t.Fatalf("wrong code: %d, answer now %q", res.StatusCode, fb)
		}
		code, loc := answer("yes", "kn")
		if code != http.StatusSeeOther {
			t.Fatalf("answer: %d", code)
		}
		if code, body := publicGet(t, a.testApp, loc); code != 200 || !strings.Contains(body, "ಧನ್ಯವಾದಗಳು. ನಿಮ್ಮ ಉತ್ತರ ದಾಖಲಾಗಿದೆ.") || !strings.Contains(body, "ನಿಮ್ಮ ಉತ್ತರ: ಹೌದು") {
			t.Fatalf("status page after answering: %d\n%s", code, body)
		}
		// Changed to no, in English; the same answer again changes nothing.
		// (Five answers in all: the client's submission budget.)
		for range 2 {
			if code, _ := answer("no", "en"); code != http.StatusSeeOther {
				t.Fatalf("changed answer: %d", code)
			}
		}
		var got struct {
			Timeline []struct {
				Kind string         `json:"kind"`
				Body map[string]any `json:"body"`
			} `json:"timeline"`
		}
		if code := a.do(t, "supervisor", "GET", "/api/v1/cases/"+strconv.FormatInt(c.ID, 10), nil, &got); code != 200 {
			t.Fatalf("case: %d", code)
		}
		var answers []string
		for _, e := range got.Timeline {
			if e.Kind == desk.EventFeedback {
				answers = append(answers, e.Body["answer"].(string)+"/"+e.Body["lang"].(string))
			}
		}
		if strings.Join(answers, ",") != "yes/kn,no/en" {
			t.Fatalf("timeline feedback %v\n%s", answers, a.bodies[len(a.bodies)-1])
		}
		var ms []struct {
			Total struct {
				Yes int `json:"feedback_yes"`
				No  int `json:"feedback_no"`
			} `json:"total"`
			Stations []struct {
				Station string `json:"station"`
				Yes     int    `json:"feedback_yes"`
				No      int    `json:"feedback_no"`
			} `json:"stations"`
		}
		if code := a.do(t, "", "GET", "/api/v1/public/accountability", nil, &ms); code != 200 || len(ms) == 0 {
			t.Fatalf("accountability: %d", code)
		}
		if ms[0].Total.Yes != 0 || ms[0].Total.No != 1 || len(ms[0].Stations) != 1 || ms[0].Stations[0].Station != "Adugodi PS" || ms[0].Stations[0].No != 1 {
			t.Fatalf("feedback counts: %+v", ms[0])
		}
		for _, lang := range []string{"en", "kn"} {
			code, body := publicGetLang(t, a.testApp, "/accountability", lang)
			if code != 200 || !strings.Contains(body, map[string]string{"en": "Citizens: not resolved", "kn": "ನಾಗರಿಕರು: ಪರಿಹಾರವಾಗಲಿಲ್ಲ"}[lang]) {
				t.Fatalf("%s accountability: %d", lang, code)
			}
			for _, pii := range []string{"Savitha", "KA05HX4321", "scooter", rc.Code} {
				if strings.Contains(body, pii) {
					t.Errorf("accountability shows %q", pii)
				}
			}
		}
	})
}
