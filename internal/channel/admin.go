package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/store"
)

// Admin is the administration of channels as people do it, shared by the
// API and the desk's pages: settings validated before anything is stored,
// an optional test with the platform, an audit entry for every change, the
// local manager synced before the answer, and every secret value redacted
// from whatever is shown (status reasons, health, platform errors).
//
// Secrets go in and never come out: a Channel lists which secret keys are
// set, audit entries name keys only.
type Admin struct {
	st  *Store
	m   *Manager
	db  *store.DB
	log *slog.Logger
}

// NewAdmin returns the administration of st's channels run by m.
func NewAdmin(st *Store, m *Manager, log *slog.Logger) *Admin {
	if log == nil {
		log = slog.Default()
	}
	return &Admin{st: st, m: m, db: st.db, log: log}
}

// Redacted is the placeholder for a secret value in text shown to people.
const Redacted = "[redacted]"

// SettingsError is a setting the platform's connector refuses (a missing
// key, a bad URL); it wraps ErrInvalid.
type SettingsError struct {
	Field   string // "platform" or "config"
	Message string
}

func (e *SettingsError) Error() string { return "channel: invalid: " + e.Message }
func (e *SettingsError) Unwrap() error { return ErrInvalid }

// CheckError is a connection test the platform refused.
type CheckError struct{ Result CheckResult }

func (e *CheckError) Error() string {
	return "channel: the platform refused the connection: " + e.Result.Error
}

