// Package privacy is the one place that decides what of a citizen's
// personal data a person on the desk may see. Every API response (and
// every page) that carries citizen text or identity passes its values
// through a Viewer:
//
//   - by default (Default), for everyone, personal data is masked as
//     below: the desk's lists, cases, timelines and searches never show
//     it, whatever the role;
//   - a person with pii:view opens one post at a time (POST
//     /api/v1/posts/{id}/unmask, the case page's "show personal data"),
//     each opening audited first, through For: everything is then shown
//     as stored; so is the evidence of an edited or deleted post
//     (audited the same way), and the text of a reply or post to its
//     approvers, who must see exactly what goes out under the force's name;
//   - masked, free text (post text, case subjects, timeline notes and
//     reply texts, outbox texts, citizen notes, audit details) has its
//     phone numbers, Aadhaar and PAN numbers, vehicle numbers, e-mail
//     addresses, links and FIR numbers replaced by [phone], [vehicle]…
//     (found afresh, never trusting a stored analysis); the raw platform
//     payload is dropped;
//   - private conversations (WhatsApp, direct messages, Messenger, the
//     web form: anything the citizen did not publish) also hide who wrote:
//     author id, handle, name and stated location become [hidden], the
//     author's name is cut out of their text and the case subject, the
//     citizen's phone number is cut out of thread ids, and shared
//     coordinates are dropped (the station the analysis found stays);
//   - a public identity (an X handle, a Facebook name) stays, unless it is
//     itself a phone number or e-mail address.
//
// A table-driven test walks every role over every GET route of the App
// with personal data seeded in every field (internal/app,
// TestNoPersonalDataWithoutPIIView).
package privacy

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/analyze/pii"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/post"
)

// Hidden replaces an identity a viewer may not see.
const Hidden = "[hidden]"

// Viewer is what one person may see.
type Viewer struct {
	PII bool // may see personal data unredacted
}

// For returns what principal p may see when they deliberately open an
// item (nil: an anonymous caller, who sees nothing personal). Only audited
// openings and outgoing texts use it; everything else uses Default.
func For(p *auth.Principal) Viewer {
	return Viewer{PII: p != nil && p.Can(auth.PermPIIView)}
}

// Default is how the desk shows citizens' content to p: masked, whatever
// p's role, until p opens one post (For, audited).
func Default(p *auth.Principal) Viewer { return Viewer{} }

// ShowsAuthor reports whether v may see the name of c's citizen (c as
// stored): a public identity, or anyone's to a viewer seeing everything.
// A reply draft greets by name only when it does (desk.RenderTemplate).
func (v Viewer) ShowsAuthor(c desk.Case) bool {
	name := desk.AuthorCalled(c)
	return v.PII || name == "" || v.identity(strings.TrimPrefix(name, "@"), Private(c.Platform, c.Private)) != Hidden
}

// privatePlatforms are those where every item is a private conversation
// and the author id is a phone number or a form contact.
var privatePlatforms = map[string]bool{post.WhatsApp: true, post.WebForm: true, post.Messenger: true}

// Private reports whether an item of platform (marked private or not) is
// a private conversation.
func Private(platform string, private bool) bool { return private || privatePlatforms[platform] }

// Text redacts personal data in free text, and each of names (an
// author's name, handle or id in a private conversation) as whole words.
func (v Viewer) Text(s string, names ...string) string {
	if v.PII || s == "" {
		return s
	}
	s = cutNames(s, names)
	if spans := publicOut(s, pii.Find(s)); len(spans) > 0 {
		s = pii.Redact(s, spans)
	}
	return s
}

// publicNumbers are the force's own published phone numbers (its
// stations' numbers from the jurisdiction pack, as digits): not personal
// data, so a reply giving a citizen their station's number reads the same
// to the agent who wrote it.
var publicNumbers atomic.Pointer[map[string]bool]

// SetPublicNumbers sets the force's own published numbers (any format;
// a field may list several, separated by commas or slashes).
func SetPublicNumbers(fields []string) {
	m := map[string]bool{}
	for _, f := range fields {
		for _, n := range strings.FieldsFunc(f, func(r rune) bool { return r == ',' || r == '/' || r == ';' }) {
			if d := digitsOf(n); len(d) >= 6 {
				m[d] = true
			}
		}
	}
	publicNumbers.Store(&m)
}

