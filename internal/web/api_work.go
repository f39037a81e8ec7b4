package web

import (
	"net/http"
	"net/url"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
)

// DeskWorkAPI mounts what a shift does beyond reading cases: saved views,
// mentions, presence, templates, escalation and the station's action,
// corrections, bulk actions and merges, and unmasking a post.
func (s *Server) DeskWorkAPI(d *desk.Desk, p *desk.Presence) {
	s.viewsAPI(d)
	s.mentionsAPI(d)
	s.meLangAPI(d)
	s.presenceAPI(d, p)
	s.templatesAPI(d)
	s.escalationAPI(d)
	s.correctionsAPI(d)
	s.bulkAPI(d)
}

var caseIDParam = []Param{{Name: "id", In: "path", Type: "integer", Required: true}}

// errScopedReroute refuses a station officer moving a case out of their
// own scope (they would lose sight of it; the desk routes cases).
var errScopedReroute = &Error{Status: http.StatusForbidden, Code: "out_of_scope", Message: "a station officer cannot send a case to another unit; ask the desk"}

func scopedUser(r *http.Request) bool {
	_, ok := Principal(r).ScopeUnit()
	return ok
}

// canonicalQuery keeps the inbox parameters of a saved view, checked by
// the inbox's own parser, in a stable order.
func canonicalQuery(raw string, p *auth.Principal) (string, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "", invalid("query", "query is not a URL query string")
	}
	keep := url.Values{}
	for _, name := range InboxParamNames {
		if v := q.Get(name); v != "" {
			keep.Set(name, v)
		}
	}
	if _, err := CaseFilterOf(keep, p); err != nil {
		if e, ok := err.(*Error); ok {
			return "", invalid("query", "%s", e.Message)
		}
		return "", err
	}
	return keep.Encode(), nil
}

type viewRequest struct {
	Name   string `json:"name"`
	Query  string `json:"query" description:"the inbox's query string, e.g. lang=kn&urgency=60&sort=deadline"`
	Shared bool   `json:"shared,omitempty"`
}

func (s *Server) viewsAPI(d *desk.Desk) {
	tags := []string{"views"}
	s.Route("GET", "/api/v1/views", auth.PermCasesRead, OpDoc{Summary: "My saved inbox views and the shared ones", Tags: tags, Response: []desk.View{}},
		func(w http.ResponseWriter, r *http.Request) error {
			vs, err := d.Views(r.Context(), Principal(r).UserID)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, vs)
		})
	s.Route("POST", "/api/v1/views", auth.PermCasesRead, OpDoc{Summary: "Save an inbox view (the same name replaces it)", Tags: tags,
		Description: "Sharing a view with the whole desk needs cases:assign (supervisors).",
		Request:     viewRequest{}, Response: desk.View{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			var req viewRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			p := Principal(r)
			if req.Shared && !p.Can(auth.PermCasesAssign) {
				return Errorf(http.StatusForbidden, "forbidden", "sharing a view with the desk needs %s", auth.PermCasesAssign)
			}
			q, err := canonicalQuery(req.Query, p)
			if err != nil {
				return err
			}
			v, err := d.SaveView(r.Context(), p.UserID, req.Name, q, req.Shared)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusCreated, v)
		})
	s.Route("DELETE", "/api/v1/views/{id}", auth.PermCasesRead, OpDoc{Summary: "Delete a saved view (mine; supervisors: shared ones too)", Tags: tags, Params: caseIDParam},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			p := Principal(r)
			if err := d.DeleteView(r.Context(), id, p.UserID, p.Can(auth.PermCasesAssign)); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
}

type mentionsRead struct {
	CaseID int64 `json:"case_id,omitempty" description:"0 or absent: all"`
}

type mentionsPage struct {
	Mentions []desk.Mention `json:"mentions"`
	Unread   int            `json:"unread"`
}

func (s *Server) mentionsAPI(d *desk.Desk) {
	tags := []string{"cases"}
	s.Route("GET", "/api/v1/me/mentions", auth.PermCasesRead, OpDoc{Summary: "Notes that named me with @username, newest first", Tags: tags,
		Params:   []Param{{Name: "unread", Type: "boolean"}, {Name: "limit", Type: "integer", Description: "1–200, default 50"}},
		Response: mentionsPage{}},
		func(w http.ResponseWriter, r *http.Request) error {
			limit, err := QueryInt(r, "limit", 50, 1, 200)
			if err != nil {
				return err
			}
			unread := false
			switch r.URL.Query().Get("unread") {
			case "", "false", "0":
			case "true", "1":
				unread = true
			default:
				return badParam("unread", "unread must be true or false")
			}
			p := Principal(r)
			ms, err := d.Mentions(r.Context(), p.UserID, scopeOf(r), unread, int(limit))
			if err != nil {
				return err
			}
			n, err := d.UnreadMentions(r.Context(), p.UserID)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, mentionsPage{Mentions: ms, Unread: n})
		})
	s.Route("POST", "/api/v1/me/mentions/read", auth.PermCasesRead, OpDoc{Summary: "Mark my mentions (on one case, or all) as read", Tags: tags, Request: mentionsRead{}},
		func(w http.ResponseWriter, r *http.Request) error {
			var req mentionsRead
			if err := optionalJSON(r, &req); err != nil {
				return err
			}
			if err := d.ReadMentions(r.Context(), Principal(r).UserID, req.CaseID); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
}

type presenceBeat struct {
	Typing bool `json:"typing,omitempty"`
	Gone   bool `json:"gone,omitempty" description:"the page was closed"`
}

func (s *Server) presenceAPI(d *desk.Desk, pr *desk.Presence) {
	tags := []string{"cases"}
	s.Route("POST", "/api/v1/cases/{id}/presence", auth.PermCasesRead, OpDoc{Summary: "I have this case open (or am typing a reply): who else has?", Tags: tags,
		Description: "Send every 10 s while the case is open and on typing; a beat lasts 30 s. Answers the others who have it open.",
		Params:      caseIDParam, Request: presenceBeat{}, Response: []desk.Viewer{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req presenceBeat
			if err := optionalJSON(r, &req); err != nil {
				return err
			}
			if _, err := d.GetCase(r.Context(), id, scopeOf(r)); err != nil {
				return err
			}
			p := Principal(r)
			name := p.Name
			if name == "" {
				name = p.Username
			}
			pr.Beat(r.Context(), id, p.UserID, name, req.Typing, req.Gone)
			return JSON(w, http.StatusOK, pr.Others(id, p.UserID))
		})
	s.Route("GET", "/api/v1/cases/{id}/presence", auth.PermCasesRead, OpDoc{Summary: "Who else has this case open or is typing a reply", Tags: tags,
		Params: caseIDParam, Response: []desk.Viewer{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			if _, err := d.GetCase(r.Context(), id, scopeOf(r)); err != nil {
				return err
			}
			return JSON(w, http.StatusOK, pr.Others(id, Principal(r).UserID))
		})
}
