package ui

import (
	"net/http"
	"time"

	"github.com/kaval-desk/kaval/internal/watch"
)

type termsData struct {
	Window           string
	Wins             []watchOption
	Places, Hashtags []watch.TermCount
	Emerging         []watch.Emerging
}

// terms is the top places and hashtags of a window and the emerging
// words and hashtags of the last two days.
func (h *watchPages) terms(w http.ResponseWriter, r *http.Request) error {
	win := pickWindow(r.URL.Query().Get("window"), "7d")
	now := h.u.now()
	since := now.Add(-time.Duration(win.Days) * 24 * time.Hour)
	d := termsData{Window: win.Key, Wins: spanOptions(win.Key, "1d", "7d", "30d")}
	var err error
	if d.Places, err = watch.TopTerms(r.Context(), h.db, watch.TermPlace, since, now, 20); err != nil {
		return err
	}
	if d.Hashtags, err = watch.TopTerms(r.Context(), h.db, watch.TermHashtag, since, now, 20); err != nil {
		return err
	}
	if d.Emerging, err = watch.EmergingTerms(r.Context(), h.db, now, 20); err != nil {
		return err
	}
	return h.u.Render(w, r, http.StatusOK, "watch_terms.html", View{Title: "watch.terms.title", Data: d})
}
