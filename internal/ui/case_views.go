package ui

import (
	"html/template"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/privacy"
)

// The thread's posts and the timeline's events are the part of the case
// page that grows with the case: 100 of each on a long one. Each is made
// ready for the template here, once, in the page's language: the labels
// looked up, the time and the citizen's text formatted (escaped by the
// same functions the template would call), so the template's loop reads
// a few plain fields of a flat struct. Reading fields of the embedded
// post.Post through reflection, and a dozen function calls per post, were
// most of the page's template time.

// postView is a post as the thread shows it: masked for everyone until
// someone allowed to see personal data unmasks it (audited).
type postView struct {
	ID       int64
	Platform string        // the platform's name in the page's language
	Who      string        // the author as the thread names them
	When     template.HTML // when it was written (<time>)
	Body     template.HTML // the text, escaped, places marked (PostTextMarked)
	Masked   bool          // personal data was found and masked
}

// newPostView makes p (already masked as the viewer must see it) ready
// for the thread; places are what the analysis matched in the unmasked
// text, and masked says the text lost personal data.
func newPostView(tr translator, now time.Time, p post.Post, places []string, masked bool) postView {
	who := p.Author.Name
	switch {
	case p.Author.Handle == privacy.Hidden:
		who = privacy.Hidden
	case p.Author.Handle != "":
		who = "@" + p.Author.Handle
	}
	return postView{ID: p.ID, Platform: tr.T("platform." + p.Platform), Who: who, When: tr.When(p.CreatedAt, now),
		Body: PostTextMarked(p.Text, places), Masked: masked}
}

// placesOf are the texts the analysis of p matched as places in its text
// (taken before masking: a masked text keeps the marks it still holds).
func placesOf(p post.Post) []string {
	if p.Analysis == nil {
		return nil
	}
	var out []string
	for _, pl := range p.Analysis.Places {
		if pl.End > pl.Start {
			out = append(out, pl.Text)
		}
	}
	return out
}

// postViews masks a run of posts for the thread (unmasking is per post).
func postViews(tr translator, now time.Time, posts []post.Post) []postView {
	out := make([]postView, 0, len(posts))
	for _, ps := range posts {
		places := placesOf(ps)
		text := ps.Text
		privacy.Viewer{}.Post(&ps)
		out = append(out, newPostView(tr, now, ps, places, ps.Text != text))
	}
	return out
}

// eventView is a timeline entry as the timeline (and the stale-edit
// screen) shows it.
type eventView struct {
	ID    int64
	Kind  string
	At    time.Time
	When  template.HTML
	Actor string        // who did it, by name
	What  string        // what happened, in the page's language (escaped by the template)
	Body  template.HTML // its free text (a note, a reply, an escalation note), masked and escaped
}

// eventViews names each event's actor and masks its free text (names are
// the case's author names, cut from notes as the API does).
func eventViews(tr translator, now time.Time, ev []desk.Event, userNames map[int64]string, names []string) []eventView {
	out := make([]eventView, 0, len(ev))
	for _, e := range ev {
		s := map[string]string{}
		for k, x := range e.Body {
			if v, ok := x.(string); ok {
				s[k] = privacy.Viewer{}.Text(v, names...)
			}
		}
		var body template.HTML
		if s["text"] != "" {
			body += PostText(s["text"])
		}
		if s["note"] != "" {
			body += PostText(s["note"])
		}
		out = append(out, eventView{ID: e.ID, Kind: e.Kind, At: e.At, When: tr.When(e.At, now), Actor: userNames[e.ActorID],
			What: eventWhat(tr, e.Kind, s), Body: body})
	}
	return out
}

// eventWhat is the line saying what an event was: its kind's label, then
// what the kind carries (a status change's from and to, the station…).
// A kind without a label (one added by a later version) shows as itself.
func eventWhat(tr translator, kind string, s map[string]string) string {
	var b strings.Builder
	if tr.Has("event." + kind) {
		b.WriteString(tr.T("event." + kind))
	} else {
		b.WriteString(kind)
	}
	add := func(parts ...string) {
		b.WriteByte(' ')
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	switch kind {
	case "status":
		add(tr.T("status."+s["from"]), " → ", tr.T("status."+s["to"]))
	case "escalate":
		add(s["unit"])
	case "station_action":
		add(tr.T("saction." + s["action"]))
		if f := s["fir_number"]; f != "" {
			b.WriteString(" · " + f)
		}
	case "correction":
		add(tr.T("chip."+s["task"]), ": ", s["to"])
	case "merged":
		add(s["into"])
	case "reply_failed":
		add(s["reason"])
	case "feedback":
		add(tr.T("feedback." + s["answer"]))
	}
	return b.String()
}
