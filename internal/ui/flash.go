package ui

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"unicode/utf8"
)

// Flash is a one-time message about the action just done ("User created").
// Key is a catalogue key, Args its arguments (shown escaped).
type Flash struct {
	Kind string   `json:"k"` // FlashOK, FlashError, FlashInfo
	Key  string   `json:"m"`
	Args []string `json:"a,omitempty"`
}

const (
	FlashOK    = "ok"
	FlashError = "error"
	FlashInfo  = "info"

	flashCookie = "kaval_flash"
)

// Flash sets the message shown once after this action: with the fragment
// (out of band) when answering htmx, else on the page redirected to.
func (u *UI) Flash(r *http.Request, kind, key string, args ...string) {
	for i, a := range args {
		// Flashes travel in a cookie: keep them far below its 4 KB.
		if len(a) > 300 {
			cut := 300
			for cut > 0 && !utf8.RuneStart(a[cut]) {
				cut--
			}
			args[i] = a[:cut] + "…"
		}
	}
	if st := state(r); st != nil {
		st.flash = &Flash{Kind: kind, Key: key, Args: args}
	}
}

func setFlashCookie(w http.ResponseWriter, r *http.Request, secure bool, f *Flash) {
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/desk/",
		MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure})
}

// takeFlashCookie reads and clears the flash. Its content only selects a
// catalogue entry (checked by the caller) and fills escaped arguments, so
// a forged cookie can at worst show a wrong but harmless message.
func takeFlashCookie(w http.ResponseWriter, r *http.Request, secure bool) *Flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/desk/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secure})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	var f Flash
	if json.Unmarshal(b, &f) != nil || !slices.Contains([]string{FlashOK, FlashError, FlashInfo}, f.Kind) || len(f.Args) > 4 {
		return nil
	}
	return &f
}
