package app

import (
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
	a.UI.PublicPages(a.Publish, public.NewFinder(pack, gaz), ui.PublicOptions{ForceName: cfg.ForceName, ForceNameKn: "ಬೆಂಗಳೂರು ನಗರ ಪೊಲೀಸ್"})
	return nil
}