// publicOut drops the phone spans that are one of the public numbers.
func publicOut(s string, spans []post.Span) []post.Span {
	pub := publicNumbers.Load()
	if pub == nil || len(*pub) == 0 {
		return spans
	}
	out := spans[:0]
	for _, sp := range spans {
		if sp.Type == "phone" && (*pub)[digitsOf(s[sp.Start:sp.End])] {
			continue
		}
		out = append(out, sp)
	}
	return out
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// identity shows a public identity unless it is itself personal data.
func (v Viewer) identity(s string, private bool) string {
	if v.PII || s == "" {
		return s
	}
	if private || len(pii.Find(s)) > 0 {
		return Hidden
	}
	return s
}

// DeletedText stands in for the text of a post its author deleted.
const DeletedText = "[deleted by its author]"

// Post redacts one post in place.
//
// A post its author deleted on the platform (DeletedAt) has been taken
// back from public view, so the desk's everyday views honour that: a
// viewer without pii:view sees that it existed and was deleted, not its
// text, payload or the places and personal data found in it. With
// pii:view (supervisors, station officers, admins: the people trusted with
// a citizen's personal data, who may have to act on a threat or report
// that was withdrawn) the text stays visible as evidence until the
// retention purge empties it; audit:read is about the desk's own actions,
// not citizens' content, so it is not the gate.
func (v Viewer) Post(p *post.Post) {
	if p.DeletedAt != nil && (!v.PII || p.Text == "") {
		p.Text, p.Raw = DeletedText, nil
		if p.Analysis != nil {
			p.Analysis.PII, p.Analysis.Places = nil, nil
		}
	}
	if v.PII {
		return
	}
	p.Raw = nil
	priv := Private(p.Platform, p.Private)
	var names []string
	if priv {
		names = []string{p.Author.Name, p.Author.Handle, p.Author.ExternalID}
		p.Lat, p.Lon = nil, nil
		p.ThreadID = cutIDs(p.ThreadID, p.Author.ExternalID, p.Author.Handle)
		p.InReplyTo = cutIDs(p.InReplyTo, p.Author.ExternalID, p.Author.Handle)
	}
	text := v.Text(p.Text, names...)
	if text != p.Text {
		p.Text = text
		if p.Analysis != nil {
			p.Analysis.PII = nil // offsets no longer match the redacted text
			p.Analysis.Places = nil
		}
	}
	p.URL = v.identity(p.URL, priv)
	p.Author.ExternalID = v.identity(p.Author.ExternalID, priv)
	p.Author.Handle = v.identity(p.Author.Handle, priv)
	p.Author.Name = v.identity(p.Author.Name, priv)
	p.Author.Location = v.identity(p.Author.Location, priv)
	p.Author.URL = v.identity(p.Author.URL, priv)
}

// Posts redacts posts in place.
func (v Viewer) Posts(ps []post.Post) {
	for i := range ps {
		v.Post(&ps[i])
	}
}

// caseNames are the identity strings cut from a private case's texts.
func caseNames(c desk.Case) []string {
	if !Private(c.Platform, c.Private) {
		return nil
	}
	return []string{c.AuthorName, c.AuthorHandle}
}

// Case redacts one case in place.
func (v Viewer) Case(c *desk.Case) {
	if v.PII {
		return
	}
	priv := Private(c.Platform, c.Private)
	c.Subject = v.Text(c.Subject, caseNames(*c)...)
	c.AuthorHandle = v.identity(c.AuthorHandle, priv)
	c.AuthorName = v.identity(c.AuthorName, priv)
}

// Cases redacts cases in place.
func (v Viewer) Cases(cs []desk.Case) {
	for i := range cs {
		v.Case(&cs[i])
	}
}

// Events redacts a case's timeline in place: every text in an event body
// (notes, reply texts, platforms' failure messages) is free text. c is
// the case as stored (before Case redacted it), for the author's name.
func (v Viewer) Events(c desk.Case, ev []desk.Event) {
	if v.PII {
		return
	}
	names := caseNames(c)
	for i := range ev {
		ev[i].Body = v.value(ev[i].Body, names).(map[string]any)
	}
}

// value redacts every string in a decoded JSON value.
func (v Viewer) value(x any, names []string) any {
	switch t := x.(type) {
	case string:
		return v.Text(t, names...)
	case map[string]any:
		if t == nil {
			return map[string]any{}
		}
		for k, e := range t {
			t[k] = v.value(e, names)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = v.value(e, names)
		}
		return t
	}
	return x
}

// JSON redacts every string of a JSON document (audit details).
func (v Viewer) JSON(raw json.RawMessage) json.RawMessage {
	if v.PII || len(raw) == 0 {
		return raw
	}
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		return json.RawMessage(`null`)
	}
	b, err := json.Marshal(v.value(x, nil))
	if err != nil {
		return json.RawMessage(`null`)
	}
	return b
}

