package ui

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"
	"text/template/parse"
	"unicode"
)

// TestCatalogueComplete: every message exists in every language, with the
// same placeholders and the same shape (plain or plural).
func TestCatalogueComplete(t *testing.T) {
	c, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	ph := regexp.MustCompile(`\{\d+\}`)
	placeholders := func(m *message) []string {
		s := m.text
		if m.plural != nil {
			s = m.plural["other"]
		}
		got := ph.FindAllString(s, -1)
		slices.Sort(got)
		return slices.Compact(got)
	}
	for _, a := range Languages {
		for key, ma := range c[a] {
			for _, b := range Languages {
				mb := c[b][key]
				if mb == nil {
					t.Errorf("%q is in %s but missing in %s", key, a, b)
					continue
				}
				if (ma.plural == nil) != (mb.plural == nil) {
					t.Errorf("%q: plural in one language, plain in another", key)
				}
				if !slices.Equal(placeholders(ma), placeholders(mb)) {
					t.Errorf("%q: placeholders %v in %s, %v in %s", key, placeholders(ma), a, placeholders(mb), b)
				}
			}
			if ma.plural != nil && ma.plural["one"] == "" {
				t.Errorf("%q (%s): plural without a \"one\" form", key, a)
			}
			if strings.TrimSpace(ma.text) == "" && ma.plural == nil {
				t.Errorf("%q (%s): empty message", key, a)
			}
		}
	}
	// Keys built at run time must exist too.
	var dynamic []string
	for _, s := range sectionOrder {
		dynamic = append(dynamic, "nav."+s)
	}
	for code := range errorCodes {
		dynamic = append(dynamic, "error."+code+".title", "error."+code+".hint")
	}
	dynamic = append(dynamic, "error.generic.title", "error.generic.hint")
	for i := 1; i <= 12; i++ {
		dynamic = append(dynamic, "month."+strings.TrimSpace(strings.Repeat(" ", 0))+itoa(i))
	}
	for _, r := range []string{"admin", "supervisor", "agent", "station_officer", "analyst"} {
		dynamic = append(dynamic, "role."+r)
	}
	for _, k := range dynamic {
		for _, l := range Languages {
			if c[l][k] == nil {
				t.Errorf("run-time key %q missing in %s", k, l)
			}
		}
	}
}

func itoa(i int) string { return string(rune('0' + i/10))[:min(1, i/10)] + string(rune('0'+i%10)) }

func TestPluralRules(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{{"en", 0, "other"}, {"en", 1, "one"}, {"en", 2, "other"}, {"kn", 0, "one"}, {"kn", 1, "one"}, {"kn", 2, "other"}, {"kn", 21, "other"}} {
		if got := pluralCategory(c.lang, c.n); got != c.want {
			t.Errorf("%s %d: %s, want %s", c.lang, c.n, got, c.want)
		}
	}
	c, _ := loadCatalogue()
	en, kn := translator{"en", c["en"]}, translator{"kn", c["kn"]}
	if got := en.N("time.minutes_ago", 1); got != "1 min ago" {
		t.Error(got)
	}
	if got := kn.N("time.minutes_ago", 5); got != "5 ನಿಮಿಷಗಳ ಹಿಂದೆ" {
		t.Error(got)
	}
	if got := kn.N("time.minutes_ago", 1); got != "1 ನಿಮಿಷದ ಹಿಂದೆ" {
		t.Error(got)
	}
}

// templateTrees parses every template file with stub functions, for the
// static checks below.
func templateTrees(t *testing.T) map[string]*template.Template {
	t.Helper()
	u := &UI{assets: &assets{byName: map[string]*asset{}}}
	stub := template.FuncMap{}
	for name := range u.funcs(translator{}) {
		stub[name] = func(...any) string { return "" }
	}
	files, _ := fs.Glob(templatesFS, "templates/*.html")
	out := map[string]*template.Template{}
	for _, f := range files {
		b, _ := fs.ReadFile(templatesFS, f)
		tm, err := template.New(f).Funcs(stub).Parse(string(b))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = tm
	}
	return out
}

func walk(n parse.Node, f func(parse.Node)) {
	if n == nil {
		return
	}
	f(n)
	switch x := n.(type) {
	case *parse.ListNode:
		if x != nil {
			for _, c := range x.Nodes {
				walk(c, f)
			}
		}
	case *parse.ActionNode:
		walk(x.Pipe, f)
	case *parse.PipeNode:
		if x != nil {
			for _, c := range x.Cmds {
				walk(c, f)
			}
		}
	case *parse.CommandNode:
		for _, a := range x.Args {
			walk(a, f)
		}
	case *parse.IfNode:
		walk(x.Pipe, f)
		walk(x.List, f)
		walk(x.ElseList, f)
	case *parse.RangeNode:
		walk(x.Pipe, f)
		walk(x.List, f)
		walk(x.ElseList, f)
	case *parse.WithNode:
		walk(x.Pipe, f)
		walk(x.List, f)
		walk(x.ElseList, f)
	case *parse.TemplateNode:
		walk(x.Pipe, f)
	}
}

