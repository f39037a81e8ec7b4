package ui

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
)

// LangCookie remembers the chosen language on this browser (a shared
// station PC keeps the language of the station, not of one officer).
const LangCookie = "kaval_lang"

// Lang is the language of the request: the cookie set by the switch,
// else the browser's Accept-Language preference between English and
// Kannada, else English.
func Lang(r *http.Request) string {
	if c, err := r.Cookie(LangCookie); err == nil && slices.Contains(Languages, c.Value) {
		return c.Value
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if slices.Contains(Languages, base) {
			return base
		}
	}
	return "en"
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	case uint:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

func toTime(v any) time.Time {
	switch x := v.(type) {
	case time.Time:
		return x
	case *time.Time:
		if x != nil {
			return *x
		}
	case int64: // unix milliseconds, as the store keeps them
		return time.UnixMilli(x)
	}
	return time.Time{}
}

// langPrefs stores each person's language (desk.Desk), so that their
// choice follows them to any browser they log in on.
type langPrefs interface {
	UserLang(ctx context.Context, user int64) (string, error)
	SetUserLang(ctx context.Context, user int64, lang string) error
}

// setLang is the language switch: POST /desk/lang with lang and next. The
// cookie keeps it on this browser (the login page of a shared station PC
// speaks the station's language); a signed-in person's choice is also
// stored as theirs.
func (u *UI) setLang(w http.ResponseWriter, r *http.Request) error {
	l := r.PostFormValue("lang")
	if !slices.Contains(Languages, l) {
		return errBadRequest
	}
	u.setLangCookie(w, r, l)
	if p := auth.FromContext(r.Context()); p != nil && p.UserID != 0 && u.prefs != nil {
		if err := u.prefs.SetUserLang(r.Context(), p.UserID, l); err != nil {
			return err
		}
	}
	next := r.PostFormValue("next")
	return u.Redirect(w, r, next)
}

func (u *UI) setLangCookie(w http.ResponseWriter, r *http.Request, l string) {
	http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: u.srv.Secure(r)})
}

// loggedIn gives this browser the language the person chose before.
func (u *UI) loggedIn(w http.ResponseWriter, r *http.Request, user int64) {
	if u.prefs == nil {
		return
	}
	l, err := u.prefs.UserLang(r.Context(), user)
	if err != nil {
		u.log.Warn("ui: unable to read a user's language", "user", user, "err", err)
		return
	}
	if slices.Contains(Languages, l) {
		u.setLangCookie(w, r, l)
	}
}
