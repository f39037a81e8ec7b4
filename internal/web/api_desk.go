package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/unit"
)

// DeskAPI mounts the inbox routes: cases, posts and units. Scope comes from
// the principal in SQL (desk.Scope), and personal data in post text is
// redacted for roles without pii:view.
func (s *Server) DeskAPI(d *desk.Desk) {
	units := unit.NewStore(d.DB())
	s.postVersionsAPI(d)
	s.unmaskAPI(d)
	s.caseTimelineAPI(d)
	caseParams := inboxParams
	s.Route("GET", "/api/v1/cases", auth.PermCasesRead, OpDoc{Summary: "List cases in triage order", Tags: []string{"cases"}, Params: caseParams, Response: casePage{}},
		func(w http.ResponseWriter, r *http.Request) error {
			f, err := CaseFilterOf(r.URL.Query(), Principal(r))
			if err != nil {
				return err
			}
			cs, next, err := d.ListCases(r.Context(), f, scopeOf(r))
			if err != nil {
				return err
			}
			unread, err := d.Unread(r.Context(), Principal(r).UserID, cs)
			if err != nil {
				return err
			}
			for i := range cs {
				cs[i].Unread = unread[cs[i].ID]
			}
			viewerOf(r).Cases(cs)
			return JSON(w, http.StatusOK, casePage{Cases: cs, NextCursor: next})
		})
	s.Route("GET", "/api/v1/cases/{id}", auth.PermCasesRead, OpDoc{Summary: "Get a case with its newest posts and timeline (marks it read for the caller)", Tags: []string{"cases"},
		Description: "posts are the case's newest `limit` posts in thread order (oldest first), as on the case page. " +
			"When the thread has earlier posts, `earlier_before` is the cursor to pass as `before` for the posts before these " +
			"and `earlier_count` how many there are; follow it until `earlier_before` is absent to read the whole thread. " +
			"timeline is the case's newest " + strconv.Itoa(timelinePage) + " events, oldest first; when there are earlier ones, " +
			"`timeline_earlier_before` is the `before` of GET /api/v1/cases/{id}/timeline for them and `timeline_earlier_count` how many there are.",
		Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true},
			{Name: "before", Description: "earlier_before of a previous answer: the posts before that point"},
			{Name: "limit", Type: "integer", Description: "posts per answer, 1-500 (default 500)"}}, Response: caseDetail{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			sc := scopeOf(r)
			c, err := d.GetCase(r.Context(), id, sc)
			if err != nil {
				return err
			}
			// The newest posts, paged backwards like the case page: the
			// oldest 500 used to be answered, so a longer case lost its
			// newest posts, the ones an agent answers.
			limit, err := QueryInt(r, "limit", 500, 1, 500)
			if err != nil {
				return err
			}
			th, err := d.CaseThread(r.Context(), id, sc, r.URL.Query().Get("before"), int(limit))
			var inv *desk.InvalidError
			if errors.As(err, &inv) {
				return &Error{Status: http.StatusBadRequest, Code: "invalid_parameter", Field: "before", Message: "before must be an earlier_before of this case's thread"}
			}
			if err != nil {
				return err
			}
			posts := th.Posts
			// The newest events, paged backwards like the thread (a long
			// case has an event per post): GET …/timeline reads the rest.
			tl, err := d.TimelineBefore(r.Context(), id, sc, 0, timelinePage)
			if err != nil {
				return err
			}
			ev := tl.Events
			// Reading a case marks it read for the caller (unread in lists).
			if err := d.MarkSeen(r.Context(), Principal(r).UserID, id); err != nil {
				return err
			}
			v := viewerOf(r)
			v.Events(c, ev) // before Case: the case's author names are cut from its notes
			v.Posts(posts)
			v.Case(&c)
			return JSON(w, http.StatusOK, caseDetail{Case: c, Posts: posts, Timeline: ev, EarlierBefore: th.Earlier, EarlierCount: th.EarlierCount,
				TimelineEarlierBefore: tl.Earlier, TimelineEarlierCount: tl.EarlierCount})
		})
	s.Route("PATCH", "/api/v1/cases/{id}", auth.PermCasesWrite, OpDoc{Summary: "Change a case's status, priority, category, team, unit or tags", Tags: []string{"cases"},
		Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true}}, Request: desk.Change{}, Response: desk.Case{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var ch desk.Change
			if err := DecodeJSON(r, &ch); err != nil {
				return err
			}
			p := Principal(r)
			if ch.UnitID != nil && !p.Can(auth.PermCasesAssign) {
				return Errorf(http.StatusForbidden, "forbidden", "routing a case to another unit needs %s", auth.PermCasesAssign)
			}
			c, err := d.Update(r.Context(), id, scopeOf(r), p.UserID, ch)
			if err != nil {
				return err
			}
			auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "case.update", Target: "case:" + c.Ref, Details: ch})
			viewerOf(r).Case(&c)
			return JSON(w, http.StatusOK, c)
		})
	s.Route("POST", "/api/v1/cases/{id}/assign", auth.PermCasesAssign, OpDoc{Summary: "Assign a case to a user (0 unassigns)", Tags: []string{"cases"},
		Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true}}, Request: assignRequest{}, Response: desk.Case{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req assignRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			c, err := d.Assign(r.Context(), id, scopeOf(r), Principal(r).UserID, req.AssigneeID)
			if err != nil {
				return err
			}
			auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "case.assign", Target: "case:" + c.Ref, Details: req})
			viewerOf(r).Case(&c)
			return JSON(w, http.StatusOK, c)
		})
	s.Route("POST", "/api/v1/cases/{id}/comments", auth.PermCasesWrite, OpDoc{Summary: "Add an internal note to a case's timeline", Tags: []string{"cases"},
		Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true}}, Request: commentRequest{}, Response: desk.Event{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req commentRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			ev, err := d.Comment(r.Context(), id, scopeOf(r), Principal(r).UserID, req.Text)
			if err != nil {
				return err
			}
			auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "case.comment", Target: "case:" + strconv.FormatInt(id, 10)})
			if c, err := d.GetCase(r.Context(), id, scopeOf(r)); err == nil {
				evs := []desk.Event{ev}
				viewerOf(r).Events(c, evs)
				ev = evs[0]
			}
			return JSON(w, http.StatusCreated, ev)
		})

	s.Route("GET", "/api/v1/posts", auth.PermPostsRead, OpDoc{Summary: "List or search posts, newest first", Tags: []string{"posts"},
		Params: []Param{{Name: "q", Description: "full-text search in any script; words match as prefixes"}, {Name: "platform"}, {Name: "lang"},
			{Name: "sentiment"}, {Name: "category"}, {Name: "station"}, {Name: "emergency", Type: "boolean"}, {Name: "case", Type: "integer"},
			{Name: "before", Type: "integer", Description: "posts with a smaller id (next page)"}, {Name: "limit", Type: "integer"}},
		Response: postPage{}},
		func(w http.ResponseWriter, r *http.Request) error {
			f, err := postFilter(r)
			if err != nil {
				return err
			}
			posts, err := d.ListPosts(r.Context(), f, scopeOf(r))
			if err != nil {
				return err
			}
			viewerOf(r).Posts(posts)
			page := postPage{Posts: posts}
			if len(posts) == f.Limit && len(posts) > 0 {
				page.NextBefore = posts[len(posts)-1].ID
			}
			return JSON(w, http.StatusOK, page)
		})
	s.Route("GET", "/api/v1/posts/{id}", auth.PermPostsRead, OpDoc{Summary: "Get a post with its analysis (and raw payload for pii:view)", Tags: []string{"posts"},
		Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true}}, Response: post.Post{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			p, _, err := d.GetPost(r.Context(), id, scopeOf(r))
			if err != nil {
				return err
			}
			viewerOf(r).Post(&p)
			return JSON(w, http.StatusOK, p)
		})

	s.Route("POST", "/api/v1/authors/{id}/citizen", auth.PermCitizensLink, OpDoc{
		Summary:     "Link a platform identity to a citizen profile",
		Description: "With citizen_id, the author joins that profile; without, a new profile named name is made. The profile gathers the citizen's identities and cases across platforms.",
		Tags:        []string{"citizens"}, Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true}},
		Request: linkRequest{}, Response: linkResponse{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req linkRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			cid, err := d.LinkAuthor(r.Context(), id, req.CitizenID, req.Name, Principal(r).UserID)
			if err != nil {
				return err
			}
			auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "author.link", Target: "author:" + strconv.FormatInt(id, 10), Details: map[string]any{"citizen_id": cid}})
			return JSON(w, http.StatusOK, linkResponse{CitizenID: cid})
		})
	s.Route("DELETE", "/api/v1/authors/{id}/citizen", auth.PermCitizensLink, OpDoc{Summary: "Unlink a platform identity from its citizen profile",
		Tags: []string{"citizens"}, Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true}}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			if err := d.UnlinkAuthor(r.Context(), id); err != nil {
				return err
			}
			auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "author.unlink", Target: "author:" + strconv.FormatInt(id, 10)})
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.Route("GET", "/api/v1/citizens/{id}", auth.PermCasesRead, OpDoc{Summary: "A citizen profile: identities on each platform and their cases",
		Tags: []string{"citizens"}, Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true}}, Response: desk.Citizen{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			c, err := d.GetCitizen(r.Context(), id, scopeOf(r))
			if err != nil {
				return err
			}
			// A profile is opened one citizen at a time: to someone with
			// pii:view it shows who they are, and the opening is audited first.
			v := privacy.For(Principal(r))
			if v.PII {
				if err := auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "citizen.view", Target: "citizen:" + strconv.FormatInt(id, 10)}); err != nil {
					return err
				}
			}
			v.Citizen(&c)
			return JSON(w, http.StatusOK, c)
		})

	s.Route("GET", "/api/v1/units", auth.PermUnitsRead, OpDoc{Summary: "List the force's units", Tags: []string{"units"},
		Params:   []Param{{Name: "kind", Description: "force, division, subdivision, station, traffic_division, traffic_subdivision, traffic_station"}},
		Response: []unit.Unit{}},
		func(w http.ResponseWriter, r *http.Request) error {
			list, err := units.List(r.Context(), r.URL.Query().Get("kind"))
			if err != nil {
				return err
			}
			if list == nil {
				list = []unit.Unit{}
			}
			return JSON(w, http.StatusOK, list)
		})
	s.Route("GET", "/api/v1/units/{id}", auth.PermUnitsRead, OpDoc{Summary: "Get a unit with its jurisdiction polygon", Tags: []string{"units"},
		Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true}}, Response: unit.Unit{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			u, err := units.Get(r.Context(), id)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, u)
		})
}

