package browsertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/report"
)

// TestReports: yesterday's posts (English and Kannada, one emergency
// giving a phone number, one hostile) are on the desk; an analyst builds
// Koramangala PS's daily brief and the force's weekly report from the
// reports page, reads them (the phone number masked, the hostile text
// inert) and downloads the PDF; a supervisor opens the brief with
// personal data (audited) and adds an e-mail schedule. An agent may not
// open reports. Screenshots in both languages; the Kannada PDF is
// rendered with pdftoppm beside the screenshots.
func TestReports(t *testing.T) {
	env := Start(t, Options{Analysis: true})
	ctx := t.Context()
	now := time.Now().In(report.IST)
	yesterday := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, report.IST).AddDate(0, 0, -1)
	texts := []string{
		"Chain snatching near Forum mall Koramangala, please help",
		"ಕೋರಮಂಗಲದಲ್ಲಿ ಸರಗಳ್ಳತನ ನಡೆದಿದೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ",
		"Traffic jam at Koramangala Sony signal again #BengaluruTraffic",
		"Accident at Koramangala 80 feet road, man bleeding, urgent help needed, call 9876543210",
		`<img src=x onerror="window.__pwned=1"> =HYPERLINK("http://evil") fire in Koramangala building, people trapped, urgent help`,
	}
	var ps []post.Post
	for i := 0; i < 30; i++ {
		ps = append(ps, post.Post{Platform: []string{post.X, post.Facebook, post.Instagram}[i%3], ExternalID: fmt.Sprint("r", i), Kind: post.KindMention,
			Author: post.Author{ExternalID: fmt.Sprint("u", i), Handle: fmt.Sprint("citizen", i)}, Text: texts[i%len(texts)],
			CreatedAt: yesterday.Add(time.Duration(i*45) * time.Minute)})
	}
	if _, err := env.App.Intake.Submit(ctx, ps); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var left int
		env.App.DB.Read.QueryRowContext(ctx, "SELECT count(*) FROM posts WHERE stage < 2").Scan(&left)
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d posts never reached the desk", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var station int64
	var placed int
	env.App.DB.Read.QueryRowContext(ctx, "SELECT id FROM units WHERE name = 'Koramangala PS'").Scan(&station)
	env.App.DB.Read.QueryRowContext(ctx, "SELECT count(*) FROM posts WHERE station = 'Koramangala PS'").Scan(&placed)
	if station == 0 || placed == 0 {
		t.Fatalf("Koramangala PS: unit %d, %d posts placed", station, placed)
	}

	ag := env.Browser(t)
	ag.Login(auth.RoleAgent)
	ag.Go("/desk/reports")
	if got := ag.Text("main h1"); got != "Not allowed for your role" {
		t.Fatalf("agent on reports: %q", got)
	}

	a := env.Browser(t)
	a.Login(auth.RoleAnalyst)
	a.Go("/desk/reports")
	if !strings.Contains(a.Text("main"), "No report yet") {
		t.Fatalf("empty list: %q", a.Text("main"))
	}
	a.Check("reports-empty")
	a.Select(`#report-form select[name=unit]`, fmt.Sprint(station))
	a.Fill(`#report-form input[name=day]`, yesterday.Format("01022006")) // typed as the date field's mm/dd/yyyy
	a.Submit(`#report-form button[type=submit]`)
	if !strings.Contains(a.Location(), "/desk/reports/") {
		t.Fatalf("after building: %s %q", a.Location(), a.Text("main"))
	}
	h := a.Text("main h1")
	if !strings.Contains(h, "Daily brief") || !strings.Contains(h, "Koramangala PS") || !strings.Contains(h, yesterday.Format("02 Jan 2006")) {
		t.Fatalf("heading: %q", h)
	}
	body := a.Text("main")
	if strings.Contains(body, "9876543210") || !strings.Contains(body, "[phone]") {
		t.Fatalf("notable posts not redacted: %q", body)
	}
	if !strings.Contains(a.Text("#report-notable"), `<img src=x onerror="window.__pwned=1">`) || a.Eval(`String(window.__pwned)`) != `"undefined"` {
		t.Fatalf("hostile text: %q", a.Text("#report-notable"))
	}
	id := a.Location()[strings.LastIndex(a.Location(), "/")+1:]
	a.Check("report-station")

	// The force's weekly report of the week that holds yesterday.
	a.Go("/desk/reports")
	a.Select(`#report-form select[name=kind]`, "weekly")
	a.Select(`#report-form select[name=unit]`, "0")
	a.Fill(`#report-form input[name=day]`, yesterday.Format("01022006"))
	a.Submit(`#report-form button[type=submit]`)
	if h := a.Text("main h1"); !strings.Contains(h, "Weekly report") || !strings.Contains(h, "All units") {
		t.Fatalf("weekly heading: %q", h)
	}
	a.Check("report-force-week")
	a.Go("/desk/reports")
	if got := a.Text("#reports-table"); strings.Count(got, "PDF") != 2 {
		t.Fatalf("list: %q", got)
	}
	a.Check("reports-list")
	if a.Exists(`form[action$="/unmask"]`) {
		t.Fatal("an analyst is offered personal data")
	}

	// The PDF of the brief, in Kannada, as the desk serves it; rendered
	// for a person to look at beside the screenshots.
	var rid int64
	fmt.Sscan(id, &rid)
	rep, err := env.App.Reports.Store.Get(ctx, rid)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := report.PDF(rep, "kn", env.App.UI.Labels("kn"))
	if err != nil {
		t.Fatal(err)
	}
	shots := screenshotDir()
	if shots == "" { // CI without screenshots: the PDF is still read back below
		shots = t.TempDir()
	}
	os.MkdirAll(shots, 0o755)
	pdfPath := filepath.Join(shots, "report-station-kn.pdf")
	os.WriteFile(pdfPath, pdf, 0o644)
	if _, err := exec.LookPath("pdftoppm"); err == nil {
		if out, err := exec.Command("pdftoppm", "-r", "80", "-png", pdfPath, filepath.Join(shots, "report-station-kn-pdf")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, out)
		}
		out, err := exec.Command("pdftotext", pdfPath, "-").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "ದೈನಂದಿನ ಸಾರಾಂಶ") || !strings.Contains(string(out), "fire in Koramangala building") || strings.Contains(string(out), "9876543210") {
			t.Fatalf("pdftotext: %v\n%s", err, out)
		}
	}

	s := env.Browser(t)
	s.Login(auth.RoleSupervisor)
	s.Go("/desk/reports/" + id)
	s.Submit(`form[action$="/unmask"] button`)
	if got := s.Text("#report-notable"); !strings.Contains(got, "9876543210") || !strings.Contains(s.Text("main"), "personal data shown") {
		t.Fatalf("unmasked: %q", got)
	}
	s.Snap("report-unmasked")
	var audits int
	env.App.DB.Read.QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'report.unmask' AND target = $1", "report:"+id).Scan(&audits)
	if audits != 1 {
		t.Fatalf("%d audit records of the unmasking", audits)
	}

	s.Go("/desk/reports/schedules")
	s.Check("report-schedules-empty")
	s.Select(`#schedule-form select[name=unit]`, fmt.Sprint(station))
	s.Fill(`#schedule-form input[name=email]`, "sho.koramangala@example.org")
	s.Select(`#schedule-form select[name=lang]`, "kn")
	s.Submit(`#schedule-form button[type=submit]`)
	if got := s.Text("#schedules-table"); !strings.Contains(got, "sho.koramangala@example.org") || !strings.Contains(got, "Koramangala PS") {
		t.Fatalf("schedules: %q", got)
	}
	s.Check("report-schedules")
	a.Go("/desk/reports/schedules")
	if got := a.Text("main h1"); got != "Not allowed for your role" {
		t.Fatalf("analyst on schedules: %q", got)
	}
}
