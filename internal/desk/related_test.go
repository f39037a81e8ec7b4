package desk

import (
	"context"
	"slices"
	"testing"

	"github.com/kaval-desk/kaval/internal/store"
)

// A citizen's other cases on the case page: the 20 newest across every
// linked identity, the case itself left out, within the viewer's scope,
// the same as the single sorted query they replaced.
func TestRelatedNewestAcrossIdentities(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newSpeedEnv(t, db, 1500)
		ctx := context.Background()
		var authors []int64
		rows, err := db.Read.Query("SELECT id FROM authors WHERE citizen_id = $1 ORDER BY id", e.seed.Citizen)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			authors = append(authors, id)
		}
		rows.Close()
		if len(authors) != 3 {
			t.Fatalf("the seed's citizen has %d accounts", len(authors))
		}
		// Give the citizen's accounts 45 cases in turn.
		for i := range 45 {
			if _, err := db.Write.Exec("UPDATE cases SET author_id = $1 WHERE id = $2", authors[i%3], int64(10+i*7)); err != nil {
				t.Fatal(err)
			}
		}
		var caseID int64
		db.Read.QueryRow("SELECT max(id) FROM cases WHERE author_id = $1", authors[1]).Scan(&caseID)
		c, err := e.d.GetCase(ctx, caseID, Scope{})
		if err != nil {
			t.Fatal(err)
		}
		scopes := []Scope{{}, {Restricted: true, UnitID: e.units[1]}, {Restricted: true, UnitID: e.units[4]}}
		for _, sc := range scopes {
			rel, err := e.d.RelatedOf(ctx, c, sc)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, k := range rel.Cases {
				got = append(got, k.ID)
			}
			w := &where{}
			w.add("c.author_id IN (?, ?, ?)", authors[0], authors[1], authors[2])
			w.add("c.id <> ?", c.ID)
			scoped(w, sc, "c.unit_id")
			var want []int64
			rs, err := db.Read.Query("SELECT c.id FROM cases c"+w.sql()+" ORDER BY c.id DESC LIMIT 20", w.args...)
			if err != nil {
				t.Fatal(err)
			}
			for rs.Next() {
				var id int64
				rs.Scan(&id)
				want = append(want, id)
			}
			rs.Close()
			if !slices.Equal(got, want) {
				t.Fatalf("scope %+v: %v, want %v", sc, got, want)
			}
			if sc == (Scope{}) && len(got) != 20 {
				t.Fatalf("the desk sees %d of the citizen's other cases, want 20", len(got))
			}
			if len(rel.Authors) != 3 {
				t.Fatalf("%d identities", len(rel.Authors))
			}
		}
	})
}
