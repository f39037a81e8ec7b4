package desk_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/store"
)

// TimelineKind reads one kind of a case's events, in order, within the
// caller's scope (a reply's check for its own "queued" line reads those,
// not every event of a long case).
func TestTimelineKind(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		c := e.post(t, "a", "theft st=Jayanagar")
		other := e.post(t, "b", "noise st=Hebbal")
		for i, id := range []int64{c.ID, other.ID, c.ID} {
			if err := e.desk.ReplyQueued(ctx, id, e.users["asha"], map[string]any{"outbox_id": 100 + i}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.desk.Note(ctx, id, desk.Scope{}, e.users["asha"], "a note"); err != nil {
				t.Fatal(err)
			}
		}
		ev, err := e.desk.TimelineKind(ctx, c.ID, desk.Scope{}, desk.EventReplyQueued)
		if err != nil {
			t.Fatal(err)
		}
		if len(ev) != 2 || ev[0].Body["outbox_id"] != float64(100) || ev[1].Body["outbox_id"] != float64(102) || ev[0].ID >= ev[1].ID {
			t.Fatalf("the case's reply events: %+v", ev)
		}
		all, _ := e.desk.Timeline(ctx, c.ID, desk.Scope{})
		var want []desk.Event
		for _, x := range all {
			if x.Kind == desk.EventReplyQueued {
				want = append(want, x)
			}
		}
		if len(want) != len(ev) || want[0].ID != ev[0].ID || want[1].ID != ev[1].ID || len(all) <= len(ev) {
			t.Fatalf("not the timeline's reply events: %d of %d", len(ev), len(all))
		}
		if ev, _ := e.desk.TimelineKind(ctx, c.ID, desk.Scope{}, "no_such_kind"); ev == nil || len(ev) != 0 {
			t.Fatalf("an unknown kind: %+v", ev)
		}
		hebbal := desk.Scope{Restricted: true, UnitID: e.units["Hebbal"]}
		if _, err := e.desk.TimelineKind(ctx, c.ID, hebbal, desk.EventReplyQueued); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another station's case: %v", err)
		}
	})
}
