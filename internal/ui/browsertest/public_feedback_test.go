package browsertest

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/store"
)

// TestPublicFeedbackAndCampaigns: a campaign's posts grouped under it on
// the home; the station finder answering a Kannada place name in
// Kannada; a citizen answering "was it resolved?" on the status page of a
// resolved case, in English and in Kannada; the desk seeing the answer on
// the case's timeline. Screenshots, axe and the CSP on each page.
func TestPublicFeedbackAndCampaigns(t *testing.T) {
	env := Start(t, Options{})
	ctx := context.Background()
	as := func(r auth.Role) *auth.Principal {
		u := env.Users[r]
		return &auth.Principal{UserID: u.ID, Username: u.Username, Role: r, Perms: auth.PermsOf(r)}
	}
	ps := env.App.Publish
	camp, err := ps.SaveCampaign(ctx, as(auth.RoleAgent), publish.Campaign{Name: "Vanitha Sahayavani week", Goal: "Every woman in the city knows 1091, day and night"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []publish.Draft{
		{Title: "1091", CampaignID: camp.ID, Texts: map[string]string{"en": "Vanitha Sahayavani 1091 answers day and night, in Kannada and English.", "kn": "ವನಿತಾ ಸಹಾಯವಾಣಿ 1091 ಹಗಲು ರಾತ್ರಿ ಕನ್ನಡ ಮತ್ತು ಇಂಗ್ಲಿಷ್‌ನಲ್ಲಿ ಉತ್ತರಿಸುತ್ತದೆ."}},
		{Title: "Pink Hoysala", CampaignID: camp.ID, Texts: map[string]string{"en": "Pink Hoysala patrols near colleges every evening: call 112.", "kn": "ಪಿಂಕ್ ಹೊಯ್ಸಳ ಪ್ರತಿದಿನ ಸಂಜೆ ಕಾಲೇಜುಗಳ ಬಳಿ ಗಸ್ತು ತಿರುಗುತ್ತದೆ: 112ಕ್ಕೆ ಕರೆ ಮಾಡಿ."}},
		{Title: "Flyover", Texts: map[string]string{"en": "Hosur Road flyover closed tonight from 11 p.m. to 5 a.m.", "kn": "ಹೊಸೂರು ರಸ್ತೆ ಮೇಲ್ಸೇತುವೆ ಇಂದು ರಾತ್ರಿ 11ರಿಂದ ಬೆಳಿಗ್ಗೆ 5ರವರೆಗೆ ಮುಚ್ಚಲಾಗಿದೆ."}},
	} {
		d.Kind, d.Public, d.Stations = publish.KindAdvisory, true, []int64{env.Unit}
		p, err := ps.Create(ctx, as(auth.RoleAgent), d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ps.Submit(ctx, as(auth.RoleAgent), p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := ps.Approve(ctx, as(auth.RoleSupervisor), p.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	b := env.Browser(t)
	b.Go("/")
	if got := b.Text("section[aria-labelledby=campaigns]"); !strings.Contains(got, "Vanitha Sahayavani week") || !strings.Contains(got, "Pink Hoysala") || strings.Contains(got, "Hosur Road") {
		t.Fatalf("campaign section: %q", got)
	}
	b.Check("public-home-campaigns")
	b.Lang("kn")
	b.Go("/stations?q=" + url.QueryEscape("ಜಯನಗರ"))
	if got := b.Text("main"); !strings.Contains(got, "ಜಯನಗರ ಪ್ರದೇಶದ ಪೊಲೀಸ್ ಠಾಣೆ") || !strings.Contains(got, "ಜಯನಗರ ಪೊಲೀಸ್ ಠಾಣೆ") {
		t.Fatalf("Kannada finder: %q", got)
	}
	b.Lang("en")
	b.Check("public-stations-kannada")

	// A citizen's report, resolved.
	a := env.App
	res, err := a.Intake.Submit(ctx, []post.Post{{Platform: post.WebForm, ExternalID: "bt-feedback", Kind: post.KindForm, Private: true,
		Author: post.Author{ExternalID: "anon-bt"}, Text: "Street lights off on 9th Cross for a week", CreatedAt: time.Now(), ReceivedAt: time.Now()}})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	if err := a.Pipeline.Process(ctx, []int64{res[0].ID}); err != nil {
		t.Fatal(err)
	}
	pst, _, err := a.Desk.GetPost(ctx, res[0].ID, desk.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Desk.GetCase(ctx, pst.CaseID, desk.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.Write.Exec("UPDATE cases SET status = 'resolved', resolved_at = $1 WHERE id = $2", store.Millis(time.Now()), c.ID); err != nil {
		t.Fatal(err)
	}
	status := "/report/status?ref=" + c.Ref + "&code=" + desk.FormatStatusCode(c.StatusCode)
	b.Go(status + "&lang=en")
	if !b.Exists(`#feedback input[name=answer][value=yes]`) {
		t.Fatalf("no feedback form: %q", b.Text("main"))
	}
	b.Snap("public-status-feedback")
	b.Click(`#feedback input[value=yes]`)
	b.Submit(`#feedback button[type=submit]`)
	if got := b.Text("main"); !strings.Contains(got, "Thank you. Your answer was recorded.") || !strings.Contains(got, "You answered: yes") {
		t.Fatalf("after answering: %q", got)
	}
	b.Snap("public-status-answered")
	b.Go(status + "&lang=kn")
	b.Click(`#feedback input[value=no]`)
	b.Submit(`#feedback button[type=submit]`)
	if got := b.Text("main"); !strings.Contains(got, "ನಿಮ್ಮ ಉತ್ತರ: ಇಲ್ಲ") {
		t.Fatalf("changed in Kannada: %q", got)
	}
	b.Snap("public-status-answered")
	b.CheckCSP()

	// The desk sees both answers on the case's timeline.
	s := env.Browser(t)
	s.Login(auth.RoleSupervisor)
	s.Go("/desk/cases/" + itoa(c.ID))
	if got := s.Text("main"); !strings.Contains(got, "The citizen says it was resolved") || !strings.Contains(got, "The citizen says it was not resolved") {
		t.Fatalf("case timeline: %q", got)
	}
	s.Screenshot("case-feedback-en-1280")
}
