package desk_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/store"
)

func subjects(t *testing.T, e *env, f desk.CaseFilter, sc desk.Scope) []string {
	t.Helper()
	var all []string
	for {
		cs, next, err := e.desk.ListCases(context.Background(), f, sc)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, refs(cs)...)
		if next == "" {
			return all
		}
		f.Cursor = next
	}
}

// The inbox's three orders, walked a page of two at a time so every
// keyset condition is used, and its filters.
func TestInboxOrdersAndFilters(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		start := e.now
		a := e.post(t, "a", "A u=30 st=Hebbal")
		e.post(t, "b", "B emg u=85 st=Jayanagar sent=negative")
		e.post(t, "c", "C emg u=65 cat=missing_person lang=kn st=Koramangala")
		e.post(t, "d", "D u=70")
		e.post(t, "e", "E u=10 cat=appreciation")
		e.now = e.now.Add(10 * time.Minute)
		e.post(t, "f", "F u=30")

		triage := []string{"B emg u=85 st=Jayanagar sent=negative", "C emg u=65 cat=missing_person lang=kn st=Koramangala", "D u=70", "A u=30 st=Hebbal", "F u=30", "E u=10 cat=appreciation"}
		for _, limit := range []int{2, 50} {
			if got := subjects(t, e, desk.CaseFilter{Limit: limit}, desk.Scope{}); !slices.Equal(got, triage) {
				t.Fatalf("triage order (limit %d):\n got %q\nwant %q", limit, got, triage)
			}
			// Several statuses walk one branch each and merge in the same order.
			if got := subjects(t, e, desk.CaseFilter{Limit: limit, Status: []string{"new", "open"}}, desk.Scope{}); !slices.Equal(got, triage) {
				t.Fatalf("triage order over two statuses: %q", got)
			}
		}
		deadline := []string{triage[0], triage[1], "D u=70", "A u=30 st=Hebbal", "F u=30", "E u=10 cat=appreciation"}
		if got := subjects(t, e, desk.CaseFilter{Sort: desk.SortDeadline, Limit: 2}, desk.Scope{}); !slices.Equal(got, deadline) {
			t.Fatalf("deadline order: %q", got)
		}
		e.now = e.now.Add(time.Minute)
		if _, err := e.desk.Assign(ctx, a.ID, desk.Scope{}, 0, e.users["asha"]); err != nil {
			t.Fatal(err)
		}
		if got := subjects(t, e, desk.CaseFilter{Sort: desk.SortUpdated, Limit: 2}, desk.Scope{}); got[0] != "A u=30 st=Hebbal" || len(got) != 6 {
			t.Fatalf("updated order: %q", got)
		}
		// A cursor of one order is refused by another; an unknown order too.
		_, next, _ := e.desk.ListCases(ctx, desk.CaseFilter{Limit: 2}, desk.Scope{})
		if _, _, err := e.desk.ListCases(ctx, desk.CaseFilter{Sort: desk.SortUpdated, Cursor: next}, desk.Scope{}); err == nil {
			t.Fatal("a triage cursor was accepted by the updated order")
		}
		var inv *desk.InvalidError
		if _, _, err := e.desk.ListCases(ctx, desk.CaseFilter{Sort: "random"}, desk.Scope{}); !errors.As(err, &inv) || inv.Field != "sort" {
			t.Fatalf("unknown sort: %v", err)
		}

		for name, c := range map[string]struct {
			f    desk.CaseFilter
			want []string
		}{
			"lang":         {desk.CaseFilter{Lang: "kn"}, []string{triage[1]}},
			"sentiment":    {desk.CaseFilter{Sentiment: "negative"}, []string{triage[0]}},
			"urgency":      {desk.CaseFilter{MinUrgency: 65}, triage[:3]},
			"assignee":     {desk.CaseFilter{AssigneeID: e.users["asha"]}, []string{"A u=30 st=Hebbal"}},
			"unassigned":   {desk.CaseFilter{Unassigned: true, MinUrgency: 30}, []string{triage[0], triage[1], "D u=70", "F u=30"}},
			"since":        {desk.CaseFilter{Since: store.Millis(start.Add(5 * time.Minute))}, []string{"F u=30"}},
			"until":        {desk.CaseFilter{Until: store.Millis(start.Add(5 * time.Minute)), MinUrgency: 70}, []string{triage[0], "D u=70"}},
			"not overdue":  {desk.CaseFilter{Overdue: true}, nil},
			"search+order": {desk.CaseFilter{Q: "u", Sort: desk.SortDeadline, Limit: 1}, deadline},
		} {
			got := subjects(t, e, c.f, desk.Scope{})
			if !slices.Equal(got, c.want) {
				t.Errorf("%s: got %q want %q", name, got, c.want)
			}
		}
		// Past the critical cases' 15-minute first-response deadline they
		// are overdue, and once answered their clock is the resolution's.
		e.now = start.Add(16 * time.Minute)
		if got := subjects(t, e, desk.CaseFilter{Overdue: true}, desk.Scope{}); !slices.Equal(got, triage[:2]) {
			t.Fatalf("overdue: %q", got)
		}
		b, _, _ := e.desk.ListCases(ctx, desk.CaseFilter{Limit: 1}, desk.Scope{})
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			return e.desk.RecordReply(ctx, tx, desk.ReplyOutcome{CaseID: b[0].ID, Outcome: desk.ReplySent})
		}); err != nil {
			t.Fatal(err)
		}
		if got := subjects(t, e, desk.CaseFilter{Overdue: true}, desk.Scope{}); !slices.Equal(got, triage[1:2]) {
			t.Fatalf("overdue after a reply: %q", got)
		}
		if c, _ := e.desk.GetCase(ctx, b[0].ID, desk.Scope{}); c.DueAt == nil || !c.DueAt.Equal(start.Add(4*time.Hour)) {
			t.Fatalf("due_at after the first response should be the resolution deadline: %v", c.DueAt)
		}
	})
}

// A station officer sees their unit's cases; an officer of a division
// sees every station beneath it, and nothing else.
func TestScopeCoversUnitsBeneath(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		j := e.post(t, "a", "J st=Jayanagar")
		k := e.post(t, "b", "K st=Koramangala")
		h := e.post(t, "c", "H st=Hebbal")
		e.post(t, "d", "nowhere")
		for name, c := range map[string]struct {
			unit string
			want []string
		}{
			"station":  {"Jayanagar", []string{"J st=Jayanagar"}},
			"division": {"South Division", []string{"J st=Jayanagar", "K st=Koramangala"}},
			"none":     {"", nil},
		} {
			sc := desk.Scope{Restricted: true, UnitID: e.units[c.unit]}
			got := subjects(t, e, desk.CaseFilter{}, sc)
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s sees %q, want %q", name, got, c.want)
			}
		}
		south := desk.Scope{Restricted: true, UnitID: e.units["South Division"]}
		if _, err := e.desk.GetCase(ctx, k.ID, south); err != nil {
			t.Fatalf("division cannot open its station's case: %v", err)
		}
		if _, err := e.desk.GetCase(ctx, h.ID, south); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("division opened another division's case: %v", err)
		}
		posts, err := e.desk.ListPosts(ctx, desk.PostFilter{}, desk.Scope{Restricted: true, UnitID: e.units["Jayanagar"]})
		if err != nil || len(posts) != 1 || posts[0].CaseID != j.ID {
			t.Fatalf("station officer's posts: %v %v", posts, err)
		}
	})
}
