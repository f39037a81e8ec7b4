package ui

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Languages the desk speaks, in the order the switch offers them. A
// message missing in any of them is a test failure (TestCatalogueComplete),
// never a silent English fallback.
var Languages = []string{"en", "kn"}

//go:embed messages
var messagesFS embed.FS

// message is one catalogue entry: plain text, or plural forms chosen by
// the count (CLDR categories "one" and "other" suffice for English and
// Kannada).
type message struct {
	text   string
	plural map[string]string
}

func (m *message) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		m.plural = map[string]string{}
		if err := json.Unmarshal(b, &m.plural); err != nil {
			return err
		}
		if m.plural["other"] == "" {
			return fmt.Errorf("plural message without an \"other\" form")
		}
		return nil
	}
	return json.Unmarshal(b, &m.text)
}

// catalogue maps language -> key -> message.
type catalogue map[string]map[string]*message

// loadCatalogue reads messages/*.LANG.json: each page family keeps its own
// pair of files (shell.en.json + shell.kn.json, desk.en.json + …) so that
// people adding pages do not edit the same file. A key defined twice is
// an error.
func loadCatalogue() (catalogue, error) {
	return parseCatalogue(messagesFS, "messages")
}

func parseCatalogue(fsys fs.FS, dir string) (catalogue, error) {
	c := catalogue{}
	for _, l := range Languages {
		c[l] = map[string]*message{}
	}
	files, err := fs.Glob(fsys, dir+"/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		base := strings.TrimSuffix(path.Base(f), ".json")
		lang := path.Ext(base)
		if lang == "" || c[lang[1:]] == nil {
			return nil, fmt.Errorf("ui: %s: name it FAMILY.LANG.json with LANG one of %v", f, Languages)
		}
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var m map[string]*message
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("ui: unable to read catalogue %s: %w", f, err)
		}
		for k, v := range m {
			if _, dup := c[lang[1:]][k]; dup {
				return nil, fmt.Errorf("ui: catalogue key %q defined twice (%s)", k, f)
			}
			c[lang[1:]][k] = v
		}
	}
	return c, nil
}

// pluralCategory is the CLDR plural rule of a language for an integer.
//
//	en: one if n = 1
//	kn: one if n = 0 or n = 1
func pluralCategory(lang string, n int64) string {
	switch lang {
	case "kn":
		if n == 0 || n == 1 {
			return "one"
		}
	default:
		if n == 1 {
			return "one"
		}
	}
	return "other"
}

// translator renders messages of one language.
type translator struct {
	lang string
	msgs map[string]*message
}

// T returns the message for key with {0}, {1}… replaced by args (integers
// in Indian grouping). An unknown key shows as [[key]] so that it is seen
// in a screenshot; TestCatalogueComplete and TestTemplateKeys catch it
// before that.
func (t translator) T(key string, args ...any) string {
	m := t.msgs[key]
	if m == nil {
		return "[[" + key + "]]"
	}
	s := m.text
	if m.plural != nil {
		s = m.plural["other"]
	}
	return fill(s, args)
}

// N returns the plural form of key for n, with {0} = n.
func (t translator) N(key string, n int64, args ...any) string {
	m := t.msgs[key]
	if m == nil {
		return "[[" + key + "]]"
	}
	s := m.text
	if m.plural != nil {
		s = m.plural[pluralCategory(t.lang, n)]
		if s == "" {
			s = m.plural["other"]
		}
	}
	return fill(s, append([]any{n}, args...))
}

// Has reports whether key is in the catalogue.
func (t translator) Has(key string) bool { return t.msgs[key] != nil }

func fill(s string, args []any) string {
	if len(args) == 0 || !strings.Contains(s, "{") {
		return s
	}
	for i, a := range args {
		var v string
		switch x := a.(type) {
		case int:
			v = Number(int64(x))
		case int64:
			v = Number(x)
		case string:
			v = x
		default:
			v = fmt.Sprint(x)
		}
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(i)+"}", v)
	}
	return s
}

// Number formats n with Indian digit grouping: 1,23,45,678.
func Number(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	if len(s) > 3 {
		head, tail := s[:len(s)-3], s[len(s)-3:]
		var b strings.Builder
		for i, c := range head {
			if i > 0 && (len(head)-i)%2 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		s = b.String() + "," + tail
	}
	if neg {
		return "-" + s
	}
	return s
}
