package ui

import (
	"net/http"
	"time"

	"github.com/kaval-desk/kaval/internal/watch"
)

type responseData struct {
	By, Window string
	Bys, Wins  []watchOption
	R          watch.Responses
}

// response is the SLA dashboard: response and resolution times and the
// share within the deadlines, by unit or by agent.
func (h *watchPages) response(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	by := q.Get("by")
	if by != "agent" {
		by = "unit"
	}
	win := pickWindow(q.Get("window"), "7d")
	now := h.u.now()
	res, err := watch.ReadResponses(r.Context(), h.db, by, now.Add(-time.Duration(win.Days)*24*time.Hour), now, now)
	if err != nil {
		return err
	}
	return h.u.Render(w, r, http.StatusOK, "watch_response.html", View{Title: "watch.resp.title", Data: responseData{By: by, Window: win.Key, R: res,
		Bys: watchOptions([]string{"unit", "agent"}, func(k string) string { return "watch.resp.by." + k }, by), Wins: spanOptions(win.Key, "1d", "7d", "30d", "90d")}})
}
