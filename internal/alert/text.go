package alert

import (
	_ "embed"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/notify"
)

// What notifications say is data (texts.json), in English and Kannada.
//
//go:embed texts.json
var textsJSON []byte

var texts = func() map[string]map[string]string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(textsJSON, &m); err != nil {
		panic(err)
	}
	out := map[string]map[string]string{}
	for _, lang := range []string{"en", "kn"} {
		var t map[string]string
		if err := json.Unmarshal(m[lang], &t); err != nil {
			panic(err)
		}
		out[lang] = t
	}
	return out
}()

// textLangs are the languages notifications are written in.
var textLangs = []string{"en", "kn"}

func say(lang, key string, args ...string) string {
	s, ok := texts[lang][key]
	if !ok {
		return ""
	}
	return strings.NewReplacer(args...).Replace(s)
}

// subjectIn is the alert's subject in lang: the name the detector gave in
// that language (a station's Kannada name), else the subject.
func subjectIn(sig Signal, lang string) string {
	if s := sig.Detail.Names[lang]; s != "" {
		return s
	}
	if sig.Kind == KindCategorySpike {
		return strings.ReplaceAll(sig.Subject, "_", " ")
	}
	return sig.Subject
}

func langList(lang string, codes []string) string {
	var out []string
	for _, c := range codes {
		s := say(lang, "lang."+c)
		if s == "" {
			s = say(lang, "lang.other")
		}
		if !slices.Contains(out, s) { // "Kannada" is not inside "Kannada in Latin letters"
			out = append(out, s)
		}
	}
	return strings.Join(out, ", ")
}

// Texts is what a notification of sig says, in English and Kannada: the
// built-in detectors' words from texts.json, or the signal's own title
// for others.
func Texts(sig Signal) map[string]notify.Text {
	d := sig.Detail
	out := map[string]notify.Text{}
	for _, lang := range textLangs {
		key := sig.Kind
		if sig.Kind == KindRumour && d.Station == "" {
			key += ".nowhere"
		}
		subj := say(lang, key, "{subject}", subjectIn(sig, lang), "{observed}", strconv.FormatInt(d.Observed, 10),
			"{expected}", strconv.FormatFloat(d.Expected, 'f', 1, 64), "{posts}", strconv.Itoa(len(d.PostIDs)),
			"{accounts}", strconv.Itoa(d.Accounts), "{total}", strconv.FormatInt(d.Total, 10), "{case}", d.Case, "{langs}", langList(lang, d.Langs))
		if subj == "" {
			subj = d.Title[lang]
		}
		if subj == "" && lang == "en" {
			subj = sig.Kind + ": " + sig.Subject
		}
		if subj != "" {
			out[lang] = notify.Text{Subject: subj, Body: body(sig, lang)}
		}
	}
	return out
}

func body(sig Signal, lang string) string {
	s := say(lang, "severity."+sig.Severity)
	if sig.Detail.Message != "" {
		s = sig.Detail.Message + "\n" + s // a rule author's own words
	}
	if !sig.Detail.Hour.IsZero() {
		s += "\n" + say(lang, "hour", "{hour}", sig.Detail.Hour.In(ist).Format("2006-01-02 15:04 IST"))
	}
	return s
}
