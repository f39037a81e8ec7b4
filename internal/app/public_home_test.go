package app

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/store"
)

// TestPublicHomeCampaigns: a campaign's public posts are grouped under the
// campaign's name and goal on the home, other advisories stay in the
// list; the station finder speaks Kannada place names: a Kannada query
// finds its station and the heading names the place in Kannada.
func TestPublicHomeCampaigns(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newRecordedApp(t, db)
		var adugodi int64
		for _, u := range mustUnits(t, a.App) {
			if u.Kind == "station" && u.Name == "Adugodi PS" {
				adugodi = u.ID
			}
		}
		var camp struct {
			ID int64 `json:"id"`
		}
		if code := a.do(t, "agent", "POST", "/api/v1/campaigns", map[string]any{"name": "Makkala Sahayavani week", "goal": "Every child and parent knows 1098"}, &camp); code != 201 {
			t.Fatalf("campaign: %d %s", code, a.bodies[len(a.bodies)-1])
		}
		publish := func(en, kn string, campaign int64) {
			var p struct {
				ID int64 `json:"id"`
			}
			body := map[string]any{"title": en[:12], "public": true, "kind": "advisory", "stations": []int64{adugodi}, "texts": map[string]string{"en": en, "kn": kn}}
			if campaign != 0 {
				body["campaign_id"] = campaign
			}
			if code := a.do(t, "agent", "POST", "/api/v1/publications", body, &p); code != 201 {
				t.Fatalf("create: %d %s", code, a.bodies[len(a.bodies)-1])
			}
			path := fmt.Sprintf("/api/v1/publications/%d", p.ID)
			if code := a.do(t, "agent", "POST", path+"/submit", nil, nil); code != 200 {
				t.Fatalf("submit: %d %s", code, a.bodies[len(a.bodies)-1])
			}
			if code := a.do(t, "supervisor", "POST", path+"/approve", nil, nil); code != 200 {
				t.Fatalf("approve: %d %s", code, a.bodies[len(a.bodies)-1])
			}
		}
		publish("Children's Helpline 1098 answers day and night.", "ಮಕ್ಕಳ ಸಹಾಯವಾಣಿ 1098 ಹಗಲು ರಾತ್ರಿ ಉತ್ತರಿಸುತ್ತದೆ.", camp.ID)
		publish("A child alone and scared? Call 1098.", "ಮಗು ಒಂಟಿಯಾಗಿ ಭಯದಲ್ಲಿದೆಯೇ? 1098ಕ್ಕೆ ಕರೆ ಮಾಡಿ.", camp.ID)
		publish("Hosur Road flyover closed tonight.", "ಹೊಸೂರು ರಸ್ತೆ ಮೇಲ್ಸೇತುವೆ ಇಂದು ರಾತ್ರಿ ಮುಚ್ಚಲಾಗಿದೆ.", 0)
		for _, lang := range []string{"en", "kn"} {
			code, body := publicGetLang(t, a.testApp, "/", lang)
			if code != 200 {
				t.Fatalf("%s home: %d", lang, code)
			}
			i := strings.Index(body, `id="campaigns"`)
			if i < 0 {
				t.Fatalf("%s home has no campaigns\n%s", lang, body)
			}
			camps, rest := body[i:], body[:i]
			want := map[string][]string{"en": {"Children's Helpline 1098", "A child alone"}, "kn": {"ಮಕ್ಕಳ ಸಹಾಯವಾಣಿ 1098", "ಮಗು ಒಂಟಿಯಾಗಿ"}}[lang]
			for _, w := range append(want, "Makkala Sahayavani week", "Every child and parent knows 1098") {
				if !strings.Contains(camps, strings.ReplaceAll(w, "'", "&#39;")) {
					t.Errorf("%s: campaign section lacks %q", lang, w)
				}
			}
			if strings.Contains(rest, strings.ReplaceAll(want[1], "'", "&#39;")) || !strings.Contains(rest, map[string]string{"en": "Hosur Road flyover", "kn": "ಹೊಸೂರು ರಸ್ತೆ"}[lang]) {
				t.Errorf("%s: a campaign post among the advisories, or the advisory missing", lang)
			}
		}
		for _, c := range []struct{ q, lang, heading, station string }{
			{"ಜಯನಗರ", "kn", "ಜಯನಗರ ಪ್ರದೇಶದ ಪೊಲೀಸ್ ಠಾಣೆ", "ಜಯನಗರ ಪೊಲೀಸ್ ಠಾಣೆ"},
			{"Malleshwaram", "kn", "ಮಲ್ಲೇಶ್ವರಂ ಪ್ರದೇಶದ ಪೊಲೀಸ್ ಠಾಣೆ", "ಮಲ್ಲೇಶ್ವರಂ ಪೊಲೀಸ್ ಠಾಣೆ"},
			{"ಲಾಲ್ ಬಾಗ್", "en", "Police station for Lalbagh", "Siddapura PS"},
		} {
			code, body := publicGetLang(t, a.testApp, "/stations?q="+url.QueryEscape(c.q), c.lang)
			if code != 200 || !strings.Contains(body, c.heading) || !strings.Contains(body, "<h3>"+c.station+"</h3>") {
				t.Errorf("%s in %s: %d, want %q and %q", c.q, c.lang, code, c.heading, c.station)
			}
		}
	})
}
