package alert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/notify"
)

// Texts is what a notification of sig says, in English and Kannada: the
// built-in detectors' words, or the signal's own title for others.
func Texts(sig Signal) map[string]notify.Text {
	d := sig.Detail
	exp := strconv.FormatFloat(d.Expected, 'f', 1, 64)
	subj := sig.Subject
	if sig.Kind == KindCategorySpike {
		subj = strings.ReplaceAll(subj, "_", " ")
	}
	var en, kn string
	switch sig.Kind {
	case KindQuerySpike:
		en = fmt.Sprintf("Spike in the listening query “%s”: %d posts, about %s expected", subj, d.Observed, exp)
		kn = fmt.Sprintf("ಆಲಿಕೆ ಪ್ರಶ್ನೆ “%s” ನಲ್ಲಿ ಏರಿಕೆ: %d ಪೋಸ್ಟ್‌ಗಳು, ಸುಮಾರು %s ನಿರೀಕ್ಷಿತ", subj, d.Observed, exp)
	case KindCategorySpike:
		en = fmt.Sprintf("Spike in %s posts: %d, about %s expected", subj, d.Observed, exp)
		kn = fmt.Sprintf("%s ಪೋಸ್ಟ್‌ಗಳಲ್ಲಿ ಏರಿಕೆ: %d, ಸುಮಾರು %s ನಿರೀಕ್ಷಿತ", subj, d.Observed, exp)
	case KindStationSpike:
		en = fmt.Sprintf("Spike in posts about %s: %d, about %s expected", subj, d.Observed, exp)
		kn = fmt.Sprintf("%s ಕುರಿತ ಪೋಸ್ಟ್‌ಗಳಲ್ಲಿ ಏರಿಕೆ: %d, ಸುಮಾರು %s ನಿರೀಕ್ಷಿತ", subj, d.Observed, exp)
	default:
		en, kn = d.Title["en"], d.Title["kn"]
		if en == "" {
			en = sig.Kind + ": " + subj
		}
	}
	out := map[string]notify.Text{"en": {Subject: en, Body: body(sig, false)}}
	if kn != "" {
		out["kn"] = notify.Text{Subject: kn, Body: body(sig, true)}
	}
	return out
}

func body(sig Signal, kn bool) string {
	sev := map[string][2]string{Critical: {"Severity: critical", "ತೀವ್ರತೆ: ಗಂಭೀರ"}, Warning: {"Severity: warning", "ತೀವ್ರತೆ: ಎಚ್ಚರಿಕೆ"},
		Info: {"Severity: information", "ತೀವ್ರತೆ: ಮಾಹಿತಿ"}}[sig.Severity]
	i := 0
	if kn {
		i = 1
	}
	s := sev[i]
	if !sig.Detail.Hour.IsZero() {
		h := sig.Detail.Hour.In(ist).Format("2006-01-02 15:04 IST")
		s += "\n" + [2]string{"Hour from ", "ಗಂಟೆ "}[i] + h
	}
	return s
}