type casePage struct {
	Cases      []desk.Case `json:"cases"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

type caseDetail struct {
	Case     desk.Case    `json:"case"`
	Posts    []post.Post  `json:"posts"`
	Timeline []desk.Event `json:"timeline"`
	// EarlierBefore is the cursor of the posts before Posts (absent when
	// Posts start the thread), EarlierCount how many there are.
	EarlierBefore string `json:"earlier_before,omitempty"`
	EarlierCount  int    `json:"earlier_count,omitempty"`
	// TimelineEarlierBefore is the cursor of the events before Timeline
	// (absent when Timeline starts the case), for GET …/timeline?before=;
	// TimelineEarlierCount how many there are.
	TimelineEarlierBefore int64 `json:"timeline_earlier_before,omitempty"`
	TimelineEarlierCount  int   `json:"timeline_earlier_count,omitempty"`
}

type postPage struct {
	Posts      []post.Post `json:"posts"`
	NextBefore int64       `json:"next_before,omitempty"`
}

type linkRequest struct {
	CitizenID int64  `json:"citizen_id,omitempty"`
	Name      string `json:"name,omitempty"`
}

type linkResponse struct {
	CitizenID int64 `json:"citizen_id"`
}

type assignRequest struct {
	AssigneeID int64 `json:"assignee_id"`
}

type commentRequest struct {
	Text string `json:"text"`
}

// scopeOf narrows station officers (and anyone bound to a unit without the
// force-wide view) to their unit's cases.
func scopeOf(r *http.Request) desk.Scope { return desk.ScopeOf(Principal(r)) }

// viewerOf is how citizens' personal data is shown to the signed-in
// person: masked, until they open one post (unmaskAPI, audited). Package
// privacy decides.
func viewerOf(r *http.Request) privacy.Viewer { return privacy.Default(Principal(r)) }

// outgoingViewerOf is how a reply or post is shown to the people who
// send and approve it: as it goes out, to those with pii:view.
func outgoingViewerOf(r *http.Request) privacy.Viewer { return privacy.For(Principal(r)) }

func postFilter(r *http.Request) (desk.PostFilter, error) {
	q := r.URL.Query()
	f := desk.PostFilter{Q: q.Get("q"), Platform: q.Get("platform"), Lang: q.Get("lang"), Sentiment: q.Get("sentiment"),
		Category: q.Get("category"), Station: q.Get("station")}
	switch q.Get("emergency") {
	case "":
	case "true", "1":
		t := true
		f.Emergency = &t
	case "false", "0":
		t := false
		f.Emergency = &t
	default:
		return f, Errorf(http.StatusBadRequest, "bad_parameter", "emergency must be true or false")
	}
	var err error
	var v int64
	if f.CaseID, err = QueryInt(r, "case", 0, 0, 1<<62); err != nil {
		return f, err
	}
	if f.BeforeID, err = QueryInt(r, "before", 0, 0, 1<<62); err != nil {
		return f, err
	}
	if v, err = QueryInt(r, "limit", 50, 1, 500); err != nil {
		return f, err
	}
	f.Limit = int(v)
	if len(f.Q) > 512 {
		return f, Errorf(http.StatusBadRequest, "bad_parameter", "q is longer than 512 bytes")
	}
	return f, nil
}
