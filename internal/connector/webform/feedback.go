package webform

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/kaval-desk/kaval/internal/store"
)

// "Was it resolved?": once a case is resolved or closed its status page
// asks the citizen, in English or Kannada, whether it really was. One
// answer per case, which they may change; only the answer, its language
// and when are kept (the desk's case timeline shows it; the public
// accountability page counts answers by station and month).

// ErrFeedbackTooEarly is the desk's answer for a case that is not
// resolved or closed yet.
var ErrFeedbackTooEarly = errors.New("webform: the case is not resolved yet")

// Feedback answers.
const (
	FeedbackYes = "yes"
	FeedbackNo  = "no"
)

// feedbackBody bounds the answer form: a reference, a code, two words.
const feedbackBody = 1 << 10

func init() {
	for lang, m := range map[string]map[string]string{
		"en": {
			"fb_title":       "Was your concern resolved?",
			"fb_help":        "Your answer is counted, without your name or contact, on the force's public accountability page. You can change it later.",
			"fb_yes":         "Yes, it was resolved",
			"fb_no":          "No, it was not resolved",
			"fb_send":        "Send my answer",
			"fb_change":      "Change my answer",
			"fb_yours_yes":   "You answered: yes, it was resolved.",
			"fb_yours_no":    "You answered: no, it was not resolved.",
			"fb_thanks":      "Thank you. Your answer was recorded.",
			"fb_early":       "You can answer once the case is resolved or closed.",
			"fb_pick":        "Please choose yes or no.",
			"fb_refused":     "Answer not recorded",
			"fb_accountable": "See how each station is doing",
		},
		"kn": {
			"fb_title":       "ನಿಮ್ಮ ದೂರು ಪರಿಹಾರವಾಯಿತೇ?",
			"fb_help":        "ನಿಮ್ಮ ಉತ್ತರವನ್ನು ನಿಮ್ಮ ಹೆಸರು ಅಥವಾ ಸಂಪರ್ಕವಿಲ್ಲದೆ ಪೊಲೀಸರ ಸಾರ್ವಜನಿಕ ಹೊಣೆಗಾರಿಕೆ ಪುಟದಲ್ಲಿ ಎಣಿಸಲಾಗುತ್ತದೆ. ನಂತರ ಅದನ್ನು ಬದಲಾಯಿಸಬಹುದು.",
			"fb_yes":         "ಹೌದು, ಪರಿಹಾರವಾಯಿತು",
			"fb_no":          "ಇಲ್ಲ, ಪರಿಹಾರವಾಗಲಿಲ್ಲ",
			"fb_send":        "ನನ್ನ ಉತ್ತರ ಕಳುಹಿಸಿ",
			"fb_change":      "ನನ್ನ ಉತ್ತರ ಬದಲಿಸಿ",
			"fb_yours_yes":   "ನಿಮ್ಮ ಉತ್ತರ: ಹೌದು, ಪರಿಹಾರವಾಯಿತು.",
			"fb_yours_no":    "ನಿಮ್ಮ ಉತ್ತರ: ಇಲ್ಲ, ಪರಿಹಾರವಾಗಲಿಲ್ಲ.",
			"fb_thanks":      "ಧನ್ಯವಾದಗಳು. ನಿಮ್ಮ ಉತ್ತರ ದಾಖಲಾಗಿದೆ.",
			"fb_early":       "ದೂರು ಪರಿಹಾರವಾದ ಅಥವಾ ಮುಕ್ತಾಯಗೊಂಡ ನಂತರ ಉತ್ತರಿಸಬಹುದು.",
			"fb_pick":        "ದಯವಿಟ್ಟು ಹೌದು ಅಥವಾ ಇಲ್ಲ ಆಯ್ಕೆಮಾಡಿ.",
			"fb_refused":     "ಉತ್ತರ ದಾಖಲಾಗಲಿಲ್ಲ",
			"fb_accountable": "ಪ್ರತಿ ಠಾಣೆಯ ಕಾರ್ಯ ನೋಡಿ",
		},
	} {
		for k, v := range m {
			messages[lang][k] = v
		}
	}
}

// statusURL is the status page of a case, in lang.
func (h *handler) statusURL(ref, code, lang string, extra ...string) string {
	q := url.Values{"ref": {ref}, "code": {code}, "lang": {lang}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return h.opt.BasePath + "/status?" + q.Encode()
}

// feedback records a citizen's answer: POST {base}/status/feedback with
// ref, code, answer (yes|no) and lang. It costs a look-up (the pair is the
// secret a guesser would try) and a submission (so answers cannot be
// flipped in a loop), then goes back to the status page (303).
func (h *handler) feedback(w http.ResponseWriter, r *http.Request) {
	// A page of another site cannot make a browser answer for its user.
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			h.message(w, r, http.StatusForbidden, "fb_refused", "err_generic")
			return
		}
	}
	if h.limited(w, r, h.submits, "") || h.limited(w, r, h.lookups, "") || h.limitedGlobal(w, r) {
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		h.message(w, r, http.StatusUnsupportedMediaType, "fb_refused", "err_type")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, feedbackBody))
	if err != nil {
		h.message(w, r, http.StatusRequestEntityTooLarge, "fb_refused", "err_size")
		return
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		h.message(w, r, http.StatusBadRequest, "fb_refused", "err_generic")
		return
	}
	lang := pickLang(vals.Get("lang"), r.Header.Get("Accept-Language"))
	ref := strings.ToUpper(strings.TrimSpace(vals.Get("ref")))
	code := vals.Get("code")
	if len(ref) > 40 || !h.refRE.MatchString(ref) || code == "" || len(code) > 40 {
		h.notFound(w, r, ref, code)
		return
	}
	answer := vals.Get("answer")
	if answer != FeedbackYes && answer != FeedbackNo {
		p := h.newPage(r, lang)
		p.Title, p.Message = "fb_refused", p.T("fb_pick")
		h.render(w, http.StatusUnprocessableEntity, "message", p)
		return
	}
	switch err := h.desk.Feedback(r.Context(), ref, code, answer, lang); {
	case errors.Is(err, store.ErrNotFound):
		h.notFound(w, r, ref, code)
	case errors.Is(err, ErrFeedbackTooEarly):
		p := h.newPage(r, lang)
		p.Title, p.Message = "fb_refused", p.T("fb_early")
		h.render(w, http.StatusConflict, "message", p)
	case err != nil:
		h.opt.Log.Error("webform: unable to record feedback", "err", err)
		w.Header().Set("Retry-After", "60")
		h.message(w, r, http.StatusServiceUnavailable, "busy", "err_busy")
	default:
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, h.statusURL(ref, code, lang, "answered", "1"), http.StatusSeeOther)
	}
}
