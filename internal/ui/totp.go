package ui

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/boombuler/barcode/qr"

	"github.com/kaval-desk/kaval/internal/auth"
)

type totpData struct {
	Enabled bool
	URL     string        // otpauth:// for the app, only right after enrolment
	Secret  string        // the same key, for typing in by hand
	QR      template.HTML // the URL as a QR code, drawn here (no outside service sees the key)
	Error   string
	Pending bool // enrolled but not yet confirmed
}

func (u *UI) totpPages() {
	const anyUser = auth.PermAuthenticated
	u.Handle(Route{Method: "GET", Path: "/desk/account/totp", Perm: anyUser, Summary: "Two-step login (TOTP) status and enrolment"}, u.handleTOTPPage)
	u.Handle(Route{Method: "POST", Path: "/desk/account/totp", Perm: anyUser, Summary: "Start two-step login enrolment"}, u.handleTOTPEnrol)
	u.Handle(Route{Method: "POST", Path: "/desk/account/totp/confirm", Perm: anyUser, Summary: "Confirm two-step login with a code"}, u.handleTOTPConfirm)
}

func (u *UI) handleTOTPPage(w http.ResponseWriter, r *http.Request) error {
	usr, err := u.auth.GetUser(r.Context(), auth.FromContext(r.Context()).UserID)
	if err != nil {
		return err
	}
	return u.Render(w, r, http.StatusOK, "totp.html", View{Title: "totp.title", Data: totpData{Enabled: usr.TOTPEnabled}})
}

func (u *UI) handleTOTPEnrol(w http.ResponseWriter, r *http.Request) error {
	link, err := u.auth.EnrolTOTP(r.Context(), auth.FromContext(r.Context()).UserID)
	var ce *auth.ConflictError
	if errors.As(err, &ce) {
		key := "totp.already"
		if strings.Contains(ce.Message, "master key") {
			key = "totp.no_key"
		}
		return u.Render(w, r, http.StatusConflict, "totp.html", View{Title: "totp.title", Data: totpData{Error: key}})
	}
	if err != nil {
		return err
	}
	d := totpData{URL: link, Pending: true}
	if pu, err := url.Parse(link); err == nil {
		d.Secret = pu.Query().Get("secret")
	}
	if d.QR, err = qrSVG(link); err != nil {
		return err
	}
	return u.Render(w, r, http.StatusOK, "totp.html", View{Title: "totp.title", Data: d})
}

func (u *UI) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) error {
	err := u.auth.ConfirmTOTP(r.Context(), auth.FromContext(r.Context()).UserID, strings.TrimSpace(r.PostFormValue("code")))
	var ve *auth.ValidationError
	var ce *auth.ConflictError
	switch {
	case errors.As(err, &ve):
		return u.Render(w, r, http.StatusUnprocessableEntity, "totp.html", View{Title: "totp.title", Data: totpData{Pending: true, Error: "totp.wrong_code"}})
	case errors.As(err, &ce):
		return u.Render(w, r, http.StatusConflict, "totp.html", View{Title: "totp.title", Data: totpData{Error: "totp.not_started"}})
	case err != nil:
		return err
	}
	u.Flash(r, FlashOK, "totp.enabled")
	return u.Redirect(w, r, AccountPath)
}

// qrSVG draws text as a QR code in SVG: one path of dark modules, with a
// quiet zone of four modules, no style attribute (CSP).
func qrSVG(text string) (template.HTML, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("ui: unable to draw the QR code: %w", err)
	}
	n := code.Bounds().Dx()
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-4 -4 %d %d" shape-rendering="crispEdges" role="img" aria-hidden="true"><rect x="-4" y="-4" width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n+8, n+8, n+8, n+8)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if r, _, _, _ := code.At(x, y).RGBA(); r == 0 {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil
}
