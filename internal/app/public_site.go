package app

import (
	"time"

	"github.com/kaval-desk/kaval/internal/analyze/place"
	"github.com/kaval-desk/kaval/internal/geo"
	"github.com/kaval-desk/kaval/internal/public"
	"github.com/kaval-desk/kaval/internal/ui"
)

// publicSite registers the force's public site (/, /stations) over the
// embedded jurisdiction pack, the same one the desk's units are seeded
// from.
func (a *App) publicSite(cfg Config) error {
	pack, err := geo.Default()
	if err != nil {
		return err
	}
	gaz, err := place.Default()
	if err != nil {
		return err
	}
	find := public.NewFinder(pack, gaz)
	// The accountability figures scan six months of cases' times: at
	// most once in ten minutes per replica.
	acc := public.NewAccountability(a.DB, 10*time.Minute)
	opt := ui.PublicOptions{ForceName: cfg.ForceName, ForceNameKn: "ಬೆಂಗಳೂರು ನಗರ ಪೊಲೀಸ್"}
	a.UI.PublicPages(a.Publish, find, opt)
	a.UI.PublicAccountability(acc, opt)
	a.Web.PublicAPI(find, acc)
	return nil
}