var (
	tagRE      = regexp.MustCompile(`(?s)<[^>]*>`)
	attrTextRE = regexp.MustCompile(`\b(title|placeholder|aria-label|alt|data-confirm|label)="([^"]*)"`)
	inlineRE   = regexp.MustCompile(`(?i)<script(\s[^>]*)?>\s*[^<\s]|<style|\sstyle=|\son[a-z]+=|javascript:|hx-on`)
)

// TestTemplatesUseCatalogue: no word a person reads is written in a
// template (it comes from {{t …}}), every key a template names exists in
// both languages, and nothing needs 'unsafe-inline' (no inline script or
// style, no on* handler attributes, no hx-on).
func TestTemplatesUseCatalogue(t *testing.T) {
	c, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for file, tm := range templateTrees(t) {
		src, _ := fs.ReadFile(templatesFS, file)
		for _, msg := range literalText(string(src)) {
			t.Errorf("%s: %s", file, msg)
		}
		for _, def := range tm.Templates() {
			if def.Tree == nil {
				continue
			}
			walk(def.Tree.Root, func(n parse.Node) {
				switch x := n.(type) {
				case *parse.CommandNode:
					id, ok := x.Args[0].(*parse.IdentifierNode)
					if !ok || (id.Ident != "t" && id.Ident != "tn") || len(x.Args) < 2 {
						return
					}
					if s, ok := x.Args[1].(*parse.StringNode); ok {
						for _, l := range Languages {
							if c[l][s.Text] == nil {
								t.Errorf("%s: key %q missing in %s", file, s.Text, l)
							}
						}
					}
				case *parse.StringNode:
					// A quoted string printed as is ({{"Hello"}}) bypasses the
					// catalogue; strings are only arguments.
				}
			})
			// Printed string constants: {{"text"}} as a whole action.
			walk(def.Tree.Root, func(n parse.Node) {
				if a, ok := n.(*parse.ActionNode); ok && len(a.Pipe.Cmds) == 1 && len(a.Pipe.Cmds[0].Args) == 1 {
					if s, ok := a.Pipe.Cmds[0].Args[0].(*parse.StringNode); ok && strings.IndexFunc(s.Text, unicode.IsLetter) >= 0 {
						t.Errorf("%s: printed literal %q: use {{t \"key\"}}", file, s.Text)
					}
				}
			})
		}
	}
}

var actionRE = regexp.MustCompile(`(?s)\{\{.*?\}\}`)

// literalText lists what in a template's source bypasses the catalogue or
// the CSP: actions are blanked out, then what remains outside tags must
// hold no letters, nor may the person-facing attributes.
func literalText(src string) []string {
	var out []string
	s := actionRE.ReplaceAllString(src, "§")
	if m := inlineRE.FindString(s); m != "" {
		out = append(out, fmt.Sprintf("%q needs unsafe-inline under the CSP", m))
	}
	for _, a := range attrTextRE.FindAllStringSubmatch(s, -1) {
		if strings.IndexFunc(a[2], unicode.IsLetter) >= 0 {
			out = append(out, fmt.Sprintf("attribute %s=%q is not from the catalogue", a[1], a[2]))
		}
	}
	for _, chunk := range strings.Fields(tagRE.ReplaceAllString(s, " ")) {
		if strings.IndexFunc(chunk, unicode.IsLetter) >= 0 {
			out = append(out, fmt.Sprintf("literal text %q: use {{t \"key\"}}", chunk))
		}
	}
	return out
}

// TestLiteralCheckCatches makes sure the check above can fail.
func TestLiteralCheckCatches(t *testing.T) {
	for _, bad := range []string{`<p>Hello</p>`, `<input placeholder="Search">`, `<div style="color:red">`, `<a onclick="x()">`,
		`<script>alert(1)</script>`, `<p>{{if .X}}Hi{{end}}</p>`, `<a href="javascript:x">`} {
		if len(literalText(bad)) == 0 {
			t.Errorf("%q passes the literal check", bad)
		}
	}
	for _, good := range []string{`<p class="x">{{t "a.b"}}</p>`, `<input value="{{.V}}"{{if .A}} autofocus{{end}}>`, `<script src="{{asset "a.js"}}" defer></script>`} {
		if got := literalText(good); len(got) != 0 {
			t.Errorf("%q flagged: %v", good, got)
		}
	}
}
