package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/sla"
	"github.com/kaval-desk/kaval/internal/store"
)

// The SLA page round-trips its one form: what is shown is what is saved,
// a change sticks, a wrong value changes nothing; the report renders and
// downloads.
func TestSLAPages(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		st := sla.NewStore(db)
		e.ui.SLAPages(st)
		b := e.browser()
		b.login(auth.RoleSupervisor)
		page := b.get("/desk/admin/sla")
		if page.status != 200 || !strings.Contains(page.body, "Kannada Rajyotsava") || !strings.Contains(page.body, `name="p0.first"`) {
			t.Fatalf("page %d", page.status)
		}
		form := formOf(page.body)
		before, _ := st.Load(context.Background())
		form.Set("warn_percent", "60")
		form.Set("p4.priority", "2")
		form.Set("p4.category", "missing_person")
		form.Set("p4.first", "5")
		form.Set("p4.resolve", "120")
		form.Set("hnew.day", "2026-12-31")
		form.Set("hnew.name", "Year end")
		if r := b.post("/desk/admin/sla", form); r.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.status, r.body)
		}
		after, _ := st.Load(context.Background())
		if after.WarnPercent != 60 || len(after.Policies) != len(before.Policies)+1 || len(after.Holidays) != len(before.Holidays)+1 ||
			len(after.Calendars) != len(before.Calendars) || after.Calendars[1].Hours[1] != before.Calendars[1].Hours[1] {
			t.Fatalf("after save: %+v", after)
		}
		form.Set("p0.resolve", "1") // resolution before the first response
		if r := b.post("/desk/admin/sla", form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "form-error") {
			t.Fatalf("bad save: %d", r.status)
		}
		if again, _ := st.Load(context.Background()); again.Policies[0].Resolve != after.Policies[0].Resolve {
			t.Fatal("a refused save changed a target")
		}
		b.post("/desk/lang", url.Values{"lang": {"kn"}})
		if kn := b.get("/desk/admin/sla"); !strings.Contains(kn.body, "ಸಾರ್ವಜನಿಕ ರಜಾದಿನಗಳು") {
			t.Fatal("no Kannada page")
		}
		if rep := b.get("/desk/reports/sla?by=category"); rep.status != 200 {
			t.Fatalf("report %d", rep.status)
		}
		if csv := b.get("/desk/reports/sla.csv?by=platform"); csv.status != 200 || !strings.HasPrefix(csv.body, "platform,cases") {
			t.Fatalf("csv %d %q", csv.status, csv.body)
		}
		agent := e.browser()
		agent.login(auth.RoleAgent)
		if r := agent.post("/desk/admin/sla", form); r.status != http.StatusForbidden {
			t.Fatalf("agent saved the SLA: %d", r.status)
		}
	})
}

var inputRE = regexp.MustCompile(`<(input|select)[^>]*name="([^"]+)"[^>]*>`)
var valueRE = regexp.MustCompile(`value="([^"]*)"`)
var selectedRE = regexp.MustCompile(`<option value="([^"]*)"[^>]* selected`)

// formOf reads a page's form fields as a browser would submit them
// (text, number, date, time and hidden inputs; selects' chosen option;
// checked boxes; unchecked ones left out).
func formOf(body string) url.Values {
	f := url.Values{}
	for _, m := range inputRE.FindAllStringSubmatchIndex(body, -1) {
		tag, name := body[m[0]:m[1]], body[m[4]:m[5]]
		if strings.HasPrefix(tag, "<select") {
			end := strings.Index(body[m[1]:], "</select>")
			opts := body[m[1] : m[1]+end]
			v := ""
			if s := selectedRE.FindStringSubmatch(opts); s != nil {
				v = s[1]
			} else if s := regexp.MustCompile(`<option value="([^"]*)"`).FindStringSubmatch(opts); s != nil {
				v = s[1]
			}
			f.Set(name, v)
			continue
		}
		if strings.Contains(tag, `type="checkbox"`) {
			if strings.Contains(tag, " checked") {
				if s := valueRE.FindStringSubmatch(tag); s != nil {
					f.Add(name, s[1])
				}
			}
			continue
		}
		v := ""
		if s := valueRE.FindStringSubmatch(tag); s != nil {
			v = strings.NewReplacer("&#43;", "+", "&amp;", "&", "&#39;", "'", "&quot;", `"`).Replace(s[1])
		}
		f.Set(name, v)
	}
	return f
}
