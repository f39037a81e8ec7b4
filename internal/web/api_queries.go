package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/query"
)

// QueryAPI mounts saved listening queries: writing and proposing them
// (queries:manage: analysts, supervisors), deciding on proposals
// (queries:approve: supervisors, never on their own), retiring them,
// checking a query as it is typed and previewing it over history.
func (s *Server) QueryAPI(st *query.Store) {
	h := &queryHandlers{s: s, st: st}
	tags := []string{"listening queries"}
	id := Param{Name: "id", In: "path", Type: "integer", Required: true}
	rev := Param{Name: "rev", In: "path", Type: "integer", Required: true, Description: "the revision, as read by the approver"}
	s.Route("GET", "/api/v1/queries", auth.PermQueriesManage, OpDoc{Summary: "List saved listening queries with their pending proposals", Tags: tags,
		Params:   []Param{{Name: "status", Description: "pending, active or retired"}, {Name: "waiting", Type: "boolean", Description: "only those with a proposal waiting for approval"}},
		Response: []query.Saved{}}, h.list)
	s.Route("POST", "/api/v1/queries", auth.PermQueriesManage, OpDoc{Summary: "Save a new listening query (it waits for approval)", Tags: tags,
		Description: query.ApprovalNotice + " The query matches nothing until approved (POST /api/v1/queries/{id}/revisions/{rev}/approve).",
		Request:     query.Proposal{}, Response: query.Saved{}, Status: http.StatusCreated}, h.create)
	s.Route("GET", "/api/v1/queries/{id}", auth.PermQueriesManage, OpDoc{Summary: "A listening query, its revisions and recorded match counts", Tags: tags,
		Params: []Param{id}, Response: queryDetail{}}, h.get)
	s.Route("POST", "/api/v1/queries/{id}/revisions", auth.PermQueriesManage, OpDoc{Summary: "Propose a changed definition (owner or supervisor; waits for approval)", Tags: tags,
		Description: query.ApprovalNotice + " The approved definition keeps matching until this one is approved; a proposal still waiting is withdrawn.",
		Params:      []Param{id}, Request: query.Proposal{}, Response: query.Revision{}, Status: http.StatusCreated}, h.propose)
	s.Route("POST", "/api/v1/queries/{id}/revisions/{rev}/approve", auth.PermQueriesApprove, OpDoc{Summary: "Approve a proposed revision (not one's own)", Tags: tags,
		Description: "The revision becomes the definition matched on every post. Refused (403 own_revision) for its author; 409 when it is no longer pending.",
		Params:      []Param{id, rev}, Request: queryDecision{}, Response: query.Saved{}}, h.approve)
	s.Route("POST", "/api/v1/queries/{id}/revisions/{rev}/reject", auth.PermQueriesApprove, OpDoc{Summary: "Reject a proposed revision with a reason (not one's own)", Tags: tags,
		Params: []Param{id, rev}, Request: queryDecision{}, Response: query.Revision{}}, h.reject)
	s.Route("POST", "/api/v1/queries/{id}/retire", auth.PermQueriesManage, OpDoc{Summary: "Stop matching a query now (owner or supervisor)", Tags: tags,
		Params: []Param{id}, Request: queryDecision{}, Response: query.Saved{}}, h.retire)
	s.Route("POST", "/api/v1/queries/parse", auth.PermQueriesManage, OpDoc{Summary: "Check a query as it is typed: canonical form, or where and what was expected", Tags: tags,
		Request: parseRequest{}, Response: parseResponse{}}, h.parse)
	s.Route("GET", "/api/v1/queries/preview", auth.PermQueriesManage, OpDoc{Summary: "What a query would have matched over the last days of history", Tags: tags,
		Description: "Counts the stored posts the query matches (the same matcher as live listening, on both stores) and, for roles with posts:read, returns the newest of them with personal data redacted for roles without pii:view.",
		Params: []Param{{Name: "q", Required: true, Description: "the query"}, {Name: "days", Type: "integer", Description: "1–30, default 7"},
			{Name: "limit", Type: "integer", Description: "posts to return, 0–100, default 20"}},
		Response: previewResponse{}}, h.preview)
}

type queryHandlers struct {
	s  *Server
	st *query.Store
}

