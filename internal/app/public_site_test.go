package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

func publicGetLang(t *testing.T, ta *testApp, path, lang string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", ta.srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: "kaval_lang", Value: lang})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res.StatusCode, b.String()
}

// TestPublicSite: the public home shows the force's approved public
// advisories and nothing else the desk holds (no draft, no citizen's
// name, phone number, vehicle or words), in English and Kannada; the
// station finder answers a locality with its station, phone and
// boundary, and bad input with a clear error.
func TestPublicSite(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newRecordedApp(t, db)
		ctx := context.Background()
		res, err := a.Intake.Submit(ctx, []post.Post{{Platform: post.WhatsApp, ExternalID: "wamid.public-1", Kind: post.KindDirectMessage, Private: true,
			ThreadID: "106540352242922:919845012345", Author: post.Author{ExternalID: "919845012345", Name: "Suresh Gowda"},
			Text: "my scooter KA05MN4321 was stolen near Adugodi, call 9845012345", CreatedAt: time.Now()}})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res)
		}
		if err := a.Pipeline.Process(ctx, []int64{res[0].ID}); err != nil {
			t.Fatal(err)
		}
		var adugodi int64
		for _, u := range mustUnits(t, a.App) {
			if u.Kind == "station" && u.Name == "Adugodi PS" {
				adugodi = u.ID
			}
		}
		publish := func(title, en, kn string, approve bool) {
			var p struct {
				ID int64 `json:"id"`
			}
			if code := a.do(t, "agent", "POST", "/api/v1/publications", map[string]any{"title": title, "public": true, "stations": []int64{adugodi},
				"texts": map[string]string{"en": en, "kn": kn}}, &p); code != 201 {
				t.Fatalf("create %s: %d %s", title, code, a.bodies[len(a.bodies)-1])
			}
			if !approve {
				return
			}
			path := fmt.Sprintf("/api/v1/publications/%d", p.ID)
			if code := a.do(t, "agent", "POST", path+"/submit", nil, nil); code != 200 {
				t.Fatalf("submit: %d %s", code, a.bodies[len(a.bodies)-1])
			}
			if code := a.do(t, "supervisor", "POST", path+"/approve", nil, nil); code != 200 {
				t.Fatalf("approve: %d %s", code, a.bodies[len(a.bodies)-1])
			}
		}
		publish("Staff-only title", "Hosur Road flyover closed tonight <script>alert(1)</script>", "ಹೊಸೂರು ರಸ್ತೆ ಮೇಲ್ಸೇತುವೆ ಇಂದು ರಾತ್ರಿ ಮುಚ್ಚಲಾಗಿದೆ", true)
		publish("Draft", "Unapproved draft about Silk Board", "ಕರಡು", false)

		private := []string{"Suresh", "9845012345", "919845012345", "KA05MN4321", "scooter", "Silk Board", "Staff-only title", "<script>alert"}
		for _, lang := range []string{"en", "kn"} {
			code, body := publicGetLang(t, a.testApp, "/", lang)
			if code != 200 {
				t.Fatalf("%s home: %d %s", lang, code, body)
			}
			want := map[string]string{"en": "Hosur Road flyover closed tonight", "kn": "ಹೊಸೂರು ರಸ್ತೆ ಮೇಲ್ಸೇತುವೆ"}[lang]
			for _, w := range []string{want, "tel:1098", "tel:1091", "tel:1090", "tel:112", "tel:1930", `href="/report/"`, `href="/report/status"`, `href="/stations"`, "/feeds/advisories.atom"} {
				if !strings.Contains(body, w) {
					t.Errorf("%s home lacks %q", lang, w)
				}
			}
			if lang == "kn" && (!strings.Contains(body, `lang="kn"`) || !strings.Contains(body, "ಸಹಾಯವಾಣಿ")) {
				t.Errorf("%s home not in Kannada where it should be", lang)
			}
			for _, path := range []string{"/", "/stations", "/stations?q=Adugodi", "/stations?q=" + url.QueryEscape("ಆಡುಗೋಡಿ"), "/stations?q=Adu"} {
				_, body := publicGetLang(t, a.testApp, path, lang)
				for _, p := range private {
					if strings.Contains(body, p) {
						t.Errorf("%s %s shows private %q", lang, path, p)
					}
				}
			}
		}

		code, body := publicGet(t, a.testApp, "/stations?q=Adugodi")
		if code != 200 || !strings.Contains(body, "Adugodi PS") || !strings.Contains(body, `href="tel:`) || !strings.Contains(body, `<svg class="map"`) ||
			!strings.Contains(body, "/feeds/stations/adugodi.atom") {
			t.Fatalf("finder: %d %s", code, body)
		}
		if code, body := publicGet(t, a.testApp, "/stations?lat=12.9432&lon=77.6101"); code != 200 || !strings.Contains(body, `<svg class="map"`) {
			t.Errorf("finder by location: %d", code)
		}
		if code, _ := publicGet(t, a.testApp, "/stations?lat=28.61&lon=77.2"); code != 404 {
			t.Errorf("a point outside the force: %d", code)
		}
		if code, _ := publicGet(t, a.testApp, "/stations?q=zzqqxxvv"); code != 404 {
			t.Errorf("nonsense place: %d", code)
		}
		if code, body := publicGet(t, a.testApp, "/stations?q="+strings.Repeat("a", 200)); code != 400 || !strings.Contains(body, "at most 120") {
			t.Errorf("long query: %d", code)
		}
		if _, body := publicGet(t, a.testApp, "/stations?q="+url.QueryEscape(`"><script>x()</script>`)); strings.Contains(body, "<script>x()") {
			t.Errorf("query not escaped")
		}
		// The desk's own root still leads staff in.
		if code, _ := publicGet(t, a.testApp, "/desk/"); code != 200 {
			t.Errorf("/desk/: %d", code)
		}
	})
}

