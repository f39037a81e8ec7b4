package ui

import (
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/web"
)

// stationsData is the locality groups page: every station with its
// Telegram channel, its WhatsApp broadcast and how many citizens joined
// it (never who), and for administrators the form for one station.
type stationsData struct {
	Groups   []publish.StationGroup
	Accounts map[int64]string // channel id → name
	Telegram []publish.Account
	WhatsApp []publish.Account
	Edit     publish.StationGroup
	CanEdit  bool
}

func (pp *publishPages) stationRoutes() {
	pp.u.Handle(Route{Method: "GET", Path: PublishPath + "/stations", Perm: auth.PermPublish, Summary: "Stations' locality broadcast groups",
		Nav: &Nav{Section: SectionPublish, Label: "publish.tab.stations", Order: 50}}, pp.stations)
	pp.u.Handle(Route{Method: "POST", Path: PublishPath + "/stations/{unit}/save", Perm: auth.PermChannelsManage, Summary: "Set a station's Telegram channel and WhatsApp broadcast"}, pp.saveStation)
}

func (pp *publishPages) stations(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	gs, err := pp.ps.StationGroups(ctx, 0)
	if err != nil {
		return err
	}
	d := stationsData{Groups: gs, Accounts: map[int64]string{}, CanEdit: auth.FromContext(ctx).Can(auth.PermChannelsManage)}
	chans, err := pp.ps.Channels(ctx)
	if err != nil {
		return err
	}
	for _, c := range chans {
		d.Accounts[c.ID] = c.Name
		switch c.Platform {
		case "telegram":
			d.Telegram = append(d.Telegram, c)
		case "whatsapp":
			d.WhatsApp = append(d.WhatsApp, c)
		}
	}
	if id, _ := strconv.ParseInt(r.URL.Query().Get("edit"), 10, 64); id > 0 && d.CanEdit {
		for _, g := range gs {
			if g.UnitID == id {
				d.Edit = g
			}
		}
	}
	return pp.u.Render(w, r, http.StatusOK, "publish_stations.html", View{Title: "publish.stations.title", Data: d})
}

func (pp *publishPages) saveStation(w http.ResponseWriter, r *http.Request) error {
	unit, err := web.PathID(r, "unit")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	g := publish.StationGroup{UnitID: unit, WhatsAppTemplate: r.PostFormValue("template"), TemplateLang: r.PostFormValue("template_lang")}
	g.TelegramChannel, _ = strconv.ParseInt(r.PostFormValue("telegram"), 10, 64)
	g.WhatsAppChannel, _ = strconv.ParseInt(r.PostFormValue("whatsapp"), 10, 64)
	back := PublishPath + "/stations?edit=" + strconv.FormatInt(unit, 10)
	got, err := pp.ps.SetStationGroup(r.Context(), auth.FromContext(r.Context()), g)
	if err != nil {
		return pp.refusal(w, r, err, back)
	}
	pp.u.Flash(r, FlashOK, "publish.stations.saved", got.Name)
	return pp.u.Redirect(w, r, PublishPath+"/stations")
}
