package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"strings"

	"github.com/chromedp/chromedp"
)

// axe-core 4.14.1 (MPL-2.0), vendored by scripts/vendor-ui.sh for tests
// only: it is never served or built into the binary.
//
//go:embed testdata/axe.min.js
var axeSource string

type axeResult struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// Axe runs axe-core on the page (WCAG 2.1 A and AA rules and best
// practices) and fails the test on each serious or critical violation.
// DevTools evaluation is not bound by the page's CSP, so axe needs no
// exception in it.
func (b *Browser) Axe(where string) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.axe ? undefined : (0, eval)(`+jsString(axeSource)+`)`)); err != nil {
		b.T.Fatalf("browsertest: axe did not load: %v", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.T.Fatalf("browsertest: axe: %v", err)
	}
	var vs []axeResult
	if err := json.Unmarshal(raw, &vs); err != nil {
		b.T.Fatalf("browsertest: axe result: %v", err)
	}
	for _, v := range vs {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var where2 []string
		for i, n := range v.Nodes {
			if i == 3 {
				break
			}
			t, _ := json.Marshal(n.Target)
			where2 = append(where2, string(t)+": "+strings.ReplaceAll(n.Summary, "\n", " "))
		}
		b.T.Errorf("browsertest: axe %s %s on %s: %s (%d elements) %s", v.Impact, v.ID, where, v.Help, len(v.Nodes), strings.Join(where2, " | "))
	}
}
