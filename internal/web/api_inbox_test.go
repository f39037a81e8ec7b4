package web_test

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// Every inbox parameter is checked: a bad value is a 400 naming it, and a
// good one is accepted (the desk's own tests cover what each selects).
func TestInboxParameters(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		mountAll(e)
		agent := e.tokens[auth.RoleAgent]
		for _, bad := range []struct{ q, field string }{
			{"sort=random", "sort"}, {"sort=urgency%27%3BDROP", "sort"}, {"status=new,bogus", "status"},
			{"assignee=someone", "assignee"}, {"assignee=-3", "assignee"}, {"urgency=101", "urgency"},
			{"urgency=x", "urgency"}, {"overdue=maybe", "overdue"}, {"since=yesterday", "since"},
			{"until=2026-13-01", "until"}, {"sentiment=angry", "sentiment"}, {"priority=9", "priority"},
			{"limit=0", "limit"}, {"cursor=garbage!", "cursor"},
		} {
			st, m, _ := e.req("GET", "/api/v1/cases?"+bad.q, agent, nil)
			want := 400
			if bad.field == "cursor" {
				want = 422 // the desk's own check: not a cursor it issued
			}
			if st != want || errField(m) != bad.field {
				t.Errorf("%s: %d %v", bad.q, st, m)
			}
		}
		for _, good := range []string{"sort=urgency", "sort=deadline", "sort=updated", "assignee=me", "assignee=none",
			"assignee=1", "urgency=60&overdue=true", "since=2026-11-01&until=2026-11-30", "since=2026-11-01T00:00:00Z",
			"sentiment=negative&lang=kn", "q=ಕೋರಮಂಗಲ&sort=deadline"} {
			if st, m, _ := e.req("GET", "/api/v1/cases?"+good, agent, nil); st != 200 {
				t.Errorf("%s: %d %v", good, st, m)
			}
		}
	})
}
