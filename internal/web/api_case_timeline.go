package web

import (
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
)

// timelinePage is the most events one answer carries: GET
// /api/v1/cases/{id} has the newest this many, GET …/timeline pages back
// through the rest. A case has an event per post (a 600-post thread has
// 600 "post" events), and the whole timeline used to be one answer.
const timelinePage = 500

// timelineAnswer is a run of a case's timeline, oldest first.
type timelineAnswer struct {
	Events []desk.Event `json:"events"`
	// EarlierBefore is the cursor of the events before these (absent when
	// these start the case), EarlierCount how many there are.
	EarlierBefore int64 `json:"earlier_before,omitempty"`
	EarlierCount  int   `json:"earlier_count,omitempty"`
}

// badTimelineCursor answers a before that is not an event position.
var badTimelineCursor = &Error{Status: http.StatusBadRequest, Code: "invalid_parameter", Field: "before",
	Message: "before must be a timeline_earlier_before or earlier_before of this case's timeline"}

func (s *Server) caseTimelineAPI(d *desk.Desk) {
	s.Route("GET", "/api/v1/cases/{id}/timeline", auth.PermCasesRead, OpDoc{Summary: "A case's timeline, a page at a time, newest first", Tags: []string{"cases"},
		Description: "events are the case's newest `limit` events before `before` (all of them when absent), oldest first. " +
			"Start from GET /api/v1/cases/{id}'s `timeline_earlier_before` (or with no `before`); when there are earlier events, " +
			"`earlier_before` is the `before` for them and `earlier_count` how many there are. Free text is masked as on the case.",
		Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true},
			{Name: "before", Type: "integer", Description: "earlier_before (or the case's timeline_earlier_before): the events before that point"},
			{Name: "limit", Type: "integer", Description: "events per answer, 1-" + strconv.Itoa(timelinePage) + " (default " + strconv.Itoa(timelinePage) + ")"}},
		Response: timelineAnswer{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			limit, err := QueryInt(r, "limit", timelinePage, 1, timelinePage)
			if err != nil {
				return err
			}
			var before int64
			if v := r.URL.Query().Get("before"); v != "" {
				if before, err = strconv.ParseInt(v, 10, 64); err != nil || before <= 0 {
					return badTimelineCursor
				}
			}
			sc := scopeOf(r)
			c, err := d.GetCase(r.Context(), id, sc)
			if err != nil {
				return err
			}
			tl, err := d.TimelineBefore(r.Context(), id, sc, before, int(limit))
			if err != nil {
				return err
			}
			viewerOf(r).Events(c, tl.Events)
			return JSON(w, http.StatusOK, timelineAnswer{Events: tl.Events, EarlierBefore: tl.Earlier, EarlierCount: tl.EarlierCount})
		})
}