// Author redacts a platform identity in place.
func (v Viewer) Author(a *desk.Author) {
	if v.PII {
		return
	}
	priv := Private(a.Platform, false)
	a.ExternalID = v.identity(a.ExternalID, priv)
	a.Handle = v.identity(a.Handle, priv)
	a.Name = v.identity(a.Name, priv)
}

// Citizen redacts a citizen profile in place: the profile names a person,
// so its name is hidden; notes are free text.
func (v Viewer) Citizen(c *desk.Citizen) {
	if v.PII {
		return
	}
	var names []string
	for _, a := range c.Authors {
		if Private(a.Platform, false) {
			names = append(names, a.Name, a.Handle, a.ExternalID)
		}
	}
	names = append(names, c.Name)
	c.Notes = v.Text(c.Notes, names...)
	c.Name = v.identity(c.Name, true)
	for i := range c.Authors {
		v.Author(&c.Authors[i])
	}
	v.Cases(c.Cases)
}

// CaseNames are the identity strings of a case's citizen that are cut
// from texts about a private case (OutboxItem's names).
func CaseNames(c desk.Case) []string { return caseNames(c) }

// OutboxItem redacts a reply or post in place: its text may quote the
// citizen (names: CaseNames of the reply's case), and a direct message's
// recipient is the citizen.
func (v Viewer) OutboxItem(it *outbox.Item, names ...string) {
	if v.PII {
		return
	}
	it.Text = v.Text(it.Text, names...)
	it.DecisionNote = v.Text(it.DecisionNote)
	it.LastError = v.Text(it.LastError)
	it.DeliveryDetail = v.Text(it.DeliveryDetail)
	priv := privatePlatforms[it.Platform] || it.Target.Extra["kind"] == post.KindDirectMessage
	it.Target.Recipient = v.identity(it.Target.Recipient, true)
	if priv {
		it.Target.ThreadID = v.identity(it.Target.ThreadID, true)
	} else {
		it.Target.ThreadID = v.Text(it.Target.ThreadID)
	}
	if it.Template != nil {
		t := *it.Template
		t.Params = append([]string(nil), t.Params...)
		for i, p := range t.Params {
			t.Params[i] = v.Text(p)
		}
		it.Template = &t
	}
}

// OutboxItems redacts items in place; names gives the CaseNames of a
// case id.
func (v Viewer) OutboxItems(items []outbox.Item, names func(caseID int64) []string) {
	for i := range items {
		v.OutboxItem(&items[i], names(items[i].CaseID)...)
	}
}

// AuditRecords redacts the details of audit records in place.
func (v Viewer) AuditRecords(rs []auth.AuditRecord) {
	if v.PII {
		return
	}
	for i := range rs {
		rs[i].Details = v.JSON(rs[i].Details)
	}
}

// cutNames replaces each name (and each word of three letters or more in
// it) where it stands as a whole word in s.
func cutNames(s string, names []string) string {
	var words []string
	for _, n := range names {
		n = strings.TrimSpace(strings.TrimPrefix(n, "@"))
		if utf8.RuneCountInString(n) < 3 {
			continue
		}
		words = append(words, n)
		for _, w := range strings.FieldsFunc(n, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && r != '_'
		}) {
			if utf8.RuneCountInString(w) >= 3 {
				words = append(words, w)
			}
		}
	}
	for _, w := range words {
		s = replaceWord(s, w, "[name]")
	}
	return s
}

// replaceWord replaces w, matched without regard to case, wherever it is
// not part of a longer word.
func replaceWord(s, w, with string) string {
	if !strings.Contains(strings.ToLower(s), strings.ToLower(w)) {
		return s
	}
	var b strings.Builder
	for p := 0; p < len(s); {
		if e := p + len(w); e <= len(s) && boundary(s, p, true) && strings.EqualFold(s[p:e], w) && boundary(s, e, false) {
			b.WriteString(with)
			p = e
			continue
		}
		_, size := utf8.DecodeRuneInString(s[p:])
		b.WriteString(s[p : p+size])
		p += size
	}
	return b.String()
}

func boundary(s string, at int, before bool) bool {
	var r rune
	if before {
		if at == 0 {
			return true
		}
		r, _ = utf8.DecodeLastRuneInString(s[:at])
	} else {
		if at >= len(s) {
			return true
		}
		r, _ = utf8.DecodeRuneInString(s[at:])
	}
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && r != '_'
}

// cutIDs hides the citizen's identity inside a composite id such as a
// WhatsApp thread ("our number:their number").
func cutIDs(s string, ids ...string) string {
	for _, id := range ids {
		if len(id) >= 4 {
			s = strings.ReplaceAll(s, id, Hidden)
		}
	}
	return s
}
