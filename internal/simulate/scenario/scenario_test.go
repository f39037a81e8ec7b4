package scenario

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/post"
)

// script classifies text by the Unicode blocks of its letters.
func script(s string) (knda, deva, latin bool) {
	for _, r := range s {
		switch {
		case r >= 0x0C80 && r <= 0x0CFF:
			knda = true
		case r >= 0x0900 && r <= 0x097F:
			deva = true
		case r < 0x80 && unicode.IsLetter(r):
			latin = true
		}
	}
	return
}

func TestDeterministicPerSeed(t *testing.T) {
	a, b, c := New(Config{Seed: 7}), New(Config{Seed: 7}), New(Config{Seed: 8})
	same := true
	for range 500 {
		x, y, z := a.Next(), b.Next(), c.Next()
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("same seed, different events:\n%+v\n%+v", x, y)
		}
		if x.Text != z.Text {
			same = false
		}
	}
	if same {
		t.Fatal("different seeds gave identical texts")
	}
}

func TestCoversThemesLanguagesAndScripts(t *testing.T) {
	g := New(Config{Seed: 42})
	themes := map[string]int{}
	langs := map[string]int{}
	kinds := map[string]int{}
	platforms := map[string]int{}
	ids := map[string]bool{}
	authors := map[string]int{}
	geo := 0
	for range 6000 {
		e := g.Next()
		if !utf8.ValidString(e.Text) || strings.TrimSpace(e.Text) == "" {
			t.Fatalf("bad text in %+v", e)
		}
		if ids[e.ID] {
			t.Fatalf("duplicate id %s", e.ID)
		}
		ids[e.ID] = true
		themes[e.Theme]++
		langs[e.Lang]++
		kinds[e.Kind]++
		platforms[e.Platform]++
		authors[e.AuthorID]++
		if e.Lat != nil {
			geo++
			if *e.Lat < 12.7 || *e.Lat > 13.3 || *e.Lon < 77.3 || *e.Lon > 77.9 {
				t.Fatalf("location outside Bengaluru: %v,%v", *e.Lat, *e.Lon)
			}
		}
		if e.ReplyTo != "" && !ids[e.ReplyTo] {
			t.Fatalf("reply to an unknown event: %+v", e)
		}
		knda, deva, _ := script(e.Text)
		switch e.Lang {
		case LangKannada:
			if !knda {
				t.Errorf("kn text without Kannada script: %q", e.Text)
			}
		case LangHindi:
			if !deva {
				t.Errorf("hi text without Devanagari: %q", e.Text)
			}
		default: // English and romanised text has no Indic letters
			if knda || deva {
				t.Errorf("%s text with Indic script: %q", e.Lang, e.Text)
			}
		}
	}
	for _, th := range Themes {
		if themes[th] == 0 {
			t.Errorf("theme %s never generated", th)
		}
	}
	for _, l := range Languages {
		if langs[l] < 100 {
			t.Errorf("language %s generated only %d times", l, langs[l])
		}
	}
	for p := range DefaultMix {
		if platforms[p] == 0 {
			t.Errorf("platform %s never generated", p)
		}
	}
	for _, k := range []string{post.KindMention, post.KindReply, post.KindComment, post.KindPost, post.KindDirectMessage, post.KindNews} {
		if kinds[k] == 0 {
			t.Errorf("kind %s never generated", k)
		}
	}
	if geo == 0 {
		t.Error("no event carries a location")
	}
	busiest := 0
	for _, n := range authors {
		busiest = max(busiest, n)
	}
	if busiest < 10 {
		t.Errorf("no repeat poster: busiest author has %d posts", busiest)
	}
	if len(ids) != 6000 {
		t.Fatalf("%d distinct ids", len(ids))
	}
}

