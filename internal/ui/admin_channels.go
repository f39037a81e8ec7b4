package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/channel"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/web"
)

// channelRow is a channel with its health, as the list shows it.
type channelRow struct {
	channel.Channel
	Health  channel.HealthReport
	Webhook string
}

type channelsData struct {
	Channels  []channelRow
	Platforms []string
	Form      channelForm
	Error     string // catalogue key
	Detail    string // the connector's or platform's own words (English, secrets redacted)
	One       *channelRow
}

// channelForm is what was typed in the connect form; secrets are never
// written back into a page.
type channelForm struct {
	Platform, Name, Config string
	Paused, Check          bool
}

// ChannelPages mounts the administration of connected accounts (the same
// channel.Admin as the API: validation, audit, sync, redaction).
func (u *UI) ChannelPages(a *channel.Admin) {
	const perm = auth.PermChannelsManage
	h := &channelPages{u: u, a: a}
	u.Handle(Route{Method: "GET", Path: "/desk/admin/channels", Perm: perm, Summary: "Admin: channels and their health",
		Nav: &Nav{Section: SectionAdmin, Label: "admin.channels", Order: 20}}, h.list)
	u.Handle(Route{Method: "POST", Path: "/desk/admin/channels", Perm: perm, Summary: "Admin: connect a channel"}, h.create)
	u.Handle(Route{Method: "GET", Path: "/desk/admin/channels/{id}", Perm: perm, Summary: "Admin: one channel"}, h.one)
	u.Handle(Route{Method: "POST", Path: "/desk/admin/channels/{id}/pause", Perm: perm, Summary: "Admin: pause a channel"}, h.pause)
	u.Handle(Route{Method: "POST", Path: "/desk/admin/channels/{id}/resume", Perm: perm, Summary: "Admin: resume a channel"}, h.resume)
	u.Handle(Route{Method: "POST", Path: "/desk/admin/channels/{id}/check", Perm: perm, Summary: "Admin: test a channel with its platform"}, h.check)
	u.Handle(Route{Method: "POST", Path: "/desk/admin/channels/{id}/secrets", Perm: perm, Summary: "Admin: replace a channel's secrets (write-only)"}, h.secrets)
}

type channelPages struct {
	u *UI
	a *channel.Admin
}

func (h *channelPages) row(r *http.Request, c channel.Channel) channelRow {
	row := channelRow{Channel: c, Webhook: "/hooks/" + strconv.FormatInt(c.ID, 10)}
	if rep, err := h.a.Health(r.Context(), c.ID); err == nil {
		row.Health = rep
	}
	return row
}

func (h *channelPages) data(r *http.Request) (channelsData, error) {
	d := channelsData{Platforms: connector.Platforms()}
	cs, err := h.a.List(r.Context())
	if err != nil {
		return d, err
	}
	for _, c := range cs {
		d.Channels = append(d.Channels, h.row(r, c))
	}
	return d, nil
}

func (h *channelPages) list(w http.ResponseWriter, r *http.Request) error {
	d, err := h.data(r)
	if err != nil {
		return err
	}
	return h.u.Render(w, r, http.StatusOK, "admin_channels.html", View{Title: "admin.channels.title", Data: d})
}

// parsePairs reads "key=value" lines; blank lines and lines starting
// with # are skipped.
func parsePairs(s string) (map[string]string, bool) {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, false
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return m, true
}

// failed puts a channel error in the form, or returns it when it is not
// the admin's to fix.
func failed(err error, d *channelsData) error {
	var se *channel.SettingsError
	var ce *channel.CheckError
	switch {
	case errors.As(err, &se):
		d.Error, d.Detail = "admin.channels.invalid", se.Message
	case errors.As(err, &ce):
		d.Error, d.Detail = "admin.channels.check_failed", ce.Result.Error
	case errors.Is(err, channel.ErrInvalid):
		d.Error, d.Detail = "admin.channels.invalid", strings.TrimPrefix(strings.TrimPrefix(err.Error(), "channel: "), "invalid: ")
	case errors.Is(err, channel.ErrConflict):
		d.Error = "admin.channels.duplicate"
	default:
		return err
	}
	return nil
}