type queryDecision struct {
	Note string `json:"note,omitempty"` // required (5+ characters) to reject
}

type queryDetail struct {
	Query      query.Saved      `json:"query"`
	Revisions  []query.Revision `json:"revisions"`
	Matches24h int              `json:"matches_24h"`
	Matches7d  int              `json:"matches_7d"`
	Notice     string           `json:"notice"`
}

// queryError maps the package's refusals that toError does not know.
func queryError(err error) error {
	switch {
	case errors.Is(err, query.ErrOwnRevision):
		return &Error{Status: http.StatusForbidden, Code: "own_revision", Message: "you proposed this revision: another supervisor must decide on it"}
	case errors.Is(err, query.ErrNotAllowed):
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "only the query's owner or a supervisor may change or stop it"}
	}
	var pe *query.Error
	if errors.As(err, &pe) {
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_query", Field: "query", Message: pe.Error()[len("query: "):], Err: err}
	}
	return err
}

func (h *queryHandlers) list(w http.ResponseWriter, r *http.Request) error {
	f := query.ListFilter{Status: r.URL.Query().Get("status")}
	switch f.Status {
	case "", query.StatusPending, query.StatusActive, query.StatusRetired:
	default:
		return invalid("status", "status must be pending, active or retired")
	}
	switch r.URL.Query().Get("waiting") {
	case "", "false", "0":
	case "true", "1":
		f.Waiting = true
	default:
		return invalid("waiting", "waiting must be true or false")
	}
	out, err := h.st.List(r.Context(), f)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *queryHandlers) create(w http.ResponseWriter, r *http.Request) error {
	var in query.Proposal
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	sq, err := h.st.Create(r.Context(), Principal(r), in)
	if err != nil {
		return queryError(err)
	}
	return JSON(w, http.StatusCreated, sq)
}

func (h *queryHandlers) get(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	sq, err := h.st.Get(ctx, id)
	if err != nil {
		return err
	}
	revs, err := h.st.Revisions(ctx, id)
	if err != nil {
		return err
	}
	now := time.Now()
	day, err := h.st.MatchCounts(ctx, now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	week, err := h.st.MatchCounts(ctx, now.Add(-7*24*time.Hour))
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, queryDetail{Query: sq, Revisions: revs, Matches24h: day[id], Matches7d: week[id], Notice: query.ApprovalNotice})
}

func (h *queryHandlers) propose(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in query.Proposal
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	rev, err := h.st.Propose(r.Context(), Principal(r), id, in)
	if err != nil {
		return queryError(err)
	}
	return JSON(w, http.StatusCreated, rev)
}

// decision reads the path ids and the note of approve, reject and retire.
func decision(r *http.Request, withRev bool) (id, rev int64, note string, err error) {
	if id, err = PathID(r, "id"); err != nil {
		return
	}
	if withRev {
		if rev, err = PathID(r, "rev"); err != nil {
			return
		}
	}
	var req queryDecision
	if r.ContentLength != 0 {
		if err = DecodeJSON(r, &req); err != nil {
			return
		}
	}
	return id, rev, req.Note, nil
}

func (h *queryHandlers) approve(w http.ResponseWriter, r *http.Request) error {
	id, rev, note, err := decision(r, true)
	if err != nil {
		return err
	}
	sq, err := h.st.Approve(r.Context(), Principal(r), id, rev, note)
	if err != nil {
		return queryError(err)
	}
	return JSON(w, http.StatusOK, sq)
}

func (h *queryHandlers) reject(w http.ResponseWriter, r *http.Request) error {
	id, rev, note, err := decision(r, true)
	if err != nil {
		return err
	}
	out, err := h.st.Reject(r.Context(), Principal(r), id, rev, note)
	if err != nil {
		return queryError(err)
	}
	return JSON(w, http.StatusOK, out)
}

func (h *queryHandlers) retire(w http.ResponseWriter, r *http.Request) error {
	id, _, note, err := decision(r, false)
	if err != nil {
		return err
	}
	sq, err := h.st.Retire(r.Context(), Principal(r), id, note)
	if err != nil {
		return queryError(err)
	}
	return JSON(w, http.StatusOK, sq)
}