// CheckResult is the outcome of a connection test, as an admin needs it
// to fix the settings.
type CheckResult struct {
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`  // the platform's message (secrets redacted)
	Class  string `json:"class,omitempty"`  // auth_expired, retryable, permanent…
	Code   string `json:"code,omitempty"`   // the platform's error code
	Status int    `json:"status,omitempty"` // the platform's HTTP status
}

// Redactor replaces every secret value of a channel (and its URL- and
// JSON-escaped forms) in text meant for people.
type Redactor []string

// NewRedactor builds the redactor of a channel's secrets.
func NewRedactor(secrets map[string]string) Redactor {
	var r Redactor
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

// Str redacts s.
func (rd Redactor) Str(s string) string {
	for _, v := range rd {
		if v != "" {
			s = strings.ReplaceAll(s, v, Redacted)
		}
	}
	return s
}

// Outcome turns a check error into what an admin needs to fix it.
func Outcome(err error, rd Redactor) CheckResult {
	if err == nil {
		return CheckResult{OK: true}
	}
	res := CheckResult{Error: rd.Str(err.Error()), Class: connector.ClassOf(err).String()}
	var ce *connector.Error
	if errors.As(err, &ce) {
		res.Code, res.Status = rd.Str(ce.Code), ce.Status
	}
	return res
}

// redactor opens a channel's secrets only to know what to redact; ok is
// false when they cannot be opened (no key), and callers drop free text.
func (a *Admin) redactor(ctx context.Context, id int64) (Redactor, bool) {
	ch, err := a.st.Open(ctx, id)
	if err != nil {
		return nil, false
	}
	return NewRedactor(ch.Secrets), true
}

// Shown is c as it may be shown: status reason and health redacted, or
// hidden when the secrets cannot be opened to redact them.
func (a *Admin) Shown(ctx context.Context, c Channel) Channel {
	if rd, ok := a.redactor(ctx, c.ID); ok {
		c.StatusReason = rd.Str(c.StatusReason)
		c.Health = json.RawMessage(rd.Str(string(c.Health)))
	} else {
		c.Health = json.RawMessage("{}")
		if c.StatusReason != "" {
			c.StatusReason = "(hidden: the channel's secrets cannot be opened with the loaded master key)"
		}
	}
	return c
}

// List returns every channel, as it may be shown.
func (a *Admin) List(ctx context.Context) ([]Channel, error) {
	cs, err := a.st.List(ctx)
	for i := range cs {
		cs[i] = a.Shown(ctx, cs[i])
	}
	return cs, err
}

// Get returns one channel, as it may be shown.
func (a *Admin) Get(ctx context.Context, id int64) (Channel, error) {
	c, err := a.st.Get(ctx, id)
	if err != nil {
		return c, err
	}
	return a.Shown(ctx, c), nil
}

func (a *Admin) audit(ctx context.Context, action string, id int64, details any) {
	if err := auth.Audit(ctx, a.db, auth.Entry{Action: action, Target: "channel:" + strconv.FormatInt(id, 10), Details: details}); err != nil {
		a.log.Error("audit failed", "action", action, "err", err)
	}
}

// sync brings the local connectors in step after a change. A failure is
// logged, not returned: the change is stored and the manager's periodic
// resync applies it; other replicas follow within that interval.
func (a *Admin) sync(ctx context.Context) {
	if err := a.m.Sync(context.WithoutCancel(ctx)); err != nil {
		a.log.Warn("channel: sync after change failed; the periodic resync will apply it", "err", err)
	}
}

// Create connects a channel. Unless it is created paused, its settings
// must build a connector (required keys, URLs, durations): a channel that
// could only start as "error" is refused with ErrInvalid. With check, the
// platform is asked first and nothing is stored when it refuses
// (*CheckError).
func (a *Admin) Create(ctx context.Context, spec Spec, check bool) (Channel, error) {
	if !slices.Contains(connector.Platforms(), spec.Platform) {
		return Channel{}, &SettingsError{Field: "platform", Message: fmt.Sprintf("unknown platform %q; known platforms: %s", spec.Platform, strings.Join(connector.Platforms(), ", "))}
	}
	rd := NewRedactor(spec.Secrets)
	settings := connector.Channel{Platform: spec.Platform, Name: spec.Name, Config: nonNil(spec.Config), Secrets: nonNil(spec.Secrets)}
	if !spec.Paused || check {
		if _, err := connector.New(settings, connector.Deps{}); err != nil {
			return Channel{}, &SettingsError{Field: "config", Message: rd.Str(err.Error())}
		}
	}
	if check {
		if err := a.m.CheckSettings(ctx, settings); err != nil {
			return Channel{}, &CheckError{Result: Outcome(err, rd)}
		}
	}
	c, err := a.st.Create(ctx, spec)
	if err != nil {
		return c, err
	}
	a.audit(ctx, "channel.create", c.ID, map[string]any{"platform": c.Platform, "name": c.Name, "config": c.Config,
		"secret_keys": c.SecretKeys, "paused": spec.Paused, "checked": check})
	a.sync(ctx)
	return a.Get(ctx, c.ID) // the status after the start attempt
}

// Update changes a channel's name, config or secrets.
func (a *Admin) Update(ctx context.Context, id int64, p Patch) (Channel, error) {
	c, err := a.st.Update(ctx, id, p)
	if err != nil {
		return c, err
	}
	details := map[string]any{}
	if p.Name != nil {
		details["name"] = c.Name
	}
	if p.Config != nil {
		details["config"] = c.Config
	}
	if len(p.SetSecrets) > 0 {
		details["set_secrets"] = slices.Sorted(maps.Keys(p.SetSecrets))
	}
	if len(p.RemoveSecrets) > 0 {
		details["remove_secrets"] = p.RemoveSecrets
	}
	a.audit(ctx, "channel.update", id, details)
	a.sync(ctx)
	return a.Get(ctx, id)
}

// Delete removes a channel and its secrets.
func (a *Admin) Delete(ctx context.Context, id int64) error {
	c, err := a.st.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := a.st.Delete(ctx, id); err != nil {
		return err
	}
	a.audit(ctx, "channel.delete", id, map[string]any{"platform": c.Platform, "name": c.Name})
	a.sync(ctx)
	return nil
}

// Pause stops a channel (reason up to 1000 bytes, shown to admins).
func (a *Admin) Pause(ctx context.Context, id int64, reason string) error {
	if len(reason) > 1000 {
		return fmt.Errorf("%w: reason is longer than 1000 bytes", ErrInvalid)
	}
	if err := a.st.Pause(ctx, id, reason); err != nil {
		return err
	}
	a.audit(ctx, "channel.pause", id, map[string]any{"reason": reason})
	a.sync(ctx)
	return nil
}

// Resume restarts a paused or errored channel.
func (a *Admin) Resume(ctx context.Context, id int64) error {
	if err := a.st.Resume(ctx, id); err != nil {
		return err
	}
	a.audit(ctx, "channel.resume", id, nil)
	a.sync(ctx)
	return nil
}

// Check tests a stored channel's credentials with its platform.
func (a *Admin) Check(ctx context.Context, id int64) (CheckResult, error) {
	ch, err := a.st.Open(ctx, id)
	if err != nil {
		return CheckResult{}, err
	}
	err = a.m.CheckSettings(ctx, ch)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return CheckResult{}, err
	}
	res := Outcome(err, NewRedactor(ch.Secrets))
	a.audit(ctx, "channel.check", id, map[string]any{"ok": res.OK, "class": res.Class})
	return res, nil
}

// Health is a channel's health report with its secret values redacted
// (recent errors dropped when they cannot be).
func (a *Admin) Health(ctx context.Context, id int64) (HealthReport, error) {
	rep, err := a.m.Health(ctx, id)
	if err != nil {
		return rep, err
	}
	rd, ok := a.redactor(ctx, id)
	errs := make([]string, 0, len(rep.Errors))
	if ok {
		for _, e := range rep.Errors {
			errs = append(errs, rd.Str(e))
		}
	}
	rep.Errors = errs
	rep.Rate.RetryAfter = rd.Str(rep.Rate.RetryAfter)
	return rep, nil
}
