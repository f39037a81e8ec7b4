package ui_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/ui"
)

func TestPostTextMarked(t *testing.T) {
	for _, c := range []struct {
		text   string
		places []string
		want   string
	}{
		{"chain snatched near 4th Block Jayanagar, help", []string{"4th Block Jayanagar"}, `near <mark>4th Block Jayanagar</mark>, help`},
		{"at JAYANAGAR bus stop", []string{"Jayanagar"}, `at <mark>JAYANAGAR</mark> bus stop`},
		// The matched text is escaped like the rest; a place that is not in
		// the (masked) text marks nothing; overlaps keep the first.
		{`<b>MG Road</b> <script>`, []string{"MG Road", "Road</b>", "Hebbal"}, `&lt;b&gt;<mark>MG Road</mark>&lt;/b&gt; &lt;script&gt;`},
		{"see https://x.in/MG-Road now at MG Road", []string{"MG Road"}, `<a href="https://x.in/MG-Road" rel="noopener noreferrer nofollow ugc" target="_blank">https://x.in/MG-Road</a> now at <mark>MG Road</mark>`},
	} {
		got := string(ui.PostTextMarked(c.text, c.places))
		if !strings.Contains(got, c.want) {
			t.Errorf("%q %v:\n got %s\nwant …%s…", c.text, c.places, got, c.want)
		}
	}
}

// The inbox row marks the words the analysis matched as the place, not
// the station's name.
func TestInboxMarksMatchedPlace(t *testing.T) {
	e := newDeskEnv(t)
	id := e.put("chain snatched near 4th block jayanagar, the thief ran to Jayanagar PS side", false)
	if _, err := e.a.DB.Write.Exec(`UPDATE posts SET analysis = $1 WHERE case_id = $2`,
		`{"places":[{"text":"4th block jayanagar","start":20,"end":39,"station":"Jayanagar PS","source":"text"}]}`, id); err != nil {
		t.Fatal(err)
	}
	body := e.login(auth.RoleAgent).get("/desk/inbox").body
	row := body[strings.Index(body, fmt.Sprintf(`id="case-%d"`, id)):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "<mark>4th block jayanagar</mark>") || strings.Count(row, "<mark>") != 1 {
		t.Fatalf("row: %s", row)
	}
	cpage := e.login(auth.RoleAgent).get(fmt.Sprintf("/desk/cases/%d", id)).body
	if !strings.Contains(cpage, "<mark>4th block jayanagar</mark>") {
		t.Fatal("the case page does not mark the matched place")
	}
}
