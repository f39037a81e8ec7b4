package ui

import (
	"html"
	"net/http"

	"github.com/kaval-desk/kaval/internal/web"
)

var (
	errNotFound   = &web.Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such page"}
	errBadRequest = &web.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "the form was not filled in as expected"}
)

// errorCodes have their own title and advice in the catalogue
// (error.CODE.title, error.CODE.hint); any other code gets the generic
// text of its status class.
var errorCodes = map[string]bool{
	"not_found": true, "forbidden": true, "cross_origin": true, "unauthenticated": true, "invalid": true,
	"conflict": true, "account_locked": true, "rate_limited": true, "body_too_large": true, "internal": true,
	"timeout": true, "password_change_required": true, "bad_request": true, "method_not_allowed": true,
}

type errorData struct {
	Status    int
	Key       string // error.CODE
	Detail    string // the server's own words for invalid input and conflicts (English)
	RequestID string
}

// errorPage is the web.PageHooks.Error of the desk: the layout stays, the
// page says what happened and what to try, in the user's language; no
// stack trace, no JSON. An htmx request gets the message as a flash
// swapped into the page it came from.
func (u *UI) errorPage(w http.ResponseWriter, r *http.Request, e *web.Error) {
	d := errorData{Status: e.Status, Key: "error.generic", RequestID: w.Header().Get("X-Request-Id")}
	if errorCodes[e.Code] {
		d.Key = "error." + e.Code
	} else if e.Status >= 500 {
		d.Key = "error.internal"
	}
	if e.Code == "invalid" || e.Code == "conflict" {
		d.Detail = e.Message
	}
	if IsHTMX(r) {
		t, err := u.tmpl.get(Lang(r), "error.html")
		if err == nil {
			w.Header().Set("HX-Retarget", "#flash")
			w.Header().Set("HX-Reswap", "innerHTML")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(e.Status)
			if err := t.ExecuteTemplate(w, "error-flash", d); err == nil {
				return
			}
		}
	}
	if err := u.Render(w, r, e.Status, "error.html", View{Title: d.Key + ".title", Data: d}); err != nil {
		u.log.Error("error page failed", "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(e.Status)
		w.Write([]byte(html.EscapeString(http.StatusText(e.Status))))
	}
}
