package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/channel"
	"github.com/kaval-desk/kaval/internal/secretbox"
)

// ChannelAPI mounts the administration of connected accounts and listening
// sources. Every route needs channels:manage (administrators only).
//
// Secrets go in (create, patch) and never come out: responses list which
// secret keys are set, and any text that could echo a secret back (a
// platform error that quotes a request URL carrying a bot token, a status
// reason, recent errors in the health report) has the channel's secret
// values replaced with "[redacted]". Audit entries name secret keys only.
//
// After every change the local manager is synced, so the connector starts,
// stops or restarts before the response; other replicas follow within the
// manager's resync interval.
func (s *Server) ChannelAPI(st *channel.Store, m *channel.Manager) {
	const tag = "channels"
	id := []Param{{Name: "id", In: "path", Type: "integer", Required: true}}
	h := &channelHandlers{s: s, a: channel.NewAdmin(st, m, s.log)}
	s.Route("GET", "/api/v1/channels", auth.PermChannelsManage, OpDoc{Summary: "List channels (connected accounts and sources)", Tags: []string{tag},
		Response: []channelView{}}, h.list)
	s.Route("POST", "/api/v1/channels", auth.PermChannelsManage, OpDoc{Summary: "Connect a channel", Tags: []string{tag},
		Description: "config and secrets take the keys documented by each platform's connector. With check=true the connection is tested with the platform first and nothing is stored if it fails. The response's webhook_url is the address to paste into the platform's console for platforms that push.",
		Request:     channelCreate{}, Response: channelView{}, Status: http.StatusCreated}, h.create)
	s.Route("GET", "/api/v1/channels/{id}", auth.PermChannelsManage, OpDoc{Summary: "Get a channel (never its secret values)", Tags: []string{tag},
		Params: id, Response: channelView{}}, h.get)
	s.Route("PATCH", "/api/v1/channels/{id}", auth.PermChannelsManage, OpDoc{Summary: "Change a channel's name, config or secrets", Tags: []string{tag},
		Description: "config, when given, replaces the whole config. secrets sets or replaces the named secrets; remove_secrets deletes some. The connector restarts with the new settings.",
		Params:      id, Request: channelPatch{}, Response: channelView{}}, h.update)
	s.Route("DELETE", "/api/v1/channels/{id}", auth.PermChannelsManage, OpDoc{Summary: "Delete a channel and its secrets", Tags: []string{tag},
		Description: "Posts and outbox rows keep the channel's id; replies still queued for it fail.", Params: id}, h.delete)
	s.Route("POST", "/api/v1/channels/{id}/pause", auth.PermChannelsManage, OpDoc{Summary: "Pause a channel", Tags: []string{tag},
		Description: "Its connector stops; webhook deliveries answer 503 so the platform redelivers later; queued replies wait.",
		Params:      id, Request: pauseRequest{}, Response: channelView{}}, h.pause)
	s.Route("POST", "/api/v1/channels/{id}/resume", auth.PermChannelsManage, OpDoc{Summary: "Resume a paused or errored channel", Tags: []string{tag},
		Params: id, Response: channelView{}}, h.resume)
	s.Route("POST", "/api/v1/channels/{id}/check", auth.PermChannelsManage, OpDoc{Summary: "Test the channel's credentials with its platform", Tags: []string{tag},
		Description: "Answers 200 with ok=false and the platform's own error when the platform refuses.",
		Params:      id, Response: channel.CheckResult{}}, h.check)
	s.Route("GET", "/api/v1/channels/{id}/health", auth.PermChannelsManage, OpDoc{Summary: "A channel's health: last event, lag, rate-limit headroom, recent errors, running, holder", Tags: []string{tag},
		Params: id, Response: channel.HealthReport{}}, h.health)
}

// channelView is a channel as the API shows it.
type channelView struct {
	channel.Channel
	// WebhookPath is where the platform pushes deliveries; WebhookURL is
	// the same on the address this request came to (paste it into the
	// platform's console). Platforms that only poll ignore both.
	WebhookPath string `json:"webhook_path"`
	WebhookURL  string `json:"webhook_url"`
}

type channelCreate struct {
	Platform string            `json:"platform"`
	Name     string            `json:"name"`
	Config   map[string]string `json:"config,omitempty"`
	Secrets  channel.Secrets   `json:"secrets,omitempty"` // never echoed, never logged
	Paused   bool              `json:"paused,omitempty"`  // store without starting it
	Check    bool              `json:"check,omitempty"`   // test with the platform first; store nothing on failure
}

