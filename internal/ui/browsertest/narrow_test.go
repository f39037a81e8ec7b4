package browsertest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/notify"
)

// TestNarrowBars: on a 360 px phone, in English and Kannada, the inbox's
// bulk-action bar keeps to one line, and the bell's unread count stays
// a one-line badge (it wrapped into a tall pill in Kannada).
func TestNarrowBars(t *testing.T) {
	env := Start(t, Options{})
	n := 0
	deskPut(t, env, &n, "signal not working at Silk Board junction", "chain snatching near Jayanagar 4th block")
	sup := env.Users[auth.RoleSupervisor]
	for i := range 3 {
		_, _, err := env.App.Notify.Send(t.Context(), notify.Notification{Kind: "test.note", Severity: "info",
			Text: map[string]notify.Text{"en": {Subject: fmt.Sprint("Note ", i)}}}, notify.Audience{Users: []int64{sup.ID}})
		if err != nil {
			t.Fatal(err)
		}
	}
	b := env.Browser(t)
	b.Login(auth.RoleSupervisor)
	b.Go("/desk/inbox")
	waitFor(t, "the bell to count", func() bool { return b.Exists(".bell.has-unread") })
	height := func(css string) float64 {
		s := b.Eval(`document.querySelector(` + jsString(css) + `).getBoundingClientRect().height`)
		h, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("height of %s: %s", css, s)
		}
		return h
	}
	for _, lang := range []string{"en", "kn"} {
		b.Lang(lang)
		b.Width(360)
		waitFor(t, "the bell to count", func() bool { return b.Exists(".bell.has-unread") })
		b.Eval(`document.fonts.ready.then(() => "ok")`)
		b.Screenshot("narrow-inbox-" + lang + "-360")
		// One line: no taller than its tallest control and a little.
		bar, control := height("#bulk"), height("#bulk button")
		if bar > control*1.6 {
			t.Errorf("%s: the bulk bar is %.0f px tall at 360 px, its buttons %.0f: it wraps", lang, bar, control)
		}
		count, line := height(".bell-count"), height(".bell svg")
		if count > line*1.6 {
			t.Errorf("%s: the bell's count is %.0f px tall beside an icon of %.0f: it wraps", lang, count, line)
		}
		if txt := b.Text(".bell"); !strings.Contains(txt, "3") {
			t.Errorf("%s: the bell says %q", lang, txt)
		}
		if w := b.Eval(`document.documentElement.scrollWidth`); w != "360" {
			t.Errorf("%s: the page is %s px wide at 360", lang, w)
		}
	}
	b.Width(1280)
	b.Lang("en")
	b.Check("narrow-inbox")
}
