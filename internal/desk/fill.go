package desk

import (
	"net/url"
	"strings"
)

// AuthorCalled is how a reply addresses the citizen of c ({name}): the
// name they gave the platform, else their @handle. c must be the case as
// stored, not as a masked view shows it.
func AuthorCalled(c Case) string {
	if c.AuthorName != "" {
		return c.AuthorName
	}
	if c.AuthorHandle != "" {
		return "@" + c.AuthorHandle
	}
	return ""
}

// FillReply completes a reply's text as it is queued, from the case as
// stored (c): {name} the citizen's name (kept out of drafts shown to
// people who may not see it: RenderTemplate), {ref} the reference,
// {status_code} the code that with it opens the public status page, and
// {status_url} a link carrying both under baseURL (the desk's public
// URL). The API and the pages queue replies through this one function,
// and the platform's length rules apply to the text it returns.
func FillReply(text string, c Case, baseURL string) string {
	if !strings.Contains(text, "{") {
		return text
	}
	code := FormatStatusCode(c.StatusCode)
	link := strings.TrimRight(baseURL, "/") + "/report/status?" + url.Values{"ref": {c.Ref}, "code": {code}}.Encode()
	name := AuthorCalled(c)
	out := strings.NewReplacer("{name}", name, "{ref}", c.Ref, "{status_code}", code, "{status_url}", link).Replace(text)
	if name == "" && strings.Contains(text, "{name}") {
		out = tidy(out) // "Dear {name}," with no name: close the gap
	}
	return out
}
