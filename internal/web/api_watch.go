package web

import (
	"net/http"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/watch"
)

// WatchAPI mounts the watch floor's JSON: volume over time from the
// hourly rollups, and volume spikes of the listening queries.
func (s *Server) WatchAPI(qs *query.Store) {
	tags := []string{"watch"}
	s.Route("GET", "/api/v1/watch/volume", auth.PermAnalyticsRead, OpDoc{Summary: "Posts over time, by platform, category, sentiment, language or station", Tags: tags,
		Description: "Read from hourly rollups kept as posts reach the desk, so it answers in milliseconds whatever the number of posts stored. " +
			"Every interval of the window is present; values are ordered by their total, the ones after top summed in a series marked other. " +
			"With query, the matches of that listening query instead. Times are UTC; day intervals are UTC days.",
		Params: []Param{
			{Name: "by", Description: "all (default), platform, category, sentiment, lang or station; also station_negative (a station's negative posts) and force (posts addressed to the force, by sentiment)"},
			{Name: "since", Description: "RFC 3339; default 7 days ago"}, {Name: "until", Description: "RFC 3339; default now"},
			{Name: "interval", Description: "hour (default) or day; at most 2400 intervals"},
			{Name: "top", Type: "integer", Description: "values shown one by one, 1–50, default 10"},
			{Name: "query", Type: "integer", Description: "a listening query's id"},
		}, Response: watch.Volume{}},
		func(w http.ResponseWriter, r *http.Request) error {
			q := r.URL.Query()
			now := time.Now()
			f := watch.VolumeFilter{By: q.Get("by"), Interval: q.Get("interval"), Since: now.Add(-7 * 24 * time.Hour), Until: now}
			for _, t := range []struct {
				name string
				dst  *time.Time
			}{{"since", &f.Since}, {"until", &f.Until}} {
				if v := q.Get(t.name); v != "" {
					at, err := time.Parse(time.RFC3339, v)
					if err != nil {
						return invalid(t.name, "%s must be an RFC 3339 time, e.g. 2026-12-01T00:00:00+05:30", t.name)
					}
					*t.dst = at
				}
			}
			top, err := QueryInt(r, "top", 10, 1, 50)
			if err != nil {
				return err
			}
			f.Top = int(top)
			if f.Query, err = QueryInt(r, "query", 0, 0, 1<<62); err != nil {
				return err
			}
			v, err := watch.ReadVolume(r.Context(), s.deps.DB, f)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, v)
		})
	s.Route("GET", "/api/v1/watch/spikes", auth.PermAnalyticsRead, OpDoc{Summary: "Listening queries whose volume is spiking now", Tags: tags,
		Description: "Judges the current hour (so far) and the last full hour of every active listening query against its seasonal baseline " +
			"(the same hour of the week over 4 weeks and of the day over 7 days) with a Poisson threshold; see docs/WATCH.md for its measured delay and false-alarm rate.",
		Response: []watch.Spike{}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := watch.QuerySpikes(r.Context(), s.deps.DB, qs, time.Now(), watch.SpikeOptions{})
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, out)
		})
}
