package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/web"
)

type tokensData struct {
	All     bool // the administrators' page: everyone's tokens, issue for anyone
	Tokens  []*auth.Token
	Users   []*auth.User // for the "issue for" choice (All only)
	Created *auth.Token  // just created: its secret is shown this once
	Secret  string
	Error   string // catalogue key
	Name    string
	TTLDays string
	Now     time.Time
	Back    string
}

func (u *UI) tokensData(r *http.Request, all bool) (tokensData, error) {
	p := auth.FromContext(r.Context())
	d := tokensData{All: all, Now: u.now(), Back: "/desk/account/tokens", TTLDays: "90"}
	user := p.UserID
	if all {
		user, d.Back = 0, "/desk/admin/tokens"
		users, err := u.auth.ListUsers(r.Context())
		if err != nil {
			return d, err
		}
		d.Users = users
	}
	toks, err := u.auth.TokensFor(r.Context(), p, user)
	d.Tokens = toks
	return d, err
}

func tokensTitle(all bool) string {
	if all {
		return "tokens.title_all"
	}
	return "tokens.title"
}

func (u *UI) tokensPage(all bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := u.tokensData(r, all)
		if err != nil {
			return err
		}
		return u.Render(w, r, http.StatusOK, "tokens.html", View{Title: tokensTitle(all), Data: d})
	}
}

// handleTokenCreate issues a token and answers with the page showing its
// secret once (never in a redirect or a cookie: it exists in this one
// response and nowhere else).
func (u *UI) handleTokenCreate(all bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := auth.FromContext(r.Context())
		name, ttlText := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("ttl_days")
		var user int64
		if all {
			user, _ = strconv.ParseInt(r.PostFormValue("user_id"), 10, 64)
		}
		ttl, err := strconv.Atoi(ttlText)
		var tok *auth.Token
		var secret string
		errKey := ""
		switch {
		case err != nil || ttl < 0 || ttl > 3650:
			errKey = "tokens.bad_ttl"
		case name == "":
			errKey = "tokens.need_name"
		default:
			tok, secret, err = u.auth.CreateTokenFor(r.Context(), p, user, name, time.Duration(ttl)*24*time.Hour)
			var ve *auth.ValidationError
			var ce *auth.ConflictError
			switch {
			case errors.As(err, &ve):
				errKey = "tokens.need_name"
			case errors.As(err, &ce):
				errKey = "tokens.user_disabled"
			case err != nil:
				return err
			}
		}
		d, err := u.tokensData(r, all)
		if err != nil {
			return err
		}
		status := http.StatusCreated
		if errKey != "" {
			d.Error, d.Name, d.TTLDays, status = errKey, name, ttlText, http.StatusUnprocessableEntity
		} else {
			d.Created, d.Secret = tok, secret
		}
		return u.Render(w, r, status, "tokens.html", View{Title: tokensTitle(all), Data: d})
	}
}

func (u *UI) handleTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := u.auth.RevokeTokenFor(r.Context(), auth.FromContext(r.Context()), id); err != nil {
		return err
	}
	u.Flash(r, FlashOK, "tokens.revoked")
	return u.Redirect(w, r, backTo(r, "/desk/account/tokens"))
}
