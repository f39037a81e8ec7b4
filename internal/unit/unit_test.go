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

// TestStations: the station selects' list is every station and traffic
// station, none of the other units, by kind then name, with both names;
// the same as List's of those kinds.
func TestStations(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		us := unit.NewStore(db)
		if _, err := us.Upsert(ctx, []unit.Unit{{Code: "blr", Kind: "force", Name: "Bengaluru City Police"},
			{Code: "blr/div/south", Kind: "division", Name: "South Division", ParentCode: "blr"},
			{Code: "blr/ps/vvpuram", Kind: "station", Name: "V V Puram PS", NameKn: "ವಿ ವಿ ಪುರಂ", ParentCode: "blr/div/south"},
			{Code: "blr/ps/adugodi", Kind: "station", Name: "Adugodi PS", ParentCode: "blr/div/south"},
			{Code: "blr/tps/adugodi", Kind: "traffic_station", Name: "Adugodi Traffic PS", ParentCode: "blr"}}); err != nil {
			t.Fatal(err)
		}
		got, err := us.Stations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var want []unit.Unit
		for _, k := range []string{"station", "traffic_station"} {
			l, err := us.List(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, l...)
		}
		if len(got) != 3 || len(got) != len(want) {
			t.Fatalf("%d stations, want 3 (%d listed)", len(got), len(want))
		}
		for i := range got {
			w := want[i]
			if got[i].ID != w.ID || got[i].Kind != w.Kind || got[i].Name != w.Name || got[i].NameKn != w.NameKn {
				t.Fatalf("station %d: %+v, want %+v", i, got[i], w)
			}
		}
		if got[0].Name != "Adugodi PS" || got[1].NameKn != "ವಿ ವಿ ಪುರಂ" || got[2].Kind != "traffic_station" {
			t.Fatalf("order or names: %+v", got)
		}
	})
}
