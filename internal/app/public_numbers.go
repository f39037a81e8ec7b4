package app

import (
	"context"

	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

// publicNumbers tells privacy the force's own published numbers (its
// units' phones), which are not personal data: a reply giving a citizen
// their station's number is not shown masked to the agent who sent it.
// Read at start; a unit's phone changed later counts after a restart.
func publicNumbers(ctx context.Context, db *store.DB) error {
	us, err := unit.NewStore(db).List(ctx, "")
	if err != nil {
		return err
	}
	var phones []string
	for _, u := range us {
		if u.Phone != "" {
			phones = append(phones, u.Phone)
		}
	}
	privacy.SetPublicNumbers(phones)
	return nil
}
