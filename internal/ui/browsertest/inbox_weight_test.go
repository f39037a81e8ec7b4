package browsertest

import (
	"fmt"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
)

// TestInboxWeight holds the inbox to issue 11's budget: ≤ 150 KB on the
// wire on first load (HTML, CSS, JS and the fonts the page actually pulls,
// compressed as served), with a full first page of cases in English and
// Kannada, so the Kannada font is part of it; and ≤ 20 KB warm. Sizes,
// not times.
func TestInboxWeight(t *testing.T) {
	env := Start(t, Options{})
	var n int
	var texts []string
	for i := range 60 {
		switch i % 3 {
		case 0:
			texts = append(texts, fmt.Sprintf("ಕೋರಮಂಗಲ ೫ನೇ ಬ್ಲಾಕ್ ಬಳಿ ಸಿಗ್ನಲ್ ಕೆಲಸ ಮಾಡುತ್ತಿಲ್ಲ, ಸಂಚಾರ ದಟ್ಟಣೆ ತುಂಬಾ ಇದೆ ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ %d", i))
		case 1:
			texts = append(texts, fmt.Sprintf("Jayanagar 4th block alli chain snatching aaytu, bike nalli ibbaru bandru, please help %d", i))
		default:
			texts = append(texts, fmt.Sprintf("@BlrCityPolice cars parked on the footpath near Silk Board junction every evening, nobody acts %d", i))
		}
	}
	deskPut(t, env, &n, texts...)
	b := env.Browser(t)
	b.Login(auth.RoleAgent)
	for _, lang := range []string{"en", "kn"} {
		b.Lang(lang)
		cold, warm := b.Weight("/desk/inbox")
		t.Logf("/desk/inbox (%s, 50 cases): %d bytes with an empty cache, %d bytes warm", lang, cold, warm)
		if cold > 150_000 || warm > 20_000 || cold == 0 || warm == 0 {
			t.Errorf("/desk/inbox (%s): %d bytes cold (budget 150,000), %d warm (budget 20,000)", lang, cold, warm)
		}
	}
}