type channelPatch struct {
	Name          *string           `json:"name,omitempty"`
	Config        map[string]string `json:"config,omitempty"`
	Secrets       channel.Secrets   `json:"secrets,omitempty"`
	RemoveSecrets []string          `json:"remove_secrets,omitempty"`
}

type pauseRequest struct {
	Reason string `json:"reason,omitempty"`
}

type channelHandlers struct {
	s *Server
	a *channel.Admin
}

func (h *channelHandlers) view(r *http.Request, c channel.Channel) channelView {
	path := "/hooks/" + strconv.FormatInt(c.ID, 10)
	return channelView{Channel: c, WebhookPath: path, WebhookURL: h.s.baseURL(r) + path}
}

// baseURL is the scheme and host this request came to.
func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if s.cfg.TrustProxyHeaders {
		if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
			scheme = p
		}
	}
	host := r.Host
	if host == "" || strings.ContainsAny(host, " /\\@?#") {
		host = "localhost"
	}
	return scheme + "://" + host
}

// channelError maps the channel store's errors to statuses.
func channelError(err error) error {
	msg := func() string {
		m := err.Error()
		m = strings.TrimPrefix(m, "channel: ")
		return strings.TrimPrefix(m, "invalid: ")
	}
	var se *channel.SettingsError
	var ce *channel.CheckError
	switch {
	case errors.As(err, &se):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: se.Field, Message: se.Message, Err: err}
	case errors.As(err, &ce):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "check_failed", Message: "the platform refused the connection: " + ce.Result.Error, Err: errors.New(ce.Result.Error)}
	case errors.Is(err, channel.ErrInvalid):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: msg(), Err: err}
	case errors.Is(err, channel.ErrConflict):
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: msg(), Err: err}
	case errors.Is(err, secretbox.ErrNoKey):
		return &Error{Status: http.StatusConflict, Code: "no_master_key", Message: "secrets cannot be stored or read: no master key is configured (set KAVAL_MASTER_KEY)", Err: err}
	}
	return err
}

func (h *channelHandlers) list(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.a.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]channelView, 0, len(cs))
	for _, c := range cs {
		out = append(out, h.view(r, c))
	}
	return JSON(w, http.StatusOK, out)
}

func (h *channelHandlers) get(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.a.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, h.view(r, c))
}

func (h *channelHandlers) create(w http.ResponseWriter, r *http.Request) error {
	var req channelCreate
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	c, err := h.a.Create(r.Context(), channel.Spec{Platform: req.Platform, Name: req.Name, Config: req.Config, Secrets: req.Secrets, Paused: req.Paused}, req.Check)
	if err != nil {
		return channelError(err)
	}
	return JSON(w, http.StatusCreated, h.view(r, c))
}

func (h *channelHandlers) update(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var req channelPatch
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	c, err := h.a.Update(r.Context(), id, channel.Patch{Name: req.Name, Config: req.Config, SetSecrets: req.Secrets, RemoveSecrets: req.RemoveSecrets})
	if err != nil {
		return channelError(err)
	}
	return JSON(w, http.StatusOK, h.view(r, c))
}

func (h *channelHandlers) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.a.Delete(r.Context(), id); err != nil {
		return channelError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// optionalJSON decodes a body when there is one (pause/reject/cancel take
// an optional reason).
func optionalJSON(r *http.Request, dst any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return DecodeJSON(r, dst)
}

func (h *channelHandlers) pause(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var req pauseRequest
	if err := optionalJSON(r, &req); err != nil {
		return err
	}
	if len(req.Reason) > 1000 {
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "reason", Message: "reason is longer than 1000 bytes"}
	}
	if err := h.a.Pause(r.Context(), id, req.Reason); err != nil {
		return channelError(err)
	}
	return h.get(w, r)
}

func (h *channelHandlers) resume(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.a.Resume(r.Context(), id); err != nil {
		return channelError(err)
	}
	return h.get(w, r)
}

func (h *channelHandlers) check(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	res, err := h.a.Check(r.Context(), id)
	if err != nil {
		return channelError(err)
	}
	return JSON(w, http.StatusOK, res)
}

func (h *channelHandlers) health(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := h.a.Health(r.Context(), id)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, rep)
}
