package browsertest

import (
	"context"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/publish"
)

// TestPublicSite walks the public site as a citizen, signed out: the home
// with an approved advisory and the helplines, the language switch, the
// station finder (a Kannada place name, an unknown one), in both
// languages at 1280 and 360 px, with axe-core and the CSP watching.
func TestPublicSite(t *testing.T) {
	env := Start(t, Options{})
	as := func(r auth.Role) context.Context {
		u := env.Users[r]
		return auth.WithPrincipal(context.Background(), &auth.Principal{UserID: u.ID, Username: u.Username, Role: r, Perms: auth.PermsOf(r)})
	}
	ps := env.App.Publish
	agent := auth.FromContext(as(auth.RoleAgent))
	p, err := ps.Create(as(auth.RoleAgent), agent, publish.Draft{Kind: publish.KindAdvisory, Title: "Hosur Road works", Public: true,
		Stations: []int64{env.Unit},
		Texts: map[string]string{"en": "Hosur Road flyover closed tonight from 11 p.m. to 5 a.m.; please use the service road.",
			"kn": "ಹೊಸೂರು ರಸ್ತೆ ಮೇಲ್ಸೇತುವೆ ಇಂದು ರಾತ್ರಿ 11ರಿಂದ ಬೆಳಿಗ್ಗೆ 5ರವರೆಗೆ ಮುಚ್ಚಲಾಗಿದೆ; ದಯವಿಟ್ಟು ಸರ್ವೀಸ್ ರಸ್ತೆ ಬಳಸಿ."}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Submit(as(auth.RoleAgent), agent, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Approve(as(auth.RoleSupervisor), auth.FromContext(as(auth.RoleSupervisor)), p.ID, ""); err != nil {
		t.Fatal(err)
	}

	b := env.Browser(t)
	b.Go("/")
	if got := b.Text("main"); !strings.Contains(got, "Hosur Road flyover closed tonight") || !strings.Contains(got, "1098") {
		t.Fatalf("home: %q", got)
	}
	b.Check("public-home")
	b.Submit(`.langswitch button[value="kn"]`)
	if got := b.Text("main"); !strings.Contains(got, "ಹೊಸೂರು ರಸ್ತೆ ಮೇಲ್ಸೇತುವೆ") || !strings.Contains(got, "ಸಹಾಯವಾಣಿ") {
		t.Fatalf("home in Kannada: %q", got)
	}
	b.Lang("en")

	b.Go("/stations")
	b.Fill("#q", "ಆಡುಗೋಡಿ")
	b.Submit(`form[action="/stations"] button[type=submit]`)
	if got := b.Text("main"); !strings.Contains(got, "Adugodi PS") || !b.Exists("svg.map") || !b.Exists(`a[href^="tel:"]`) {
		t.Fatalf("finder: %q", got)
	}
	b.Check("public-stations")
	if !b.Exists("#locate:not([hidden]) button") {
		t.Errorf("the location button is not offered")
	}
	b.Go("/stations?lat=12.9432&lon=77.6101")
	if !b.Exists("svg.map") {
		t.Fatalf("finder by location: %q", b.Text("main"))
	}
	b.Go("/stations?q=Koramangala")
	b.Check("public-stations-area")
	b.Go("/stations?q=nagarx")
	b.Check("public-stations-none")
	b.Go("/accountability")
	if got := b.Text("main"); !strings.Contains(got, "All stations") {
		t.Fatalf("accountability: %q", got)
	}
	b.Check("public-accountability")
}
