package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/app"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/store"
)

func init() {
	register(command{name: "bench-public", summary: "the public site's server time and weight on a filled database", run: benchPublic})
}

// benchPublic fills a database as a city force's would be after six
// months (cases with their times and citizens' answers, approved public
// advisories and campaigns), then times every public page through the
// whole HTTP handler in-process and weighs what it sends (compressed as
// served to a browser that takes gzip and br), alone and with the
// stylesheets, scripts and fonts it loads on a first visit.
func benchPublic(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "bench public", "[--db URL] [--cases N] [--publications N] [--runs N]")
	dsn := fs.String("db", "", "database (default: a new SQLite file in $TMPDIR)")
	ncases := fs.Int("cases", 500000, "cases over the last six months (a city desk: ~1.5 million)")
	npubs := fs.Int("publications", 1500, "approved public advisories, a third in campaigns")
	runs := fs.Int("runs", 200, "timed requests of each page")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "kaval-bench-public-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if *dsn == "" {
		*dsn = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	a, err := app.New(ctx, app.Config{DB: *dsn, DataDir: dir, NoAnalysis: true, AuthConfig: auth.Config{Hash: auth.TestHashParams},
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := app.SeedUnits(ctx, a.DB); err != nil {
		return err
	}
	t0 := time.Now()
	ref, code, err := fillPublic(ctx, a, *ncases, *npubs)
	if err != nil {
		return err
	}
	w := env.stdout
	var cases, pubs, answers int
	a.DB.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases").Scan(&cases)
	a.DB.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM publications WHERE state = 'approved'").Scan(&pubs)
	a.DB.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM case_feedback").Scan(&answers)
	fmt.Fprintf(w, "## Public site (%s)\n\n`kaval bench public`: %d cases over six months (%d citizens' answers), %d approved public advisories, filled in %s; each page requested %d times through the whole handler in-process (server time: from request to the last byte written), median and 95th percentile of the wall time, and the 95th percentile of the process's CPU time over the request (on a shared machine the wall time includes waiting for a core); weight as served to a browser sending `Accept-Encoding: gzip, br`, the document alone and with the stylesheets, scripts and fonts it loads on a first visit.\n\n",
		a.DB.Dialect, cases, answers, pubs, time.Since(t0).Round(time.Second), *runs)
	fmt.Fprintln(w, "| page | lang | status | median | p95 | CPU p95 | document | with assets |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	h := a.Handler()
	month := time.Now().In(time.FixedZone("IST", 19800)).AddDate(0, -2, 0).Format("2006-01")
	pages := []struct{ path, lang string }{
		{"/", "en"}, {"/", "kn"},
		{"/stations", "en"},
		{"/stations?q=Jayanagar", "en"}, {"/stations?q=" + url.QueryEscape("ಜಯನಗರ"), "kn"},
		{"/stations?q=" + url.QueryEscape("near Koramangala 5th block water tank"), "en"},
		{"/stations?q=nagar", "kn"}, {"/stations?lat=12.9301&lon=77.5832", "en"},
		{"/accountability", "en"}, {"/accountability?month=" + month, "kn"},
		{"/report/status?ref=" + ref + "&code=" + code, "kn"},
		{"/feeds/advisories.atom", ""}, {"/feeds/stations/jayanagar.atom", ""},
		{"/api/v1/public/accountability", ""}, {"/api/v1/public/stations?q=Adugodi", ""},
	}
	// The first request after start waits for the accountability figures;
	// later ones get them recomputed in the background.
	cold := time.Now()
	if st, _, _ := serve(h, "/accountability", "en", 0); st != 200 {
		return fmt.Errorf("accountability: %d", st)
	}
	coldAcc := time.Since(cold)
	for _, p := range pages {
		n := *runs
		if strings.HasPrefix(p.path, "/report/status") {
			n = min(n, 80) // status look-ups are limited for everyone together (100, then 20 a second)
		}
		var status int
		var size int
		ds, cpu := make([]time.Duration, 0, n), make([]time.Duration, 0, n)
		for i := range n + 1 {
			c0 := cpuTime()
			t := time.Now()
			st, body, _ := serve(h, p.path, p.lang, i)
			d := time.Since(t)
			if i > 0 {
				cpu = append(cpu, cpuTime()-c0)
			}
			if i == 0 {
				status, size = st, len(body) // the first serves as warm-up
				continue
			}
			if st != status {
				return fmt.Errorf("%s: status %d then %d", p.path, status, st)
			}
			ds = append(ds, d)
		}
		slices.Sort(ds)
		slices.Sort(cpu)
		p95 := func(d []time.Duration) time.Duration { return d[min(len(d)-1, int(math.Ceil(float64(len(d))*0.95))-1)] }
		total := size + assetsWeight(h, p.path, p.lang)
		fmt.Fprintf(w, "| `%s` | %s | %d | %s | %s | %s | %s | %s |\n", p.path, p.lang, status, ms(ds[len(ds)/2]), ms(p95(ds)), ms(p95(cpu)), kb(size), kb(total))
	}
	fmt.Fprintf(w, "\nThe accountability figures' computation over the %d cases: %s (the first request after start waits for it; later ones are served the previous figures while it runs in the background every ten minutes).\n", cases, ms(coldAcc))
	return nil
}

func kb(n int) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }

// serve requests path through h as a browser in lang would, from a
// client address of its own (the status page limits look-ups per client).
func serve(h http.Handler, path, lang string, i int) (int, []byte, http.Header) {
	r := httptest.NewRequest("GET", path, nil)
	r.Header.Set("Accept-Encoding", "gzip, br")
	r.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:4000", i/65536%256, i/256%256, i%256)
	if lang != "" {
		r.AddCookie(&http.Cookie{Name: "kaval_lang", Value: lang})
		if strings.HasPrefix(path, "/report/") {
			r.URL.RawQuery += "&lang=" + lang
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, b, w.Result().Header
}

var (
	assetRE = regexp.MustCompile(`(?:href|src)="(/[^"]+\.(?:css|js))"`)
	fontRE  = regexp.MustCompile(`url\(["']?(/[^"')]+\.woff2)["']?\)`)
)

// assetsWeight is what a first visit to path also downloads: its
// stylesheets and scripts, and the fonts they name (compressed as served).
func assetsWeight(h http.Handler, path, lang string) int {
	_, body, hdr := serve(h, path, lang, 1)
	if !strings.Contains(hdr.Get("Content-Type"), "html") {
		return 0
	}
	if hdr.Get("Content-Encoding") == "gzip" {
		body = gunzip(body)
	}
	total := 0
	seen := map[string]bool{}
	for _, m := range assetRE.FindAllStringSubmatch(string(body), -1) {
		if seen[m[1]] {
			continue
		}
		seen[m[1]] = true
		_, b, ah := serve(h, m[1], "", 2)
		total += len(b)
		if strings.HasSuffix(m[1], ".css") {
			css := b
			if ah.Get("Content-Encoding") == "gzip" {
				css = gunzip(b)
			}
			for _, f := range fontRE.FindAllStringSubmatch(string(css), -1) {
				if !seen[f[1]] {
					seen[f[1]] = true
					_, fb, _ := serve(h, f[1], "", 3)
					total += len(fb)
				}
			}
		}
	}
	return total
}

// fillPublic stores the cases (with times, stations and answers) in SQL,
// the advisories through the publishing service, and one web-form case
// whose status page is measured; it returns that case's reference and
// code.
func fillPublic(ctx context.Context, a *app.App, ncases, npubs int) (string, string, error) {
	db := a.DB
	var have int
	db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases").Scan(&have)
	if have < ncases {
		var stations []int64
		rows, err := db.Read.QueryContext(ctx, "SELECT id FROM units WHERE kind = 'station' ORDER BY id")
		if err != nil {
			return "", "", err
		}
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			stations = append(stations, id)
		}
		rows.Close()
		now := time.Now()
		span := int64(182 * 24 * time.Hour / time.Millisecond)
		for lo := have; lo < ncases; lo += 20000 {
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				for k := lo; k < min(ncases, lo+20000); k++ {
					c := now.UnixMilli() - span + int64(k)*span/int64(ncases)
					status, first, resolved := "closed", any(c+int64(5+k%55)*60000), any(c+int64(1+k%48)*3600000)
					switch {
					case k%20 == 0:
						status, resolved = "open", nil
					case k%50 == 1:
						status, first, resolved = "new", nil, nil
					}
					var id int64
					if err := tx.QueryRowContext(ctx, `INSERT INTO cases (ref, status, priority, category, platform, thread_key, unit_id, created_at, last_post_at, updated_at, first_response_at, resolved_at, status_code)
						VALUES ($1, $2, $3, 'theft', 'x', $4, $5, $6, $6, $6, $7, $8, $9) RETURNING id`,
						fmt.Sprintf("BENCH-%d", k), status, 1+k%4, fmt.Sprintf("bench:%d", k), stations[k*7%len(stations)], c, first, resolved,
						fmt.Sprintf("%010X", k)).Scan(&id); err != nil {
						return err
					}
					// One closed case in five has the citizen's answer, four in five "yes".
					if status == "closed" && k%5 == 2 {
						ans := "yes"
						if k%25 == 7 {
							ans = "no"
						}
						if _, err := tx.ExecContext(ctx, `INSERT INTO case_feedback (case_id, answer, lang, created_at, updated_at) VALUES ($1, $2, 'kn', $3, $3)`, id, ans, c); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				return "", "", err
			}
		}
	}
	if err := fillAdvisories(ctx, a, npubs); err != nil {
		return "", "", err
	}
	if db.Dialect == store.Postgres {
		db.Write.ExecContext(ctx, "VACUUM ANALYZE cases")
	} else {
		db.Write.ExecContext(ctx, "ANALYZE")
	}
	// A citizen's report through the intake, with its timeline.
	res, err := a.Intake.Submit(ctx, []post.Post{{Platform: post.WebForm, ExternalID: "bench-public-form", Kind: post.KindForm, Private: true,
		Author: post.Author{ExternalID: "anon-bench"}, Text: "Street lights off on 9th Cross, Jayanagar 4th Block, for a week", CreatedAt: time.Now(), ReceivedAt: time.Now()}})
	if err != nil {
		return "", "", err
	}
	if res[0].Err != nil {
		return "", "", res[0].Err
	}
	if err := a.Pipeline.Process(ctx, []int64{res[0].ID}); err != nil {
		return "", "", err
	}
	p, _, err := a.Desk.GetPost(ctx, res[0].ID, desk.Scope{})
	if err != nil {
		return "", "", err
	}
	c, err := a.Desk.GetCase(ctx, p.CaseID, desk.Scope{})
	if err != nil {
		return "", "", err
	}
	return c.Ref, desk.FormatStatusCode(c.StatusCode), nil
}

// fillAdvisories approves npubs public advisories (a third in ten
// campaigns), each targeted at a station, through the publishing service.
func fillAdvisories(ctx context.Context, a *app.App, npubs int) error {
	var have int
	a.DB.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM publications").Scan(&have)
	if have >= npubs {
		return nil
	}
	mk := func(name string, role auth.Role) (*auth.Principal, error) {
		var id int64
		err := a.DB.Write.QueryRowContext(ctx, `INSERT INTO users (username, role, created_at, updated_at) VALUES ($1, $2, 1, 1) RETURNING id`, name, string(role)).Scan(&id)
		return &auth.Principal{UserID: id, Username: name, Role: role, Perms: auth.PermsOf(role), Method: auth.MethodSystem}, err
	}
	author, err := mk("bench-writer", auth.RoleAgent)
	if err != nil {
		return err
	}
	approver, err := mk("bench-approver", auth.RoleSupervisor)
	if err != nil {
		return err
	}
	var stations []int64
	rows, err := a.DB.Read.QueryContext(ctx, "SELECT id FROM units WHERE kind = 'station' ORDER BY id")
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		stations = append(stations, id)
	}
	rows.Close()
	var camps []int64
	for i := range 10 {
		c, err := a.Publish.SaveCampaign(ctx, author, publish.Campaign{Name: fmt.Sprintf("Helpline awareness week %d", i+1),
			Goal: "Every citizen knows the Elders Helpline 1090, Makkala Sahayavani 1098 and Vanitha Sahayavani 1091"})
		if err != nil {
			return err
		}
		camps = append(camps, c.ID)
	}
	for i := have; i < npubs; i++ {
		d := publish.Draft{Kind: publish.KindAdvisory, Title: fmt.Sprintf("Advisory %d", i), Public: true, Stations: []int64{stations[i%len(stations)]},
			Texts: map[string]string{
				"en": fmt.Sprintf("Traffic advisory %d: Mysuru Road closed between Sirsi Circle and Nayandahalli from 10 p.m. to 5 a.m. for metro work. Use the Outer Ring Road. Elders Helpline 1090, Children 1098, Women 1091.", i),
				"kn": fmt.Sprintf("ಸಂಚಾರ ಸೂಚನೆ %d: ಮೆಟ್ರೋ ಕಾಮಗಾರಿಯಿಂದಾಗಿ ಸಿರ್ಸಿ ವೃತ್ತ ಮತ್ತು ನಾಯಂಡಹಳ್ಳಿ ನಡುವೆ ಮೈಸೂರು ರಸ್ತೆ ರಾತ್ರಿ 10ರಿಂದ ಬೆಳಿಗ್ಗೆ 5ರವರೆಗೆ ಮುಚ್ಚಲಾಗಿದೆ. ಹೊರ ವರ್ತುಲ ರಸ್ತೆ ಬಳಸಿ.", i),
			}}
		if i%3 == 0 {
			d.CampaignID = camps[i%len(camps)]
		}
		p, err := a.Publish.Create(ctx, author, d)
		if err != nil {
			return err
		}
		if _, err := a.Publish.Submit(ctx, author, p.ID); err != nil {
			return err
		}
		if _, err := a.Publish.Approve(ctx, approver, p.ID, ""); err != nil {
			return err
		}
	}
	return nil
}

func gunzip(b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return b
	}
	out, _ := io.ReadAll(zr)
	return out
}
