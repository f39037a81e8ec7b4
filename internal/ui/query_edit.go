package ui

import (
	"errors"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/query"
)

// queryCheck is the editor's verdict on the query typed so far.
type queryCheck struct {
	Empty     bool
	OK        bool
	Canonical string
	Concerns  []string
	Listen    *listenPreview // how platforms will be asked
	// On a parse error: the column, the parser's words (English) and the
	// query split around the error, to mark where it is.
	Column            int
	Message           string
	Before, At, After string
}

func checkOf(s string) (queryCheck, *query.Query) {
	if s == "" {
		return queryCheck{Empty: true}, nil
	}
	q, err := query.Parse(s)
	var pe *query.Error
	if errors.As(err, &pe) {
		c := queryCheck{Column: pe.Column, Message: pe.Message, Before: s[:pe.Offset]}
		rest := s[pe.Offset:]
		// Mark the character where the parser stopped (none at the end).
		_, n := utf8.DecodeRuneInString(rest)
		c.At, c.After = rest[:n], rest[n:]
		return c, nil
	}
	if err != nil {
		return queryCheck{Message: err.Error()}, nil
	}
	return queryCheck{OK: true, Canonical: q.String(), Concerns: query.ConcernCodes(q), Listen: previewListening(q)}, q
}

// queryForm is the editor: a new query, or a proposed change to one.
type queryForm struct {
	ID                   int64 // 0 for a new query
	Name, Query, Purpose string
	Check                queryCheck
	Preview              *previewData
	Error                string // catalogue key
	Field                string
}

func (f *queryForm) action() string {
	if f.ID == 0 {
		return "/desk/watch/queries"
	}
	return "/desk/watch/queries/" + strconv.FormatInt(f.ID, 10) + "/revisions"
}

func (h *queryPages) render(w http.ResponseWriter, r *http.Request, status int, f *queryForm) error {
	title := "queries.new_title"
	if f.ID != 0 {
		title = "queries.edit_title"
	}
	return h.u.Render(w, r, status, "query_edit.html", View{Title: title, Data: map[string]any{"F": f, "Action": f.action()}})
}

func (h *queryPages) newForm(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, &queryForm{Check: queryCheck{Empty: true}})
}

func (h *queryPages) editForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sq, err := h.st.Get(r.Context(), id)
	if err != nil {
		return err
	}
	f := &queryForm{ID: id, Name: sq.Name, Query: sq.Query, Purpose: sq.Purpose}
	if sq.Pending != nil {
		f.Name, f.Query, f.Purpose = sq.Pending.Name, sq.Pending.Query, sq.Pending.Purpose
	}
	f.Check, _ = checkOf(f.Query)
	return h.render(w, r, http.StatusOK, f)
}

// check answers the editor's htmx request as the query is typed.
func (h *queryPages) check(w http.ResponseWriter, r *http.Request) error {
	c, _ := checkOf(r.PostFormValue("query"))
	return h.u.Fragment(w, r, http.StatusOK, "query_edit.html", "query-check", c)
}

// save handles both the editor's buttons: preview (show what the query
// would have matched, save nothing) and save (create or propose).
func (h *queryPages) save(w http.ResponseWriter, r *http.Request, id int64) error {
	f := &queryForm{ID: id, Name: r.PostFormValue("name"), Query: r.PostFormValue("query"), Purpose: r.PostFormValue("purpose")}
	var q *query.Query
	f.Check, q = checkOf(f.Query)
	if r.PostFormValue("action") == "preview" {
		if q != nil {
			var err error
			if f.Preview, err = h.preview(r, q); err != nil {
				return err
			}
		}
		return h.render(w, r, http.StatusOK, f)
	}
	ctx := r.Context()
	p := auth.FromContext(ctx)
	in := query.Proposal{Name: f.Name, Query: f.Query, Purpose: f.Purpose}
	var err error
	if id == 0 {
		var sq query.Saved
		if sq, err = h.st.Create(ctx, p, in); err == nil {
			id = sq.ID
		}
	} else {
		_, err = h.st.Propose(ctx, p, id, in)
	}
	var ve *query.ValidationError
	var pe *query.Error
	switch {
	case errors.As(err, &ve):
		f.Error, f.Field = "queries.err."+ve.Field, ve.Field
		return h.render(w, r, http.StatusUnprocessableEntity, f)
	case errors.As(err, &pe):
		f.Error, f.Field = "queries.err.query", "query"
		return h.render(w, r, http.StatusUnprocessableEntity, f)
	case errors.Is(err, query.ErrNotAllowed):
		h.u.Flash(r, FlashError, "queries.not_allowed")
		return h.u.Redirect(w, r, "/desk/watch/queries/"+strconv.FormatInt(id, 10))
	case err != nil:
		return err
	}
	h.u.Flash(r, FlashOK, "queries.saved")
	return h.u.Redirect(w, r, "/desk/watch/queries/"+strconv.FormatInt(id, 10))
}

func (h *queryPages) create(w http.ResponseWriter, r *http.Request) error { return h.save(w, r, 0) }

func (h *queryPages) propose(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return h.save(w, r, id)
}

// decide runs approve, reject or retire and says how it went.
func (h *queryPages) decide(w http.ResponseWriter, r *http.Request, withRev bool, do func(id, rev int64, note string) error, ok string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var rev int64
	if withRev {
		if rev, err = pathID(r, "rev"); err != nil {
			return err
		}
	}
	back := "/desk/watch/queries/" + strconv.FormatInt(id, 10)
	err = do(id, rev, r.PostFormValue("note"))
	var ve *query.ValidationError
	var ce *query.ConflictError
	switch {
	case errors.Is(err, query.ErrOwnRevision):
		h.u.Flash(r, FlashError, "queries.own_revision")
	case errors.Is(err, query.ErrNotAllowed):
		h.u.Flash(r, FlashError, "queries.not_allowed")
	case errors.As(err, &ve):
		h.u.Flash(r, FlashError, "queries.err."+ve.Field)
	case errors.As(err, &ce):
		h.u.Flash(r, FlashError, "queries.changed_meanwhile")
	case err != nil:
		return err
	default:
		h.u.Flash(r, FlashOK, ok)
	}
	return h.u.Redirect(w, r, back)
}

func (h *queryPages) approve(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	return h.decide(w, r, true, func(id, rev int64, note string) error {
		_, err := h.st.Approve(r.Context(), p, id, rev, note)
		return err
	}, "queries.approved")
}

func (h *queryPages) reject(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	return h.decide(w, r, true, func(id, rev int64, note string) error {
		_, err := h.st.Reject(r.Context(), p, id, rev, note)
		return err
	}, "queries.rejected")
}

func (h *queryPages) retire(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	return h.decide(w, r, false, func(id, _ int64, note string) error {
		_, err := h.st.Retire(r.Context(), p, id, note)
		return err
	}, "queries.retired")
}
