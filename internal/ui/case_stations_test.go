package ui_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
)

// The case page's two station selects (correct the chip, escalate) list
// every station once each, in the page's language, the case's station
// selected, and a station's name is text (the options are rendered once
// in Go, outside the template's escaping).
func TestCaseStationSelects(t *testing.T) {
	e := newDeskEnv(t)
	var hostileID int64
	if err := e.a.DB.Write.QueryRow(`INSERT INTO units (code, kind, name, name_kn, created_at) VALUES ('blr/ps/evil', 'station', $1, $2, 0) RETURNING id`,
		hostile[1]+" PS", hostile[0]).Scan(&hostileID); err != nil {
		t.Fatal(err)
	}
	id, _ := e.longThread(1)
	if _, err := e.a.DB.Write.Exec(`UPDATE cases SET unit_id = $1 WHERE id = $2`, e.unit, id); err != nil {
		t.Fatal(err)
	}
	stations := e.count(`SELECT count(*) FROM units WHERE kind IN ('station', 'traffic_station')`)
	var name, nameKn string
	e.a.DB.Read.QueryRow(`SELECT name, COALESCE(name_kn, '') FROM units WHERE id = $1`, e.unit).Scan(&name, &nameKn)
	if nameKn == "" {
		nameKn = name
	}
	agent := e.login(auth.RoleAgent)
	for _, lang := range []struct{ code, name, evil string }{{"en", name, "&lt;img src=x onerror=alert(2)&gt; PS"}, {"kn", nameKn, "&lt;script&gt;alert(1)&lt;/script&gt;"}} {
		agent.post("/desk/lang", url.Values{"lang": {lang.code}, "next": {"/desk/inbox"}})
		r := agent.get(fmt.Sprintf("/desk/cases/%d", id))
		if r.status != 200 {
			t.Fatalf("%s case page: %d", lang.code, r.status)
		}
		assertInert(t, "case page "+lang.code, r.body)
		for _, sel := range []string{`<select id="chip-station"`, `<select id="esc-unit"`} {
			_, rest, ok := strings.Cut(r.body, sel)
			body, _, _ := strings.Cut(rest, "</select>")
			if !ok {
				t.Fatalf("%s: no %s", lang.code, sel)
			}
			if n := strings.Count(body, "<option"); n != stations+1 {
				t.Errorf("%s %s: %d options for %d stations", lang.code, sel, n, stations)
			}
			if n := strings.Count(body, " selected"); n != 1 || !strings.Contains(body, fmt.Sprintf(`<option value="%d" selected>%s</option>`, e.unit, lang.name)) {
				t.Errorf("%s %s: the case's station is not the one selected (%d selected)", lang.code, sel, n)
			}
			if !strings.Contains(body, fmt.Sprintf(`<option value="%d">%s</option>`, hostileID, lang.evil)) {
				t.Errorf("%s %s: the hostile station's name is not shown escaped", lang.code, sel)
			}
		}
	}
}
