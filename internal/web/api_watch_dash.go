package web

import (
	"net/http"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/watch"
)

// WatchDashAPI mounts the JSON beside the watch floor's dashboards: the
// station map's figures and the reputation index. Both read rollups kept
// at intake, never the posts.
func (s *Server) WatchDashAPI() {
	tags := []string{"watch"}
	window := []Param{{Name: "since", Description: "RFC 3339; default 7 days ago"}, {Name: "until", Description: "RFC 3339; default now"}}
	s.Route("GET", "/api/v1/watch/stations", auth.PermAnalyticsRead, OpDoc{Summary: "Every law-and-order station's posts, negative share and open urgent cases", Tags: tags,
		Description: "Posts are those the analysis placed in the station during the window (from the rollups); open urgent cases are the station's " +
			"critical and high-priority cases not yet resolved or closed, now. Posts placed in no station of the units table are counted as unplaced.",
		Params: window, Response: watch.StationMap{}},
		func(w http.ResponseWriter, r *http.Request) error {
			since, until, err := WatchWindow(r, 7*24*time.Hour)
			if err != nil {
				return err
			}
			m, err := watch.ReadStations(r.Context(), s.deps.DB, since, until)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, m)
		})
	s.Route("GET", "/api/v1/watch/reputation", auth.PermAnalyticsRead, OpDoc{Summary: "The reputation index over time: sentiment toward the force", Tags: tags,
		Description: "Only posts addressed to the force count (mentions, replies, comments, direct messages, forms), not posts found by keyword listening. " +
			"The index is 100 × (positive − negative) / all, from −100 to +100, absent for an interval without posts.",
		Params: append(window, Param{Name: "interval", Description: "day (default) or hour"}), Response: watch.Reputation{}},
		func(w http.ResponseWriter, r *http.Request) error {
			since, until, err := WatchWindow(r, 30*24*time.Hour)
			if err != nil {
				return err
			}
			interval := r.URL.Query().Get("interval")
			if interval == "" {
				interval = "day"
			}
			rep, err := watch.ReadReputation(r.Context(), s.deps.DB, since, until, interval)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, rep)
		})
}

// WatchWindow reads ?since= and ?until= (RFC 3339), by default the last
// def up to now.
func WatchWindow(r *http.Request, def time.Duration) (since, until time.Time, err error) {
	now := time.Now()
	since, until = now.Add(-def), now
	q := r.URL.Query()
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"since", &since}, {"until", &until}} {
		if v := q.Get(t.name); v != "" {
			at, perr := time.Parse(time.RFC3339, v)
			if perr != nil {
				return since, until, invalid(t.name, "%s must be an RFC 3339 time, e.g. 2026-12-01T00:00:00+05:30", t.name)
			}
			*t.dst = at
		}
	}
	return since, until, nil
}

// WatchTermsAPI mounts the top places and hashtags and the emerging
// terms, read from the daily term rollups kept at intake.
func (s *Server) WatchTermsAPI() {
	tags := []string{"watch"}
	s.Route("GET", "/api/v1/watch/terms", auth.PermAnalyticsRead, OpDoc{Summary: "The hashtags or places most posts used", Tags: tags,
		Description: "Whole UTC days from since's to until's. Places are as the analysis found them in the text (folded); hashtags folded, with their '#'.",
		Params: []Param{{Name: "kind", Required: true, Description: "hashtag or place"},
			{Name: "since", Description: "RFC 3339; default 7 days ago"}, {Name: "until", Description: "RFC 3339; default now"},
			{Name: "top", Type: "integer", Description: "1–100, default 20"}},
		Response: []watch.TermCount{}},
		func(w http.ResponseWriter, r *http.Request) error {
			since, until, err := WatchWindow(r, 7*24*time.Hour)
			if err != nil {
				return err
			}
			top, err := QueryInt(r, "top", 20, 1, 100)
			if err != nil {
				return err
			}
			out, err := watch.TopTerms(r.Context(), s.deps.DB, r.URL.Query().Get("kind"), since, until, int(top))
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, out)
		})
	s.Route("GET", "/api/v1/watch/emerging", auth.PermAnalyticsRead, OpDoc{Summary: "Words and hashtags used far more in the last two days than before", Tags: tags,
		Description: "Yesterday and today (UTC days) against each term's rate over the 14 days before, with the spike detector's score; " +
			"at least 5 posts and a score of 3 (a term never used before counts as used once every 4 days). Words inside links, handles and marked personal data are never counted.",
		Params:   []Param{{Name: "top", Type: "integer", Description: "1–100, default 20"}},
		Response: []watch.Emerging{}},
		func(w http.ResponseWriter, r *http.Request) error {
			top, err := QueryInt(r, "top", 20, 1, 100)
			if err != nil {
				return err
			}
			out, err := watch.EmergingTerms(r.Context(), s.deps.DB, time.Now(), int(top))
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, out)
		})
}

// WatchResponseAPI mounts response and resolution times and SLA
// performance by unit or agent.
func (s *Server) WatchResponseAPI() {
	s.Route("GET", "/api/v1/watch/response", auth.PermAnalyticsRead, OpDoc{Summary: "Response and resolution times and SLA performance by unit or agent", Tags: []string{"watch"},
		Description: "Cases first answered or resolved during the window (whole UTC days), by the unit and the agent assigned when the rollup job " +
			"counted them (a minute behind the clock): mean times and the share within the deadline; for units, the open cases past their deadline now.",
		Params: []Param{{Name: "by", Description: "unit (default) or agent"},
			{Name: "since", Description: "RFC 3339; default 7 days ago"}, {Name: "until", Description: "RFC 3339; default now"}},
		Response: watch.Responses{}},
		func(w http.ResponseWriter, r *http.Request) error {
			since, until, err := WatchWindow(r, 7*24*time.Hour)
			if err != nil {
				return err
			}
			out, err := watch.ReadResponses(r.Context(), s.deps.DB, r.URL.Query().Get("by"), since, until, time.Now())
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, out)
		})
}
