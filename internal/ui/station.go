package ui

import (
	"net/http"
	"slices"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
)

// StationPath is a station officer's queue: the cases escalated to their
// unit and the units beneath it (nothing else: the scope is in SQL), the
// ones waiting on the station first. One request, small enough for a
// slow phone link.
const StationPath = "/desk/station"

type stationData struct {
	Waiting, Others []inboxRow
	At              int64
}

func (dp *deskPages) stationRoutes() {
	dp.u.Handle(Route{Method: "GET", Path: StationPath, Perm: auth.PermStationWork, Summary: "My station: escalated cases and the action taken",
		Nav: &Nav{Section: SectionStation, Label: "station.tab"}}, dp.station)
}

func (dp *deskPages) station(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	sc := desk.ScopeOf(p)
	names, _, err := dp.userNames(r)
	if err != nil {
		return err
	}
	now := dp.u.now()
	data := stationData{At: now.UnixMilli()}
	waiting, _, err := dp.d.ListCases(r.Context(), desk.CaseFilter{Status: []string{desk.StatusWaitingStation}, Sort: desk.SortDeadline, Limit: 100}, sc)
	if err != nil {
		return err
	}
	others, _, err := dp.d.ListCases(r.Context(), desk.CaseFilter{Status: []string{desk.StatusNew, desk.StatusOpen, desk.StatusWaitingCitizen},
		Sort: desk.SortUpdated, Limit: 30}, sc)
	if err != nil {
		return err
	}
	all := append(slices.Clone(waiting), others...)
	unread, err := dp.d.Unread(r.Context(), p.UserID, all)
	if err != nil {
		return err
	}
	places, err := dp.d.PlaceTexts(r.Context(), all)
	if err != nil {
		return err
	}
	for _, c := range waiting {
		data.Waiting = append(data.Waiting, dp.row(c, now, names, unread[c.ID], places[c.ID]))
	}
	for _, c := range others {
		data.Others = append(data.Others, dp.row(c, now, names, unread[c.ID], places[c.ID]))
	}
	return dp.u.Render(w, r, http.StatusOK, "station.html", View{Title: "station.title", Data: data})
}
