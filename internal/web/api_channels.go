package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/channel"
	"github.com/kaval-desk/kaval/internal/connector"
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
	h := &channelHandlers{s: s, st: st, m: m}
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
		Params:      id, Response: checkResult{}}, h.check)
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

// checkResult is the outcome of a connection test.
type checkResult struct {
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`  // the platform's message (secrets redacted)
	Class  string `json:"class,omitempty"`  // auth_expired, retryable, permanent…
	Code   string `json:"code,omitempty"`   // the platform's error code
	Status int    `json:"status,omitempty"` // the platform's HTTP status
}

type channelHandlers struct {
	s  *Server
	st *channel.Store
	m  *channel.Manager
}

const redacted = "[redacted]"

// redactor replaces every secret value of a channel (and its URL- and
// JSON-escaped forms) in text meant for people.
type redactor []string

func newRedactor(secrets map[string]string) redactor {
	var r redactor
	for _, v := range secrets {
		if len(v) < 4 {
			continue // too short to search for without mangling ordinary text; platforms don't issue such tokens
		}
		js, _ := json.Marshal(v)
		r = append(r, v, url.QueryEscape(v), url.PathEscape(v), string(js[1:len(js)-1]))
	}
	// Longest first, so a secret containing another is replaced whole.
	slices.SortFunc(r, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(r)
}

func (rd redactor) str(s string) string {
	for _, v := range rd {
		if v != "" {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}

// secretsOf opens a channel's secrets only to know what to redact. When
// they cannot be opened (no key), ok is false and callers drop free text.
func (h *channelHandlers) secretsOf(ctx context.Context, id int64) (redactor, bool) {
	ch, err := h.st.Open(ctx, id)
	if err != nil {
		return nil, false
	}
	return newRedactor(ch.Secrets), true
}

func (h *channelHandlers) view(r *http.Request, c channel.Channel) channelView {
	rd, ok := h.secretsOf(r.Context(), c.ID)
	if ok {
		c.StatusReason = rd.str(c.StatusReason)
		c.Health = json.RawMessage(rd.str(string(c.Health)))
	} else {
		c.Health = json.RawMessage("{}")
		if c.StatusReason != "" {
			c.StatusReason = "(hidden: the channel's secrets cannot be opened with the loaded master key)"
		}
	}
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
	switch {
	case errors.Is(err, channel.ErrInvalid):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: msg(), Err: err}
	case errors.Is(err, channel.ErrConflict):
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: msg(), Err: err}
	case errors.Is(err, secretbox.ErrNoKey):
		return &Error{Status: http.StatusConflict, Code: "no_master_key", Message: "secrets cannot be stored or read: no master key is configured (set KAVAL_MASTER_KEY)", Err: err}
	}
	return err
}

// sync brings the local connectors in step after a change. A failure is
// logged, not returned: the change is stored and the manager's periodic
// resync applies it.
func (h *channelHandlers) sync(r *http.Request) {
	if err := h.m.Sync(context.WithoutCancel(r.Context())); err != nil {
		h.s.log.Warn("channel: sync after change failed; the periodic resync will apply it", "err", err, "request_id", requestID(r.Context()))
	}
}

func (h *channelHandlers) audit(r *http.Request, action string, id int64, details any) {
	if err := auth.Audit(r.Context(), h.s.deps.DB, auth.Entry{Action: action, Target: "channel:" + strconv.FormatInt(id, 10), Details: details}); err != nil {
		h.s.log.Error("audit failed", "action", action, "err", err)
	}
}

func (h *channelHandlers) list(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.st.List(r.Context())
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
	c, err := h.st.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, h.view(r, c))
}

func unknownPlatform(p string) error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "platform",
		Message: fmt.Sprintf("unknown platform %q; known platforms: %s", p, strings.Join(connector.Platforms(), ", "))}
}

func (h *channelHandlers) create(w http.ResponseWriter, r *http.Request) error {
	var req channelCreate
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if !slices.Contains(connector.Platforms(), req.Platform) {
		return unknownPlatform(req.Platform)
	}
	rd := newRedactor(req.Secrets)
	settings := connector.Channel{Platform: req.Platform, Name: req.Name, Config: req.Config, Secrets: req.Secrets}
	if settings.Config == nil {
		settings.Config = map[string]string{}
	}
	if settings.Secrets == nil {
		settings.Secrets = map[string]string{}
	}
	if !req.Paused || req.Check {
		// Building the connector validates the settings (required keys,
		// URLs, durations) without calling the platform: refuse a channel
		// that could only start as "error".
		if _, err := connector.New(settings, connector.Deps{}); err != nil {
			return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "config", Message: rd.str(err.Error())}
		}
	}
	if req.Check {
		if err := h.m.CheckSettings(r.Context(), settings); err != nil {
			res := checkOutcome(err, rd)
			return &Error{Status: http.StatusUnprocessableEntity, Code: "check_failed", Message: "the platform refused the connection: " + res.Error, Err: errors.New(res.Error)}
		}
	}
	c, err := h.st.Create(r.Context(), channel.Spec{Platform: req.Platform, Name: req.Name, Config: req.Config, Secrets: req.Secrets, Paused: req.Paused})
	if err != nil {
		return channelError(err)
	}
	h.audit(r, "channel.create", c.ID, map[string]any{"platform": c.Platform, "name": c.Name, "config": c.Config,
		"secret_keys": c.SecretKeys, "paused": req.Paused, "checked": req.Check})
	h.sync(r)
	if c, err = h.st.Get(r.Context(), c.ID); err != nil { // status after the start attempt
		return err
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
	c, err := h.st.Update(r.Context(), id, channel.Patch{Name: req.Name, Config: req.Config, SetSecrets: req.Secrets, RemoveSecrets: req.RemoveSecrets})
	if err != nil {
		return channelError(err)
	}
	details := map[string]any{}
	if req.Name != nil {
		details["name"] = c.Name
	}
	if req.Config != nil {
		details["config"] = c.Config
	}
	if len(req.Secrets) > 0 {
		details["set_secrets"] = slices.Sorted(maps.Keys(req.Secrets))
	}
	if len(req.RemoveSecrets) > 0 {
		details["remove_secrets"] = req.RemoveSecrets
	}
	h.audit(r, "channel.update", id, details)
	h.sync(r)
	if c, err = h.st.Get(r.Context(), id); err != nil {
		return err
	}
	return JSON(w, http.StatusOK, h.view(r, c))
}

func (h *channelHandlers) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.st.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if err := h.st.Delete(r.Context(), id); err != nil {
		return channelError(err)
	}
	h.audit(r, "channel.delete", id, map[string]any{"platform": c.Platform, "name": c.Name})
	h.sync(r)
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
	if err := h.st.Pause(r.Context(), id, req.Reason); err != nil {
		return channelError(err)
	}
	h.audit(r, "channel.pause", id, req)
	h.sync(r)
	return h.get(w, r)
}

func (h *channelHandlers) resume(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.st.Resume(r.Context(), id); err != nil {
		return channelError(err)
	}
	h.audit(r, "channel.resume", id, nil)
	h.sync(r)
	return h.get(w, r)
}

// checkOutcome turns a Check error into what an admin needs to fix it.
func checkOutcome(err error, rd redactor) checkResult {
	if err == nil {
		return checkResult{OK: true}
	}
	res := checkResult{Error: rd.str(err.Error()), Class: connector.ClassOf(err).String()}
	var ce *connector.Error
	if errors.As(err, &ce) {
		res.Code, res.Status = rd.str(ce.Code), ce.Status
	}
	return res
}

func (h *channelHandlers) check(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	ch, err := h.st.Open(r.Context(), id)
	if err != nil {
		return channelError(err)
	}
	rd := newRedactor(ch.Secrets)
	err = h.m.CheckSettings(r.Context(), ch)
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return err
	}
	res := checkOutcome(err, rd)
	h.audit(r, "channel.check", id, map[string]any{"ok": res.OK, "class": res.Class})
	return JSON(w, http.StatusOK, res)
}

func (h *channelHandlers) health(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := h.m.Health(r.Context(), id)
	if err != nil {
		return err
	}
	rd, ok := h.secretsOf(r.Context(), id)
	errs := make([]string, 0, len(rep.Errors))
	if ok {
		for _, e := range rep.Errors {
			errs = append(errs, rd.str(e))
		}
	}
	rep.Errors = errs
	rep.Rate.RetryAfter = rd.str(rep.Rate.RetryAfter)
	return JSON(w, http.StatusOK, rep)
}
