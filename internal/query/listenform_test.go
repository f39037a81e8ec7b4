package query

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/post"
)

// render writes a form compactly for comparison: atoms as kind:text
// (with * for prefix), operators as AND(…) OR(…) NOT(…).
func render(t *Term) string {
	if t == nil {
		return "<none>"
	}
	if t.Op == "" {
		s := t.Atom.Kind + ":" + t.Atom.Text
		if t.Atom.Prefix {
			s += "*"
		}
		return s
	}
	parts := make([]string, len(t.Terms))
	for i := range t.Terms {
		parts[i] = render(&t.Terms[i])
	}
	return strings.ToUpper(t.Op) + "(" + strings.Join(parts, " ") + ")"
}

func TestListenForm(t *testing.T) {
	for _, c := range []struct {
		q, platform, want string
		widened, never    bool
		reasons           []string
	}{
		{q: `"chain snatching" OR robbery`, platform: post.X, want: "OR(phrase:chain snatching word:robbery)"},
		{q: `theft AND NOT bike`, platform: post.X, want: "AND(word:theft NOT(word:bike))"},
		{q: `#BengaluruRains @blrcitypolice author:someone`, platform: post.X, want: "AND(hashtag:bengalururains mention:blrcitypolice author:someone)"},
		{q: `snatch* ಕಳ್ಳತನ`, platform: post.X, want: "AND(word:snatch* word:ಕಳ್ಳತನ*)"},
		// Analysed fields are dropped: the form is wider, the desk filters.
		{q: `flood AND category:theft AND urgency>60`, platform: post.X, want: "word:flood", widened: true, reasons: []string{WidenFields}},
		{q: `flood lang:kn`, platform: post.Bluesky, want: "word:flood", widened: true, reasons: []string{WidenLang}},
		// Excluding an analysed field cannot be searched either: dropped.
		{q: `flood AND NOT sentiment:positive`, platform: post.X, want: "word:flood", widened: true, reasons: []string{WidenFields}},
		// Any OR branch made of fields only means the whole OR is unsearchable.
		{q: `(flood OR category:theft) AND bengaluru`, platform: post.X, want: "word:bengaluru", widened: true, reasons: []string{WidenFields}},
		{q: `category:theft`, platform: post.X, want: "<none>", widened: true, reasons: []string{WidenFields}},
		{q: `fire NEAR/3 building`, platform: post.Mastodon, want: "AND(word:fire word:building)", widened: true, reasons: []string{WidenNear}},
		// platform: is known exactly.
		{q: `flood AND platform:x`, platform: post.X, want: "word:flood"},
		{q: `flood AND platform:x`, platform: post.Bluesky, want: "<none>", never: true},
		{q: `(flood AND platform:x) OR (waterlogging AND platform:mastodon)`, platform: post.Mastodon, want: "word:waterlogging"},
		{q: `flood AND NOT platform:bluesky`, platform: post.Bluesky, want: "<none>", never: true},
	} {
		q, err := Parse(c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		f := q.ListenForm(c.platform)
		if got := render(f.Root); got != c.want || f.Widened != c.widened || f.Never != c.never || !slices.Equal(f.Reasons, c.reasons) {
			t.Errorf("%s on %s: got %s widened=%v never=%v reasons=%v; want %s widened=%v never=%v reasons=%v",
				c.q, c.platform, got, f.Widened, f.Never, f.Reasons, c.want, c.widened, c.never, c.reasons)
		}
		if _, err := json.Marshal(f); err != nil {
			t.Fatal(err)
		}
	}
	q, _ := Parse(`flood lang:kn`)
	if f := q.ListenForm(post.X); !slices.Equal(f.Langs, []string{"kn"}) {
		t.Fatalf("langs: %v", f.Langs)
	}
}

func TestListenFormClauses(t *testing.T) {
	q, _ := Parse(`(flood OR waterlogging) AND (silkboard OR bellandur) AND NOT (old OR archive)`)
	cs, widened, ok := q.ListenForm(post.Bluesky).Clauses(8)
	if !ok || widened || len(cs) != 4 {
		t.Fatalf("clauses: %v %v %+v", ok, widened, cs)
	}
	for _, c := range cs {
		if len(c.All) != 2 || len(c.None) != 2 {
			t.Fatalf("clause: %+v", c)
		}
	}
	if _, _, ok := q.ListenForm(post.Bluesky).Clauses(3); ok {
		t.Fatal("more clauses than allowed")
	}
	q, _ = Parse(`flood AND NOT (old AND archive)`)
	cs, widened, ok = q.ListenForm(post.Bluesky).Clauses(8)
	if !ok || !widened || len(cs) != 1 || len(cs[0].None) != 0 {
		t.Fatalf("a negated AND is dropped, widening: %v %v %+v", ok, widened, cs)
	}
}