func TestEveryThemeInEveryLanguage(t *testing.T) {
	for theme, byLang := range templates {
		for _, l := range Languages {
			if len(byLang[l]) == 0 {
				t.Errorf("theme %s has no %s template", theme, l)
			}
		}
	}
	for _, l := range Languages {
		if len(replies[l]) == 0 || len(dmFollowUps[l]) == 0 {
			t.Errorf("no replies or follow-ups in %s", l)
		}
	}
	if len(Places) < 60 {
		t.Errorf("only %d places", len(Places))
	}
}

func TestRumourSpreadsAsNearDuplicates(t *testing.T) {
	g := New(Config{Seed: 3})
	byLang := map[string][]string{}
	for range 4000 {
		e := g.Next()
		if e.Theme == ThemeRumour {
			byLang[e.Lang] = append(byLang[e.Lang], e.Text)
		}
	}
	en := byLang[LangEnglish]
	if len(en) < 10 {
		t.Fatalf("only %d English rumour posts", len(en))
	}
	// Consecutive copies in a wave share most of their words.
	similar, rt := 0, 0
	for i := 1; i < len(en); i++ {
		if jaccard(en[i-1], en[i]) > 0.6 {
			similar++
		}
		if strings.HasPrefix(en[i], "RT @") {
			rt++
		}
	}
	if similar < len(en)/2 {
		t.Errorf("only %d of %d consecutive rumour copies are near-duplicates", similar, len(en))
	}
	if rt == 0 {
		t.Error("no RT-prefixed copies")
	}
}

func jaccard(a, b string) float64 {
	wa, wb := map[string]bool{}, map[string]bool{}
	for _, w := range strings.Fields(strings.ToLower(a)) {
		wa[w] = true
	}
	for _, w := range strings.Fields(strings.ToLower(b)) {
		wb[w] = true
	}
	inter := 0
	for w := range wa {
		if wb[w] {
			inter++
		}
	}
	return float64(inter) / float64(len(wa)+len(wb)-inter)
}

func TestBurstRaisesOneThemeInOneArea(t *testing.T) {
	cfg := Config{Seed: 11, Rate: 10, Bursts: []Burst{{Theme: ThemeFlood, Place: "Koramangala", Start: 100 * time.Second, Duration: 100 * time.Second, Share: 0.7}}}
	g := New(cfg)
	in, inFlood, out, outFlood := 0, 0, 0, 0
	for range 3000 { // 300 virtual seconds
		e := g.Next()
		off := e.At.Sub(time.Date(2026, 1, 1, 3, 30, 0, 0, time.UTC))
		if e.Theme == ThemeReply || e.Theme == ThemeFollowUp || e.Theme == ThemeNews {
			continue
		}
		flood := e.Theme == ThemeFlood && e.Place == "Koramangala"
		if off >= 110*time.Second && off < 190*time.Second {
			in++
			if flood {
				inFlood++
			}
		} else if off < 90*time.Second || off > 210*time.Second {
			out++
			if flood {
				outFlood++
			}
		}
	}
	if in == 0 || out == 0 {
		t.Fatalf("no events in or out of the window: %d %d", in, out)
	}
	if float64(inFlood)/float64(in) < 0.5 {
		t.Errorf("burst share %d/%d", inFlood, in)
	}
	if float64(outFlood)/float64(out) > 0.05 {
		t.Errorf("flood in Koramangala outside the burst %d/%d", outFlood, out)
	}
}

func TestMixRestrictsPlatforms(t *testing.T) {
	g := New(Config{Seed: 1, Platforms: map[string]float64{post.WhatsApp: 1, post.Telegram: 1}})
	for range 500 {
		e := g.Next()
		if e.Platform != post.WhatsApp && e.Platform != post.Telegram {
			t.Fatalf("platform %s outside the mix", e.Platform)
		}
		if e.Platform == post.WhatsApp && e.Kind != post.KindDirectMessage {
			t.Fatalf("WhatsApp event of kind %s", e.Kind)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	g := New(Config{Seed: 1})
	for b.Loop() {
		g.Next()
	}
}
