package unit_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

// TestSetContact: a unit's phone and e-mail change, audited; bad input
// changes nothing; names stay as the pack gave them.
func TestSetContact(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		us := unit.NewStore(db)
		if _, err := us.Upsert(ctx, []unit.Unit{{Code: "blr", Kind: "force", Name: "Bengaluru City Police"},
			{Code: "blr/ps/adugodi", Kind: "station", Name: "Adugodi PS", ParentCode: "blr", Phone: "080-1"}}); err != nil {
			t.Fatal(err)
		}
		list, _ := us.List(ctx, "station")
		id := list[0].ID
		if err := us.SetContact(ctx, id, "+91 80 2294 2000", "adugodips@ksp.gov.in"); err != nil {
			t.Fatal(err)
		}
		got, _ := us.Get(ctx, id)
		if got.Phone != "+91 80 2294 2000" || got.Email != "adugodips@ksp.gov.in" || got.Name != "Adugodi PS" {
			t.Fatalf("%+v", got)
		}
		for _, bad := range [][2]string{{"<script>", ""}, {"080", "not an address"}, {"080", "a@b\r\nBcc: x@y"}} {
			if err := us.SetContact(ctx, id, bad[0], bad[1]); !errors.Is(err, unit.ErrInvalid) {
				t.Errorf("%q: %v", bad, err)
			}
		}
		if got, _ := us.Get(ctx, id); got.Phone != "+91 80 2294 2000" {
			t.Fatalf("bad input changed the unit: %+v", got)
		}
		if err := us.SetContact(ctx, 999999, "080", ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing unit: %v", err)
		}
		recs, _ := auth.ListAudit(ctx, db, auth.AuditFilter{Action: "unit.contact"})
		if len(recs) != 1 {
			t.Fatalf("audit entries: %d", len(recs))
		}
	})
}
