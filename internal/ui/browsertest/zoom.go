package browsertest

import (
	"fmt"

	"github.com/chromedp/chromedp"

	"github.com/kaval-desk/kaval/internal/ui"
)

// Zoom is the page at 200% zoom on a 1280 px screen, as someone who
// enlarges the text sees it: a 640 px wide CSS viewport drawn at two
// device pixels per CSS pixel. For English and Kannada it saves
// NAME-LANG-zoom200.png and runs axe-core, then leaves the browser in
// English at 1280 px.
func (b *Browser) Zoom(name string) {
	b.T.Helper()
	for _, lang := range ui.Languages {
		b.Lang(lang)
		b.do(chromedp.EmulateViewport(640, 450, chromedp.EmulateScale(2)))
		b.settle()
		b.Screenshot(fmt.Sprintf("%s-%s-zoom200", name, lang))
		b.Axe(fmt.Sprintf("%s (%s, 200%% zoom)", name, lang))
		if w := b.Eval(`document.documentElement.scrollWidth`); w != "640" {
			b.T.Errorf("%s (%s, 200%% zoom): the page is %s CSS px wide in a 640 px window (it scrolls sideways)", name, lang, w)
		}
	}
	b.Width(1280)
	b.Lang("en")
	b.CheckCSP()
}
