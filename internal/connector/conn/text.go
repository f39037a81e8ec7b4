package conn

import (
	"strings"

	"golang.org/x/net/html"

	"github.com/kaval-desk/kaval/internal/textnorm"
)

// HTMLText turns platform HTML (Mastodon's sanitised status HTML, feed
// descriptions that are often escaped HTML) into text: tags dropped, entities decoded, block elements become line breaks,
// script/style content skipped. It never fails: broken markup yields the
// text the tokenizer could recover.
func HTMLText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return textnorm.Clean(strings.TrimSpace(s))
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return TidyText(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip++
			case "br":
				b.WriteByte('\n')
			case "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr":
				b.WriteString("\n\n")
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				if skip > 0 {
					skip--
				}
			case "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr":
				b.WriteString("\n\n")
			}
		}
	}
}

// TidyText cleans s (textnorm.Clean), collapses spaces within each line and
// runs of blank lines, and drops leading and trailing blank lines.
func TidyText(s string) string {
	s = textnorm.Clean(s)
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := false
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