func (h *channelPages) create(w http.ResponseWriter, r *http.Request) error {
	d, err := h.data(r)
	if err != nil {
		return err
	}
	d.Form = channelForm{Platform: r.PostFormValue("platform"), Name: strings.TrimSpace(r.PostFormValue("name")),
		Config: r.PostFormValue("config"), Paused: r.PostFormValue("paused") != "", Check: r.PostFormValue("check") != ""}
	config, ok1 := parsePairs(d.Form.Config)
	secrets, ok2 := parsePairs(r.PostFormValue("secrets"))
	if !ok1 || !ok2 {
		d.Error = "admin.channels.pairs"
		return h.u.Render(w, r, http.StatusUnprocessableEntity, "admin_channels.html", View{Title: "admin.channels.title", Data: d})
	}
	c, err := h.a.Create(r.Context(), channel.Spec{Platform: d.Form.Platform, Name: d.Form.Name, Config: config, Secrets: secrets, Paused: d.Form.Paused}, d.Form.Check)
	if err != nil {
		if err := failed(err, &d); err != nil {
			return err
		}
		return h.u.Render(w, r, http.StatusUnprocessableEntity, "admin_channels.html", View{Title: "admin.channels.title", Data: d})
	}
	h.u.Flash(r, FlashOK, "admin.channels.created", c.Name)
	return h.u.Redirect(w, r, "/desk/admin/channels/"+strconv.FormatInt(c.ID, 10))
}

func (h *channelPages) load(r *http.Request) (channelsData, int64, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return channelsData{}, 0, err
	}
	c, err := h.a.Get(r.Context(), id)
	if err != nil {
		return channelsData{}, id, err
	}
	row := h.row(r, c)
	return channelsData{One: &row}, id, nil
}

func (h *channelPages) one(w http.ResponseWriter, r *http.Request) error {
	d, _, err := h.load(r)
	if err != nil {
		return err
	}
	return h.u.Render(w, r, http.StatusOK, "admin_channel.html", View{Title: "admin.channel.title", TitleArgs: []any{d.One.Name}, Data: d})
}

func (h *channelPages) back(w http.ResponseWriter, r *http.Request, id int64) error {
	return h.u.Redirect(w, r, backTo(r, "/desk/admin/channels/"+strconv.FormatInt(id, 10)))
}

func (h *channelPages) pause(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.a.Pause(r.Context(), id, strings.TrimSpace(r.PostFormValue("reason"))); err != nil {
		return err
	}
	h.u.Flash(r, FlashOK, "admin.channels.paused")
	return h.back(w, r, id)
}

func (h *channelPages) resume(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.a.Resume(r.Context(), id); err != nil {
		return err
	}
	h.u.Flash(r, FlashOK, "admin.channels.resumed")
	return h.back(w, r, id)
}

func (h *channelPages) check(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	res, err := h.a.Check(r.Context(), id)
	if err != nil {
		return err
	}
	if res.OK {
		h.u.Flash(r, FlashOK, "admin.channels.check_ok")
	} else {
		h.u.Flash(r, FlashError, "admin.channels.check_bad", res.Error)
	}
	return h.back(w, r, id)
}

// secrets sets (key=value lines) or removes (listed keys) secrets; values
// are never shown, before or after.
func (h *channelPages) secrets(w http.ResponseWriter, r *http.Request) error {
	d, id, err := h.load(r)
	if err != nil {
		return err
	}
	set, ok := parsePairs(r.PostFormValue("set"))
	if !ok {
		d.Error = "admin.channels.pairs"
		return h.u.Render(w, r, http.StatusUnprocessableEntity, "admin_channel.html", View{Title: "admin.channel.title", TitleArgs: []any{d.One.Name}, Data: d})
	}
	remove := r.PostForm["remove"]
	if len(set) == 0 && len(remove) == 0 {
		return h.back(w, r, id)
	}
	if _, err := h.a.Update(r.Context(), id, channel.Patch{SetSecrets: set, RemoveSecrets: remove}); err != nil {
		if err := failed(err, &d); err != nil {
			return err
		}
		return h.u.Render(w, r, http.StatusUnprocessableEntity, "admin_channel.html", View{Title: "admin.channel.title", TitleArgs: []any{d.One.Name}, Data: d})
	}
	h.u.Flash(r, FlashOK, "admin.channels.secrets_saved")
	return h.back(w, r, id)
}