// TestPublicAccountability: the figures count a station's cases of the
// month and their medians (first response, resolution) once there are
// public.MinCases of them, as a page in both languages and as JSON, and
// carry nothing of the cases' words or people.
func TestPublicAccountability(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newRecordedApp(t, db)
		ctx := context.Background()
		var adugodi int64
		for _, u := range mustUnits(t, a.App) {
			if u.Kind == "station" && u.Name == "Adugodi PS" {
				adugodi = u.ID
			}
		}
		var ids []int64
		for i := range 6 {
			phone := fmt.Sprintf("91984501234%d", i)
			res, err := a.Intake.Submit(ctx, []post.Post{{Platform: post.WhatsApp, ExternalID: fmt.Sprintf("wamid.acc-%d", i), Kind: post.KindDirectMessage, Private: true,
				ThreadID: "106540352242922:" + phone, Author: post.Author{ExternalID: phone, Name: "Lakshmi Devi"},
				Text: []string{"chain snatching near Adugodi bus stop", "loud music all night on our street", "my wallet was stolen in a bus", "someone is threatening my son online", "a car is parked blocking our gate since Monday", "drunk men fighting outside the bar"}[i] + ", call " + phone, CreatedAt: time.Now()}})
			if err != nil || res[0].Err != nil {
				t.Fatal(err, res)
			}
			ids = append(ids, res[0].ID)
		}
		if err := a.Pipeline.Process(ctx, ids); err != nil {
			t.Fatal(err)
		}
		// Answered 10, 20, …, 60 minutes after opening; the first four resolved after 1 to 4 hours.
		for i, id := range ids {
			c, err := a.caseOfPost(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var resolved any
			if i < 4 {
				resolved = fmt.Sprintf("created_at + %d", (i+1)*3600000)
			}
			q := fmt.Sprintf(`UPDATE cases SET unit_id = $1, first_response_at = created_at + %d, resolved_at = %v WHERE id = $2`, (i+1)*600000, map[bool]any{true: resolved, false: "NULL"}[resolved != nil])
			if _, err := a.DB.Write.Exec(q, adugodi, c); err != nil {
				t.Fatal(err)
			}
		}
		var ms []struct {
			Month string `json:"month"`
			Total struct {
				Cases int `json:"cases"`
			} `json:"total"`
			Stations []struct {
				Station    string   `json:"station"`
				Cases      int      `json:"cases"`
				Resolved   int      `json:"resolved"`
				First      *float64 `json:"median_first_response_minutes"`
				Resolution *float64 `json:"median_resolution_minutes"`
			} `json:"stations"`
		}
		if code := a.do(t, "", "GET", "/api/v1/public/accountability", nil, &ms); code != 200 || len(ms) != 6 {
			t.Fatalf("accountability: %d %+v", code, ms)
		}
		var found bool
		for _, s := range ms[0].Stations {
			if s.Station == "Adugodi PS" {
				found = true
				if s.Cases != 6 || s.First == nil || *s.First != 35 || s.Resolution == nil || *s.Resolution != 150 {
					t.Errorf("Adugodi: %+v first %v resolution %v", s, s.First, s.Resolution)
				}
			}
		}
		if !found || ms[0].Total.Cases != 6 {
			t.Fatalf("this month: %+v", ms[0])
		}
		for _, lang := range []string{"en", "kn"} {
			code, body := publicGetLang(t, a.testApp, "/accountability", lang)
			if code != 200 || !strings.Contains(body, "35 ") || !strings.Contains(body, "2.5") {
				t.Fatalf("%s page: %d %s", lang, code, body)
			}
			for _, p := range []string{"Lakshmi", "9198450", "chain snatching"} {
				if strings.Contains(body, p) || strings.Contains(a.bodies[len(a.bodies)-1], p) {
					t.Errorf("accountability shows %q", p)
				}
			}
		}
		if code, _ := publicGet(t, a.testApp, "/accountability?month=1999-01"); code != 404 {
			t.Errorf("unknown month: %d", code)
		}
		if code := a.do(t, "", "GET", "/api/v1/public/stations?q=Adugodi", nil, nil); code != 200 || !strings.Contains(a.bodies[len(a.bodies)-1], `"name":"Adugodi PS"`) {
			t.Errorf("stations API: %d %s", code, a.bodies[len(a.bodies)-1])
		}
		if code := a.do(t, "", "GET", "/api/v1/public/stations?q=", nil, nil); code != 400 {
			t.Errorf("empty query: %d", code)
		}
	})
}
